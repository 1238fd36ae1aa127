"""The Panasonic KX SMDR generator: deterministic, realistic, and always parseable."""

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from capture.parsers import Direction, ParserSettings
from capture.parsers.panasonic import PanasonicParser
from capture.simulators import panasonic as module
from capture.simulators.panasonic import panasonic_records

CORDOBA = ZoneInfo("America/Argentina/Cordoba")
END = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
START = END - dt.timedelta(days=30)
EXTENSIONS = [str(number) for number in range(2000, 2060)]
# The PBX prints the end to the minute: a start (end minus duration) may read 59 s early.
MINUTE = dt.timedelta(seconds=60)


def records(count=2_000, *, start=START, end=END, extensions=EXTENSIONS, zone=CORDOBA, seed=1):
    return list(
        panasonic_records(
            count=count,
            start=start,
            end=end,
            extensions=extensions,
            time_zone=zone,
            seed=seed,
        )
    )


def parser(zone=CORDOBA):
    """The parser with its default options: pattern detected, month/day/year."""
    return PanasonicParser(ParserSettings(time_zone=zone))


@pytest.fixture(scope="module")
def month():
    """2,000 lines of a month at a Córdoba site and what the parser makes of them."""
    lines = records()
    parse = parser().parse
    # The date is printed: the receipt does not matter; a minute after the range will do.
    return lines, [parse(line, END + MINUTE) for line in lines]


def test_yields_count_pattern_a_lines_without_terminators(month):
    """Exactly ``count`` 80-column ASCII lines, the duration where Pattern A has it."""
    lines, _ = month
    assert len(lines) == 2_000
    assert all(len(line) == 80 and line.isascii() for line in lines)
    assert all(line[59] == ":" and line[62] == "'" for line in lines)
    assert not any("\r" in line or "\n" in line or "\x00" in line for line in lines)


def test_docstring_line_is_generated():
    """The module docstring shows a line the generator really makes."""
    shown = "10/08/26 10:31AM  2057 09 <I>PEREZ JUAN3514436993   0'09 00:02'31            AN"
    assert shown in module.__doc__
    assert shown + " " in records(300, seed=5)


def test_every_line_parses_within_the_range_in_end_order(month):
    """Every line is a call; ends (printed) ascend, and starts lie in [start, end)."""
    _, calls = month
    assert all(call is not None for call in calls)
    ends = [call.start + dt.timedelta(seconds=call.duration_seconds) for call in calls]
    assert ends == sorted(ends)
    assert ends[0] >= START
    assert ends[-1] < END
    assert all(START - MINUTE <= call.start < END for call in calls)


def test_answered_calls_last_and_some_are_not_answered(month):
    """Answered calls have a duration; unanswered ones say NA or last 00:00'00."""
    _, calls = month
    assert all(call.duration_seconds > 0 for call in calls if call.answered)
    unanswered = [call for call in calls if not call.answered]
    assert 0.05 < len(unanswered) / len(calls) < 0.35
    assert all(call.duration_seconds == 0 for call in unanswered)


def test_mixes_directions(month):
    """Outgoing, incoming and intercom calls all appear, outgoing the most."""
    _, calls = month
    directions = Counter(call.direction for call in calls)
    assert directions[Direction.OUTGOING] > directions[Direction.INCOMING] > 0
    assert directions[Direction.INTERNAL] > 0
    assert all(call.extension in EXTENSIONS for call in calls)
    internal = [call for call in calls if call.direction == Direction.INTERNAL]
    assert all(call.number in EXTENSIONS and not call.trunk for call in internal)


def test_outgoing_calls_dial_the_access_code_and_argentine_numbers(month):
    """Outgoing numbers start with the access code 0; local, national, mobile, abroad."""
    _, calls = month
    outgoing = [call for call in calls if call.direction == Direction.OUTGOING]
    numbers = [call.number for call in outgoing]
    assert all(number.startswith("0") and number.isdigit() for number in numbers)
    assert all(call.trunk.isdigit() and len(call.trunk) == 2 for call in outgoing)
    assert all(call.ring_seconds == 0 for call in outgoing)
    assert any(len(number) == 8 and number[1] in "45" for number in numbers)  # local
    assert any(number.startswith("0011") for number in numbers)  # Buenos Aires
    assert any(number.startswith("0035115") for number in numbers)  # Córdoba mobile
    assert any(number.startswith("000") for number in numbers)  # international
    assert any(call.account_code for call in outgoing)


def test_incoming_calls_carry_the_caller_id(month):
    """Incoming calls ring, come in on a trunk with the CLI, now and then a name or DDI."""
    _, calls = month
    incoming = [call for call in calls if call.direction == Direction.INCOMING]
    assert all(call.trunk and call.ring_seconds > 0 for call in incoming)
    assert all(call.number == "" or len(call.number) == 10 for call in incoming)
    assert any(call.number.startswith("351") for call in incoming)
    assert any(call.number == "" for call in incoming)  # withheld
    assert any("name" in call.details for call in incoming)
    assert any(call.details.get("ddi") == "52" + call.extension.zfill(5) for call in incoming)
    conditions = Counter(call.details["condition"] for call in incoming)
    assert set(conditions) == {"AN", "NA", "TR"}


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
    assert all(start - MINUTE <= call.start < end for call in calls)
    for call in calls:
        assert call.start + dt.timedelta(seconds=call.duration_seconds) < end
    assert any(call.answered for call in calls)
