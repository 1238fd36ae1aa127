"""The 3CX CDR generator: deterministic, realistic, and always parseable."""

import csv
import datetime as dt
import itertools
import re
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def test_same_seed_same_lines():
    """The generator is deterministic: the seed alone decides the lines."""
    assert records(500, seed=3) == records(500, seed=3)
    assert records(500, seed=3) != records(500, seed=4)


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


def test_business_hours_are_busiest(month):
    """Most calls start on weekdays between 8 and 19, local time."""
    _, calls = month
    local = [call.start.astimezone(CORDOBA) for call in calls]
    office = sum(start.weekday() < 5 and 8 <= start.hour < 19 for start in local)
    assert office / len(calls) > 0.8


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


def test_a_single_extension_makes_no_internal_calls_or_transfers():
    """With one extension there is nobody to call or transfer to inside."""
    calls = [parser().parse(line) for line in records(300, extensions=["201"])]
    assert all(call.direction != Direction.INTERNAL for call in calls)
    assert not any("final_number" in call.details for call in calls)


def test_long_extensions_and_utc_times():
    """Extensions of any length; a 3CX that writes UTC is read with the zone UTC."""
    extensions = ["1234567890", "20"]
    lines = records(200, extensions=extensions, zone=ZoneInfo("UTC"))
    calls = [parser(ZoneInfo("UTC")).parse(line) for line in lines]
    assert {call.extension for call in calls} == set(extensions)
    assert all(START <= call.start < END for call in calls)


def test_zero_count_yields_nothing():
    """``count=0`` is an empty stream."""
    assert records(0) == []


@pytest.mark.parametrize(
    "arguments",
    [
        {"start": dt.datetime(2026, 10, 1)},
        {"end": START},
        {"extensions": []},
        {"extensions": ["20a"]},
        {"count": -1},
    ],
)
def test_bad_arguments_fail_at_the_call(arguments):
    """Bad arguments raise ValueError when called, before any line is asked for."""
    keywords = {
        "count": 10,
        "start": START,
        "end": END,
        "extensions": EXTENSIONS,
        "time_zone": CORDOBA,
    } | arguments
    with pytest.raises(ValueError):
        threecx_records(**keywords)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    count=st.integers(min_value=1, max_value=60),
    start=st.datetimes(
        min_value=dt.datetime(2000, 1, 1),
        max_value=dt.datetime(2035, 1, 1),
        timezones=st.just(dt.UTC),
    ),
    span_seconds=st.integers(min_value=1, max_value=90 * 86_400),
    zone=st.sampled_from(
        ["America/Argentina/Cordoba", "Europe/London", "Australia/Lord_Howe", "Asia/Kathmandu"]
    ),
    extensions=st.lists(st.from_regex(r"[0-9]{2,5}", fullmatch=True), min_size=1, max_size=5),
)
def test_every_generated_line_parses(seed, count, start, span_seconds, zone, extensions):
    """Whatever the seed, span, zone and extensions, every line parses in range."""
    time_zone = ZoneInfo(zone)
    end = start + dt.timedelta(seconds=span_seconds)
    lines = records(count, start=start, end=end, extensions=extensions, zone=time_zone, seed=seed)
    assert len(lines) == count
    parse = parser(time_zone).parse
    calls = [parse(line, end + dt.timedelta(seconds=5)) for line in lines]
    for call in calls:
        assert start - FOLD <= call.start < end
        assert call.answered == (call.duration_seconds > 0)
        assert call.extension in extensions
    for first, second in itertools.pairwise(calls):
        # Ring times come from the printed times, which a DST fold may put 1 h apart.
        assert call_end(second) >= call_end(first) - 2 * FOLD
