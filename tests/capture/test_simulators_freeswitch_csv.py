"""The FreeSWITCH mod_cdr_csv generator: deterministic, realistic, and always parseable."""

import csv
import datetime as dt
import uuid
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from capture.parsers import Direction, ParserSettings
from capture.parsers.freeswitch_csv import EXAMPLE_TEMPLATE, FreeSWITCHCSVParser
from capture.simulators import freeswitch_csv as module
from capture.simulators.freeswitch_csv import MAIN_NUMBER, freeswitch_csv_records

CORDOBA = ZoneInfo("America/Argentina/Cordoba")
END = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
START = END - dt.timedelta(days=30)
EXTENSIONS = [str(number) for number in range(2000, 2060)]
# A local time in a DST fold is read as its first occurrence, up to 1 h early.
FOLD = dt.timedelta(hours=1)
# The start of the Gregorian calendar, where version 1 uuids count from.
UUID_EPOCH = dt.datetime(1582, 10, 15, tzinfo=dt.UTC)


def records(count=2_000, *, start=START, end=END, extensions=EXTENSIONS, zone=CORDOBA, seed=1):
    return list(
        freeswitch_csv_records(
            count=count,
            start=start,
            end=end,
            extensions=extensions,
            time_zone=zone,
            seed=seed,
        )
    )


def parser(zone=CORDOBA):
    """The parser with its default options: the example template, default contexts."""
    return FreeSWITCHCSVParser(ParserSettings(time_zone=zone))


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
    return lines, [parse(line, END + dt.timedelta(minutes=1)) for line in lines]


def test_yields_count_lines_of_the_example_template(month):
    """Exactly ``count`` lines of the 15 template columns, every one quoted, no LF."""
    lines, _ = month
    assert len(lines) == 2_000
    assert not any("\r" in line or "\n" in line or "\x00" in line for line in lines)
    rows = [next(csv.reader([line])) for line in lines]
    assert all(len(row) == len(EXAMPLE_TEMPLATE) == 15 for row in rows)
    assert all(line.count('"') == 30 for line in lines)  # no quote or comma in a value


def test_docstring_line_is_generated():
    """The module docstring shows a line the generator really makes."""
    shown = docstring_record(module.__doc__)
    assert shown.startswith('"3514597905","3514597905","2041","public"')
    assert shown in records(300, seed=5)


def test_every_line_parses_within_the_range_in_end_order(month):
    """Every line is a call; ends ascend (the order mod_cdr_csv writes them) and every
    call starts and ends in [start, end)."""
    _, calls = month
    assert all(call is not None for call in calls)
    ends = [call_end(call) for call in calls]
    assert ends == sorted(ends)
    assert all(START <= call.start < END for call in calls)
    assert ends[-1] < END


def test_uuids_are_version_1_from_the_channels_creation(month):
    """The uuids are time-based, made in the start's second; the B leg's a little later
    and only for bridged calls; all differ."""
    lines, calls = month
    seen = set()
    for line, call in zip(lines, calls, strict=True):
        row = next(csv.reader([line]))
        a_leg = uuid.UUID(row[10])
        assert a_leg.version == 1
        created = UUID_EPOCH + dt.timedelta(microseconds=a_leg.time // 10)
        assert dt.timedelta(0) <= created - call.start < dt.timedelta(seconds=1)
        assert call.pbx_call_id == row[10]
        if call.answered:
            b_leg = uuid.UUID(call.details["bleg_uuid"])
            assert b_leg.version == 1 and b_leg.node == a_leg.node
            assert 0 < b_leg.time - a_leg.time < 10_000_000
            seen.add(b_leg)
        else:
            assert "bleg_uuid" not in call.details
        seen.add(a_leg)
    assert len(seen) == sum(2 if call.answered else 1 for call in calls)


def test_answered_calls_last_and_some_are_not_answered(month):
    """Answered calls talk and clear normally; the others give a reason and no codecs."""
    _, calls = month
    answered = [call for call in calls if call.answered]
    assert all(call.duration_seconds > 0 for call in answered)
    assert all(call.details["hangup_cause"] == "NORMAL_CLEARING" for call in answered)
    assert all(call.details["read_codec"] == call.details["write_codec"] for call in answered)
    unanswered = [call for call in calls if not call.answered]
    assert 0.05 < len(unanswered) / len(calls) < 0.35
    assert all(call.duration_seconds == 0 for call in unanswered)
    assert all("read_codec" not in call.details for call in unanswered)
    causes = Counter(call.details["hangup_cause"] for call in unanswered)
    assert set(causes) == {"ORIGINATOR_CANCEL", "NO_ANSWER", "USER_BUSY", "UNALLOCATED_NUMBER"}


def test_mixes_directions(month):
    """Outgoing, incoming and internal calls all appear, outgoing the most."""
    _, calls = month
    directions = Counter(call.direction for call in calls)
    assert directions[Direction.OUTGOING] > directions[Direction.INCOMING] > 0
    assert directions[Direction.INTERNAL] > 0
    internal = [call for call in calls if call.direction == Direction.INTERNAL]
    assert all(call.number in EXTENSIONS and call.extension in EXTENSIONS for call in internal)
    assert not any(call.trunk for call in calls)  # the template logs no gateway


def test_outgoing_calls_dial_the_access_code_and_argentine_numbers(month):
    """Outgoing numbers start with the access code 0; the account code is the user's
    number (the vanilla directory), empty, or now and then a project's."""
    _, calls = month
    outgoing = [call for call in calls if call.direction == Direction.OUTGOING]
    assert all(call.extension in EXTENSIONS for call in outgoing)
    numbers = [call.number for call in outgoing]
    assert all(number.startswith("0") and number.isdigit() for number in numbers)
    assert any(len(number) == 8 and number[1] in "45" for number in numbers)  # local
    assert any(number.startswith("0011") for number in numbers)  # Buenos Aires
    assert any(number.startswith("0035115") for number in numbers)  # Córdoba mobile
    assert any(number.startswith("000") for number in numbers)  # international
    accounts = Counter(
        "own" if call.account_code == call.extension else call.account_code or "none"
        for call in outgoing
    )
    assert accounts["own"] > accounts["none"] > 0
    assert set(accounts) - {"own", "none"}  # project codes
    names = [call.details.get("caller_name", "") for call in outgoing]
    assert any(name.startswith("Extension ") for name in names)
    assert any(name and not name.startswith("Extension ") for name in names)


def test_incoming_calls_carry_the_caller_id(month):
    """Incoming calls arrive on public with the CLI (national, E.164 or anonymous), to
    an extension or to the main number (then no extension, the DID in details)."""
    _, calls = month
    incoming = [call for call in calls if call.direction == Direction.INCOMING]
    assert all(
        call.number == "anonymous" or call.number.removeprefix("+54").isdigit() for call in incoming
    )
    assert any(call.number.startswith("351") for call in incoming)
    assert any(call.number.startswith("+54") for call in incoming)
    assert any(call.number == "anonymous" for call in incoming)
    assert any(call.details.get("caller_name") == "GOMEZ MARIA" for call in incoming)
    to_main = [call for call in incoming if call.details.get("ddi") == MAIN_NUMBER]
    assert to_main and all(call.extension == "" for call in to_main)
    others = [call for call in incoming if "ddi" not in call.details]
    assert all(call.extension in EXTENSIONS for call in others)
    assert not any(call.account_code for call in incoming)


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
    assert all(start <= call.start and call_end(call) < end for call in calls)
    assert any(call.answered for call in calls)
