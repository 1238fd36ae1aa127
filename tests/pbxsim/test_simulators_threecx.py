"""What only the 3CX CDR generator makes: the 27 default fields, history and call ids,
the chain, rates and costs, transfers, extensions of any length.

What every family's month holds is tested in ``test_simulators_families.py``.
"""

import csv
import re
from zoneinfo import ZoneInfo

import pytest

from pbxsim.threecx import threecx_records
from smdr.parsers import Direction, ParserSettings
from smdr.parsers.threecx import DEFAULT_COLUMNS, ThreeCXParser

from .test_simulators_families import by_direction
from .test_simulators_registry import END, EXTENSIONS, START, month_of

CHAIN = DEFAULT_COLUMNS.index("chain")
TRUNKS = {"10000", "10001"}


def month():
    return month_of("3cx")


def test_lines_are_the_27_default_fields():
    """The 27 default fields (the last, missed queue calls, empty: a trailing comma),
    only the chain quoted."""
    lines = month().records
    rows = [next(csv.reader([line])) for line in lines]
    assert all(len(row) == len(DEFAULT_COLUMNS) == 27 for row in rows)
    assert all(line.endswith(",") for line in lines)
    for line, row in zip(lines, rows, strict=True):
        quoted = line.count('"')
        assert quoted == (2 if row[CHAIN] else 0)
        assert row[CHAIN] == "" or re.fullmatch(r"Chain: ([^,]+,){2,3}", row[CHAIN])


def test_history_ids_count_up():
    """3CX writes a record when the call ends, numbering them."""
    history = [int(call.details["history_id"]) for call in month().calls]
    assert history == list(range(history[0], history[0] + len(history)))


def test_call_ids_carry_the_start_in_milliseconds():
    """The call id is the start in milliseconds (hex, 16 digits), then a sequence."""
    for call in month().calls:
        milliseconds, _, sequence = call.pbx_call_id.partition("_")
        assert len(milliseconds) == 16 and sequence.isdigit()
        assert int(milliseconds, 16) // 1000 == int(call.start.timestamp())


def test_answered_calls_have_a_chain():
    lines, _, calls = month()
    for line, call in zip(lines, calls, strict=True):
        assert bool(next(csv.reader([line]))[CHAIN]) == call.answered


def test_outgoing_calls_leave_through_a_trunk_and_are_rated():
    """Answered outgoing calls leave through a trunk DN, rated and costed (toll-free
    ones not)."""
    outgoing = by_direction("3cx", Direction.OUTGOING)
    assert {call.trunk for call in outgoing if call.answered} == TRUNKS
    for call in outgoing:
        if call.answered and not call.number.startswith("00800"):
            rate = float(call.details["bill_rate"])
            cost = float(call.details["bill_cost"])
            assert cost == pytest.approx(call.duration_seconds * rate / 60, abs=0.006)
        else:
            assert "bill_cost" not in call.details


def test_incoming_calls_come_from_a_trunk_and_some_are_transferred():
    """Incoming calls come from a trunk DN; some are transferred to a colleague, who is
    the final party."""
    incoming = by_direction("3cx", Direction.INCOMING)
    assert {call.trunk for call in incoming} == TRUNKS
    transferred = [call for call in incoming if "reason_changed" in call.details]
    assert transferred
    for call in transferred:
        assert call.details["reason_changed"] == "ReplacedDst"
        assert call.details["final_number"] in EXTENSIONS
        assert call.details["final_number"] != call.extension
        assert call.details["final_dispname"]


def test_long_extensions_and_utc_times():
    """Extensions of any length; a 3CX that writes UTC is read with the zone UTC."""
    extensions = ["1234567890", "20"]
    utc = ZoneInfo("UTC")
    lines = threecx_records(
        count=200, start=START, end=END, extensions=extensions, time_zone=utc, seed=1
    )
    calls = [ThreeCXParser(ParserSettings(time_zone=utc)).parse(line) for line in lines]
    assert {call.extension for call in calls} == set(extensions)
    assert all(START <= call.start < END for call in calls)
