"""What only the Cisco UCM CDR generator makes: 129 columns typed as CUCM writes them,
disconnect times, pkids, cause codes, voicemail, IP addresses.

What every family's month holds is tested in ``test_simulators_families.py``.
"""

import csv
import datetime as dt
import uuid
from collections import Counter
from pathlib import Path

import pytest

from pbxsim import cisco_cucm as module
from pbxsim.cisco_cucm import CDR_TYPES, VOICEMAIL_PILOT
from smdr.parsers import Direction, ParserSettings
from smdr.parsers.cisco_cucm import CDR_COLUMNS, CiscoCUCMParser

from .test_simulators_families import docstring_record
from .test_simulators_registry import CORDOBA, EXTENSIONS, month_of

DATA = Path(__file__).resolve().parent.parent / "data" / "cisco-cucm"
TRUNKS = {"CUBE_TELECOM", "GW_CBA_E1"}
SAMPLE = (DATA / "cdr_header_and_types.csv").read_bytes().decode("utf-8").splitlines()


def parser():
    """The parser with its default options: the CUCM 9/10 columns, phone prefixes."""
    return CiscoCUCMParser(ParserSettings(time_zone=CORDOBA))


def call_end(call):
    return call.start + dt.timedelta(seconds=call.ring_seconds + call.duration_seconds)


def by_name(line):
    return dict(zip(CDR_COLUMNS, next(csv.reader([line])), strict=True))


@pytest.fixture(scope="module")
def month():
    """The registry's month of CDR rows and what the parser makes of them."""
    records, _, calls = month_of("cisco-cucm")
    return records, calls


def test_types_are_the_sample_files():
    """The generator's column types are the data-type row of the real CUCM file."""
    assert len(CDR_TYPES) == len(CDR_COLUMNS) == 129
    assert ",".join(CDR_TYPES) == SAMPLE[1]


def test_yields_count_rows_of_129_columns_as_cucm_writes_them(month):
    """Exactly ``count`` CDR rows of 129 columns: integers bare, strings quoted (no
    comma or quote inside a value, so a plain split works), no line terminators."""
    lines, _ = month
    for line in lines:
        fields = line.split(",")
        assert len(fields) == 129
        for value, kind in zip(fields, CDR_TYPES, strict=True):
            if kind == "INTEGER":
                assert value.lstrip("-").isdigit(), (kind, value)
            else:
                assert value[0] == value[-1] == '"' and '"' not in value[1:-1]
        assert fields[0] == "1"  # cdrRecordType: a CDR


def test_docstring_names_the_rows_columns():
    """The module docstring names the columns of the row it shows (generated: see
    ``test_simulators_families``)."""
    shown = docstring_record(module.__doc__)
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


def test_rows_carry_the_disconnect_and_a_pkid(month):
    """dateTimeDisconnect is when the call ended; every row has a random (v4) pkid."""
    lines, calls = month
    for line, call in zip(lines, calls, strict=True):
        assert int(by_name(line)["dateTimeDisconnect"]) == call_end(call).timestamp()
    pkids = {uuid.UUID(call.details["pkid"]) for call in calls}
    assert len(pkids) == len(calls) and {pkid.version for pkid in pkids} == {4}


def test_unanswered_calls_connect_at_0_and_clear_16_or_17(month):
    lines, calls = month
    unanswered = [call for call in calls if not call.answered]
    causes = Counter(
        (call.details.get("orig_cause"), call.details.get("dest_cause")) for call in unanswered
    )
    assert set(causes) == {(16, None), (None, 17)}
    for line, call in zip(lines, calls, strict=True):
        columns = by_name(line)
        connected = columns["dateTimeConnect"] != "0"
        assert connected == call.answered
        assert (columns["origMediaTransportAddress_IP"] != "0") == connected


def test_internal_calls_come_from_desk_phones_and_jabber(month):
    _, calls = month
    internal = [call for call in calls if call.direction == Direction.INTERNAL]
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


def test_outgoing_calls_leave_through_cube_or_the_gateway(month):
    """Outgoing calls leave through CUBE or the E1 gateway; the # ending international
    dialling is dropped from the number."""
    lines, calls = month
    outgoing = [
        (line, call)
        for line, call in zip(lines, calls, strict=True)
        if call.direction == "outgoing"
    ]
    assert {call.trunk for _, call in outgoing} == TRUNKS
    dialled = [by_name(line)["finalCalledPartyNumber"] for line, _ in outgoing]
    assert any(number.endswith("#") for number in dialled)
    for _, call in outgoing:
        assert call.details["outpulsed_called_number"] == call.number[1:]  # no access code


def test_incoming_calls_come_in_on_a_trunk_and_some_go_to_voicemail(month):
    """Incoming calls come in on CUBE or the gateway; some are forwarded to voicemail on
    no answer, which is still the extension's call."""
    _, calls = month
    incoming = [call for call in calls if call.direction == Direction.INCOMING]
    assert {call.trunk for call in incoming} == TRUNKS
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
