"""The Yeastar S-Series and P-Series CDR parser, on Yeastar's documented records.

``S_OUTBOUND`` and ``S_INTERNAL`` are the examples of Yeastar's developer guides
("CDR Report": extension 1005 calling 9283737733 over SPS-6-36; "NewCdr": extension
1023 calling 2023), as the PBX posts them. The CSV rows are [DERIVED]: the same calls
in the S-Series report's columns, and P-Series rows in the order of the P-Series
administrator guide's CDR items.
"""

import contextlib
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smdr.parsers import PARSERS, Direction, ParserSettings, RecordError
from smdr.parsers.yeastar import P_SERIES_COLUMNS, S_SERIES_COLUMNS, YeastarParser

SHANGHAI = ZoneInfo("Asia/Shanghai")  # UTC+8 all year
UTC = dt.UTC
S_OUTBOUND = (
    '{"action": "NewCdr", "callid": "1547392142.330", "timestart": "2019-01-13 23:09:02",'
    ' "callfrom": "1005", "callto": "9283737733", "desttrunkname": "SPS-6-36",'
    ' "callduraction": "6", "talkduraction": "3", "status": "ANSWERED", "type": "Outbound",'
    ' "recording": "20180315201242-1521173562.46-203-201-Internal.yswav",'
    ' "sn": "369362089179"}'
)
S_INTERNAL = (
    '{ "event": "NewCdr", "callid": "1571897930.5", "timestart": "2019-10-23 22:18:50",'
    ' "callfrom": "1023", "callto": "2023", "callduraction": "19", "talkduraction": "14",'
    ' "srctrunkname": "", "dsttrcunkname": "", "pincode": "", "status": "ANSWERED",'
    ' "type": "Internal", "recording": "20191024201242-1571897930.5-203-201-Internal.wav",'
    ' "didnumber": "", "agentringtime": "0", "sn": "369451090405" }'
)
S_OUTBOUND_ROW = (
    "1547392142.330,2019-01-13 23:09:02,1005,9283737733,6,3,,SPS-6-36,ANSWERED,Outbound,,,,,"
)
S_INBOUND_BUSY = (
    "1547392200.331,2019-01-13 23:10:00,13800138000,1001,4,0,SPS-6-36,,BUSY,Inbound,,,5551000,0,"
)
P_HEADER = ",".join(P_SERIES_COLUMNS)
P_INBOUND = (
    "2284,07/16/2024 10:33:02 PM,13800138000,Leo Ball<1000>,00:00:21,5,16,ANSWERED,"
    "Call Party (External Number),SIP1,,Inbound,5551000,,192.168.1.20,,"
)
P_OUTBOUND = (
    "2285,07/16/2024 10:40:00 PM,Leo Ball<1000>,013912345678,40,10,30,ANSWERED,,,SIP1,"
    "Outbound,,5551000,,8899,"
)


def parser(**options):
    return YeastarParser(ParserSettings(time_zone=SHANGHAI, options=options))


def test_documented_outbound_call():
    """The guide's outbound example: 6 s in all, 3 s of talk, out on SPS-6-36."""
    call = parser().parse(S_OUTBOUND)
    assert call.start == dt.datetime(2019, 1, 13, 15, 9, 2, tzinfo=UTC)
    assert (call.duration_seconds, call.ring_seconds, call.answered) == (3, 3, True)
    assert (call.direction, call.extension, call.number, call.trunk) == (
        Direction.OUTGOING,
        "1005",
        "9283737733",
        "SPS-6-36",
    )
    assert (call.pbx_call_id, call.account_code) == ("1547392142.330", "")
    assert call.details == {"status": "ANSWERED", "direction_rule": "default"}


def test_documented_internal_call():
    """The NewCdr example (``dsttrcunkname`` sic): internal, 14 s of talk after 5."""
    call = parser().parse(S_INTERNAL)
    assert call.start == dt.datetime(2019, 10, 23, 14, 18, 50, tzinfo=UTC)
    assert (call.direction, call.extension, call.number, call.trunk) == (
        Direction.INTERNAL,
        "1023",
        "2023",
        "",
    )
    assert (call.duration_seconds, call.ring_seconds) == (14, 5)


def test_s_series_row_is_the_same_call():
    assert parser().parse(S_OUTBOUND_ROW) == parser().parse(S_OUTBOUND)


def test_s_series_incoming_busy():
    call = parser().parse(S_INBOUND_BUSY)
    assert (call.direction, call.extension, call.number, call.trunk) == (
        Direction.INCOMING,
        "1001",
        "13800138000",
        "SPS-6-36",
    )
    assert (call.answered, call.duration_seconds, call.ring_seconds) == (False, 0, 4)
    assert call.details == {"status": "BUSY", "direction_rule": "default", "did": "5551000"}


def test_p_series_header_decides_and_names_are_read():
    """An S-Series source that gets a P-Series export reads it by its header; the name
    before <number> goes to details; 12-hour times and H:MM:SS durations are read."""
    yeastar = parser()
    assert yeastar.parse(P_HEADER) is None
    call = yeastar.parse(P_INBOUND)
    assert call.start == dt.datetime(2024, 7, 16, 14, 33, 2, tzinfo=UTC)
    assert (call.direction, call.extension, call.number, call.trunk) == (
        Direction.INCOMING,
        "1000",
        "13800138000",
        "SIP1",
    )
    assert (call.duration_seconds, call.ring_seconds, call.pbx_call_id) == (16, 5, "2284")
    assert call.details["reason"] == "Call Party (External Number)"
    assert call.details["caller_ip"] == "192.168.1.20"
    assert call.details["did"] == "5551000"


