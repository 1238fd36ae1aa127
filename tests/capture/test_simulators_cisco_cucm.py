"""The Cisco UCM CDR generator: deterministic, realistic, and always parseable."""

import csv
import datetime as dt
import uuid
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from capture.parsers import Direction, ParserSettings
from capture.parsers.cisco_cucm import CDR_COLUMNS, CiscoCUCMParser
from capture.simulators import cisco_cucm as module
from capture.simulators.cisco_cucm import CDR_TYPES, VOICEMAIL_PILOT, cisco_cucm_records

DATA = Path(__file__).resolve().parent.parent / "data" / "cisco-cucm"
CORDOBA = ZoneInfo("America/Argentina/Cordoba")
END = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
START = END - dt.timedelta(days=30)
EXTENSIONS = [str(number) for number in range(2000, 2060)]
TRUNKS = {"CUBE_TELECOM", "GW_CBA_E1"}
SAMPLE = (DATA / "cdr_header_and_types.csv").read_bytes().decode("utf-8").splitlines()


def records(count=2_000, *, start=START, end=END, extensions=EXTENSIONS, zone=CORDOBA, seed=1):
    return list(
        cisco_cucm_records(
            count=count,
            start=start,
            end=end,
            extensions=extensions,
            time_zone=zone,
            seed=seed,
        )
    )


def parser():
    """The parser with its default options: the CUCM 9/10 columns, phone prefixes."""
    return CiscoCUCMParser(ParserSettings(time_zone=CORDOBA))


def call_end(call):
    return call.start + dt.timedelta(seconds=call.ring_seconds + call.duration_seconds)


def docstring_record(doc):
    """The wrapped record of a docstring's first literal block, joined into one line."""
    block = doc.split("::\n\n", 1)[1].split("\n\n", 1)[0]
    return "".join(line.strip() for line in block.splitlines())


def by_name(line):
    return dict(zip(CDR_COLUMNS, next(csv.reader([line])), strict=True))


@pytest.fixture(scope="module")
def month():
    """2,000 rows of a month at a Córdoba site and what the parser makes of them."""
    lines = records()
    parse = parser().parse
    return lines, [parse(line, END + dt.timedelta(minutes=1)) for line in lines]


def test_types_are_the_sample_files():
    """The generator's column types are the data-type row of the real CUCM file."""
    assert len(CDR_TYPES) == len(CDR_COLUMNS) == 129
    assert ",".join(CDR_TYPES) == SAMPLE[1]


def test_yields_count_rows_of_129_columns_as_cucm_writes_them(month):
    """Exactly ``count`` CDR rows of 129 columns: integers bare, strings quoted (no
    comma or quote inside a value, so a plain split works), no line terminators."""
    lines, _ = month
    assert len(lines) == 2_000
    assert not any("\r" in line or "\n" in line or "\x00" in line for line in lines)
    for line in lines:
        fields = line.split(",")
        assert len(fields) == 129
        for value, kind in zip(fields, CDR_TYPES, strict=True):
            if kind == "INTEGER":
                assert value.lstrip("-").isdigit(), (kind, value)
            else:
                assert value[0] == value[-1] == '"' and '"' not in value[1:-1]
        assert fields[0] == "1"  # cdrRecordType: a CDR


def test_docstring_row_is_generated():
    """The module docstring shows a row the generator really makes, and its columns by
    name."""
    shown = docstring_record(module.__doc__)
    assert shown.startswith("1,1,1028750,")
    assert shown in records(300, seed=5)
    names = module.__doc__.split("not 0 or empty::\n\n", 1)[1].split("\n\n", 1)[0].split()
    columns = by_name(shown)
    assert [pair.partition("=")[0] for pair in names] == [
        name for name, value in columns.items() if value not in ("", "0")
    ]
    for pair in names:
        name, _, value = pair.partition("=")
        assert columns[name] == value.strip('"')


def test_a_file_of_header_types_and_rows_parses(month):
    """As a CDR file: the real header and type rows are noise, then every row a call."""
    lines, _ = month
    parse = parser().parse
    calls = [parse(line) for line in [*SAMPLE, *lines[:50]]]
    assert calls[:2] == [None, None]
    assert all(call is not None for call in calls[2:])


def test_every_row_parses_within_the_range_in_disconnect_order(month):
    """Every row is a call; disconnects ascend (the order CUCM writes CDRs) and every
    call starts and ends in [start, end)."""
    lines, calls = month
    assert all(call is not None for call in calls)
    ends = [call_end(call) for call in calls]
    assert ends == sorted(ends)
    for line, call_ended in zip(lines, ends, strict=True):
        assert int(by_name(line)["dateTimeDisconnect"]) == call_ended.timestamp()
    assert all(START <= call.start < END for call in calls)
    assert ends[-1] < END
    assert len({call.pbx_call_id for call in calls}) == len(calls)
    pkids = {uuid.UUID(call.details["pkid"]) for call in calls}
    assert len(pkids) == len(calls) and {pkid.version for pkid in pkids} == {4}


