"""The Cisco UCM CDR parser: real header and type rows, data rows built from them.

No real CUCM data row is public, so rows are built from the sample's header and type
row the way CUCM writes them: integers bare, strings (VARCHAR, UNIQUEIDENTIFIER) quoted.
"""

import contextlib
import csv
import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smdr.parsers.base import Direction, ParserSettings, RecordError
from smdr.parsers.cisco_cucm import CDR_COLUMNS, CiscoCUCMParser

DATA = Path(__file__).resolve().parent.parent / "data" / "cisco-cucm"
UTC = dt.UTC

SAMPLE = (DATA / "cdr_header_and_types.csv").read_bytes().decode("utf-8").splitlines(keepends=True)
HEADER, TYPES = (next(csv.reader([line])) for line in SAMPLE)

# A CMR row from a Cisco document (pbx-formats.md section 9), joined from its two lines.
CMR_ROW = (
    '2,1,48553,1,"11011",29258890,1515145049,8900,7676700,8998,7676767,0,2,0,'
    '"7526cf73-ae78-48b1-9640-7ea19b546321","","StandAloneCluster","SEPCD1111000011","",98,'
    '"main",0,0,0,0,0,0,0,0,0,"","TxFrameRate=0","",,,,,,,,,,"",""'
)


def parser(**options):
    return CiscoCUCMParser(ParserSettings(time_zone=ZoneInfo("America/New_York"), options=options))


def build(columns=HEADER, types=TYPES, **values):
    """A CDR row as CUCM writes it: integers bare (0 by default), strings quoted."""
    parts = []
    for name, kind in zip(columns, types, strict=True):
        value = values.get(name)
        if kind == "INTEGER":
            parts.append(str(0 if value is None else value))
        else:
            parts.append('"' + ("" if value is None else value).replace('"', '""') + '"')
    return ",".join(parts)


# Phone 2001 (SEP0011223344AA at 192.168.1.10) dials 9 011 415 555 1234 and ends with #;
# the call goes out through gateway GW_PSTN_1 (10.1.1.200), rings 6 s and talks 120 s.
OUTGOING = {
    "cdrRecordType": 1,
    "globalCallID_callManagerId": 1,
    "globalCallID_callId": 48553,
    "origLegCallIdentifier": 29258890,
    "dateTimeOrigination": 1515145049,
    "origIpAddr": 167880896,
    "callingPartyNumber": "2001",
    "originalCalledPartyNumber": "90114155551234#",
    "finalCalledPartyNumber": "90114155551234#",
    "destLegIdentifier": 29258891,
    "destIpAddr": -939458294,
    "destCause_value": 16,
    "dateTimeConnect": 1515145055,
    "dateTimeDisconnect": 1515145175,
    "pkid": "7526cf73-ae78-48b1-9640-7ea19b546321",
    "duration": 120,
    "origDeviceName": "SEP0011223344AA",
    "destDeviceName": "GW_PSTN_1",
    "clientMatterCode": "7788",
}

# 0351 422 0000 calls DID 5550100 through the gateway; phone 2002 rings 20 s, no answer.
INCOMING = {
    "cdrRecordType": 1,
    "globalCallID_callManagerId": 2,
    "globalCallID_callId": 48600,
    "dateTimeOrigination": 1515146000,
    "callingPartyNumber": "03514220000",
    "originalCalledPartyNumber": "5550100",
    "finalCalledPartyNumber": "2002",
    "origCause_value": 16,
    "dateTimeConnect": 0,
    "dateTimeDisconnect": 1515146020,
    "duration": 0,
    "origDeviceName": "GW_PSTN_1",
    "destDeviceName": "SEPAABBCCDDEEFF",
}


def test_sample_file_is_the_header_and_type_rows():
    """The sample is copied byte for byte: a 129-name header, then 129 types (LF ends)."""
    assert len(SAMPLE) == 2
    assert all(line.endswith("\n") and not line.endswith("\r\n") for line in SAMPLE)
    assert len(HEADER) == len(TYPES) == 129
    assert HEADER[50] == "pkid" and TYPES[50] == "UNIQUEIDENTIFIER"


def test_default_columns_are_the_sample_header():
    """CDR_COLUMNS is the sample's header, name for name."""
    assert tuple(HEADER) == CDR_COLUMNS


