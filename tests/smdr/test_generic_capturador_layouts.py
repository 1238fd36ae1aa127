"""The column maps of docs/pbx/ for Capturador's two layouts without a family, proved
against records built from the layout descriptions [DERIVED]
(``layout-finanzas-107.md``, ``layout-ipam-81.md``)."""

import datetime as dt
import json
import pathlib
import re
from zoneinfo import ZoneInfo

import pytest

from smdr.framing import framer_for
from smdr.parsers.base import Direction, ParserSettings, RecordError
from smdr.parsers.generic import PRESETS, GenericParser
from smdr.source_settings import loaded_settings, settings_schema
from smdr.transports import SERIAL_KEYS

CORDOBA = ZoneInfo("America/Argentina/Cordoba")
UTC = dt.UTC
DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs" / "pbx"
RECEIVED = dt.datetime(2026, 10, 9, 15, 0, tzinfo=UTC)  # 12:00 in Córdoba


def documented_settings(name):
    text = (DOCS / f"{name}.md").read_text()
    return json.loads(re.search(r"```json\n(.*?)```", text, re.DOTALL).group(1))


def parser_of(name):
    settings = documented_settings(name)
    options = {k: v for k, v in settings.items() if k not in (*SERIAL_KEYS, "device")}
    return GenericParser(ParserSettings(time_zone=CORDOBA, options=options))


def put(line, offset, text):
    line = line.ljust(offset + len(text))
    return line[:offset] + text + line[offset + len(text) :]


def finanzas(kind="N", calling="4321", number="4234567", date="261008", time="1435", secs="138"):
    """A 107-column record at layout-finanzas-107's offsets [DERIVED]."""
    line = ""
    for offset, text in ((25, calling), (43, kind), (50, number), (73, date), (80, time)):
        line = put(line, offset, text)
    return put(line, 85, f"{secs:>6}").ljust(107)


def ipam(extension="2044", number="04234567", account="", time="14:35", duration="00:02:18"):
    """An 81-byte record at layout-ipam-81's offsets [DERIVED] (80 characters + LF)."""
    line = "*"
    for offset, text in ((1, extension), (24, number), (41, account), (46, time), (52, duration)):
        line = put(line, offset, text)
    return line.ljust(80)


@pytest.mark.parametrize("name", ["finanzas-107", "ipam-81"])
def test_the_documented_settings_are_valid_serial_generic_settings(name):
    settings = documented_settings(name)
    assert settings_schema("serial", "generic").validate(settings) == settings
    parser_of(name)


def test_finanzas_external_record():
    call = parser_of("finanzas-107").parse(finanzas(), RECEIVED)
    assert call.start == dt.datetime(2026, 10, 8, 17, 35, tzinfo=UTC)
    assert call.duration_seconds == 138
    assert call.extension == "4321"
    assert call.number == "4234567"
    assert call.direction == Direction.OUTGOING
    assert call.details == {"call_type": "N"}


def test_finanzas_selection_headers_and_tie_lines():
    parser = parser_of("finanzas-107")
    assert parser.parse(finanzas(kind="I"), RECEIVED) is None
    for header in ("NON-BILLABLE CALLS", "RECORDED 08/10", "CC  EXT   TYPE", "\x0c"):
        assert parser.parse(header, RECEIVED) is None
    assert parser.parse(finanzas(number="5678"), RECEIVED).direction == Direction.INTERNAL
    with pytest.raises(RecordError, match="date"):
        parser.parse(finanzas(date="261308"), RECEIVED)


def test_finanzas_through_the_framer():
    stream = ("\x0cNON BILLABLE\r\n" + finanzas() + "\r\n" + finanzas(kind="X") + "\r\n").encode()
    framer = framer_for("generic", "serial")
    parser = parser_of("finanzas-107")
    calls = [parser.parse(record.decode(), RECEIVED) for record in framer.feed(stream)]
    assert [call.number for call in calls if call] == ["4234567"]


def test_ipam_date_carried_from_date_lines_in_spanish():
    parser = parser_of("ipam-81")
    assert parser.parse("DATE   08 OCT 98", RECEIVED) is None
    first = parser.parse(ipam(), RECEIVED)
    assert first.start == dt.datetime(2026, 10, 8, 17, 35, tzinfo=UTC)
    assert first.duration_seconds == 138
    assert first.extension == "2044"
    assert first.number == "04234567"
    assert parser.parse("DATE   09 ENE 98", RECEIVED) is None  # January: last January
    assert parser.parse(ipam(), RECEIVED).start == dt.datetime(2026, 1, 9, 17, 35, tzinfo=UTC)
    assert parser.parse("DATE   02 DIC 98", RECEIVED) is None
    assert parser.parse(ipam(), RECEIVED).start.date() == dt.date(2025, 12, 2)


def test_ipam_before_any_date_line_is_dated_from_receipt():
    call = parser_of("ipam-81").parse(ipam(time="11:00"), RECEIVED)
    assert call.start == dt.datetime(2026, 10, 9, 14, 0, tzinfo=UTC)


