"""Asterisk cdr_custom files: the ``columns`` option (the stock cdr_custom.conf.sample
mapping by name, a mapping line, or a list of field names) reads them as Master.csv's
fields, and its errors name the column where the file has it."""

import csv
import io
from zoneinfo import ZoneInfo

import pytest

from smdr.parsers.asterisk_csv import COLUMN_MAPPINGS, AsteriskCSVParser, columns_option
from smdr.parsers.base import Direction, ParserSettings, RecordError

CORDOBA = ZoneInfo("America/Argentina/Cordoba")
# Asterisk's configs/samples/cdr_custom.conf.sample, its Master.csv mapping line.
SAMPLE_MAPPING = (
    "Master.csv => ${CSV_QUOTE(${CDR(clid)})},${CSV_QUOTE(${CDR(src)})},"
    "${CSV_QUOTE(${CDR(dst)})},${CSV_QUOTE(${CDR(dcontext)})},${CSV_QUOTE(${CDR(channel)})},"
    "${CSV_QUOTE(${CDR(dstchannel)})},${CSV_QUOTE(${CDR(lastapp)})},"
    "${CSV_QUOTE(${CDR(lastdata)})},${CSV_QUOTE(${CDR(start)})},${CSV_QUOTE(${CDR(answer)})},"
    "${CSV_QUOTE(${CDR(end)})},${CSV_QUOTE(${CDR(duration)})},${CSV_QUOTE(${CDR(billsec)})},"
    "${CSV_QUOTE(${CDR(disposition)})},${CSV_QUOTE(${CDR(amaflags)})},"
    "${CSV_QUOTE(${CDR(accountcode)})},${CSV_QUOTE(${CDR(uniqueid)})},"
    "${CSV_QUOTE(${CDR(userfield)})},${CDR(sequence)}"
)
# The parser docstring's real Master.csv record (18 columns), as the stock cdr_custom
# mapping writes the same call: clid first, accountcode 16th, the sequence last.
RECORD = {
    "clid": '"2889" <2889>',
    "src": "2889",
    "dst": "09243820431",
    "dcontext": "pre-rec",
    "channel": "SIP/2889-0000098e",
    "dstchannel": "OOH323/avayaG700-1919",
    "lastapp": "Dial",
    "lastdata": "Local/09243820431@default,30,t",
    "start": "2018-09-07 11:05:20",
    "answer": "2018-09-07 11:05:20",
    "end": "2018-09-07 11:08:24",
    "duration": "183",
    "billsec": "183",
    "disposition": "ANSWERED",
    "amaflags": "DOCUMENTATION",
    "accountcode": "",
    "uniqueid": "1536293101.12458",
    "userfield": "",
    "sequence": "4711",
}
MASTER = (
    '"","2889","09243820431","pre-rec","""2889"" <2889>","SIP/2889-0000098e",'
    '"OOH323/avayaG700-1919","Dial","Local/09243820431@default,30,t","2018-09-07 11:05:20",'
    '"2018-09-07 11:05:20","2018-09-07 11:08:24",183,183,"ANSWERED","DOCUMENTATION",'
    '"1536293101.12458",""'
)


def custom_line(**changes) -> str:
    values = {**RECORD, **changes}
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="").writerow(
        [values[name] for name in COLUMN_MAPPINGS["cdr_custom-sample"]]
    )
    return out.getvalue()


def parser(columns):
    return AsteriskCSVParser(ParserSettings(time_zone=CORDOBA, options={"columns": columns}))


@pytest.mark.parametrize(
    "columns", ["cdr_custom-sample", SAMPLE_MAPPING, list(COLUMN_MAPPINGS["cdr_custom-sample"])]
)
def test_the_stock_cdr_custom_record_is_the_master_csv_call(columns):
    custom = parser(columns).parse(custom_line())
    master = AsteriskCSVParser(ParserSettings(time_zone=CORDOBA)).parse(MASTER)

    assert custom.start == master.start
    assert (custom.direction, custom.extension, custom.number, custom.trunk) == (
        Direction.OUTGOING,
        "2889",
        "09243820431",
        master.trunk,
    )
    assert (custom.duration_seconds, custom.answered, custom.pbx_call_id) == (
        183,
        True,
        master.pbx_call_id,
    )
    assert custom.details == {**master.details, "sequence": 4711}


def test_a_header_row_and_blank_lines_are_not_calls():
    reader = parser("cdr_custom-sample")
    assert reader.parse(",".join(COLUMN_MAPPINGS["cdr_custom-sample"])) is None
    assert reader.parse("\r\n") is None


def test_a_wrong_count_says_which_mapping_was_expected():
    with pytest.raises(RecordError) as raised:
        parser("cdr_custom-sample").parse(MASTER)  # a Master.csv line in a custom source
    assert str(raised.value) == (
        "record has 18 comma-separated fields, the columns option (cdr_custom-sample) expects 19"
    )


def test_an_error_names_the_column_where_the_file_has_it():
    with pytest.raises(RecordError, match=r"^field 11 \(end\): '31'"):
        parser("cdr_custom-sample").parse(custom_line(end="31"))
    with pytest.raises(RecordError, match=r"^field 13 \(billsec\)"):
        parser("cdr_custom-sample").parse(custom_line(billsec="a lot"))


def test_an_advanced_mapping_with_literals_and_qualifiers():
    fields = 'clid,"Some Literal",src, dst, dcontext, start(%F %T), answer, end, duration, billsec'
    assert columns_option(fields) == (
        "clid",
        "",
        "src",
        "dst",
        "dcontext",
        "start",
        "answer",
        "end",
        "duration",
        "billsec",
    )
    call = parser(fields).parse(
        '"Ana <2001>","x","2001","0351155123456","from-internal","2026-11-03 10:00:00",'
        '"2026-11-03 10:00:05","2026-11-03 10:01:05","65","60"'
    )
    assert (call.extension, call.number, call.duration_seconds, call.ring_seconds) == (
        "2001",
        "0351155123456",
        60,
        5,
    )


def test_columns_without_what_a_call_needs_are_refused_when_the_source_is_built():
    with pytest.raises(RecordError, match="columns: clid, src, start lack dst, duration, billsec"):
        parser("clid,src,start")
    with pytest.raises(RecordError, match="not a list of CDR field names"):
        parser(42)