@pytest.mark.parametrize("line", SAMPLE)
def test_sample_header_and_type_rows_are_noise(line):
    """Arriving as records, the header and the data-type row are noise."""
    assert parser().parse(line) is None
    assert parser().parse(line.rstrip("\n") + "\r\n") is None


def test_outgoing_call_through_a_gateway():
    """Phone to gateway: outgoing, the gateway the trunk, the # dropped from the number."""
    call = parser().parse(build(**OUTGOING))
    # 1515145049 - 1514764800 (2018-01-01 00:00 UTC) = 4 days 9:37:29: January 5, 09:37:29.
    assert call.start == dt.datetime(2018, 1, 5, 9, 37, 29, tzinfo=UTC)
    assert call.direction == Direction.OUTGOING
    assert (call.extension, call.trunk, call.number) == ("2001", "GW_PSTN_1", "90114155551234")
    assert (call.duration_seconds, call.ring_seconds) == (120, 6)  # connect - origination
    assert call.answered is True
    assert call.account_code == "7788"  # the client matter code
    assert call.pbx_call_id == "48553"
    # 167880896 = 0x0A01A8C0: bytes C0 A8 01 0A read little-endian are 192.168.1.10;
    # -939458294 + 2**32 = 3355509002 = 0xC801010A: 0A 01 01 C8 is 10.1.1.200.
    assert call.details == {
        "direction_rule": "trunk-name",
        "orig_device": "SEP0011223344AA",
        "call_manager_id": 1,
        "pkid": "7526cf73-ae78-48b1-9640-7ea19b546321",
        "orig_leg": 29258890,
        "dest_leg": 29258891,
        "orig_ip": "192.168.1.10",
        "dest_ip": "10.1.1.200",
        "dest_cause": 16,
    }
    assert json.loads(json.dumps(call.details)) == call.details


def test_unanswered_incoming_call():
    """Gateway to phone, never connected: ring time runs to the disconnect."""
    call = parser().parse(build(**INCOMING))
    assert call.start == dt.datetime(2018, 1, 5, 9, 53, 20, tzinfo=UTC)
    assert call.direction == Direction.INCOMING
    assert (call.number, call.extension, call.trunk) == ("03514220000", "2002", "GW_PSTN_1")
    assert call.answered is False  # dateTimeConnect 0
    assert (call.duration_seconds, call.ring_seconds) == (0, 20)
    assert call.pbx_call_id == "48600"
    assert call.details == {
        "direction_rule": "trunk-name",
        "dest_device": "SEPAABBCCDDEEFF",
        "original_called_number": "5550100",  # the DID dialled
        "call_manager_id": 2,
        "orig_cause": 16,
    }


def test_internal_call_between_phones():
    """Phone to phone (Jabber CSF client): internal, no trunk."""
    row = build(**{**OUTGOING, "finalCalledPartyNumber": "2002", "destDeviceName": "CSFJSMITH"})
    call = parser().parse(row)
    assert call.direction == Direction.INTERNAL
    assert (call.extension, call.number, call.trunk) == ("2001", "2002", "")
    assert call.details["dest_device"] == "CSFJSMITH"
    assert call.details["original_called_number"] == "90114155551234"


def test_incoming_call_forwarded_out_is_charged_to_the_forwarding_extension():
    """Gateway in, gateway out: the extension is the one that forwarded (lastRedirectDn)."""
    row = build(
        **{
            **INCOMING,
            "finalCalledPartyNumber": "0351155000000",
            "lastRedirectDn": "2002",
            "destDeviceName": "SIP_TRUNK_ITSP",
            "dateTimeConnect": 1515146004,
            "duration": 30,
        }
    )
    call = parser().parse(row)
    assert call.direction == Direction.INCOMING
    assert (call.extension, call.trunk) == ("2002", "GW_PSTN_1")
    assert call.details["dest_device"] == "SIP_TRUNK_ITSP"
    assert call.details["final_called_number"] == "0351155000000"
    assert call.ring_seconds == 4
    assert "last_redirect_dn" not in call.details  # it is the extension


