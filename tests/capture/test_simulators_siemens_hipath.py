"""The Siemens HiPath call charge generator: deterministic, realistic, always parseable."""

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from capture.parsers import Direction, ParserSettings
from capture.parsers.siemens_hipath import SiemensHiPathParser
from capture.simulators import siemens_hipath
from capture.simulators.siemens_hipath import (
    siemens_hipath_records,
    siemens_hipath_timed_records,
)

CORDOBA = ZoneInfo("America/Argentina/Cordoba")
END = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
START = END - dt.timedelta(days=30)
EXTENSIONS = [str(number) for number in range(200, 260)]
DELAY = dt.timedelta(seconds=5)  # from the end of a call to its line's arrival


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
    return list(siemens_hipath_records(**keywords(count, start, end, extensions, zone, seed)))


def timed(count=2_000, *, start=START, end=END, extensions=EXTENSIONS, zone=CORDOBA, seed=1):
    """``(received_at, line)`` pairs: each line arrives a few seconds after its call."""
    return [
        (dt.datetime.fromtimestamp(ended, dt.UTC) + DELAY, record)
        for ended, record in siemens_hipath_timed_records(
            **keywords(count, start, end, extensions, zone, seed)
        )
    ]


def parse_all(pairs, zone=CORDOBA):
    """Parsed with the default options: the compressed layout, no ring notices."""
    parser = SiemensHiPathParser(ParserSettings(time_zone=zone))
    return [parser.parse(record, received_at) for received_at, record in pairs]


def ended(call):
    """When the call ended: the start is the end minus the connected time."""
    return call.start + dt.timedelta(seconds=call.duration_seconds)


@pytest.fixture(scope="module")
def month():
    """A month of lines at a Córdoba site, when they arrive, and their calls."""
    pairs = timed()
    return pairs, parse_all(pairs)


def test_docstring_record_is_generated():
    """The module docstring shows the ninth of 12 lines of seed 1, in two pieces."""
    pieces = (
        "21.10.2608:16:58 14   230     00:03:1702614114701                        5 21001",
        "                      0 1",
    )
    assert records(12)[8] == "".join(pieces)
    assert all(f'"{piece}"' in siemens_hipath.__doc__ for piece in pieces)


def test_yields_count_compressed_lines(month):
    """Exactly ``count`` lines on Table 7-1's columns, trailing blanks stripped."""
    pairs, _ = month
    assert len(pairs) == 2_000
    assert all(record.isascii() and record.isprintable() for _, record in pairs)
    assert all(record == record.rstrip() for _, record in pairs)
    assert {len(record) for _, record in pairs} <= {76, 98, 105}
    for _, record in pairs:
        assert (record[2], record[5], record[10], record[13]) == (".", ".", ":", ":")


def test_every_line_parses_within_the_range_in_end_order(month):
    """Every line parses; calls start and end in [start, end), in order of end."""
    _, calls = month
    assert all(call is not None for call in calls)
    ends = [ended(call) for call in calls]
    assert ends == sorted(ends)
    assert min(call.start for call in calls) >= START
    assert ends[-1] < END


def test_parsed_times_are_the_generated_ones(month):
    """The date and time printed are when the generator ended the call."""
    pairs, calls = month
    for (received_at, _), call in zip(pairs, calls, strict=True):
        assert ended(call) == received_at - DELAY


def test_answered_calls_last(month):
    """Connected calls have a duration; the others only rang."""
    _, calls = month
    assert all(call.duration_seconds > 0 for call in calls if call.answered)
    unanswered = [call for call in calls if not call.answered]
    assert unanswered
    assert all(call.duration_seconds == 0 and call.ring_seconds > 0 for call in unanswered)


def test_mixes_directions_and_information_elements(month):
    """Outgoing and incoming calls (the output has no internal ones), some special."""
    _, calls = month
    directions = Counter(call.direction for call in calls)
    assert directions[Direction.OUTGOING] > directions[Direction.INCOMING] > 0
    assert set(directions) == {Direction.OUTGOING, Direction.INCOMING}
    unanswered = sum(not call.answered for call in calls)
    assert 0.02 < unanswered / len(calls) < 0.35
    assert all(call.extension in EXTENSIONS for call in calls)
    elements = Counter(call.details.get("info_element") for call in calls)
    assert {None, 3, 4, 5, 9, 51} <= set(elements)
    assert all(call.details.get("disa") for call in calls if call.details.get("info_element") == 51)


def test_outgoing_calls_seize_a_line_with_0(month):
    """Seizure code 0, then the number: local, national, mobile, toll-free, abroad."""
    _, calls = month
    outgoing = [call for call in calls if call.direction == Direction.OUTGOING]
    assert all(call.details["seizure_code"] == "0" for call in outgoing)
    assert all(call.details["lcr_route"] in ("1", "2") for call in outgoing)
    assert all(1 <= int(call.trunk) <= 30 for call in outgoing)
    numbers = [call.number for call in outgoing]
    assert all(number.isdigit() for number in numbers)
    assert any(len(number) == 7 and number[0] in "45" for number in numbers)  # local
    assert any(number.startswith("011") for number in numbers)  # Buenos Aires
    assert any(number.startswith("035115") for number in numbers)  # Córdoba mobile
    assert any(number.startswith("00") for number in numbers)  # international
    free = [call for call in outgoing if call.number.startswith("0800")]
    assert free
    assert all("charge_units" not in call.details for call in free)
    assert all(call.details["charge_units"] > 0 for call in outgoing if call not in free)
    assert any(call.account_code for call in outgoing)


def test_incoming_calls_carry_the_caller_and_the_msn(month):
    """Incoming calls: the caller in national form (0 and area code), the DDI called."""
    _, calls = month
    incoming = [call for call in calls if call.direction == Direction.INCOMING]
    assert any(call.number.startswith("0351") and len(call.number) == 11 for call in incoming)
    assert any(call.number == "" for call in incoming)  # withheld
    assert all(call.details["msn"] == "5200" + call.extension for call in incoming)


def test_durations_are_plausible(month):
    """Calls last up to a few hours and ring under a minute; median a minute or two."""
    _, calls = month
    assert max(call.duration_seconds for call in calls) <= 4 * 3600
    assert max(call.ring_seconds for call in calls) <= 60
    answered = sorted(call.duration_seconds for call in calls if call.answered)
    assert 20 < answered[len(answered) // 2] < 300


def test_calls_ending_soon_after_start_began_after_it():
    """In a short range every call starts and ends inside it, however long it was drawn."""
    end = START + dt.timedelta(minutes=1)
    calls = parse_all(timed(200, end=end))
    assert all(call.start >= START and ended(call) < end for call in calls)


def test_two_digit_years():
    """Lines of 1999 and of 2000 both read back in their own century."""
    start = dt.datetime(1999, 12, 31, 23, 0, tzinfo=CORDOBA)
    end = dt.datetime(2000, 1, 1, 1, 0, tzinfo=CORDOBA)
    calls = parse_all(timed(200, start=start, end=end))
    assert all(start <= call.start < end for call in calls)
    assert {ended(call).astimezone(CORDOBA).year for call in calls} == {1999, 2000}
