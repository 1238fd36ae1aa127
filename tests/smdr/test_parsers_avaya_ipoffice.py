"""The Avaya IP Office SMDR parser, on the official and production sample records."""

import contextlib
import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smdr.parsers import PARSERS, Direction, ParserSettings, RecordError
from smdr.parsers.avaya_ipoffice import AvayaIPOfficeParser

DATA = Path(__file__).resolve().parent.parent / "data" / "avaya-ipoffice"
CORDOBA = ZoneInfo("America/Argentina/Cordoba")
LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC


def read_lines(name):
    """The sample's records with their CR LF, as they come off the socket."""
    return (DATA / name).read_bytes().decode("utf-8").splitlines(keepends=True)


OFFICIAL = read_lines("official-examples.txt")
PRODUCTION = read_lines("production-capture.txt")


def parser(time_zone=CORDOBA):
    return AvayaIPOfficeParser(ParserSettings(time_zone=time_zone))


def with_fields(line, **replacements):
    """``line`` with the fields numbered by the keys (``f2=...``) replaced."""
    fields = line.rstrip("\r\n").split(",")
    for key, value in replacements.items():
        fields[int(key[1:]) - 1] = value
    return ",".join(fields)


def test_parser_is_registered_under_its_family():
    """The registry finds the parser by its family id."""
    assert PARSERS["avaya-ipoffice"] is AvayaIPOfficeParser
    assert AvayaIPOfficeParser.label == "Avaya IP Office SMDR"


def test_sample_files_have_the_expected_records():
    """The samples are copied byte for byte: 8 official and 4 production records."""
    assert len(OFFICIAL) == 8
    assert len(PRODUCTION) == 4
    assert all(line.endswith("\r\n") for line in OFFICIAL + PRODUCTION)


@pytest.mark.parametrize("line", OFFICIAL + PRODUCTION)
def test_every_sample_line_parses_to_a_utc_call(line):
    """Every sample record is a call with an aware UTC start and JSON-ready details."""
    call = parser().parse(line)
    assert call is not None
    assert call.start.tzinfo is UTC
    assert call.answered == (call.duration_seconds > 0)
    assert call.pbx_call_id.isdigit()
    assert json.loads(json.dumps(call.details)) == call.details
    assert all(isinstance(value, str | int | bool) for value in call.details.values())


def test_incoming_call_that_rang_out():
    """Official example 1: an incoming call that rang 9 s on E4324 and was not answered."""
    call = parser().parse(OFFICIAL[0])
    # 09:28:41 in Córdoba (UTC-3, no DST in June) is 12:28:41 UTC.
    assert call.start == dt.datetime(2008, 6, 28, 12, 28, 41, tzinfo=UTC)
    assert call.duration_seconds == 0
    assert call.ring_seconds == 9
    assert call.answered is False
    assert call.direction == Direction.INCOMING
    assert call.extension == "4324"
    assert call.trunk == "9161"
    assert call.number == "8004206"
    assert call.account_code == ""
    assert call.pbx_call_id == "1000014155"
    # Details keep only what the call's columns do not say (the raw record keeps all).
    assert call.details == {"party1_name": "Joe Bloggs", "party2_name": "LINE 5.1"}


def test_same_record_in_london():
    """The zone comes from the settings: 09:28:41 BST (UTC+1) is 08:28:41 UTC."""
    call = parser(LONDON).parse(OFFICIAL[0])
    assert call.start == dt.datetime(2008, 6, 28, 8, 28, 41, tzinfo=UTC)


def test_is_internal_typo_I_means_internal():
    """Official example 2 prints Is Internal as ``I`` (a doc typo): an internal call."""
    call = parser().parse(OFFICIAL[1])
    assert call.direction == Direction.INTERNAL
    assert call.extension == "215"
    assert call.trunk == ""
    assert call.number == "211"
    assert call.duration_seconds == 10
    assert call.ring_seconds == 21
    assert call.pbx_call_id == "28"
    assert call.details["party2_device"] == "V9051"


def test_call_start_on_a_dst_day_uses_that_days_offset():
    """2008-10-20 is in Argentine summer time (UTC-2, from 2008-10-19) and in BST."""
    assert parser(CORDOBA).parse(OFFICIAL[1]).start == dt.datetime(
        2008, 10, 20, 8, 43, 58, tzinfo=UTC
    )
    assert parser(LONDON).parse(OFFICIAL[1]).start == dt.datetime(
        2008, 10, 20, 5, 43, 58, tzinfo=UTC
    )


