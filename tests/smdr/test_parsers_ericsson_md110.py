"""The Ericsson MD110 / MX-ONE CIL parser, on records built from the layout description.

No real MD110 capture exists: every record here is placed at the offsets of
``layout-md110-cil.md`` (the Capturador police capturers) [DERIVED].
"""

import contextlib
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smdr.framing import framer_for
from smdr.parsers import PARSERS
from smdr.parsers import ericsson_md110 as md110_module
from smdr.parsers.base import Direction, ParserSettings, RecordError
from smdr.parsers.ericsson_md110 import CONDITION_CODES, RECORD_LENGTH, EricssonMD110Parser

CORDOBA = ZoneInfo("America/Argentina/Cordoba")
UTC = dt.UTC
# 12:00 in Córdoba on 9 October 2026, the day after the calls.
RECEIVED = dt.datetime(2026, 10, 9, 15, 0, tzinfo=UTC)


def parser(**options):
    return EricssonMD110Parser(ParserSettings(time_zone=CORDOBA, options=options))


def record(
    stamp="10081435",
    duration="0023",
    pulses="   3",
    code="  ",
    called="4234567",
    calling="4321",
    head="000",
):
    """A 121-character record at the layout's offsets [DERIVED]."""
    text = (
        f"{head:<3}{stamp:<8} {duration:>4}  {pulses:>4} {code:<2}{'':15}{called:<17} {calling:<17}"
    )
    assert len(text) == 75
    return text.ljust(RECORD_LENGTH)


def parse(text, **options):
    return parser(**options).parse(text, RECEIVED)


def test_registered():
    assert PARSERS["ericsson-md110"] is EricssonMD110Parser


def test_the_docstring_record():
    call = parse(record())
    assert call.start == dt.datetime(2026, 10, 8, 17, 35, tzinfo=UTC)  # 14:35 local
    assert call.duration_seconds == 138  # 2.3 minutes
    assert call.direction == Direction.OUTGOING
    assert call.extension == "4321"
    assert call.number == "4234567"
    assert call.answered
    assert call.details == {"meter_pulses": 3}


def test_seconds_and_end_options():
    call = parse(record(duration="0138"), duration_unit="seconds", time_is="end")
    assert call.duration_seconds == 138
    assert call.start == dt.datetime(2026, 10, 8, 17, 35, tzinfo=UTC) - dt.timedelta(seconds=138)


@pytest.mark.parametrize(
    ("code", "pulses", "direction"),
    [
        ("  ", "   1", Direction.OUTGOING),
        ("DO", "  12", Direction.OUTGOING),
        ("DX", "    ", Direction.OUTGOING),
        ("VO", "    ", Direction.OUTGOING),
        ("L ", "    ", Direction.OUTGOING),
        ("X ", "   2", Direction.OUTGOING),
        ("M ", "    ", Direction.OUTGOING),
        ("I ", "    ", Direction.INCOMING),
        ("DI", "    ", Direction.INCOMING),
        ("VI", "    ", Direction.INCOMING),
        ("NI", "    ", Direction.INCOMING),
        ("NC", "    ", Direction.INCOMING),
        ("J ", "    ", Direction.INTERNAL),
        ("DJ", "    ", Direction.INTERNAL),
        ("VJ", "    ", Direction.INTERNAL),
        ("NJ", "    ", Direction.INTERNAL),
        ("R ", "    ", Direction.INTERNAL),
        ("A ", "   4", Direction.OUTGOING),
        ("A ", "    ", Direction.INCOMING),
        ("T ", "   4", Direction.OUTGOING),
        ("T ", "    ", Direction.INCOMING),
        (" I", "    ", Direction.INCOMING),  # right-aligned single letter
    ],
)
def test_condition_codes(code, pulses, direction):
    call = parse(record(code=code, pulses=pulses))
    assert call.direction == direction
    assert call.details.get("condition", "") == code.strip()
    if pulses.strip():
        assert call.details["meter_pulses"] == int(pulses)
    else:
        assert "meter_pulses" not in call.details