# Phone 2001 calls phone 2002, which forwards on no answer (reason 2) to the Unity
# Connection pilot 8000 behind the CUC_SIP_TRUNK; the caller leaves a 25 s message.
FORWARDED_TO_VOICEMAIL = {
    **OUTGOING,
    "originalCalledPartyNumber": "2002",
    "finalCalledPartyNumber": "8000",
    "lastRedirectDn": "2002",
    "destDeviceName": "CUC_SIP_TRUNK",
    "origCalledPartyRedirectReason": 2,
    "lastRedirectRedirectReason": 2,
    "duration": 25,
}


def test_phone_forwarded_to_voicemail_is_internal():
    """A phone's call forwarded to voicemail reached no trunk: internal, not outgoing."""
    call = parser().parse(build(**FORWARDED_TO_VOICEMAIL))
    assert call.direction == Direction.INTERNAL
    assert (call.extension, call.number, call.trunk) == ("2001", "8000", "")
    assert call.details["voicemail"] is True
    assert call.details["dest_device"] == "CUC_SIP_TRUNK"
    assert call.details["original_called_number"] == "2002"


@pytest.mark.parametrize("reason", [1, 2, 15, 50])
def test_forward_reasons_to_an_extension_length_number_reach_voicemail(reason):
    row = build(**{**FORWARDED_TO_VOICEMAIL, "lastRedirectRedirectReason": reason})
    assert parser().parse(row).direction == Direction.INTERNAL


def test_forward_to_an_outside_number_stays_outgoing():
    """A phone forwarded to a mobile goes out through the trunk: that costs money."""
    row = build(**{**FORWARDED_TO_VOICEMAIL, "finalCalledPartyNumber": "00351155000000"})
    call = parser().parse(row)
    assert call.direction == Direction.OUTGOING
    assert call.trunk == "CUC_SIP_TRUNK"
    assert "voicemail" not in call.details


def test_transfer_to_a_short_number_through_a_trunk_stays_outgoing():
    """Only forwards count: a transfer (reason 4) to a short number, say 911, is outgoing."""
    row = build(**{**FORWARDED_TO_VOICEMAIL, "lastRedirectRedirectReason": 4})
    assert parser().parse(row).direction == Direction.OUTGOING
    emergency = build(**{**OUTGOING, "finalCalledPartyNumber": "911"})
    assert parser().parse(emergency).direction == Direction.OUTGOING


def test_voicemail_pilot_and_port_options():
    """Dialling the pilot to hear messages is internal once the pilot is listed; so is
    any call to a voicemail port (CiscoUM... by default)."""
    dialled = build(**{**OUTGOING, "finalCalledPartyNumber": "8000#", "destDeviceName": "CUC"})
    assert parser().parse(dialled).direction == Direction.OUTGOING
    call = parser(voicemail_numbers=["8000"]).parse(dialled)
    assert (call.direction, call.details["voicemail"]) == (Direction.INTERNAL, True)
    port = build(**{**OUTGOING, "finalCalledPartyNumber": "8000", "destDeviceName": "CiscoUM1-VI3"})
    assert parser().parse(port).direction == Direction.INTERNAL
    assert parser(voicemail_device_prefixes=["VM-"]).parse(port).direction == Direction.OUTGOING


def test_incoming_call_forwarded_to_voicemail_is_the_extensions():
    row = build(
        **{
            **INCOMING,
            "finalCalledPartyNumber": "8000",
            "lastRedirectDn": "2002",
            "destDeviceName": "CUC_SIP_TRUNK",
            "lastRedirectRedirectReason": 2,
        }
    )
    call = parser().parse(row)
    assert (call.direction, call.extension, call.trunk) == (
        Direction.INCOMING,
        "2002",
        "GW_PSTN_1",
    )
    assert call.details["voicemail"] is True


def test_no_device_names_fall_back_on_the_numbers():
    """Without device names, a short calling number is an extension."""
    row = build(**{**OUTGOING, "origDeviceName": "", "destDeviceName": ""})
    call = parser().parse(row)
    assert call.direction == Direction.OUTGOING
    assert call.extension == "2001"
    internal = parser().parse(
        build(
            **{
                **OUTGOING,
                "origDeviceName": "",
                "destDeviceName": "",
                "finalCalledPartyNumber": "2002",
            }
        )
    )
    assert internal.direction == Direction.INTERNAL


