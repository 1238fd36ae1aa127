"""The Panasonic family on Capturador's two Panasonic layouts, from their descriptions.

No real capture exists for either: the records are placed at the offsets of
``layout-panasonic-80.md`` (``capdeportes.c``) and ``layout-panasonic-78.md``
(``capdre.c``) [DERIVED].
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from smdr.framing import framer_for
from smdr.parsers.base import Direction, ParserSettings, RecordError
from smdr.parsers.panasonic import PanasonicParser

CORDOBA = ZoneInfo("America/Argentina/Cordoba")
UTC = dt.UTC


def parser(**options):
    return PanasonicParser(ParserSettings(time_zone=CORDOBA, options=options))


def put(line, offset, text):
    """``line`` with ``text`` written over it from 0-based ``offset`` on."""
    line = line.ljust(offset + len(text))
    return line[:offset] + text + line[offset + len(text) :]


def record_80(date="10/08/02", time="02:35PM", ext="  204", co="03", dial="04234567"):
    """An 80-column line at the offsets of layout-panasonic-80 [DERIVED]."""
    line = ""
    for offset, text in (
        (0, date),
        (9, time),
        (17, ext),
        (23, co),
        (26, dial),
        (57, "00:02'18"),
        (66, "1234"),
    ):
        line = put(line, offset, text)
    return line.ljust(80)


def record_78(date="10/08/02", time=" 2:35PM", ext="24", co="03", centrex=" ", dial="04234567"):
    """A 78-column line at the offsets of layout-panasonic-78 [DERIVED]."""
    line = ""
    for offset, text in (
        (0, date),
        (10, time),
        (19, ext),
        (23, co),
        (26, centrex),
        (27, dial),
        (64, "00:02:18"),
        (74, "5678"),
    ):
        line = put(line, offset, text)
    return line.ljust(78)


@pytest.mark.parametrize("pattern", ["auto", "A", "80"])
def test_the_80_column_layout(pattern):
    line = record_80()
    assert len(line) == 80
    call = parser(pattern=pattern).parse(line)
    assert call.start == dt.datetime(2002, 10, 8, 17, 35, tzinfo=UTC) - dt.timedelta(seconds=138)
    assert call.duration_seconds == 138
    assert call.extension == "204"
    assert call.trunk == "03"
    assert call.number == "04234567"
    assert call.account_code == "1234"
    assert call.direction == Direction.OUTGOING
    assert "meter_pulses" not in call.details  # the layout prints none


@pytest.mark.parametrize("pattern", ["auto", "78"])
def test_the_78_column_layout(pattern):
    line = record_78()
    assert len(line) == 78
    call = parser(pattern=pattern).parse(line)
    assert call.start == dt.datetime(2002, 10, 8, 17, 35, tzinfo=UTC) - dt.timedelta(seconds=138)
    assert call.extension == "24"
    assert call.trunk == "03"
    assert call.number == "04234567"
    assert call.account_code == "5678"
    assert call.ring_seconds == 0
    assert call.details == {}


def test_78_blank_padded_date_and_centrex():
    call = parser(pattern="78").parse(record_78(date=" 1/ 2/03", centrex="1"))
    assert call.start.date() == dt.date(2003, 1, 2)
    assert call.details["centrex"] is True


@pytest.mark.parametrize("line", ["  Date     Time     Ext  CO   Dial Number", "-" * 78, "", "\r"])
def test_78_header_and_separators_are_noise(line):
    assert parser(pattern="78").parse(line) is None


def test_78_through_the_framer():
    stream = ("  Date     Time\r\n" + record_78() + "\r\n" + record_78(ext="31") + "\r\n").encode()
    framer = framer_for("panasonic", "serial")
    records = framer.feed(stream) + framer.flush()
    calls = [parser(pattern="78").parse(item.decode()) for item in records]
    assert [call.extension for call in calls if call] == ["24", "31"]


@pytest.mark.parametrize(
    ("line", "field"),
    [
        (put(record_78(), 64, "00:02;18"), "field 7"),
        (put(record_78(), 10, "14:99PM"), "field 2"),
        (put(record_78(), 23, "x3"), "field 4"),
        (put(record_78(), 0, "13/40/02"), "field 1"),
    ],
)
def test_78_hostile_records(line, field):
    with pytest.raises(RecordError, match=field):
        parser(pattern="78").parse(line)


def test_unknown_pattern_is_refused():
    with pytest.raises(RecordError, match="'78'"):
        parser(pattern="79")