def test_every_code_in_the_table_is_tested():
    assert set(CONDITION_CODES) <= {"", "DO", "DX", "VO", "L", "X", "M", "I", "DI", "VI"} | {
        "NI", "NC", "CI", "J", "DJ", "VJ", "NJ", "R", "A", "T"
    }  # fmt: skip


def test_incoming_swaps_the_parties():
    call = parse(record(code="I ", pulses="", called="4321", calling="3514436993"))
    assert call.extension == "4321"
    assert call.number == "3514436993"


def test_transfer_without_the_pulse_rule_is_outgoing():
    call = parse(record(code="T ", pulses=""), transfer_by_pulses=False)
    assert call.direction == Direction.OUTGOING
    assert call.details["transferred"] is True


def test_abandoned_and_zero_duration_are_not_answered():
    assert not parse(record(code="CI", pulses="")).answered
    assert not parse(record(duration="0000")).answered


def test_year_from_receipt_new_year():
    call = parser().parse(record(stamp="12312359"), dt.datetime(2027, 1, 1, 3, 5, tzinfo=UTC))
    assert call.start == dt.datetime(2027, 1, 1, 2, 59, tzinfo=UTC)  # 23:59 on 31 Dec 2026


@pytest.mark.parametrize("text", ["", "\x00\x00\x00", "   \r\n", "ABCDEFGHIJKLMNOPQRSTUVWXYZ" * 3])
def test_noise(text):
    assert parse(text) is None


def test_a_record_after_the_test_line():
    call = parse("ABCDEFGHIJKLMNOPQRSTUVWXYZ" * 3 + "\r\n\x00" + record())
    assert call.extension == "4321"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (record(stamp="13081435"), "MMDDhhmm"),
        (record(stamp="02301435"), "MMDDhhmm"),
        (record(stamp="10082460"), "MMDDhhmm"),
        (record(stamp="1008 435"), "MMDDhhmm"),
        (record(duration="00x3"), "duration"),
        (record(pulses="  x3"), "meter pulses"),
        (record(code="ZZ"), "condition code"),
        (record(code="D "), "condition code"),
        ("00010081435 0023   3", "record"),
        ("hello world" * 10, "MMDDhhmm"),
    ],
)
def test_hostile_records_are_errors_naming_the_field(text, field):
    with pytest.raises(RecordError, match=field):
        parse(text)


@pytest.mark.parametrize(
    "options",
    [{"duration_unit": "hours"}, {"time_is": "middle"}, {"transfer_by_pulses": "x"}],
)
def test_bad_options_are_refused(options):
    with pytest.raises(RecordError, match="option"):
        parser(**options)


def test_framer_drops_the_nul_padding():
    """Each record: 121 characters, CR LF and three NULs, fed in awkward chunks."""
    stream = b"".join(
        (record(calling=f"43{n:02d}") + "\r\n\x00\x00\x00").encode() for n in range(5)
    )
    framer = framer_for("ericsson-md110", "serial")
    records = []
    for start in range(0, len(stream), 7):
        records += framer.feed(stream[start : start + 7])
    records += framer.flush()
    assert [len(item) for item in records] == [RECORD_LENGTH] * 5
    calls = [parse(item.decode()) for item in records]
    assert [call.extension for call in calls] == [f"43{n:02d}" for n in range(5)]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_parses_or_is_an_error(text):
    try:
        call = parse(text)
    except RecordError:
        return
    assert call is None or call.start.tzinfo is not None


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_frame_and_parse_or_error(data):
    framer = framer_for("ericsson-md110")
    for item in framer.feed(data) + framer.flush():
        with contextlib.suppress(RecordError):
            parse(item.decode("latin-1"))


def test_the_docstring_shows_the_record():
    assert "    " + record().rstrip() + "\n" in md110_module.__doc__