def test_phone_device_prefixes_option():
    """A site whose analog ports (AN...) are phones lists the prefix."""
    row = build(**{**OUTGOING, "origDeviceName": "AN0011223344AA000"})
    assert parser().parse(row).direction == Direction.INCOMING
    call = parser(phone_device_prefixes=["SEP", "AN"]).parse(row)
    assert call.direction == Direction.OUTGOING
    assert call.extension == "2001"


def test_ipv6_text_when_the_integer_is_zero():
    """Newer versions write the address as text; the integer is then 0."""
    row = build(**{**OUTGOING, "origIpAddr": 0, "origIpv4v6Addr": "2001:db8::10"})
    assert parser().parse(row).details["orig_ip"] == "2001:db8::10"


def test_quoted_comma_and_doubled_quote_use_the_csv_module():
    """A comment with a comma or quotes still parses; other fields are unaffected."""
    plain = parser().parse(build(**OUTGOING))
    row = build(**OUTGOING, comment='client "ACME", urgent', authCodeDescription='Sales, "A"')
    call = parser().parse(row)
    assert call.details.pop("auth_code_description") == 'Sales, "A"'
    assert call == plain


def test_forced_authorization_and_hunt_pilot_details():
    """FAC description and level, hunt pilot and redirect land in details."""
    row = build(
        **{
            **INCOMING,
            "authCodeDescription": "Sales",
            "authorizationLevel": 3,
            "huntPilotDN": "5000",
            "lastRedirectDn": "5000",
        }
    )
    details = parser().parse(row).details
    assert details["auth_code_description"] == "Sales"
    assert details["authorization_level"] == 3
    assert details["hunt_pilot_dn"] == "5000"
    assert details["last_redirect_dn"] == "5000"


def test_outpulsed_number_is_kept_when_different():
    """The number sent to the carrier, after translations, goes to details."""
    row = build(**OUTGOING, outpulsedCalledPartyNumber="0114155551234")
    call = parser().parse(row)
    assert call.number == "90114155551234"
    assert call.details["outpulsed_called_number"] == "0114155551234"


def test_columns_option_maps_by_name():
    """Another version's header (fewer columns, another order) is read by name."""
    columns = [
        "globalCallID_callId",
        "cdrRecordType",
        "dateTimeOrigination",
        "callingPartyNumber",
        "finalCalledPartyNumber",
        "duration",
        "dateTimeConnect",
        "origDeviceName",
        "destDeviceName",
    ]
    types = ["INTEGER", "INTEGER", "INTEGER", "VARCHAR(50)", "VARCHAR(50)", "INTEGER", "INTEGER"]
    types += ["VARCHAR(129)", "VARCHAR(129)"]
    cucm = parser(columns=[f'"{name}"' for name in columns])
    call = cucm.parse(build(columns, types, **OUTGOING))
    assert call.start == dt.datetime(2018, 1, 5, 9, 37, 29, tzinfo=UTC)
    assert (call.extension, call.number, call.trunk) == ("2001", "90114155551234", "GW_PSTN_1")
    assert call.details == {"direction_rule": "trunk-name", "orig_device": "SEP0011223344AA"}
    header = ",".join(f'"{name}"' for name in columns)
    assert cucm.parse(header) is None
    assert cucm.parse(",".join(types)) is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n",
        "\x00\r\n",
        CMR_ROW,
        build(**{**OUTGOING, "cdrRecordType": 2}),
        build(**{**OUTGOING, "cdrRecordType": 0}),
        '"cdrRecordType","globalCallID_callManagerId","globalCallID_callId","nodeId",'
        '"directoryNum","callIdentifier","dateTimeStamp","numberPacketsSent"',
    ],
)
def test_noise_is_none(text):
    """Blank lines, CMR rows and their header, and start records are noise."""
    assert parser().parse(text) is None


def test_header_of_another_version_is_an_error_naming_the_difference():
    """A header that differs from the columns option says where, so it can be set."""
    header = SAMPLE[0].replace('"pkid"', '"pkId2"')
    with pytest.raises(RecordError) as raised:
        parser().parse(header)
    assert str(raised.value) == (
        "header row differs from the source's columns option (column 51 is 'pkId2',"
        " expected 'pkid'); set the columns option to this file's header row"
    )
    with pytest.raises(RecordError, match="it has 128 columns, expected 129"):
        parser().parse(SAMPLE[0].rsplit(",", 1)[0])


