"""The Unify OpenScape parser: OpenScape Voice CDRs and HiPath 4000 charge records.

No real record of either has been published. OpenScape Voice records here carry the
fields of the OSV V9 CDR Interface manual at their numbers [DERIVED]; HiPath 4000
records follow the parser's default columns (the content is set by AMO FTBL) [DERIVED].
"""

import contextlib
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smdr.framing import LineFramer, framer_for
from smdr.parsers import PARSERS
from smdr.parsers import unify_openscape as module
from smdr.parsers.base import Direction, ParserSettings, RecordError
from smdr.parsers.unify_openscape import UnifyOpenScapeParser
from tests.properties import utc_datetimes

CORDOBA = ZoneInfo("America/Argentina/Cordoba")
UTC = dt.UTC
HIPATH_RECORD = "14.10.26;13:06:48;93;4321;0114567890;12;3;1001;O"
OUTGOING = {
    1: "00000000",
    2: "2026-10-14T13:05:07.3-0300",
    3: "93",
    5: "OSV01-1a2b3c",
    11: "0114567890",
    12: "2044",
    18: "0",
    19: "16",
    40: "900",
    41: "903",
    48: "2026-10-14T13:05:15.3-0300",
    49: "2026-10-14T13:06:48.3-0300",
    127: "10.0.172.17",
}


def osv(fields=None, count=130, **changes):
    """An OpenScape Voice record of ``count`` fields: ``fields`` by number, changed by
    ``changes`` (``f12="..."``)."""
    values = [""] * count
    for number, text in (
        (fields or OUTGOING) | {int(k[1:]): v for k, v in changes.items()}
    ).items():
        if number <= count:
            values[number - 1] = text
    return ",".join(values)


def parser(extensions=frozenset(), **options):
    return UnifyOpenScapeParser(
        ParserSettings(time_zone=CORDOBA, options=options, extensions=extensions)
    )


def parse(text, **options):
    return parser(**options).parse(text)


def test_registered_with_a_line_framer():
    assert PARSERS["unify-openscape"] is UnifyOpenScapeParser
    assert isinstance(framer_for("unify-openscape"), LineFramer)


def test_the_docstring_outgoing_cdr():
    record = osv()
    assert record.startswith(
        "00000000,2026-10-14T13:05:07.3-0300,93,,OSV01-1a2b3c,,,,,,0114567890,2044,"
    )
    assert "00000000,2026-10-14T13:05:07.3-0300,93,,OSV01-1a2b3c,,,,,,0114567890,2044,..." in (
        module.__doc__
    )
    call = parse(record)
    assert call.start == dt.datetime(2026, 10, 14, 16, 5, 7, tzinfo=UTC)
    assert call.ring_seconds == 8
    assert call.duration_seconds == 93
    assert call.direction == Direction.OUTGOING
    assert call.extension == "2044"
    assert call.number == "0114567890"
    assert call.trunk == "10.0.172.17"
    assert call.account_code == ""
    assert call.pbx_call_id == "OSV01-1a2b3c"
    assert call.answered
    assert call.details == {"attempt": 0, "release_cause": 16}


def test_an_incoming_cdr_and_the_billing_file_sequence_number():
    record = osv(f11="4321", f12="3514436993", f40="901", f41="902", f126="10.0.172.18")
    record = record.replace(",10.0.172.17", ",")  # no egress on an incoming call
    call = parse("17," + osv(OUTGOING | {11: "4321", 12: "3514436993", 40: "901", 41: "902",
                                         126: "10.0.172.18", 127: "", 128: "4321"}))  # fmt: skip
    assert call.direction == Direction.INCOMING
    assert call.extension == "4321"
    assert call.number == "3514436993"
    assert call.trunk == "10.0.172.18"
    assert parse(record).extension == "4321"  # the terminating number without field 128