def test_continuation_segments_share_the_call_id():
    """Official examples 3 and 4: one call in two segments, answered then voicemail."""
    first, second = (parser().parse(line) for line in OFFICIAL[2:4])
    assert first.pbx_call_id == second.pbx_call_id == "1000014160"
    assert first.details["continuation"] is True
    assert "continuation" not in second.details  # the last segment
    assert first.start == second.start == dt.datetime(2008, 6, 28, 12, 30, 57, tzinfo=UTC)
    assert (first.duration_seconds, first.ring_seconds) == (13, 7)
    assert first.details["hold_seconds"] == 11
    assert first.extension == "4750"
    # The second segment is voicemail (V9502) with no extension party.
    assert second.extension == ""  # a 6-digit target is a DDI, not an extension
    assert second.trunk == "9002"
    assert second.number == "01707392200"
    assert second.details["party1_name"] == "VM Channel 2"


def test_record_with_31_fields_parses():
    """Official example 5 ends with one more empty field than the others."""
    call = parser().parse(OFFICIAL[4])
    assert call.extension == "403"
    assert call.number == "01707299900"
    assert call.details["ddi"] == "390664"
    assert call.start == dt.datetime(2008, 8, 1, 18, 14, 19, tzinfo=UTC)


def test_internal_call_between_two_extensions():
    """Official example 6: Is Internal 1, extension 4688 calls 4207 for 44 s."""
    call = parser().parse(OFFICIAL[5])
    assert call.direction == Direction.INTERNAL
    assert (call.extension, call.number, call.trunk) == ("4688", "4207", "")
    assert call.duration_seconds == 44


def test_call_start_without_seconds():
    """Official example 7 prints ``2008/07/09 17:55``: seconds are zero."""
    call = parser().parse(OFFICIAL[6])
    assert call.start == dt.datetime(2008, 7, 9, 20, 55, tzinfo=UTC)
    assert parser(LONDON).parse(OFFICIAL[6]).start == dt.datetime(2008, 7, 9, 16, 55, tzinfo=UTC)


def test_outgoing_number_is_kept_as_dialled():
    """Official example 7: the dialled ``8262623#`` keeps its ``#``."""
    call = parser().parse(OFFICIAL[6])
    assert call.direction == Direction.OUTGOING
    assert call.number == "8262623#"
    assert (call.extension, call.trunk) == ("2101", "9002")
    assert call.details["hold_seconds"] == 8


def test_park_time_is_kept():
    """Official example 8: an unanswered internal call parked 4 s."""
    call = parser().parse(OFFICIAL[7])
    assert call.answered is False
    assert call.details["park_seconds"] == 4


def test_sip_caller_loses_its_address_but_details_keep_it():
    """Production record 1: Caller ``9145661757@172.16.2.10`` from a SIP trunk."""
    call = parser().parse(PRODUCTION[0])
    assert call.direction == Direction.INCOMING
    assert call.number == "9145661757"
    assert call.details["caller_ip"] == "172.16.2.10"
    assert call.details["ddi"] == "2160492"
    assert call.details["party2_device"] == "V9513"
    assert call.trunk == "9017"
    # No E device (trunk and voicemail): the Called Number is the extension.
    assert call.extension == "4209"
    assert call.start == dt.datetime(2018, 9, 7, 14, 6, 53, tzinfo=UTC)
    assert parser(LONDON).parse(PRODUCTION[0]).start == dt.datetime(
        2018, 9, 7, 10, 6, 53, tzinfo=UTC
    )


def test_production_segments_share_the_call_id():
    """Production records 1 and 2 are one call (1949529): continuation 1, then 0."""
    first, second = (parser().parse(line) for line in PRODUCTION[:2])
    assert first.pbx_call_id == second.pbx_call_id == "1949529"
    assert [first.details.get("continuation"), second.details.get("continuation")] == [True, None]
    assert (first.duration_seconds, second.duration_seconds) == (27, 0)


def test_virtual_extension_without_caller():
    """Production record 3: an internal call with an empty Caller and Party2."""
    call = parser().parse(PRODUCTION[2])
    assert call.direction == Direction.INTERNAL
    assert call.extension == "3776"
    assert call.number == "78007750775"
    assert "caller" not in call.details
    assert "party2_device" not in call.details


