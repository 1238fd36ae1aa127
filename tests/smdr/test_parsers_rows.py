"""Rows of a PBX's CDR table (the ``database`` transport's JSON records) read by column
name: Asterisk's ``cdr`` table (FreePBX) and FreeSWITCH's ``cdr_pg_csv`` table."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from smdr.parsers.asterisk_csv import AsteriskCSVParser
from smdr.parsers.base import Direction, ParserSettings, RecordError
from smdr.parsers.freeswitch_csv import FreeSWITCHCSVParser

CORDOBA = ZoneInfo("America/Argentina/Cordoba")
# One FreePBX 16 asteriskcdrdb.cdr row, every column, as PyMySQL reads it as text.
FREEPBX_ROW = {
    "calldate": "2026-12-07 10:00:01",
    "clid": '"Ana" <2001>',
    "src": "2001",
    "dst": "0351155000001",
    "dcontext": "from-internal",
    "channel": "PJSIP/2001-00000001",
    "dstchannel": "PJSIP/claro-00000002",
    "lastapp": "Dial",
    "lastdata": "PJSIP/0351155000001@claro,300,Tt",
    "duration": "65",
    "billsec": "60",
    "disposition": "ANSWERED",
    "amaflags": "2",
    "accountcode": "",
    "uniqueid": "1796637601.1",
    "userfield": "",
    "did": "",
    "recordingfile": "",
    "cnum": "2001",
    "cnam": "Ana",
    "outbound_cnum": "",
    "outbound_cnam": "",
    "dst_cnam": "",
    "linkedid": "1796637601.1",
    "peeraccount": "",
    "sequence": "41",
}


def asterisk(**options):
    return AsteriskCSVParser(ParserSettings(time_zone=CORDOBA, options=options))


def test_a_freepbx_row_is_read_by_column_name():
    call = asterisk().parse(json.dumps(FREEPBX_ROW))

    assert call.start == dt.datetime(2026, 12, 7, 13, 0, 1, tzinfo=dt.UTC)
    assert (call.direction, call.extension, call.number, call.trunk) == (
        Direction.OUTGOING,
        "2001",
        "0351155000001",
        "claro",
    )
    assert (call.duration_seconds, call.ring_seconds, call.answered) == (60, 5, True)
    assert call.pbx_call_id == "1796637601.1"
    assert call.details["amaflags"] == "BILLING"
    assert call.details["sequence"] == 41


def test_null_reads_as_empty_and_an_offset_is_that_instant():
    row = {**FREEPBX_ROW, "calldate": "2026-12-07 10:00:01.75+00", "userfield": None}

    call = asterisk().parse(json.dumps(row))

    assert call.start == dt.datetime(2026, 12, 7, 10, 0, 1, tzinfo=dt.UTC)
    assert "userfield" not in call.details


def test_usegmtime_reads_calldate_as_utc():
    call = asterisk(usegmtime=True).parse(json.dumps(FREEPBX_ROW))

    assert call.start == dt.datetime(2026, 12, 7, 10, 0, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"billsec": "sixty"}, "column billsec: 'sixty' is not a number of seconds"),
        ({"calldate": "07/12/2026"}, "column calldate: '07/12/2026' is not YYYY-MM-DD HH:MM:SS"),
    ],
)
def test_an_error_names_the_tables_column(change, message):
    with pytest.raises(RecordError, match=message):
        asterisk().parse(json.dumps({**FREEPBX_ROW, **change}))


def test_a_row_without_asterisks_columns_says_which():
    row = {key: value for key, value in FREEPBX_ROW.items() if key not in ("calldate", "src")}

    with pytest.raises(RecordError, match=r"row lacks the column\(s\) calldate, src of Asterisk"):
        asterisk().parse(json.dumps(row))


def test_a_record_that_is_not_a_json_object_is_an_error():
    with pytest.raises(RecordError, match="not a JSON object of cdr table columns"):
        asterisk().parse('{"calldate": ')


# FreeSWITCH's cdr_pg_csv default schema: the example template's variables and a few more.
FREESWITCH_ROW = {
    "local_ip_v4": "10.0.0.5",
    "caller_id_name": "Ana",
    "caller_id_number": "1001",
    "destination_number": "0351155000001",
    "context": "default",
    "start_stamp": "2026-12-07 10:00:01+00",
    "answer_stamp": "2026-12-07 10:00:06+00",
    "end_stamp": "2026-12-07 10:01:06+00",
    "duration": "65",
    "billsec": "60",
    "hangup_cause": "NORMAL_CLEARING",
    "uuid": "a5c9f6c0-e752-11e3-8bfb-65b6c3cdac7d",
    "bleg_uuid": None,
    "accountcode": None,
    "read_codec": "PCMA",
    "write_codec": "PCMA",
    "sip_hangup_disposition": "send_bye",
    "ani": "1001",
}


def test_a_freeswitch_cdr_pg_csv_row_is_read_by_column_name():
    parser = FreeSWITCHCSVParser(ParserSettings(time_zone=CORDOBA, options={}))

    call = parser.parse(json.dumps(FREESWITCH_ROW))

    assert call.start == dt.datetime(2026, 12, 7, 10, 0, 1, tzinfo=dt.UTC)
    assert (call.direction, call.extension, call.number) == (
        Direction.OUTGOING,
        "1001",
        "0351155000001",
    )
    assert (call.duration_seconds, call.ring_seconds, call.answered) == (60, 5, True)
    assert call.pbx_call_id == "a5c9f6c0-e752-11e3-8bfb-65b6c3cdac7d"


def test_a_freeswitch_row_without_the_templates_start_says_so():
    parser = FreeSWITCHCSVParser(ParserSettings(time_zone=CORDOBA, options={}))
    row = {key: value for key, value in FREESWITCH_ROW.items() if key != "start_stamp"}

    with pytest.raises(RecordError, match="row lacks the column start_stamp"):
        parser.parse(json.dumps(row))
