"""What only the Mitel MiVoice Business SMDR generator makes: 112-column records on
the template, the long-call flag, completion statuses, ANI and DNIS, a new year.

What every family's month holds is tested in ``test_simulators_families.py``.
"""

import datetime as dt

from smdr.parsers import Direction

from .test_simulators_families import by_direction
from .test_simulators_registry import CORDOBA, EXTENSIONS, month_of, parse_all, received


def month():
    return month_of("mitel-mivb")


def test_records_are_112_columns_on_the_template():
    """112 columns (90 and ANI/DNIS), ASCII, blanks where due."""
    records = month().records
    assert {len(record) for record in records} == {112}
    assert all(record.isascii() and record.isprintable() for record in records)
    template = "zmm/dd_hh:mmp_hh:mm:ss_pppp_fttt_" + "x" * 26 + "hsqqqqk_rrrr_"
    template += "a" * 12 + "siii__" + "_" + "a" * 10 + "_" + "d" * 10
    assert len(template) == 112
    # and the P.M. column: the 24-hour clock
    blanks = [column for column, symbol in enumerate(template) if symbol == "_"] + [12]
    assert all(record[column] == " " for record in records for column in blanks)


def test_long_call_flag_follows_the_duration():
    """Column 1: blank under 5 min, ``-`` to 9:59, ``%`` to 29:59, ``+`` beyond."""
    records, _, calls = month()
    for record, call in zip(records, calls, strict=True):
        seconds = call.duration_seconds
        flag = " " if seconds < 300 else "-" if seconds < 600 else "%" if seconds < 1800 else "+"
        assert record[0] == flag
    assert {record[0] for record in records} == set(" -%+")


def test_outgoing_calls_are_answered_on_answer_supervision():
    """Outgoing calls go out on trunks T001 to T030, answered when answer supervision
    (A) came back."""
    outgoing = by_direction("mitel-mivb", Direction.OUTGOING)
    assert all(call.trunk[0] == "T" and len(call.trunk) == 4 for call in outgoing)
    assert all(call.answered == (call.details.get("completion_status") == "A") for call in outgoing)


def test_incoming_calls_carry_ani_and_dnis():
    """Incoming calls come in on a trunk; DNIS is the site's DID; some are put through by
    the attendant, transferred, or ring out."""
    incoming = by_direction("mitel-mivb", Direction.INCOMING)
    assert all(call.trunk[0] == "T" for call in incoming)
    assert all(call.details["dnis"] == "351520" + call.extension for call in incoming)
    assert any(call.details.get("transfer_flag") == "T" for call in incoming)
    assert any(call.details.get("attendant") for call in incoming)
    assert any(not call.answered and call.ring_seconds for call in incoming)


def test_records_across_new_year_get_their_year():
    """Records of the last minutes of a year, received after midnight, are that year's."""
    start = dt.datetime(2026, 12, 31, 23, 50, tzinfo=CORDOBA)
    end = dt.datetime(2027, 1, 1, 0, 10, tzinfo=CORDOBA)
    pairs = received(
        "mitel-mivb", 200, start=start, end=end, extensions=EXTENSIONS, zone=CORDOBA, seed=1
    )
    calls = parse_all("mitel-mivb", pairs)
    assert all(start <= call.start < end for call in calls)
    assert {call.start.astimezone(CORDOBA).year for call in calls} == {2026, 2027}
