"""The Samsung OfficeServ SMDR generator: deterministic, realistic, and always parseable."""

import datetime as dt
import itertools
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from capture.parsers import Direction, ParserSettings
from capture.parsers.samsung_officeserv import SamsungOfficeServParser
from capture.simulators import samsung_officeserv as module
from capture.simulators.samsung_officeserv import samsung_officeserv_records

CORDOBA = ZoneInfo("America/Argentina/Cordoba")
END = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
START = END - dt.timedelta(days=30)
EXTENSIONS = [str(number) for number in range(2000, 2060)]


def records(count=2_000, *, start=START, end=END, extensions=EXTENSIONS, zone=CORDOBA, seed=1):
    return list(
        samsung_officeserv_records(
            count=count,
            start=start,
            end=end,
            extensions=extensions,
            time_zone=zone,
            seed=seed,
        )
    )


def parser(zone=CORDOBA):
    return SamsungOfficeServParser(ParserSettings(time_zone=zone))


def received_after(call):
    """When the record of ``call`` arrives: the PBX sends it once the call is over."""
    return call.start + dt.timedelta(seconds=call.ring_seconds + call.duration_seconds + 5)


@pytest.fixture(scope="module")
def month():
    """2,000 records of a month at a Córdoba site and what the parser makes of them.

    The records carry no year: each is parsed as received just after its call ended
    (found by a first reading as received at the end of the range, which only one year
    fits).
    """
    lines = records()
    parse = parser().parse
    calls = []
    for line in lines:
        call = parse(line, END)
        calls.append(parse(line, received_after(call)))
    return lines, calls


def test_yields_count_long_records_without_their_nul(month):
    """Exactly ``count`` records of 153 characters (154 bytes with the framer's NUL)."""
    lines, _ = month
    assert len(lines) == 2_000
    assert all(len(line) == 153 and line.isascii() for line in lines)
    assert all(line[28] == "/" and line[43] == ":" for line in lines)
    assert not any("\r" in line or "\n" in line or "\x00" in line for line in lines)


def test_docstring_record_is_generated():
    """The module docstring shows a record the generator really makes."""
    head = "  653207 2021             10/07 08:37:01 00:02:36 I  "
    tail = "3515956313       BANCO CORDOBA      500   00:00:08  "
    assert head in module.__doc__
    assert tail in module.__doc__
    assert head + " " * 48 + tail in records(300, seed=5)


def test_every_record_parses_within_the_range_in_order(month):
    """Every record is a call; starts ascend and lie in [start, end)."""
    _, calls = month
    assert all(call is not None for call in calls)
    starts = [call.start for call in calls]
    assert starts == sorted(starts)
    assert starts[0] >= START
    assert starts[-1] < END


def test_reading_at_the_end_of_the_range_gives_the_same_calls(month):
    """Received just after the call or at the end of the month: the same year and call."""
    lines, calls = month
    parse = parser().parse
    assert [parse(line, END) for line in lines] == calls


def test_call_ids_count_up(month):
    """Each record has its own call id, one more than the last."""
    _, calls = month
    ids = [int(call.pbx_call_id) for call in calls]
    assert all(second == first + 1 for first, second in itertools.pairwise(ids))


def test_answered_calls_last_and_some_are_not_answered(month):
    """Answered calls have a duration; unanswered ones (A, 00:00:00) have none."""
    _, calls = month
    assert all(call.duration_seconds > 0 for call in calls if call.answered)
    unanswered = [call for call in calls if not call.answered]
    assert 0.05 < len(unanswered) / len(calls) < 0.35
    assert all(call.duration_seconds == 0 for call in unanswered)
    abandoned = [call for call in calls if call.details["flag"] == "A"]
    assert abandoned
    assert all(call.ring_seconds >= 5 and not call.answered for call in abandoned)


def test_mixes_directions_and_flags(month):
    """Outgoing and incoming calls (the SMDR has no intercom records), with transfers."""
    _, calls = month
    directions = Counter(call.direction for call in calls)
    assert directions[Direction.OUTGOING] > directions[Direction.INCOMING] > 0
    assert set(directions) == {Direction.OUTGOING, Direction.INCOMING}
    flags = Counter(call.details["flag"] for call in calls)
    assert set(flags) == {"O", "OT", "I", "IT", "A"}
    assert all(call.extension in EXTENSIONS for call in calls)


def test_outgoing_calls_dial_the_access_code_and_argentine_numbers(month):
    """Outgoing numbers start with the access code 0; local, national, mobile, abroad."""
    _, calls = month
    outgoing = [call for call in calls if call.direction == Direction.OUTGOING]
    numbers = [call.number for call in outgoing]
    assert all(number.startswith("0") and number.isdigit() for number in numbers)
    assert all(call.ring_seconds == 0 for call in outgoing)
    assert any(len(number) == 8 and number[1] in "45" for number in numbers)  # local
    assert any(number.startswith("0011") for number in numbers)  # Buenos Aires
    assert any(number.startswith("0035115") for number in numbers)  # Córdoba mobile
    assert any(number.startswith("000") for number in numbers)  # international
    assert any(call.account_code for call in outgoing)
    assert any("auth_code" in call.details for call in outgoing)


def test_incoming_calls_carry_the_caller_id(month):
    """Incoming calls ring and carry the CLI, now and then a name and a ring group."""
    _, calls = month
    incoming = [call for call in calls if call.direction == Direction.INCOMING]
    assert all(call.ring_seconds > 0 for call in incoming)
    assert all(call.number == "" or len(call.number) == 10 for call in incoming)
    assert any(call.number.startswith("351") for call in incoming)
    assert any(call.number == "" for call in incoming)  # withheld
    assert any("caller_name" in call.details for call in incoming)
    assert any("group" in call.details for call in incoming)


def test_durations_and_ring_times_are_plausible(month):
    """Calls last up to a few hours and ring for under a minute."""
    _, calls = month
    assert max(call.duration_seconds for call in calls) <= 4 * 3600
    assert max(call.ring_seconds for call in calls) <= 60
    answered = sorted(call.duration_seconds for call in calls if call.answered)
    assert 20 < answered[len(answered) // 2] < 300
