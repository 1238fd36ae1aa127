"""The Mitel 5000 SMDR generator: deterministic, realistic, and always parseable."""

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from capture.parsers import Direction, ParserSettings
from capture.parsers.mitel_5000 import Mitel5000Parser
from capture.simulators import mitel_5000
from capture.simulators.mitel_5000 import mitel_5000_records, mitel_5000_timed_records

CORDOBA = ZoneInfo("America/Argentina/Cordoba")
END = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
START = END - dt.timedelta(days=30)
EXTENSIONS = [str(number) for number in range(2000, 2060)]
DELAY = dt.timedelta(seconds=5)  # from the end of a call to its record's arrival


def keywords(count, start, end, extensions, zone, seed):
    return {
        "count": count,
        "start": start,
        "end": end,
        "extensions": extensions,
        "time_zone": zone,
        "seed": seed,
    }


def records(count=2_000, *, start=START, end=END, extensions=EXTENSIONS, zone=CORDOBA, seed=1):
    return list(mitel_5000_records(**keywords(count, start, end, extensions, zone, seed)))


def timed(count=2_000, *, start=START, end=END, extensions=EXTENSIONS, zone=CORDOBA, seed=1):
    """``(received_at, record)`` pairs: each record arrives a few seconds after its call."""
    return [
        (dt.datetime.fromtimestamp(ended, dt.UTC) + DELAY, record)
        for ended, record in mitel_5000_timed_records(
            **keywords(count, start, end, extensions, zone, seed)
        )
    ]


def parse_all(pairs, zone=CORDOBA):
    parser = Mitel5000Parser(ParserSettings(time_zone=zone))
    return [parser.parse(record, received_at) for received_at, record in pairs]


@pytest.fixture(scope="module")
def month():
    """A month of records at a Córdoba site, when they arrive, and their calls."""
    pairs = timed()
    return pairs, parse_all(pairs)


def test_docstring_record_is_generated():
    """The module docstring shows the second of 12 records of seed 1, as generated."""
    record = "TLD 2050  92006 03421018954                  13:56 00:05:59 $00.00             *"
    assert records(12)[1] == record
    assert record in mitel_5000.__doc__


def test_yields_count_records_of_80_columns_without_terminators(month):
    """Exactly ``count`` records, 80 columns each (trailing blanks kept), no CR or LF."""
    pairs, _ = month
    assert len(pairs) == 2_000
    assert {len(record) for _, record in pairs} == {80}
    assert all(record.isascii() and record.isprintable() for _, record in pairs)


def test_every_record_parses_within_the_range_in_order(month):
    """Every record parses; STARTs are whole minutes in [start, end), never going back."""
    _, calls = month
    assert all(call is not None for call in calls)
    starts = [call.start for call in calls]
    assert starts == sorted(starts)
    assert starts[0] >= START
    assert starts[-1] < END
    assert all(start.second == 0 for start in starts)


def test_parsed_times_are_the_generated_ones(month):
    """The call ended ELAPSED (talk, or ringing for a ring-in) after START."""
    pairs, calls = month
    for (received_at, _), call in zip(pairs, calls, strict=True):
        ended = received_at - DELAY
        assert ended - call.start == dt.timedelta(seconds=call.duration_seconds + call.ring_seconds)


def test_answered_calls_last(month):
    """Answered calls have a duration; unanswered ones have none."""
    _, calls = month
    assert all(call.duration_seconds > 0 for call in calls if call.answered)
    assert all(call.duration_seconds == 0 for call in calls if not call.answered)


def test_mixes_directions_and_outcomes(month):
    """Outgoing, incoming and internal (NET) calls, answered and not, all appear."""
    _, calls = month
    directions = Counter(call.direction for call in calls)
    assert directions[Direction.OUTGOING] > directions[Direction.INCOMING] > 0
    assert directions[Direction.INTERNAL] > 0
    unanswered = sum(not call.answered for call in calls)
    assert 0.05 < unanswered / len(calls) < 0.35
    assert all(call.extension in EXTENSIONS for call in calls if call.extension)
    types = Counter(call.details["call_type"] for call in calls)
    assert {"LOC", "TLC", "TLD", "000", "O/I", "IN", "DID", "NET"} <= set(types)


def test_outgoing_calls_print_argentine_numbers_without_the_access_code(month):
    """DIALED DIGITS: local, national, mobile and international numbers, no access code."""
    _, calls = month
    outgoing = [call for call in calls if call.direction == Direction.OUTGOING]
    numbers = [call.number for call in outgoing]
    assert all(number.isdigit() for number in numbers)
    assert all(call.trunk.isdigit() and len(call.trunk) == 5 for call in outgoing)
    assert any(len(number) == 7 and number[0] in "45" for number in numbers)  # local
    assert any(number.startswith("011") for number in numbers)  # Buenos Aires
    assert any(number.startswith("035115") for number in numbers)  # Córdoba mobile
    assert any(number.startswith("00") for number in numbers)  # international
    assert any(call.details.get("trunk_disconnected_first") for call in outgoing)


def test_incoming_calls_carry_the_caller_id(month):
    """Incoming calls come in on a trunk with the CLI; ring-ins nobody answered too."""
    _, calls = month
    incoming = [call for call in calls if call.direction == Direction.INCOMING]
    assert all(call.trunk for call in incoming)
    assert any(call.number.startswith("351") for call in incoming)
    rang_out = [call for call in incoming if not call.answered]
    assert rang_out
    assert all(call.extension == "" and call.ring_seconds > 0 for call in rang_out)


def test_network_calls_go_to_colleagues_over_ip(month):
    """NET calls: from one extension to another over an IP connection P000n."""
    _, calls = month
    internal = [call for call in calls if call.direction == Direction.INTERNAL]
    assert all(call.trunk.startswith("P000") for call in internal)
    assert all(call.number in EXTENSIONS and call.number != call.extension for call in internal)


def test_durations_are_plausible(month):
    """Calls last up to a few hours, with a median of a minute or two."""
    _, calls = month
    assert max(call.duration_seconds for call in calls) <= 4 * 3600
    answered = sorted(call.duration_seconds for call in calls if call.answered)
    assert 20 < answered[len(answered) // 2] < 300
