"""The IP Office SMDR generator: deterministic, realistic, and always parseable."""

import datetime as dt
import itertools
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from pbxsim.avaya_ipoffice import ipoffice_records
from smdr.parsers import Direction, ParserSettings
from smdr.parsers.avaya_ipoffice import AvayaIPOfficeParser

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
