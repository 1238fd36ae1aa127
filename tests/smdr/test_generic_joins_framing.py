"""The generic parser's columns chosen by direction, duration from start and end times,
STX/ETX and NUL framing, two-record joins by a sequence field, and presets."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from smdr.framing import LineFramer, NulFramer, SequenceJoinFramer, STXFramer, framer_for
from smdr.parsers.base import Direction, ParserSettings, RecordError
from smdr.parsers.generic import PRESETS, GenericParser, generic_framer, preset_loaded
from smdr.preview import framed_preview
from smdr.schema import SettingsError
from smdr.source_settings import loaded_settings, settings_schema
from smdr.transports import family_serial_defaults, transport_from_settings

UTC = dt.UTC
ZONE = ZoneInfo("UTC")
RECEIVED = dt.datetime(2026, 10, 9, 15, 0, tzinfo=UTC)


def parser(**options):
    return GenericParser(ParserSettings(time_zone=ZONE, options=options))


# --- columns chosen by direction ---------------------------------------------------

# "O" records: dialled number at 10-19; "I" records: caller's number at 21-30.
BY_DIRECTION = {
    "column_map": {
        "format": "fixed",
        "fields": {"direction": [1, 1], "time": [3, 7], "duration": [32, 35], "number": [10, 19]},
    },
    "direction": {"values": {"O": "outgoing", "I": "incoming"}},
    "direction_columns": {"incoming": {"number": [21, 30]}},
}


def test_the_direction_picks_the_number_column():
    p = parser(**BY_DIRECTION)
    outgoing = p.parse("O 10:00  0351111111 0000000000 0042", RECEIVED)
    incoming = p.parse("I 10:00  0000000000 0351222222 0042", RECEIVED)
    assert (outgoing.direction, outgoing.number) == (Direction.OUTGOING, "0351111111")
    assert (incoming.direction, incoming.number) == (Direction.INCOMING, "0351222222")


def test_direction_columns_delimited_and_details():
    p = parser(
        column_map={
            "format": "delimited",
            "fields": {"direction": 1, "time": 2, "duration": 3, "number": 4},
            "details": {"trunk_group": 6},
        },
        direction={"values": {"O": "outgoing", "I": "incoming"}},
        direction_columns={"incoming": {"number": 5, "trunk_group": 7}},
    )
    call = p.parse("I,10:00,42,111,222,g1,g2", RECEIVED)
    assert (call.number, call.details) == ("222", {"trunk_group": "g2"})
    assert p.parse("O,10:00,42,111,222,g1,g2", RECEIVED).details == {"trunk_group": "g1"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"direction_columns": {"sideways": {"number": [1, 2]}}}, "direction_columns.sideways"),
        ({"direction_columns": {"incoming": {"direction": [1, 1]}}}, "cannot move"),
        ({"direction_columns": {"incoming": {"ring": [1, 2]}}}, "'ring' is not a column"),
        ({"direction_columns": {"incoming": {"number": "x"}}}, "first, last"),
        (
            {
                "column_map": {"format": "fixed", "fields": {"time": [3, 7], "duration": [9, 9]}},
                "direction": {"default": "outgoing"},
            },
            "no direction column",
        ),
    ],
)
def test_bad_direction_columns(change, message):
    with pytest.raises(RecordError, match=message):
        parser(**{**BY_DIRECTION, **change})


# --- duration from start and end times ---------------------------------------------

TIMES = {
    "column_map": {
        "format": "fixed",
        "fields": {"date": [1, 8], "time": [10, 17], "end_time": [19, 26]},
    },
    "date_format": "%d/%m/%y",
    "time_format": "%H:%M:%S",
}


def test_duration_from_start_and_end():
    call = parser(**TIMES).parse("08/10/26 10:00:05 10:02:20", RECEIVED)
    assert call.start == dt.datetime(2026, 10, 8, 10, 0, 5, tzinfo=UTC)
    assert (call.duration_seconds, call.answered) == (135, True)


def test_an_end_before_the_start_is_the_next_day():
    call = parser(**TIMES).parse("08/10/26 23:59:50 00:00:10", RECEIVED)
    assert call.duration_seconds == 20


def test_unreadable_times_are_clear_errors():
    p = parser(**TIMES)
    with pytest.raises(RecordError, match=r"end_time \(columns 19-26\): '10:6x:00' does not"):
        p.parse("08/10/26 10:00:05 10:6x:00", RECEIVED)
    with pytest.raises(RecordError, match=r"end_time \(columns 19-26\): '' is blank"):
        p.parse("08/10/26 10:00:05", RECEIVED)
    with pytest.raises(RecordError, match=r"time \(columns 10-17\): '25:00:00' does not"):
        p.parse("08/10/26 25:00:00 10:00:00", RECEIVED)


@pytest.mark.parametrize(
    ("fields", "extra", "message"),
    [
        ({"time": [1, 5], "end_time": [7, 11], "duration": [13, 15]}, {}, "duration and end_time"),
        ({"date": [1, 8], "end_time": [7, 11]}, {"date_format": "%d/%m/%y"}, "needs time"),
        ({"time": [1, 5], "end_time": [7, 11]}, {"time_is": "end"}, "time_is"),
    ],
)
def test_bad_end_time_maps(fields, extra, message):
    with pytest.raises(RecordError, match=message):
        parser(column_map={"format": "fixed", "fields": fields}, **extra)


# --- framing -------------------------------------------------------------------------

LINE = "08/10/26 10:00:05 10:02:20"


def test_the_framing_option_picks_the_framer():
    assert type(framer_for("generic", "serial", {**TIMES})) is LineFramer
    assert type(framer_for("generic", "serial", {**TIMES, "framing": "stx-etx"})) is STXFramer
    assert type(framer_for("generic", "tcp-client", {**TIMES, "framing": "nul"})) is NulFramer
    assert type(framer_for("generic")) is LineFramer


def test_stx_etx_records_and_garbage_between_frames():
    settings = {**TIMES, "framing": "stx-etx"}
    framer = framer_for("generic", "serial", settings)
    p = parser(**settings)
    stream = f"\x02{LINE}\x03\r\nNOISE!\x02{LINE}\x03\x02{LINE[:10]}".encode()
    records = framer.feed(stream[:20]) + framer.feed(stream[20:]) + framer.flush()
    assert records == [LINE.encode(), b"NOISE!", LINE.encode(), LINE[:10].encode()]
    assert p.parse(records[0].decode(), RECEIVED).duration_seconds == 135
    for garbage in (records[1], records[3]):  # kept, and refused by the parser
        with pytest.raises(RecordError):
            p.parse(garbage.decode(), RECEIVED)


def test_nul_terminated_records():
    framer = framer_for("generic", "serial", {**TIMES, "framing": "nul"})
    records = framer.feed(f"{LINE}\x00{LINE}\x00{LINE[:5]}".encode()) + framer.flush()
    assert records == [LINE.encode(), LINE.encode(), LINE[:5].encode()]


def test_an_unknown_framing_is_refused():
    with pytest.raises(RecordError, match="framing: 'slip' is not one of lines, stx-etx, nul"):
        parser(**TIMES, framing="slip")
    with pytest.raises(SettingsError, match="stx-etx"):
        settings_schema("serial", "generic").validate({**TIMES, "framing": "slip"}, partial=True)


# --- two-record joins ----------------------------------------------------------------

# Kind "1": the call (unit 01, sequence at 4-5, time, extension); kind "2": the
# accounting record after it (number at 8-17, duration at 19-22, pulses at 24-26).
JOIN = {
    "column_map": {
        "format": "fixed",
        "fields": {"time": [8, 12], "duration": [14, 17], "extension": [19, 22]},
        "details": {"kind": [1, 1], "seq": [3, 4]},
    },
    "join": {
        "field": "kind",
        "first": "1",
        "second": "2",
        "sequence": "seq",
        "modulo": 100,
        "fields": {"number": [8, 17], "duration": [19, 22], "meter_pulses": [24, 26]},
    },
}


def first(seq, time="10:00", extension="2044"):
    return f"1 {seq:02d}   {time} 0000 {extension}"


def second(seq, number="0351234567", secs="0138", pulses="003"):
    return f"2 {seq:02d}   {number} {secs} {pulses}"


def joined(records):
    framer = framer_for("generic", "serial", JOIN)
    assert isinstance(framer, SequenceJoinFramer)
    stream = "".join(record + "\r\n" for record in records).encode()
    return [record.decode() for record in framer.feed(stream) + framer.flush()]


def test_a_first_record_is_joined_to_the_next_second_record():
    records = joined([first(7), second(8), first(99), second(0)])
    assert records == [first(7) + "\r\n" + second(8), first(99) + "\r\n" + second(0)]
    call = parser(**JOIN).parse(records[0], RECEIVED)
    assert (call.extension, call.number, call.duration_seconds) == ("2044", "0351234567", 138)
    assert call.details == {"kind": "1", "seq": "07", "meter_pulses": 3}


def test_a_first_record_without_its_second_is_kept_and_flagged():
    records = joined([first(7), second(9), first(10)])
    assert records == [first(7), second(9), first(10)]
    p = parser(**JOIN)
    alone = p.parse(records[0], RECEIVED)
    assert alone.details["join_missing"] is True
    assert alone.number == "" and alone.duration_seconds == 0
    assert p.parse(records[2], RECEIVED).details["join_missing"] is True  # flushed


def test_a_lone_second_record_is_an_error_naming_why():
    with pytest.raises(RecordError, match=r"kind \(column 1\): '2' is a second record \(join\)"):
        parser(**JOIN).parse(second(9), RECEIVED)


def test_expected_for_limits_the_flag_to_some_directions():
    options = {
        **JOIN,
        "direction": {"default": "outgoing", "internal_max_digits": 4},
        "join": {**JOIN["join"], "expected_for": ["outgoing"]},
    }
    p = parser(**options)
    # An internal call (a 4-digit number) needs no accounting record.
    internal = p.parse(first(7) + "\r\n" + second(8, number="2045      "), RECEIVED)
    assert internal.direction == Direction.INTERNAL
    options["column_map"] = {
        **JOIN["column_map"],
        "fields": {**JOIN["column_map"]["fields"], "number": [19, 22]},
    }
    assert "join_missing" not in parser(**options).parse(first(7), RECEIVED).details


def test_garbage_between_joined_records_is_kept():
    records = joined([first(7), "%%garbage%%", second(8)])
    assert records == [first(7), "%%garbage%%", second(8)]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "red"}, "join.colour: unknown; use field, first, second, sequence, fields"),
        ({"field": "nope"}, "join.field: 'nope' is not a column"),
        ({"second": "1"}, "join.second: is the same value"),
        ({"fields": {}}, "join.fields"),
        ({"fields": {"direction": [1, 1]}}, "join.fields.direction"),
        ({"modulo": 1}, "join.modulo"),
        ({"expected_for": ["up"]}, "join.expected_for"),
    ],
)
def test_bad_joins_name_the_key(change, message):
    with pytest.raises(RecordError, match=message):
        parser(**{**JOIN, "join": {**JOIN["join"], **change}})
    missing = {key: value for key, value in JOIN["join"].items() if key != "sequence"}
    with pytest.raises(RecordError, match=r"join\.sequence: required"):
        parser(**{**JOIN, "join": missing})


def test_a_bad_join_leaves_the_plain_framer():
    assert type(generic_framer({**JOIN, "join": {"field": "nope"}})) is LineFramer


def test_joins_through_the_preview():
    entries = framed_preview(
        parser(**JOIN),
        framer_for("generic", None, JOIN),
        [first(7), second(8), first(20), first(30), second(31), second(40)],
        zone=ZONE,
        received_at=RECEIVED,
    )
    shown = [(e["line"], e["outcome"], (e["call"] or {}).get("number")) for e in entries]
    assert shown == [
        (1, "call", "0351234567"),
        (3, "call", ""),
        (4, "call", "0351234567"),
        (6, "error", None),
    ]
    assert entries[1]["call"]["details"] == {"join_missing": True}


def test_stx_frames_through_the_preview():
    settings = {**TIMES, "framing": "stx-etx"}
    entries = framed_preview(
        parser(**settings),
        framer_for("generic", None, settings),
        [f"\x02{LINE}\x03\x02{LINE}\x03", "\x02cut", f"\x02{LINE}\x03", "junk"],
        zone=ZONE,
        received_at=RECEIVED,
    )
    assert [(e["line"], e["outcome"]) for e in entries] == [
        (1, "call"),
        (1, "call"),
        (2, "error"),  # a frame cut by the next STX: kept, refused
        (3, "call"),
        (4, "error"),  # bytes outside any frame
    ]


# --- unknown keys, presets -----------------------------------------------------------


def test_unknown_keys_are_refused_with_the_known_ones():
    with pytest.raises(SettingsError) as raised:
        settings_schema("serial", "generic").validate({**TIMES, "framer": "stx"}, partial=True)
    message = str(raised.value)
    assert "unknown key 'framer'" in message
    for key in ("framing", "join", "direction_columns", "preset", "column_map"):
        assert key in message


def test_a_preset_gives_its_column_map_and_serial_line():
    settings = {"device": "/dev/ttyS0", "preset": "ipam-81"}
    assert family_serial_defaults("generic", settings) == {
        "baud": 4800,
        "bytesize": 7,
        "parity": "E",
        "stopbits": 2,
    }
    schema = settings_schema("serial", "generic", settings)
    assert (schema.get("baud").default, schema.get("stopbits").default) == (4800, 2)
    line = transport_from_settings("serial", "generic", settings)
    assert (line.baud, line.bytesize, line.parity, line.stopbits) == (4800, 7, "E", 2)
    finanzas = family_serial_defaults("generic", {"preset": "finanzas-107"})
    assert finanzas == {"baud": 2400, "bytesize": 8, "parity": "N", "stopbits": 1}
    assert family_serial_defaults("generic", {}) == {}
    loaded = loaded_settings("generic", settings)
    assert loaded["column_map"] == PRESETS["ipam-81"]["options"]["column_map"]
    assert settings_schema("serial", "generic", loaded).validate(loaded) == loaded


def test_the_source_settings_win_over_the_preset():
    loaded = preset_loaded({"preset": "finanzas-107", "skip_prefixes": ["HDR"]})
    assert loaded["skip_prefixes"] == ["HDR"]
    assert loaded["date_format"] == "%y%m%d"
    p = parser(preset="finanzas-107", skip_prefixes=["HDR"])
    assert p.parse("HDR whatever", RECEIVED) is None


def test_an_unknown_preset_is_refused():
    with pytest.raises(RecordError, match="preset: 'finanzas' is not one of finanzas-107, ipam"):
        parser(preset="finanzas")
    with pytest.raises(SettingsError, match="finanzas-107"):
        settings_schema("serial", "generic").validate({"preset": "finanzas"}, partial=True)