def test_wrong_field_count():
    """A row of another length asks for the columns option."""
    with pytest.raises(RecordError) as raised:
        parser().parse(build(**OUTGOING) + ",0")
    assert str(raised.value) == (
        "record has 130 comma-separated fields, the header has 129; set the source's"
        " columns option to its files' header"
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"cdrRecordType": 3}, "field 1 (cdrRecordType): '3' is not 0, 1 or 2"),
        ({"globalCallID_callId": "x1"}, "field 3 (globalCallID_callId): 'x1' is not an integer"),
        (
            {"dateTimeOrigination": 0},
            "field 5 (dateTimeOrigination): '0' is 0 (no start time)",
        ),
        (
            {"dateTimeOrigination": -5},
            "field 5 (dateTimeOrigination): '-5' is not a time in seconds since 1970",
        ),
        (
            {"dateTimeOrigination": 999999999999},
            "field 5 (dateTimeOrigination): '999999999999' is out of range",
        ),
        ({"duration": "1.5"}, "field 56 (duration): '1.5' is not a number of seconds"),
        (
            {"dateTimeConnect": "\u0661"},
            "field 48 (dateTimeConnect): '\u0661' is not a time in seconds since 1970",
        ),
        (
            {"origLegCallIdentifier": "-1"},
            "field 4 (origLegCallIdentifier): '-1' is not an integer",
        ),
        (
            {"origIpAddr": 4294967296},
            "field 8 (origIpAddr): '4294967296' is not a 32-bit IP address",
        ),
        ({"destIpAddr": "1.2.3.4"}, "field 29 (destIpAddr): '1.2.3.4' is not an integer"),
        (
            {"dateTimeConnect": 99999999999},
            "field 48 (dateTimeConnect): '99999999999' is too long after dateTimeOrigination",
        ),
    ],
)
def test_bad_field_names_the_field_and_quotes_the_value(values, message):
    """A bad value raises RecordError naming the field by number and header name."""
    text = build(**{**OUTGOING, **values})  # junk in INTEGER columns goes in bare
    with pytest.raises(RecordError) as raised:
        parser().parse(text)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"columns": "cdrRecordType"}, "option columns: 'cdrRecordType' is not a list of names"),
        ({"columns": []}, "option columns: [] is not a list of names"),
        (
            {"columns": ["cdrRecordType", "duration"]},
            "option columns: the header lacks globalCallID_callId, dateTimeOrigination,"
            " callingPartyNumber, finalCalledPartyNumber, which the parser needs (set it to"
            " the header row of the source's CDR files)",
        ),
        (
            {"phone_device_prefixes": ["SEP", ""]},
            "option phone_device_prefixes: ['SEP', ''] is not a list of names",
        ),
        (
            {"voicemail_numbers": "8000"},
            "option voicemail_numbers: '8000' is not a list of names or numbers",
        ),
        (
            {"voicemail_device_prefixes": [""]},
            "option voicemail_device_prefixes: [''] is not a list of names or numbers",
        ),
        (
            {"max_extension_digits": 40},
            "option max_extension_digits: 40 is not a whole number from 1 to 32",
        ),
    ],
)
def test_bad_options_are_record_errors(options, message):
    """A wrong per-source option fails when the parser is built, naming the option."""
    with pytest.raises(RecordError) as raised:
        parser(**options)
    assert str(raised.value) == message


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_raises_only_record_errors(text):
    """Whatever arrives, the parser returns a call or None, or raises RecordError."""
    with contextlib.suppress(RecordError):
        parser().parse(text)


FIELD_TEXT = st.text(alphabet=st.sampled_from('0123456789-#,"SEP \x00\u00b2\u0661\r'), max_size=22)
ROWS = [build(**OUTGOING), build(**INCOMING)]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(ROWS),
    st.dictionaries(st.integers(min_value=0, max_value=128), FIELD_TEXT, max_size=5),
)
def test_damaged_records_raise_only_record_errors(line, damage):
    """Rows with fields overwritten by look-alike junk never crash the parser."""
    fields = line.split(",")
    for index, value in damage.items():
        fields[index] = value
    try:
        call = parser().parse(",".join(fields))
    except RecordError:
        return
    assert call is None or call.start.tzinfo is UTC