def test_internal_transit_and_unknown_parties():
    internal = parse(osv(f11="2045", f41="902", f101="2045", f127=""))
    assert internal.direction == Direction.INTERNAL
    assert (internal.extension, internal.number, internal.trunk) == ("2044", "2045", "")
    transit = parse(osv(f40="901", f41="903"))
    assert transit.direction == Direction.OUTGOING
    assert transit.details["transit"] is True
    unknown = osv(f40="999", f41="999")
    assert parse(unknown).direction == Direction.INTERNAL
    known = parser(extensions=frozenset({"2044"})).parse(unknown)
    assert known.direction == Direction.OUTGOING
    assert known.details["direction_rule"] == "known-extension"


def test_an_unanswered_cdr():
    call = parse(osv(f3="0", f18="5", f19="19", f48=""))
    assert not call.answered
    assert call.duration_seconds == 0
    assert call.ring_seconds == 101  # to the release: nobody answered
    assert call.details == {"attempt": 5, "release_cause": 19}


def test_times_without_an_offset_are_the_sites():
    call = parse(osv(f2="2026-10-14T13:05:07", f48="2026-10-14T13:05:15"))
    assert call.start == dt.datetime(2026, 10, 14, 16, 5, 7, tzinfo=UTC)
    assert call.ring_seconds == 8


def test_a_quoted_field_is_read_as_csv():
    call = parse(osv(f12='"2044"', f65='"Pérez, Juan"'))
    assert call.extension == "2044"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\x00",
        "FILENAME: /var/opt/cdr/ACT/UNSPsrx01-20261014T130000-0300.BF",
        "DEVICE: OSV01",
        "HOSTNAME: osv01",
        "FILETYPE: BILLING",
        "VERSION: V9",
        "CREATE: 2026-10-14T13:00:00.0-0300",
        "CLOSE: 2026-10-14T14:00:00.0-0300",
        "00000004,2026-10-14T13:05:07.3-0300,,OSV01-1a2b3c,,3000",  # hunt group
        "10000100,2026-10-14T13:05:07.3-0300,0,1,2044,2045",  # call forwarding
    ],
)
def test_noise(text):
    assert parse(text) is None


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (osv(count=30), "field 40 \\(Originating Party Identifier\\): missing"),
        (osv(f1="0000000x"), "field 1 \\(Record Type\\)"),
        (osv(f2="14/10/2026 13:05"), "field 2 \\(Timestamp\\)"),
        (osv(f2=""), "field 2 \\(Timestamp\\)"),
        (osv(f3="9x"), "field 3 \\(Call Duration\\)"),
        (osv(f18="x"), "field 18 \\(Attempt Indicator\\)"),
        (osv(f48="2026-13-14T13:05:15"), "field 48 \\(Call Answer Time\\)"),
        ("hello,world", "field 1"),
    ],
)
def test_bad_osv_records_are_errors_naming_the_field(text, field):
    with pytest.raises(RecordError, match=field):
        parse(text, variant="openscape-voice")
    if text.count(",") >= 40:  # auto reads it as OpenScape Voice too
        with pytest.raises(RecordError, match=field):
            parse(text)


def test_the_docstring_hipath_4000_record():
    assert "    " + HIPATH_RECORD + "\n" in module.__doc__
    call = parse(HIPATH_RECORD)
    assert call.start == dt.datetime(2026, 10, 14, 16, 5, 15, tzinfo=UTC)  # the end - 93 s
    assert call.duration_seconds == 93
    assert call.direction == Direction.OUTGOING
    assert call.extension == "4321"
    assert call.number == "0114567890"
    assert call.trunk == "12"
    assert call.account_code == "1001"
    assert call.answered
    assert call.details == {"units": 3}


