"""The 3CX CDR generator: deterministic, realistic, and always parseable."""

import csv
import datetime as dt
import re
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from capture.parsers import Direction, ParserSettings
from capture.parsers.threecx import DEFAULT_COLUMNS, ThreeCXParser
from capture.simulators import threecx as module
from capture.simulators.threecx import threecx_records

CORDOBA = ZoneInfo("America/Argentina/Cordoba")
END = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
START = END - dt.timedelta(days=30)
EXTENSIONS = [str(number) for number in range(2000, 2060)]
# A local time in a DST fold is read as its first occurrence, up to 1 h early.
FOLD = dt.timedelta(hours=1)
CHAIN = DEFAULT_COLUMNS.index("chain")


def records(count=2_000, *, start=START, end=END, extensions=EXTENSIONS, zone=CORDOBA, seed=1):
    return list(
        threecx_records(
            count=count,
            start=start,
            end=end,
            extensions=extensions,
            time_zone=zone,
            seed=seed,
        )
    )


def parser(zone=CORDOBA):
    """The parser with its default options: the 27 fields in the default order."""
    return ThreeCXParser(ParserSettings(time_zone=zone))


def call_end(call):
    return call.start + dt.timedelta(seconds=call.ring_seconds + call.duration_seconds)


def docstring_record(doc):
    """The wrapped record of a docstring's first literal block, joined into one line."""
    block = doc.split("::\n\n", 1)[1].split("\n\n", 1)[0]
    return "".join(line.strip() for line in block.splitlines())


@pytest.fixture(scope="module")
def month():
    """2,000 lines of a month at a Córdoba site and what the parser makes of them."""
    lines = records()
    parse = parser().parse
    return lines, [parse(line, END + dt.timedelta(minutes=1)) for line in lines]


def test_yields_count_lines_of_27_fields_without_terminators(month):
    """Exactly ``count`` lines of the 27 default fields (the last, missed queue calls,
    empty: a trailing comma), only the chain quoted, no CR or LF."""
    lines, _ = month
    assert len(lines) == 2_000
    assert not any("\r" in line or "\n" in line or "\x00" in line for line in lines)
    rows = [next(csv.reader([line])) for line in lines]
    assert all(len(row) == len(DEFAULT_COLUMNS) == 27 for row in rows)
    assert all(line.endswith(",") for line in lines)
    for line, row in zip(lines, rows, strict=True):
        quoted = line.count('"')
        assert quoted == (2 if row[CHAIN] else 0)
        assert row[CHAIN] == "" or re.fullmatch(r"Chain: ([^,]+,){2,3}", row[CHAIN])


def test_docstring_line_is_generated():
    """The module docstring shows a line the generator really makes."""
    shown = docstring_record(module.__doc__)
    assert shown.startswith("Call 53832,")
    assert shown in records(300, seed=5)


def test_every_line_parses_within_the_range_in_end_order(month):
    """Every line is a call; ends and history ids ascend (3CX writes a record when the
    call ends) and every call starts and ends in [start, end)."""
    _, calls = month
    assert all(call is not None for call in calls)
    ends = [call_end(call) for call in calls]
    assert ends == sorted(ends)
    assert all(START <= call.start < END for call in calls)
    assert ends[-1] < END
    history = [int(call.details["history_id"]) for call in calls]
    assert history == list(range(history[0], history[0] + len(calls)))
    assert len({call.pbx_call_id for call in calls}) == len(calls)


def test_call_ids_carry_the_start_in_milliseconds(month):
    """The call id is the start in milliseconds (hex, 16 digits), then a sequence."""
    _, calls = month
    for call in calls:
        milliseconds, _, sequence = call.pbx_call_id.partition("_")
        assert len(milliseconds) == 16 and sequence.isdigit()
        assert int(milliseconds, 16) // 1000 == int(call.start.timestamp())


def test_answered_calls_last_and_some_are_not_answered(month):
    """Answered calls have a duration and a chain; the others neither, and failed."""
    lines, calls = month
    assert all(call.duration_seconds > 0 for call in calls if call.answered)
    unanswered = [call for call in calls if not call.answered]
    assert 0.05 < len(unanswered) / len(calls) < 0.35
    assert all(call.duration_seconds == 0 for call in unanswered)
    reasons = Counter(call.details["reason_terminated"] for call in unanswered)
    assert set(reasons) == {"Failed", "Failed_Cancelled"}
    for line, call in zip(lines, calls, strict=True):
        assert bool(next(csv.reader([line]))[CHAIN]) == call.answered