def test_cyrillic_name_is_kept_in_details():
    """Production record 4: UTF-8 names in Party1Name and External Targeter Id."""
    name = "\u0422\u0430\u0440\u043e\u0432\u0430\u0442\u043e\u0432\u0430 \u041c"
    call = parser().parse(PRODUCTION[3])
    assert call.direction == Direction.OUTGOING
    assert call.number == "69145869202"
    assert (call.extension, call.trunk) == ("4731", "9017")
    assert call.duration_seconds == 38
    assert call.details["party1_name"] == name
    assert call.details["external_targeting_cause"] == "U"
    assert call.details["external_targeter_id"] == name
    assert call.start == dt.datetime(2018, 9, 7, 14, 6, 19, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\r\n",
        "   \r\n",
        "\x00\x00\r\n",
        "Call Start,Connected Time,Ring Time,Caller,Direction,Called Number\r\n",
        "CallStart,ConnectedTime,RingTime,Caller,Direction,CalledNumber,DialledNumber\r\n",
        "\ufeffCall Start,Connected Time,Ring Time,Caller\r\n",
    ],
)
def test_noise_is_none(text):
    """Blank lines, bare control bytes and a Delta Server CSV header are noise."""
    assert parser().parse(text) is None


def test_syslog_prefix_is_dropped():
    """A record relayed through syslog parses as the bare record does."""
    bare = parser().parse(PRODUCTION[0])
    relayed = parser().parse("<134>Sep  7 11:06:53 ipo-cordoba SMDR: " + PRODUCTION[0])
    assert relayed == bare


def test_leading_nul_bytes_are_dropped():
    """NUL bytes before the date (reported on IP Office streams) are ignored."""
    assert parser().parse("\x00\x00\x00" + OFFICIAL[0]) == parser().parse(OFFICIAL[0])


def test_line_terminators_are_optional():
    """A record without CR LF, or with a bare LF, parses the same."""
    expected = parser().parse(OFFICIAL[0])
    assert parser().parse(OFFICIAL[0].rstrip("\r\n")) == expected
    assert parser().parse(OFFICIAL[0].rstrip("\r\n") + "\n") == expected


def test_missing_trailing_fields_are_tolerated():
    """A record cut after Park Time (17 fields) still parses."""
    short = ",".join(OFFICIAL[0].split(",")[:17])
    call = parser().parse(short)
    assert call.pbx_call_id == "1000014155"
    assert "park_seconds" not in call.details  # zero, so not repeated in details


def test_r11_record_with_35_fields_keeps_the_extra_fields():
    """The fields of newer releases land in details by name; numbers become ints."""
    line = (
        "2024/05/02 10:15:00,00:01:05,4,2001,O,04234567,04234567,77,0,1000200,0,"
        "E2001,Ana,T9001,Line 1.1,0,0,1,4455,Ana,120,ARS,100,12,10,100,150,U Xfd,Extn2002,"
        "2002,192.168.0.10,1234,192.168.0.11,5678,2024/05/02 13:16:09"
    )
    call = parser().parse(line)
    assert call.account_code == "77"
    assert call.details == {
        "party1_name": "Ana",
        "party2_name": "Line 1.1",
        "auth_valid": True,
        "auth_code": "4455",
        "user_charged": "Ana",
        "call_charge": 120,
        "currency": "ARS",
        "amount_at_last_user_change": 100,
        "call_units": 12,
        "units_at_last_user_change": 10,
        "cost_per_unit": 100,
        "mark_up": 150,
        "external_targeting_cause": "U Xfd",
        "external_targeter_id": "Extn2002",
        "external_targeted_number": "2002",
        "calling_party_server_ip": "192.168.0.10",
        "calling_party_unique_call_id": "1234",
        "called_party_server_ip": "192.168.0.11",
        "called_party_unique_call_id": "5678",
        "record_timestamp": "2024/05/02 13:16:09",
    }


def test_ambiguous_local_time_is_the_first_occurrence():
    """01:30 happens twice in London on 2024-10-27: taken as BST (fold=0), 00:30 UTC."""
    line = with_fields(OFFICIAL[0], f1="2024/10/27 01:30:00")
    assert parser(LONDON).parse(line).start == dt.datetime(2024, 10, 27, 0, 30, tzinfo=UTC)


def test_nonexistent_local_time_uses_the_offset_before_the_change():
    """01:30 never happens in London on 2024-03-31: read as GMT (fold=0), 01:30 UTC."""
    line = with_fields(OFFICIAL[0], f1="2024/03/31 01:30:00")
    assert parser(LONDON).parse(line).start == dt.datetime(2024, 3, 31, 1, 30, tzinfo=UTC)