def test_answered_calls_last_and_some_are_not_answered(month):
    """Connected calls have a duration; the others connect at 0 and clear 16 or 17."""
    lines, calls = month
    assert all(call.duration_seconds > 0 for call in calls if call.answered)
    unanswered = [call for call in calls if not call.answered]
    assert 0.05 < len(unanswered) / len(calls) < 0.35
    assert all(call.duration_seconds == 0 for call in unanswered)
    causes = Counter(
        (call.details.get("orig_cause"), call.details.get("dest_cause")) for call in unanswered
    )
    assert set(causes) == {(16, None), (None, 17)}
    for line, call in zip(lines, calls, strict=True):
        columns = by_name(line)
        connected = columns["dateTimeConnect"] != "0"
        assert connected == call.answered
        assert (columns["origMediaTransportAddress_IP"] != "0") == connected


def test_mixes_directions(month):
    """Outgoing, incoming and internal calls all appear, outgoing the most."""
    _, calls = month
    directions = Counter(call.direction for call in calls)
    assert directions[Direction.OUTGOING] > directions[Direction.INCOMING] > 0
    assert directions[Direction.INTERNAL] > 0
    assert all(call.extension in EXTENSIONS for call in calls)
    internal = [call for call in calls if call.direction == Direction.INTERNAL]
    assert all(not call.trunk for call in internal)
    to_phones = [call for call in internal if "voicemail" not in call.details]
    assert all(call.number in EXTENSIONS for call in to_phones)
    devices = Counter(call.details["orig_device"][:3] for call in internal)
    assert set(devices) == {"SEP", "CSF"}


def test_internal_calls_forwarded_to_voicemail_stay_internal(month):
    """A colleague's phone forwards on no answer to the voicemail trunk: the call is
    still internal (no trunk, nothing to charge), to the pilot, for that colleague."""
    lines, calls = month
    forwarded = [
        (line, call)
        for line, call in zip(lines, calls, strict=True)
        if by_name(line)["origDeviceName"][:3] in ("SEP", "CSF")
        and by_name(line)["destDeviceName"] == "CUC_SIP_TRUNK"
    ]
    assert forwarded
    for line, call in forwarded:
        assert call.direction == Direction.INTERNAL
        assert call.details["voicemail"] is True
        assert call.number == VOICEMAIL_PILOT
        assert call.details["original_called_number"] in EXTENSIONS
        assert by_name(line)["lastRedirectRedirectReason"] == "2"


def test_outgoing_calls_dial_the_access_code_and_argentine_numbers(month):
    """Outgoing numbers start with the access code 0 and leave through CUBE or the E1
    gateway; the # ending international dialling is dropped from the number."""
    lines, calls = month
    outgoing = [
        (line, call)
        for line, call in zip(lines, calls, strict=True)
        if call.direction == "outgoing"
    ]
    numbers = [call.number for _, call in outgoing]
    assert all(number.startswith("0") and number.isdigit() for number in numbers)
    assert {call.trunk for _, call in outgoing} == TRUNKS
    assert any(len(number) == 8 and number[1] in "45" for number in numbers)  # local
    assert any(number.startswith("0011") for number in numbers)  # Buenos Aires
    assert any(number.startswith("0035115") for number in numbers)  # Córdoba mobile
    assert any(number.startswith("000") for number in numbers)  # international
    assert any(call.account_code for _, call in outgoing)  # client matter codes
    dialled = [by_name(line)["finalCalledPartyNumber"] for line, _ in outgoing]
    assert any(number.endswith("#") for number in dialled)
    for _, call in outgoing:
        assert call.details["outpulsed_called_number"] == call.number[1:]  # no access code


def test_incoming_calls_carry_the_caller_id(month):
    """Incoming calls come in on a trunk with the CLI (now and then none); some are
    forwarded to voicemail on no answer, which is still the extension's call."""
    _, calls = month
    incoming = [call for call in calls if call.direction == Direction.INCOMING]
    assert {call.trunk for call in incoming} == TRUNKS
    assert all(call.number == "" or len(call.number) == 10 for call in incoming)
    assert any(call.number.startswith("351") for call in incoming)
    assert any(call.number == "" for call in incoming)  # withheld
    assert {call.details["orig_ip"] for call in incoming} == {"10.10.1.5", "10.10.1.6"}
    voicemail = [call for call in incoming if call.details["dest_device"] == "CUC_SIP_TRUNK"]
    assert voicemail
    for call in voicemail:
        assert call.answered
        assert call.details["final_called_number"] == VOICEMAIL_PILOT
        assert call.extension in EXTENSIONS
        assert 12 <= call.ring_seconds <= 16


def test_addresses_read_as_dotted_quads(month):
    """Addresses are stored as CUCM does (signed, little-endian) and read back as the
    dotted quads of the Ipv4v6 columns; voicemail's 10.10.1.200 is a negative one."""
    lines, calls = month
    for line, call in zip(lines, calls, strict=True):
        columns = by_name(line)
        assert call.details["orig_ip"] == columns["origIpv4v6Addr"]
        assert call.details["dest_ip"] == columns["destIpv4v6Addr"]
        if columns["destIpv4v6Addr"] == "10.10.1.200":
            assert int(columns["destIpAddr"]) < 0


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