def test_hipath_4000_columns_separator_and_start():
    columns = ["call_id", "date", "time", "", "extension", "number", "ring", "duration", "cost"]
    columns.append("direction")
    record = "A17|2026-10-14|13:05|x|4321|3514436993|00:12|00:01:33|1.25|IN"
    call = parse(record, columns=columns, separator="|", time_is="start", variant="hipath4000")
    assert call.start == dt.datetime(2026, 10, 14, 16, 5, tzinfo=UTC)
    assert (call.ring_seconds, call.duration_seconds) == (12, 93)
    assert call.direction == Direction.INCOMING
    assert call.pbx_call_id == "A17"
    assert call.details == {"cost": "1.25"}


def test_hipath_4000_headers_are_noise():
    assert parse("DATE;TIME;DURATION;EXTENSION;NUMBER;TRUNK;UNITS;ACCOUNT;DIRECTION") is None


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("14.13.26;13:06:48;93;4321;0114567890;12;3;1001;O", "field 1 \\(date\\)"),
        ("14/10/26;13:06:48;93;4321;0114567890;12;3;1001;O", "field 1 \\(date\\)"),
        ("14.10.26;13:66:48;93;4321;0114567890;12;3;1001;O", "field 2 \\(time\\)"),
        ("14.10.26;13:06:48;9x;4321;0114567890;12;3;1001;O", "field 3 \\(duration\\)"),
        ("14.10.26;13:06:48;93;4321;0114567890;12;x;1001;O", "field 7 \\(units\\)"),
        ("14.10.26;13:06:48;93;4321;0114567890;12;3;1001;X", "field 9 \\(direction\\)"),
        ("14.10.26;13:06:48;93;4321", "field 5 \\(number\\): missing"),
    ],
)
def test_bad_hipath_4000_records_are_errors_naming_the_field(text, field):
    with pytest.raises(RecordError, match=field):
        parse(text)


@pytest.mark.parametrize(
    "options",
    [
        {"variant": "osv"},
        {"columns": ["date", "time", "duration"]},  # no extension, no direction
        {"columns": ["date", "time", "duration", "extension", "direction", "date"]},
        {"columns": ["when", "time", "duration", "extension", "direction"]},
        {"separator": ";;"},
        {"separator": "a"},
        {"time_is": "middle"},
    ],
)
def test_bad_options_are_refused_naming_the_option(options):
    with pytest.raises(RecordError, match="option"):
        parser(**options)


@settings(max_examples=200, deadline=None)
@given(
    start=utc_datetimes(dt.datetime(2000, 1, 1, tzinfo=UTC), dt.datetime(2060, 1, 1, tzinfo=UTC)),
    offset_minutes=st.sampled_from([-300, -180, 0, 60, 345, 630]),
    ring=st.integers(0, 60),
    seconds=st.integers(0, 4 * 3600),
    caller=st.from_regex(r"[0-9]{3,6}", fullmatch=True),
)
def test_any_osv_record_reads_back(start, offset_minutes, ring, seconds, caller):
    start = start.replace(microsecond=0)
    zone = dt.timezone(dt.timedelta(minutes=offset_minutes))

    def stamp(moment):
        return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S.0%z")

    answer = start + dt.timedelta(seconds=ring)
    record = osv(
        f2=stamp(start),
        f3=str(seconds),
        f12=caller,
        f48=stamp(answer),
        f49=stamp(answer + dt.timedelta(seconds=seconds)),
    )
    call = parse(record)
    assert (call.start, call.ring_seconds, call.duration_seconds) == (start, ring, seconds)
    assert call.extension == caller
    assert call.answered == (seconds > 0)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400), st.sampled_from(["auto", "openscape-voice", "hipath4000"]))
def test_any_text_parses_or_is_an_error(text, variant):
    try:
        call = parse(text, variant=variant)
    except RecordError:
        return
    assert call is None or call.start.tzinfo is not None


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=800))
def test_any_bytes_frame_and_parse_or_error(data):
    framer = framer_for("unify-openscape")
    for item in framer.feed(data) + framer.flush():
        with contextlib.suppress(RecordError):
            parse(item.decode("latin-1"))
