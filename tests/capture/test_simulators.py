"""The IP Office SMDR generator: deterministic, realistic, and always parseable."""

import datetime as dt
import itertools
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capture.parsers import Direction, ParserSettings
from capture.parsers.avaya_ipoffice import AvayaIPOfficeParser
from capture.simulators.avaya_ipoffice import ipoffice_records

CORDOBA = ZoneInfo("America/Argentina/Cordoba")
END = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
START = END - dt.timedelta(days=30)
EXTENSIONS = [str(number) for number in range(2000, 2060)]


def records(count=5_000, *, start=START, end=END, extensions=EXTENSIONS, zone=CORDOBA, seed=1):
    return list(
        ipoffice_records(
            count=count,
            start=start,
            end=end,
            extensions=extensions,
            time_zone=zone,
            seed=seed,
        )
    )


@pytest.fixture(scope="module")
def month():
    """A month of records at a Córdoba site and what the parser makes of them."""
    lines = records()
    parser = AvayaIPOfficeParser(ParserSettings(time_zone=CORDOBA))
    return lines, [parser.parse(line) for line in lines]


def test_same_seed_same_lines():
    """The generator is deterministic: the seed alone decides the lines."""
    assert records(500, seed=3) == records(500, seed=3)
    assert records(500, seed=3) != records(500, seed=4)


def test_yields_count_lines_of_30_fields_without_terminators(month):
    """Exactly ``count`` lines (segments included), 30 fields each, no CR or LF."""
    lines, _ = month
    assert len(lines) == 5_000
    assert all(line.count(",") == 29 for line in lines)
    assert not any("\r" in line or "\n" in line for line in lines)


def test_every_line_parses_within_the_range_in_order(month):
    """Every line parses; Call Starts are in [start, end) and never go backwards."""
    _, calls = month
    assert all(call is not None for call in calls)
    starts = [call.start for call in calls]
    assert starts == sorted(starts)
    assert starts[0] >= START
    assert starts[-1] < END


def test_mixes_directions_and_outcomes(month):
    """Outgoing, incoming and internal calls, answered and not, all appear."""
    _, calls = month
    directions = Counter(call.direction for call in calls)
    assert directions[Direction.OUTGOING] > directions[Direction.INCOMING] > 0
    assert directions[Direction.INTERNAL] > 0
    unanswered = sum(not call.answered for call in calls)
    assert 0.05 < unanswered / len(calls) < 0.35
    assert all(call.extension in EXTENSIONS for call in calls)


def test_outgoing_calls_dial_the_access_code_and_argentine_numbers(month):
    """Outgoing numbers start with the access code 0; local, national, mobile, abroad."""
    _, calls = month
    numbers = [call.number for call in calls if call.direction == Direction.OUTGOING]
    assert all(number.startswith("0") and number.isdigit() for number in numbers)
    assert all(call.trunk for call in calls if call.direction == Direction.OUTGOING)
    assert any(len(number) == 8 and number[1] in "45" for number in numbers)  # local
    assert any(number.startswith("0011") for number in numbers)  # Buenos Aires
    assert any(number.startswith("0035115") for number in numbers)  # Córdoba mobile
    assert any(number.startswith("000") for number in numbers)  # international


def test_incoming_calls_carry_the_caller_id(month):
    """Incoming calls come in on a trunk; the number is the CLI, some from SIP peers."""
    _, calls = month
    incoming = [call for call in calls if call.direction == Direction.INCOMING]
    assert all(call.trunk for call in incoming)
    assert any(call.number.startswith("351") for call in incoming)
    assert any("caller_ip" in call.details for call in incoming)


def test_multi_segment_calls_share_the_call_id(month):
    """A segment with Continuation 1 is followed by the last one, same Call ID and start."""
    _, calls = month
    pairs = [
        (first, second)
        for first, second in itertools.pairwise(calls)
        if first.details.get("continuation")
    ]
    assert pairs
    for first, second in pairs:
        assert second.pbx_call_id == first.pbx_call_id
        assert second.start == first.start
        assert "continuation" not in second.details
    assert len({call.pbx_call_id for call in calls}) == len(calls) - len(pairs)


def test_business_hours_are_busiest(month):
    """Most calls start on weekdays between 8 and 19, local time."""
    _, calls = month
    local = [call.start.astimezone(CORDOBA) for call in calls]
    office = sum(start.weekday() < 5 and 8 <= start.hour < 19 for start in local)
    assert office / len(calls) > 0.8


def test_some_names_are_not_ascii(month):
    """Names come in UTF-8 now and then (accents; Cyrillic, Polish, ...)."""
    lines, _ = month
    assert any(not line.isascii() for line in lines)


def test_durations_and_ring_times_are_plausible(month):
    """Calls last up to a few hours and ring for under a minute."""
    _, calls = month
    assert max(call.duration_seconds for call in calls) <= 4 * 3600
    assert max(call.ring_seconds for call in calls) <= 60
    answered = sorted(call.duration_seconds for call in calls if call.answered)
    assert 20 < answered[len(answered) // 2] < 300


def test_a_single_extension_makes_no_internal_calls():
    """With one extension there is nobody to call or transfer to inside."""
    parser = AvayaIPOfficeParser(ParserSettings(time_zone=CORDOBA))
    calls = [parser.parse(line) for line in records(300, extensions=["201"])]
    assert all(call.direction != Direction.INTERNAL for call in calls)
    assert all(not call.details.get("continuation") for call in calls)


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
        ipoffice_records(**keywords)


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
    parser = AvayaIPOfficeParser(ParserSettings(time_zone=time_zone))
    first_second = start.replace(microsecond=0)
    for line in lines:
        call = parser.parse(line)
        # A local time in a DST fold is read as its first occurrence, up to 1 h early.
        assert first_second - dt.timedelta(hours=1) <= call.start < end