def test_p_series_variant_without_header():
    call = parser(variant="p-series").parse(P_OUTBOUND)
    assert (call.direction, call.extension, call.number, call.trunk) == (
        Direction.OUTGOING,
        "1000",
        "013912345678",
        "SIP1",
    )
    assert (call.account_code, call.duration_seconds, call.ring_seconds) == ("8899", 30, 10)
    assert "callee_name" not in call.details  # a number, without a name
    assert call.details["outbound_caller_id"] == "5551000"


def test_p_series_api_object():
    """A P-Series API CDR item (``cdr/search`` data), read by its keys [DERIVED]."""
    item = (
        '{"id": 2285, "time": "07/16/2024 10:40:00 PM", "uid": "1721140800.71",'
        ' "call_from": "Leo Ball<1000>", "call_to": "013912345678", "call_duration": 40,'
        ' "ring_duration": 10, "talk_duration": 30, "disposition": "ANSWERED",'
        ' "dst_trunk": "SIP1", "call_type": "Outbound", "pin_code": "8899"}'
    )
    call = parser(variant="p-series").parse(item)
    assert (call.direction, call.extension, call.number, call.trunk) == (
        Direction.OUTGOING,
        "1000",
        "013912345678",
        "SIP1",
    )
    assert (call.duration_seconds, call.ring_seconds, call.account_code) == (30, 10, "8899")
    assert call.pbx_call_id == "2285"


def test_talk_alone_is_the_whole_call():
    call = parser(columns=["Time", "Call From", "Call To", "Talk Duration"]).parse(
        "2019-01-13 23:09:02,1005,1006,0:01:05"
    )
    assert (call.duration_seconds, call.ring_seconds, call.direction) == (65, 0, "internal")


def test_day_first_dates():
    day_first = parser(variant="p-series", day_first=True)
    row = P_OUTBOUND.replace("07/16/2024 10:40:00 PM", "16/07/2024 22:40:00")
    assert day_first.parse(row).start == dt.datetime(2024, 7, 16, 14, 40, tzinfo=UTC)
    with pytest.raises(RecordError, match=r"^field 2 \(time\): '16/07/2024 22:40:00' is not a"):
        parser(variant="p-series").parse(row)


def test_spring_forward_gap_takes_the_offset_before():
    """A local time skipped when clocks go forward reads with the offset before it."""
    berlin = YeastarParser(ParserSettings(time_zone=ZoneInfo("Europe/Berlin")))
    call = berlin.parse(S_OUTBOUND_ROW.replace("2019-01-13 23:09:02", "2025-03-30 02:30:00"))
    assert call.start == dt.datetime(2025, 3, 30, 1, 30, tzinfo=UTC)


def test_known_extensions_decide_first():
    settings = ParserSettings(time_zone=SHANGHAI, extensions=frozenset({"1005"}))
    row = S_OUTBOUND_ROW.replace("Outbound", "Inbound")
    call = YeastarParser(settings).parse(row)
    assert (call.direction, call.details["direction_rule"]) == (
        Direction.OUTGOING,
        "known-extension",
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (S_OUTBOUND_ROW[:40], r"^record has 4 comma-separated fields, the columns have 15"),
        (
            S_OUTBOUND_ROW.replace("2019-01-13", "2019-02-30"),
            r"^field 2 \(time\): '2019-02-30 23:09:02' is not a valid date and time",
        ),
        (S_OUTBOUND_ROW.replace(",6,3,", ",6,3s,"), r"^field 6 \(talk_duration\): '3s' is not"),
        (S_OUTBOUND_ROW.replace(",6,3,", ",6,30,"), r"^field 6 \(talk_duration\): 30 s of talk"),
        ('{"callfrom": "1005"', r"^record is not valid JSON"),
        ('{"callfrom": "1005", "talkduraction": "3"}', r"^time: '' is not a date and time"),
    ],
)
def test_bad_records_name_the_field(line, message):
    """Truncated or garbled records are errors naming the field, never dropped."""
    with pytest.raises(RecordError, match=message):
        parser().parse(line)


def test_options_are_checked():
    with pytest.raises(RecordError, match=r"^option variant: 'k2' is not one of s-series"):
        parser(variant="k2")
    with pytest.raises(RecordError, match=r"^option columns: the columns lack talk_duration"):
        parser(columns=["timestart", "callfrom"])
    assert parser().parse("") is None


def test_s_series_columns_are_the_report_parameters():
    assert S_SERIES_COLUMNS[:6] == (
        "cdrid",
        "timestart",
        "callfrom",
        "callto",
        "callduraction",
        "talkduraction",
    )
    assert PARSERS["yeastar"] is YeastarParser


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_raises_only_record_errors(text):
    with contextlib.suppress(RecordError):
        parser().parse(text)


FIELD_TEXT = st.text(alphabet=st.sampled_from('0123456789:/- .,"<>{}APM\x00\ufeff'), max_size=22)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([S_OUTBOUND_ROW, S_INBOUND_BUSY]),
    st.dictionaries(st.integers(min_value=0, max_value=14), FIELD_TEXT, max_size=4),
)
def test_damaged_records_raise_only_record_errors(line, damage):
    """Documented rows with fields overwritten by look-alike junk never crash it."""
    fields = line.split(",")
    for index, value in damage.items():
        fields[index] = value
    try:
        call = parser().parse(",".join(fields))
    except RecordError:
        return
    assert call is None or (call.start.tzinfo is UTC and call.duration_seconds >= 0)