def test_mixes_directions(month):
    """Outgoing, incoming and internal calls all appear, outgoing the most."""
    _, calls = month
    directions = Counter(call.direction for call in calls)
    assert directions[Direction.OUTGOING] > directions[Direction.INCOMING] > 0
    assert directions[Direction.INTERNAL] > 0
    assert all(call.extension in EXTENSIONS for call in calls)
    internal = [call for call in calls if call.direction == Direction.INTERNAL]
    assert all(call.number in EXTENSIONS and not call.trunk for call in internal)


def test_outgoing_calls_dial_the_access_code_and_are_rated(month):
    """Outgoing numbers start with the access code 0 and leave through a trunk DN;
    answered ones are rated and costed (toll-free ones not)."""
    _, calls = month
    outgoing = [call for call in calls if call.direction == Direction.OUTGOING]
    numbers = [call.number for call in outgoing]
    assert all(number.startswith("0") and number.isdigit() for number in numbers)
    assert {call.trunk for call in outgoing if call.answered} == {"10000", "10001"}
    assert any(len(number) == 8 and number[1] in "45" for number in numbers)  # local
    assert any(number.startswith("0011") for number in numbers)  # Buenos Aires
    assert any(number.startswith("0035115") for number in numbers)  # Córdoba mobile
    assert any(number.startswith("000") for number in numbers)  # international
    assert any(call.account_code for call in outgoing)
    for call in outgoing:
        if call.answered and not call.number.startswith("00800"):
            rate = float(call.details["bill_rate"])
            cost = float(call.details["bill_cost"])
            assert cost == pytest.approx(call.duration_seconds * rate / 60, abs=0.006)
        else:
            assert "bill_cost" not in call.details


def test_incoming_calls_carry_the_caller_id(month):
    """Incoming calls come from a trunk DN with the CLI (or anonymous); some are
    transferred to a colleague, who is the final party."""
    _, calls = month
    incoming = [call for call in calls if call.direction == Direction.INCOMING]
    assert {call.trunk for call in incoming} == {"10000", "10001"}
    assert all(call.number == "anonymous" or call.number.isdigit() for call in incoming)
    assert any(call.number.startswith("351") for call in incoming)
    assert any(call.number == "anonymous" for call in incoming)
    assert any(call.details.get("from_dispname") == "GOMEZ MARIA" for call in incoming)
    transferred = [call for call in incoming if "reason_changed" in call.details]
    assert transferred
    for call in transferred:
        assert call.details["reason_changed"] == "ReplacedDst"
        assert call.details["final_number"] in EXTENSIONS
        assert call.details["final_number"] != call.extension
        assert call.details["final_dispname"]


def test_durations_and_ring_times_are_plausible(month):
    """Calls last up to a few hours and ring for under a minute."""
    _, calls = month
    assert max(call.duration_seconds for call in calls) <= 4 * 3600
    assert max(call.ring_seconds for call in calls) <= 60
    answered = sorted(call.duration_seconds for call in calls if call.answered)
    assert 20 < answered[len(answered) // 2] < 300


def test_short_range_calls_start_inside_it():
    """In a two-minute window (the live simulator's) calls are cut to fit after its start."""
    end = dt.datetime(2026, 10, 14, 13, 0, 30, tzinfo=dt.UTC)
    start = end - dt.timedelta(minutes=2)
    calls = [parser().parse(line) for line in records(200, start=start, end=end)]
    assert all(start <= call.start and call_end(call) < end for call in calls)
    assert any(call.answered for call in calls)


def test_long_extensions_and_utc_times():
    """Extensions of any length; a 3CX that writes UTC is read with the zone UTC."""
    extensions = ["1234567890", "20"]
    lines = records(200, extensions=extensions, zone=ZoneInfo("UTC"))
    calls = [parser(ZoneInfo("UTC")).parse(line) for line in lines]
    assert {call.extension for call in calls} == set(extensions)
    assert all(START <= call.start < END for call in calls)
