"""The NEC SL / SV SMDR generator: deterministic, realistic, and always parseable."""

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from capture.parsers import Direction, ParserSettings
from capture.parsers.nec import NECParser
from capture.simulators import nec as module
from capture.simulators.nec import nec_records

CORDOBA = ZoneInfo("America/Argentina/Cordoba")
END = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
START = END - dt.timedelta(days=30)
EXTENSIONS = [str(number) for number in range(2000, 2060)]
# The PBX prints the start to the minute: a start may read 59 s early.
MINUTE = dt.timedelta(seconds=60)


def records(count=2_000, *, start=START, end=END, extensions=EXTENSIONS, zone=CORDOBA, seed=1):
    return list(
        nec_records(
            count=count,
            start=start,
            end=end,
            extensions=extensions,
            time_zone=zone,
            seed=seed,
        )
    )


def parser(zone=CORDOBA):
    return NECParser(ParserSettings(time_zone=zone))


def received_after(call):
    """When the record of ``call`` arrives: the PBX prints it once the call is over."""
    return call.start + dt.timedelta(seconds=call.duration_seconds) + MINUTE


@pytest.fixture(scope="module")
def month():
    """2,000 lines of a month at a Córdoba site and what the parser makes of them.

    The lines carry no year: each is parsed as received just after its call ended (found
    by a first reading as received at the end of the range, which only one year fits).
    """
    lines = records()
    parse = parser().parse
    calls = []
    for line in lines:
        call = parse(line, END)
        calls.append(parse(line, received_after(call)))
    return lines, calls


def test_yields_count_lines_in_the_columns_without_terminators(month):
    """Exactly ``count`` 79-column ASCII lines: time, date and duration in their columns."""
    lines, _ = month
    assert len(lines) == 2_000
    assert all(len(line) == 79 and line.isascii() for line in lines)
    assert all(line[7] == ":" and line[13] == "/" for line in lines)
    assert all(line[24] == ":" or not line[22:30].strip() for line in lines)
    assert not any("\r" in line or "\n" in line or "\x00" in line for line in lines)


def test_docstring_line_is_generated():
    """The module docstring shows a line the generator really makes."""
    shown = "POT  13:47 10/12  004 00:03:07 2044       001113896377"
    assert shown in module.__doc__
    assert shown.ljust(79) in records(300, seed=5)


def test_every_line_parses_within_the_range_in_order(month):
    """Every line is a call; starts ascend and lie in [start, end) to the minute."""
    _, calls = month
    assert all(call is not None for call in calls)
    starts = [call.start for call in calls]
    assert starts == sorted(starts)
    assert starts[0] >= START - MINUTE
    assert starts[-1] < END
    assert all(start.second == 0 for start in starts)


def test_reading_at_the_end_of_the_range_gives_the_same_calls(month):
    """Received just after the call or at the end of the month: the same year and call."""
    lines, calls = month
    parse = parser().parse
    assert [parse(line, END) for line in lines] == calls


def test_answered_calls_last_and_some_are_not_answered(month):
    """Answered calls have a duration; NO ANSWER and ALB lines have none."""
    _, calls = month
    assert all(call.duration_seconds > 0 for call in calls if call.answered)
    unanswered = [call for call in calls if not call.answered]
    assert 0.04 < len(unanswered) / len(calls) < 0.30
    assert all(call.duration_seconds == 0 for call in unanswered)


def test_mixes_directions_and_classes(month):
    """Outgoing, incoming and intercom calls all appear, on analog and ISDN lines."""
    _, calls = month
    directions = Counter(call.direction for call in calls)
    assert directions[Direction.OUTGOING] > directions[Direction.INCOMING] > 0
    assert directions[Direction.INTERNAL] > 0
    classes = Counter(call.details.get("class", "plain") for call in calls)
    assert set(classes) == {"plain", "IVOT", "POTP", "ALB", "IVIN", "PTRS"}
    internal = [call for call in calls if call.direction == Direction.INTERNAL]
    assert all(call.number in EXTENSIONS and not call.trunk for call in internal)
    # Only an incoming call nobody answered has no station.
    assert all(
        call.extension in EXTENSIONS
        or (call.extension == "" and call.direction == Direction.INCOMING and not call.answered)
        for call in calls
    )


def test_outgoing_calls_dial_the_access_code_and_argentine_numbers(month):
    """Outgoing numbers start with the access code 0; local, national, mobile, abroad."""
    _, calls = month
    outgoing = [call for call in calls if call.direction == Direction.OUTGOING]
    numbers = [call.number for call in outgoing]
    assert all(number.startswith("0") and number.isdigit() for number in numbers)
    # Every call went out on a line but the all-lines-busy attempts.
    assert all(
        (call.trunk.isdigit() and len(call.trunk) == 3) == (call.details.get("class") != "ALB")
        for call in outgoing
    )
    assert any(len(number) == 8 and number[1] in "45" for number in numbers)  # local
    assert any(number.startswith("0011") for number in numbers)  # Buenos Aires
    assert any(number.startswith("0035115") for number in numbers)  # Córdoba mobile
    assert any(number.startswith("000") for number in numbers)  # international
    assert any(call.account_code for call in outgoing)


def test_incoming_calls_carry_the_caller_id(month):
    """Incoming calls come in on a line with the CLI, now and then the caller's name."""
    _, calls = month
    incoming = [call for call in calls if call.direction == Direction.INCOMING]
    assert all(call.trunk and not call.account_code for call in incoming)
    assert all(call.number == "" or len(call.number) == 10 for call in incoming)
    assert any(call.number.startswith("351") for call in incoming)
    assert any(call.number == "" for call in incoming)  # withheld
    assert any("caller_name" in call.details for call in incoming)


def test_durations_are_plausible(month):
    """Calls last up to a few hours, a minute or two in the middle."""
    _, calls = month
    assert max(call.duration_seconds for call in calls) <= 4 * 3600
    answered = sorted(call.duration_seconds for call in calls if call.answered)
    assert 20 < answered[len(answered) // 2] < 300
