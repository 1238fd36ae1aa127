"""The Avaya CM CDR generator: deterministic, realistic, and always parseable."""

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from capture.parsers import Direction, ParserSettings
from capture.parsers.avaya_cm import AvayaCMParser
from capture.simulators import avaya_cm
from capture.simulators.avaya_cm import avaya_cm_records, avaya_cm_timed_records

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
    return list(avaya_cm_records(**keywords(count, start, end, extensions, zone, seed)))


def timed(count=2_000, *, start=START, end=END, extensions=EXTENSIONS, zone=CORDOBA, seed=1):
    """``(received_at, record)`` pairs: each record arrives a few seconds after its call."""
    return [
        (dt.datetime.fromtimestamp(ended, dt.UTC) + DELAY, record)
        for ended, record in avaya_cm_timed_records(
            **keywords(count, start, end, extensions, zone, seed)
        )
    ]


def parse_all(pairs, zone=CORDOBA):
    """Parsed with the default options: the printer layout."""
    parser = AvayaCMParser(ParserSettings(time_zone=zone))
    return [parser.parse(record, received_at) for received_at, record in pairs]


def ended(call):
    """When the call ended: its start plus what the record timed (talk or ringing)."""
    return call.start + dt.timedelta(seconds=call.duration_seconds + call.ring_seconds)


@pytest.fixture(scope="module")
def month():
    """A month of records at a Córdoba site, when they arrive, and their calls."""
    pairs = timed()
    return pairs, parse_all(pairs)


def test_docstring_record_is_generated():
    """The module docstring shows the fourth of 12 records of seed 1, as generated."""
    record = "1324 0041 7 0   101 4546231         2001                             5"
    assert records(12)[3] == record
    assert record in avaya_cm.__doc__


def test_yields_count_printer_records(month):
    """Exactly ``count`` records on Table 31's columns, trailing blanks stripped."""
    pairs, _ = month
    assert len(pairs) == 2_000
    assert all(record.isascii() and record.isprintable() for _, record in pairs)
    assert all(record == record.rstrip() and len(record) <= 76 for _, record in pairs)
    separators = (4, 9, 11, 15, 19, 35, 41, 57)  # blank columns (0-based) of the layout
    for _, record in pairs:
        assert all(record[column] == " " for column in separators if column < len(record))


def test_every_record_parses_within_the_range_in_end_order(month):
    """Every record parses; calls start and end in [start, end), in order of end."""
    _, calls = month
    assert all(call is not None for call in calls)
    ends = [ended(call) for call in calls]
    assert ends == sorted(ends)
    assert all(end.second == 0 for end in ends)  # the time of day is HHMM
    assert min(call.start for call in calls) >= START
    assert ends[-1] < END


def test_parsed_times_are_the_generated_ones(month):
    """The parser's end (start plus duration) is when the generator ended the call."""
    pairs, calls = month
    for (received_at, _), call in zip(pairs, calls, strict=True):
        assert ended(call) == received_at - DELAY
        assert (call.duration_seconds + call.ring_seconds) % 6 == 0  # tenths of a minute


def test_answered_calls_last(month):
    """Answered calls have a duration; abandoned ones their ring time only."""
    _, calls = month
    assert all(call.duration_seconds > 0 for call in calls if call.answered)
    assert all(call.duration_seconds == 0 for call in calls if not call.answered)


def test_mixes_directions_and_condition_codes(month):
    """Outgoing, incoming and intraswitch calls; ARS, TAC, abandoned and busy codes."""
    _, calls = month
    directions = Counter(call.direction for call in calls)
    assert directions[Direction.OUTGOING] > directions[Direction.INCOMING] > 0
    assert directions[Direction.INTERNAL] > 0
    unanswered = sum(not call.answered for call in calls)
    assert 0.02 < unanswered / len(calls) < 0.35
    assert all(call.extension in EXTENSIONS for call in calls)
    codes = Counter(call.details["condition_code"] for call in calls)
    assert set(codes) == {"0", "7", "9", "A", "C", "H", "I"}


def test_outgoing_calls_go_through_ars_with_access_code_0(month):
    """ARS calls dial 0 and go out on a trunk group; the number follows the code."""
    _, calls = month
    outgoing = [call for call in calls if call.direction == Direction.OUTGOING]
    assert all(call.trunk in ("101", "102", "103") for call in outgoing)
    ars = [call for call in outgoing if call.details["condition_code"] == "7"]
    assert all(call.details["access_code_dialled"] == "0" for call in ars)
    assert all(call.details["frl"] for call in ars)
    numbers = [call.number for call in outgoing]
    assert all(number.isdigit() and len(number) <= 15 for number in numbers)
    assert any(len(number) == 7 and number[0] in "45" for number in numbers)  # local
    assert any(number.startswith("011") for number in numbers)  # Buenos Aires
    assert any(number.startswith("035115") for number in numbers)  # Córdoba mobile
    assert any(number.startswith("00") for number in numbers)  # international
    assert any(call.account_code for call in outgoing)


def test_incoming_calls_name_their_trunk_group_and_member(month):
    """The printer format has no caller number: the incoming trunk's access code."""
    _, calls = month
    incoming = [call for call in calls if call.direction == Direction.INCOMING]
    assert all(call.trunk in ("701", "702") and call.number == "" for call in incoming)
    assert all(len(call.details["incoming_circuit"]) == 3 for call in incoming)
    abandoned = [call for call in incoming if call.details["condition_code"] == "H"]
    assert abandoned
    assert all(call.ring_seconds > 0 and not call.answered for call in abandoned)


def test_intraswitch_calls_go_to_colleagues(month):
    """Condition code 0: one extension calls another."""
    _, calls = month
    internal = [call for call in calls if call.direction == Direction.INTERNAL]
    assert all(call.number in EXTENSIONS and call.number != call.extension for call in internal)


def test_durations_are_plausible(month):
    """Calls last up to a few hours, with a median of a minute or two."""
    _, calls = month
    assert max(call.duration_seconds for call in calls) <= 4 * 3600
    answered = sorted(call.duration_seconds for call in calls if call.answered)
    assert 20 < answered[len(answered) // 2] < 300


def test_calls_ending_soon_after_start_began_after_it():
    """In a short range every call starts and ends inside it, however long it was drawn."""
    end = START + dt.timedelta(minutes=3)
    calls = parse_all(timed(200, end=end))
    assert all(call.start >= START and ended(call) < end for call in calls)
