"""The Mitel MiVoice Business SMDR generator: deterministic, realistic, always parseable."""

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from capture.parsers import Direction, ParserSettings
from capture.parsers.mitel_mivb import MitelMiVBParser
from capture.simulators import mitel_mivb
from capture.simulators.mitel_mivb import mitel_mivb_records, mitel_mivb_timed_records

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
    return list(mitel_mivb_records(**keywords(count, start, end, extensions, zone, seed)))


def timed(count=2_000, *, start=START, end=END, extensions=EXTENSIONS, zone=CORDOBA, seed=1):
    """``(received_at, record)`` pairs: each record arrives a few seconds after its call."""
    return [
        (dt.datetime.fromtimestamp(ended, dt.UTC) + DELAY, record)
        for ended, record in mitel_mivb_timed_records(
            **keywords(count, start, end, extensions, zone, seed)
        )
    ]


def parse_all(pairs, zone=CORDOBA):
    parser = MitelMiVBParser(ParserSettings(time_zone=zone))
    return [parser.parse(record, received_at) for received_at, record in pairs]


@pytest.fixture(scope="module")
def month():
    """A month of records at a Córdoba site, when they arrive, and their calls."""
    pairs = timed()
    return pairs, parse_all(pairs)


def test_docstring_record_is_generated():
    """The module docstring shows the sixth of 12 records of seed 1, in two pieces."""
    pieces = (
        " 10/16 12:18  00:04:22 T002  007 2035                        2035                    000",
        "   3516472882 3515202035",
    )
    assert records(12)[5] == "".join(pieces)
    assert all(f'"{piece}"' in mitel_mivb.__doc__ for piece in pieces)


def test_yields_count_records_of_112_columns_on_the_template(month):
    """Exactly ``count`` records of 112 columns (90 and ANI/DNIS), blanks where due."""
    pairs, _ = month
    assert len(pairs) == 2_000
    assert {len(record) for _, record in pairs} == {112}
    assert all(record.isascii() and record.isprintable() for _, record in pairs)
    template = "zmm/dd_hh:mmp_hh:mm:ss_pppp_fttt_" + "x" * 26 + "hsqqqqk_rrrr_"
    template += "a" * 12 + "siii__" + "_" + "a" * 10 + "_" + "d" * 10
    assert len(template) == 112
    # and the P.M. column: the 24-hour clock
    blanks = [column for column, symbol in enumerate(template) if symbol == "_"] + [12]
    assert all(record[column] == " " for _, record in pairs for column in blanks)


def test_every_record_parses_within_the_range_in_order(month):
    """Every record parses; starts are whole minutes in [start, end), never going back."""
    _, calls = month
    assert all(call is not None for call in calls)
    starts = [call.start for call in calls]
    assert starts == sorted(starts)
    assert starts[0] >= START
    assert starts[-1] < END
    assert all(start.second == 0 for start in starts)


def test_parsed_times_are_the_generated_ones(month):
    """The call ended its time to answer and its duration after the start."""
    pairs, calls = month
    for (received_at, _), call in zip(pairs, calls, strict=True):
        ended = received_at - DELAY
        assert ended - call.start == dt.timedelta(seconds=call.duration_seconds + call.ring_seconds)


def test_answered_calls_last(month):
    """Answered calls have a duration."""
    _, calls = month
    assert all(call.duration_seconds > 0 for call in calls if call.answered)


def test_long_call_flag_follows_the_duration(month):
    """Column 1: blank under 5 min, ``-`` to 9:59, ``%`` to 29:59, ``+`` beyond."""
    pairs, calls = month
    for (_, record), call in zip(pairs, calls, strict=True):
        seconds = call.duration_seconds
        flag = " " if seconds < 300 else "-" if seconds < 600 else "%" if seconds < 1800 else "+"
        assert record[0] == flag
    assert {record[0] for _, record in pairs} == set(" -%+")


def test_mixes_directions_and_outcomes(month):
    """Outgoing, incoming and internal calls, answered and not, all appear."""
    _, calls = month
    directions = Counter(call.direction for call in calls)
    assert directions[Direction.OUTGOING] > directions[Direction.INCOMING] > 0
    assert directions[Direction.INTERNAL] > 0
    unanswered = sum(not call.answered for call in calls)
    assert 0.05 < unanswered / len(calls) < 0.35
    assert all(call.extension in EXTENSIONS for call in calls)
    statuses = Counter(call.details.get("completion_status") for call in calls)
    assert {"A", "B", "-", None} <= set(statuses)
    outgoing = [call for call in calls if call.direction == Direction.OUTGOING]
    # answered when answer supervision (A) came back
    assert all(call.answered == (call.details.get("completion_status") == "A") for call in outgoing)


def test_outgoing_calls_dial_argentine_numbers_on_trunks(month):
    """Digits dialled on the trunk (no access code): local, national, mobile, abroad."""
    _, calls = month
    outgoing = [call for call in calls if call.direction == Direction.OUTGOING]
    numbers = [call.number for call in outgoing]
    assert all(number.isdigit() for number in numbers)
    assert all(call.trunk[0] == "T" and len(call.trunk) == 4 for call in outgoing)
    assert any(len(number) == 7 and number[0] in "45" for number in numbers)  # local
    assert any(number.startswith("011") for number in numbers)  # Buenos Aires
    assert any(number.startswith("035115") for number in numbers)  # Córdoba mobile
    assert any(number.startswith("00") for number in numbers)  # international
    assert any(call.account_code for call in outgoing)


def test_incoming_calls_carry_ani_and_dnis(month):
    """Incoming calls come in on a trunk; the number is the ANI, DNIS the site's DID."""
    _, calls = month
    incoming = [call for call in calls if call.direction == Direction.INCOMING]
    assert all(call.trunk[0] == "T" for call in incoming)
    assert any(call.number.startswith("351") and len(call.number) == 10 for call in incoming)
    assert any(call.number == "" for call in incoming)  # withheld
    assert all(call.details["dnis"] == "351520" + call.extension for call in incoming)
    assert any(call.details.get("transfer_flag") == "T" for call in incoming)
    assert any(call.details.get("attendant") for call in incoming)
    assert any(not call.answered and call.ring_seconds for call in incoming)


def test_internal_calls_go_to_colleagues(month):
    """Internal SMDR: one station calls another, no trunk."""
    _, calls = month
    internal = [call for call in calls if call.direction == Direction.INTERNAL]
    assert all(call.trunk == "" for call in internal)
    assert all(call.number in EXTENSIONS and call.number != call.extension for call in internal)


def test_durations_are_plausible(month):
    """Calls last up to a few hours, ring under a minute, median a minute or two."""
    _, calls = month
    assert max(call.duration_seconds for call in calls) <= 4 * 3600
    assert max(call.ring_seconds for call in calls) <= 60
    answered = sorted(call.duration_seconds for call in calls if call.answered)
    assert 20 < answered[len(answered) // 2] < 300


def test_records_across_new_year_get_their_year():
    """Records of the last minutes of a year, received after midnight, are that year's."""
    zone = ZoneInfo("America/Argentina/Cordoba")
    start = dt.datetime(2026, 12, 31, 23, 50, tzinfo=zone)
    end = dt.datetime(2027, 1, 1, 0, 10, tzinfo=zone)
    calls = parse_all(timed(200, start=start, end=end, zone=zone))
    assert all(start <= call.start < end for call in calls)
    assert {call.start.astimezone(zone).year for call in calls} == {2026, 2027}
