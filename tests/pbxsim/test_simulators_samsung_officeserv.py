"""What only the Samsung OfficeServ SMDR generator makes: 153-character records, call
ids that count up, abandoned calls, authorisation codes, ring groups.

What every family's month holds is tested in ``test_simulators_families.py``.
"""

import itertools

from smdr.parsers import Direction

from .test_simulators_families import by_direction
from .test_simulators_registry import month_of


def month():
    return month_of("samsung-officeserv")


def test_records_are_153_characters_without_their_nul():
    """153 characters (154 bytes with the framer's NUL)."""
    lines = month().records
    assert all(len(line) == 153 and line.isascii() for line in lines)
    assert all(line[28] == "/" and line[43] == ":" for line in lines)


def test_call_ids_count_up():
    """Each record has its own call id, one more than the last."""
    ids = [int(call.pbx_call_id) for call in month().calls]
    assert all(second == first + 1 for first, second in itertools.pairwise(ids))


def test_abandoned_calls_rang_and_were_not_answered():
    abandoned = [call for call in month().calls if call.details["flag"] == "A"]
    assert abandoned
    assert all(call.ring_seconds >= 5 and not call.answered for call in abandoned)


def test_outgoing_calls_do_not_ring_and_some_carry_an_authorisation_code():
    outgoing = by_direction("samsung-officeserv", Direction.OUTGOING)
    assert all(call.ring_seconds == 0 for call in outgoing)
    assert any("auth_code" in call.details for call in outgoing)


def test_incoming_calls_ring_and_some_come_through_a_ring_group():
    incoming = by_direction("samsung-officeserv", Direction.INCOMING)
    assert all(call.ring_seconds > 0 for call in incoming)
    assert any("group" in call.details for call in incoming)
