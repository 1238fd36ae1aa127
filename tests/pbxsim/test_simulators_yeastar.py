"""What only the Yeastar CDR generator makes: the S-Series report's 15 columns, call
ids from the start, voicemail, DIDs, recordings.

What every family's month holds is tested in ``test_simulators_families.py``.
"""

from smdr.parsers import Direction
from smdr.parsers.yeastar import S_SERIES_COLUMNS

from .test_simulators_families import by_direction
from .test_simulators_registry import month_of

TRUNKS = {"SIP-Trunk1", "SIP-Trunk2"}


def month():
    return month_of("yeastar")


def test_rows_are_the_15_s_series_columns():
    lines = month().records
    assert all(len(line.split(",")) == len(S_SERIES_COLUMNS) == 15 for line in lines)
    assert any(line.split(",")[11].endswith(".wav") for line in lines)  # recordings


def test_call_ids_carry_the_start():
    """The call id is the start (POSIX seconds), a dot, a sequence."""
    for call in month().calls:
        seconds, _, sequence = call.pbx_call_id.partition(".")
        assert int(seconds) == int(call.start.timestamp()) and sequence.isdigit()


def test_incoming_calls_reach_a_did_some_voicemail():
    incoming = by_direction("yeastar", Direction.INCOMING)
    assert {call.details["did"] for call in incoming} == {"3514450000", "3514450001"}
    assert {call.trunk for call in incoming} == TRUNKS
    voicemail = [call for call in incoming if call.details["status"] == "VOICEMAIL"]
    assert voicemail and not any(call.answered for call in voicemail)