def test_times_on_a_dst_change_day_are_converted_one_by_one():
    """Argentina moved to UTC-2 at 00:00 on 2008-10-19: noon is 14:00 UTC, 00:30 is a gap."""
    noon = with_fields(OFFICIAL[0], f1="2008/10/19 12:00:00")
    gap = with_fields(OFFICIAL[0], f1="2008/10/19 00:30:00")
    day_before = with_fields(OFFICIAL[0], f1="2008/10/18 23:59:59")
    cordoba = parser()
    assert cordoba.parse(noon).start == dt.datetime(2008, 10, 19, 14, 0, tzinfo=UTC)
    assert cordoba.parse(gap).start == dt.datetime(2008, 10, 19, 3, 30, tzinfo=UTC)
    assert cordoba.parse(day_before).start == dt.datetime(2008, 10, 19, 2, 59, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            with_fields(OFFICIAL[0], f1="2008/02/30 09:28:41"),
            "field 1 (Call Start): '2008/02/30 09:28:41' is not a valid date",
        ),
        (
            with_fields(OFFICIAL[0], f1="2008/06/28 25:28:41"),
            "field 1 (Call Start): '2008/06/28 25:28:41' is not YYYY/MM/DD HH:MM[:SS]",
        ),
        (
            with_fields(OFFICIAL[0], f1="28/06/2008 09:28:41"),
            "field 1 (Call Start): '28/06/2008 09:28:41' is not YYYY/MM/DD HH:MM[:SS]",
        ),
        (
            with_fields(OFFICIAL[0], f1="\u2026 16:33:19"),
            "field 1 (Call Start): '\u2026 16:33:19' is not YYYY/MM/DD HH:MM[:SS]",
        ),
        (
            with_fields(OFFICIAL[0], f2="00:0x:10"),
            "field 2 (Connected Time): '00:0x:10' is not HH:MM:SS",
        ),
        (
            with_fields(OFFICIAL[0], f2="00:61:10"),
            "field 2 (Connected Time): '00:61:10' is not HH:MM:SS",
        ),
        (
            with_fields(OFFICIAL[0], f3="9s"),
            "field 3 (Ring Time): '9s' is not a number of seconds",
        ),
        (
            with_fields(OFFICIAL[0], f5="X"),
            "field 5 (Direction): 'X' is not I or O",
        ),
        (
            with_fields(OFFICIAL[0], f9="2"),
            "field 9 (Is Internal): '2' is not 1 or 0",
        ),
        (
            with_fields(OFFICIAL[0], f10="10000A"),
            "field 10 (Call ID): '10000A' is not an integer",
        ),
        (
            with_fields(OFFICIAL[0], f11="yes"),
            "field 11 (Continuation): 'yes' is not 1 or 0",
        ),
        (
            with_fields(OFFICIAL[0], f16="-1"),
            "field 16 (Hold Time): '-1' is not a number of seconds",
        ),
    ],
)
def test_bad_field_names_the_field_and_quotes_the_value(line, message):
    """A bad value raises RecordError naming the field by number and name."""
    with pytest.raises(RecordError) as raised:
        parser().parse(line)
    assert str(raised.value) == message


def test_too_few_fields():
    """A truncated record says how many fields came and which are missing."""
    with pytest.raises(RecordError) as raised:
        parser().parse("2008/06/28 09:28:41,00:00:00,9,8004206,I\r\n")
    message = str(raised.value)
    assert "5 comma-separated fields, expected 17 to 35" in message
    assert "field 6 (Called Number)" in message


def test_too_many_fields():
    """More than 35 fields is not an IP Office record (a name with a comma, say)."""
    with pytest.raises(RecordError, match="36 comma-separated fields, expected 17 to 35"):
        parser().parse(OFFICIAL[0].rstrip("\r\n") + "," * 6)


def test_year_out_of_range_is_a_record_error():
    """Extreme dates fail as records, not as overflows."""
    cases = [
        ("9999/12/31 23:59:59", "America/Los_Angeles"),
        ("0001/01/01 00:00:00", "Asia/Tokyo"),
        ("0000/01/01 00:00:00", "UTC"),
    ]
    for call_start, zone in cases:
        with pytest.raises(RecordError, match=r"field 1 \(Call Start\)"):
            parser(ZoneInfo(zone)).parse(with_fields(OFFICIAL[0], f1=call_start))


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_raises_only_record_errors(text):
    """Whatever arrives, the parser returns a call or None, or raises RecordError."""
    with contextlib.suppress(RecordError):
        parser().parse(text)


FIELD_TEXT = st.text(
    alphabet=st.sampled_from("0123456789:/ @.EITVO-#\x00\u00b2\u0661"), max_size=22
)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(OFFICIAL + PRODUCTION),
    st.dictionaries(st.integers(min_value=0, max_value=34), FIELD_TEXT, max_size=4),
)
def test_damaged_records_raise_only_record_errors(line, damage):
    """Sample records with fields overwritten by look-alike junk never crash the parser."""
    fields = line.rstrip("\r\n").split(",")
    fields += [""] * (35 - len(fields))
    for index, value in damage.items():
        fields[index] = value
    try:
        call = parser().parse(",".join(fields))
    except RecordError:
        return
    assert call is None or call.start.tzinfo is UTC