def test_ipam_blank_digits_account_and_headers():
    parser = parser_of("ipam-81")
    call = parser.parse(ipam(duration=" 0: 1: 5", account="1234"), RECEIVED)
    assert call.duration_seconds == 65
    assert call.account_code == "1234"
    for header in ("  SRCE  DEST", "   ID", "BEGIN", "TOTAL 12", "END", "____"):
        assert parser.parse(header, RECEIVED) is None


def test_ipam_bad_date_line_and_portuguese_months():
    parser = parser_of("ipam-81")
    with pytest.raises(RecordError, match="date line"):
        parser.parse("DATE   32 XYZ 98", RECEIVED)
    assert parser.parse("DATE   05 SET 98", RECEIVED) is None
    assert parser.parse(ipam(), RECEIVED).start.month == 9


def test_ipam_framing_lf_and_four_nuls():
    stream = "".join(ipam(extension=str(2040 + n)) + "\n\x00\x00\x00\x00" for n in range(3))
    framer = framer_for("generic", "serial")
    records = framer.feed(stream.encode()) + framer.flush()
    parser = parser_of("ipam-81")
    assert [parser.parse(r.decode(), RECEIVED).extension for r in records] == [
        "2040",
        "2041",
        "2042",
    ]


def test_meter_pulses_column_is_an_int():
    options = {
        "column_map": {
            "format": "delimited",
            "fields": {"time": 1, "duration": 2},
            "details": {"meter_pulses": 3},
        }
    }
    parser = GenericParser(ParserSettings(time_zone=CORDOBA, options=options))
    assert parser.parse("10:00,60,3", RECEIVED).details == {"meter_pulses": 3}
    with pytest.raises(RecordError, match="pulses"):
        parser.parse("10:00,60,x", RECEIVED)


@pytest.mark.parametrize(
    ("extra", "path"),
    [
        ({"select": {"field": "nope", "values": ["N"]}}, "select.field"),
        ({"select": {"field": "marker", "values": []}}, "select.values"),
        ({"select": "N"}, "select"),
        ({"date_lines": {"prefix": "", "day": [1, 2], "month": [3, 5]}}, "date_lines.prefix"),
        ({"date_lines": {"prefix": "DATE", "day": [0, 2], "month": [3, 5]}}, "date_lines.day"),
        ({"duration_blanks_are_zeros": "yes"}, "duration_blanks_are_zeros"),
    ],
)
def test_bad_new_options_are_refused(extra, path):
    settings = documented_settings("ipam-81")
    options = {k: v for k, v in settings.items() if k not in (*SERIAL_KEYS, "device")}
    with pytest.raises(RecordError, match=path):
        GenericParser(ParserSettings(time_zone=CORDOBA, options=options | extra))


@pytest.mark.parametrize("name", ["finanzas-107", "ipam-81"])
def test_the_preset_is_the_documented_column_map_and_serial_line(name):
    settings = documented_settings(name)
    options = {k: v for k, v in settings.items() if k not in (*SERIAL_KEYS, "device")}
    assert PRESETS[name]["options"] == options
    assert PRESETS[name]["serial"] == {key: settings[key] for key in SERIAL_KEYS}


def test_records_built_from_the_layouts_parse_through_the_presets():
    finanzas_parser = GenericParser(ParserSettings(CORDOBA, {"preset": "finanzas-107"}))
    call = finanzas_parser.parse(finanzas(), RECEIVED)
    assert (call.extension, call.number, call.duration_seconds) == ("4321", "4234567", 138)
    assert call.start == dt.datetime(2026, 10, 8, 17, 35, tzinfo=UTC)
    assert finanzas_parser.parse(finanzas(kind="I"), RECEIVED) is None
    assert finanzas_parser.parse("RECORDED 08/10", RECEIVED) is None

    ipam_parser = GenericParser(ParserSettings(CORDOBA, {"preset": "ipam-81"}))
    framer = framer_for("generic", "serial", {"preset": "ipam-81"})
    stream = "DATE   08 OCT 98\n" + ipam(duration=" 0: 1: 5") + "\n\x00\x00\x00\x00"
    records = framer.feed(stream.encode()) + framer.flush()
    calls = [ipam_parser.parse(record.decode(), RECEIVED) for record in records]
    assert calls[0] is None  # the date line
    assert calls[1].start == dt.datetime(2026, 10, 8, 17, 35, tzinfo=UTC)
    assert calls[1].duration_seconds == 65


def test_a_serial_preset_source_validates_and_offers_its_line():
    settings = loaded_settings("generic", {"device": "/dev/ttyS0", "preset": "ipam-81"})
    schema = settings_schema("serial", "generic", settings)
    assert schema.validate(settings) == settings
    defaults = {key: schema.get(key).default for key in SERIAL_KEYS}
    assert defaults == {"baud": 4800, "bytesize": 7, "parity": "E", "stopbits": 2}
