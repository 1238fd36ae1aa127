"""The Asterisk cdr_csv generator: deterministic, realistic, and always parseable."""

import csv
import datetime as dt
import re
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from capture.parsers import Direction, ParserSettings
from capture.parsers.asterisk_csv import AsteriskCSVParser
from capture.simulators import asterisk_csv as module
from capture.simulators.asterisk_csv import asterisk_csv_records

CORDOBA = ZoneInfo("America/Argentina/Cordoba")
END = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
START = END - dt.timedelta(days=30)
EXTENSIONS = [str(number) for number in range(2000, 2060)]
# A local time in a DST fold is read as its first occurrence, up to 1 h early.
FOLD = dt.timedelta(hours=1)
ZONES = ["America/Argentina/Cordoba", "Europe/London", "Australia/Lord_Howe", "Asia/Kathmandu"]


def records(count=2_000, *, start=START, end=END, extensions=EXTENSIONS, zone=CORDOBA, seed=1):
    return list(
        asterisk_csv_records(
            count=count,
            start=start,
            end=end,
            extensions=extensions,
            time_zone=zone,
            seed=seed,
        )
    )


def parser(zone=CORDOBA):
    """The parser with its default options: local times, the default contexts."""
    return AsteriskCSVParser(ParserSettings(time_zone=zone))


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
    # The date is printed: the receipt does not matter; a minute after the range will do.
    return lines, [parse(line, END + dt.timedelta(minutes=1)) for line in lines]


def test_yields_count_lines_of_18_columns_without_terminators(month):
    """Exactly ``count`` lines of 18 CSV columns (uniqueid, userfield), no CR or LF."""
    lines, _ = month
    assert len(lines) == 2_000
    assert not any("\r" in line or "\n" in line or "\x00" in line for line in lines)
    rows = [next(csv.reader([line])) for line in lines]
    assert all(len(row) == 18 for row in rows)
    # cdr_csv quotes every string; the integers and an empty answer time are bare.
    assert all(line.startswith('"') and line.endswith('""') for line in lines)
    assert all(re.fullmatch(r"[0-9]{10}\.[0-9]+", row[16]) for row in rows)
    assert all(row[15] == "DOCUMENTATION" and row[17] == "" for row in rows)


def test_docstring_line_is_generated():
    """The module docstring shows a line the generator really makes."""
    shown = docstring_record(module.__doc__)
    assert shown.startswith('"","2033","00351157552317"')
    assert shown in records(300, seed=5)


def test_every_line_parses_within_the_range_in_end_order(month):
    """Every line is a call; ends ascend (the order Asterisk writes them) and every
    call starts and ends in [start, end)."""
    _, calls = month
    assert all(call is not None for call in calls)
    ends = [call_end(call) for call in calls]
    assert ends == sorted(ends)
    assert all(START <= call.start < END for call in calls)
    assert ends[-1] < END


def test_answered_calls_last_and_some_are_not_answered(month):
    """Answered calls have a conversation; the others say why in the disposition."""
    _, calls = month
    assert all(call.duration_seconds > 0 for call in calls if call.answered)
    unanswered = [call for call in calls if not call.answered]
    assert 0.05 < len(unanswered) / len(calls) < 0.35
    assert all(call.duration_seconds == 0 for call in unanswered)
    dispositions = Counter(call.details["disposition"] for call in unanswered)
    assert set(dispositions) == {"NO ANSWER", "BUSY", "FAILED"}


def test_mixes_directions(month):
    """Outgoing, incoming and internal calls all appear, outgoing the most."""
    _, calls = month
    directions = Counter(call.direction for call in calls)
    assert directions[Direction.OUTGOING] > directions[Direction.INCOMING] > 0
    assert directions[Direction.INTERNAL] > 0
    assert all(call.extension in EXTENSIONS for call in calls)
    internal = [call for call in calls if call.direction == Direction.INTERNAL]
    assert all(call.number in EXTENSIONS and not call.trunk for call in internal)


def test_outgoing_calls_dial_the_access_code_and_argentine_numbers(month):
    """Outgoing numbers start with the access code 0 and go out over a SIP trunk or the
    PRI (a FAILED attempt reaches no channel, so no trunk)."""
    _, calls = month
    outgoing = [call for call in calls if call.direction == Direction.OUTGOING]
    numbers = [call.number for call in outgoing]
    assert all(number.startswith("0") and number.isdigit() for number in numbers)
    assert {call.trunk for call in outgoing} == {"telecom-ar", "claro-sip", "DAHDI/i1", ""}
    assert all((call.trunk == "") == (call.details["disposition"] == "FAILED") for call in outgoing)
    assert any(len(number) == 8 and number[1] in "45" for number in numbers)  # local
    assert any(number.startswith("0011") for number in numbers)  # Buenos Aires
    assert any(number.startswith("0035115") for number in numbers)  # Córdoba mobile
    assert any(number.startswith("000") for number in numbers)  # international
    assert any(call.account_code for call in outgoing)
    assert any(call.details.get("caller_name") for call in outgoing)


def test_incoming_calls_carry_the_caller_id(month):
    """Incoming calls come in on a trunk with the CLI (or anonymous), to a DID or s."""
    _, calls = month
    incoming = [call for call in calls if call.direction == Direction.INCOMING]
    assert {call.trunk for call in incoming} == {"telecom-ar", "claro-sip", "DAHDI/i1"}
    assert all(call.number == "anonymous" or call.number.isdigit() for call in incoming)
    assert any(call.number.startswith("351") for call in incoming)
    assert any(call.number == "anonymous" for call in incoming)
    assert any(call.details.get("caller_name") == "GOMEZ MARIA" for call in incoming)
    destinations = Counter(call.details["dst"][:6] for call in incoming)
    assert set(destinations) == {"351485", "s"}


def test_durations_and_ring_times_are_plausible(month):
    """Calls last up to a few hours and ring for under a minute."""
    _, calls = month
    assert max(call.duration_seconds for call in calls) <= 4 * 3600
    assert max(call.ring_seconds for call in calls) <= 60
    answered = sorted(call.duration_seconds for call in calls if call.answered)
    assert 20 < answered[len(answered) // 2] < 300


def test_call_ids_are_unique(month):
    """Each row is a call of its own: its uniqueid is the call id."""
    _, calls = month
    assert len({call.pbx_call_id for call in calls}) == len(calls)


def test_short_range_calls_start_inside_it():
    """In a two-minute window (the live simulator's) calls are cut to fit after its start."""
    end = dt.datetime(2026, 10, 14, 13, 0, 30, tzinfo=dt.UTC)
    start = end - dt.timedelta(minutes=2)
    calls = [parser().parse(line) for line in records(200, start=start, end=end)]
    assert all(start <= call.start and call_end(call) < end for call in calls)
    assert any(call.answered for call in calls)
