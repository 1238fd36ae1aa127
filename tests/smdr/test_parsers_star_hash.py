"""The Capturador "star-hash" parser and framer, on the real capture (the first 300 of
the 1,999 lines of rjrpaz/Capturador's ``prueba.log``, byte-exact, CR LF) and on
hostile records made from its lines."""

import datetime as dt
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from smdr.framing import StarHashFramer, framer_for
from smdr.parsers import PARSERS
from smdr.parsers.base import Direction, ParserSettings, RecordError
from smdr.parsers.limits import call_check
from smdr.parsers.star_hash import StarHashParser

CORDOBA = ZoneInfo("America/Argentina/Cordoba")
CAPTURE = Path(__file__).resolve().parent.parent / "data" / "star-hash" / "prueba-first300.log"
LINES = CAPTURE.read_bytes().split(b"\r\n")[:-1]
# Lines 6 and 7 (1-based): an outgoing call and its accounting record.
STANDARD, ACCOUNTING = LINES[5].decode(), LINES[6].decode()
INTERNAL = LINES[0].decode()  # line 1: 9524 calls 9299
INCOMING = LINES[1].decode()  # line 2: 3534424328 on trunk 0474761 to 9573


def parser():
    return StarHashParser(ParserSettings(time_zone=CORDOBA))


def framed(data, chunk=None):
    framer = framer_for("star-hash")
    if chunk is None:
        return framer.feed(data) + framer.flush()
    records = []
    for start in range(0, len(data), chunk):
        records += framer.feed(data[start : start + chunk])
    return records + framer.flush()


def test_registered():
    assert PARSERS["star-hash"] is StarHashParser
    assert isinstance(framer_for("star-hash"), StarHashFramer)


def test_the_capture_is_one_call_per_standard_record_and_no_error():
    """300 lines: 174 standard records (127 outgoing, 21 incoming, 26 internal) and
    126 accounting records, each joined to its call; the last outgoing call's
    accounting record is line 301, cut from the sample, so it is flagged."""
    records = framed(CAPTURE.read_bytes())
    assert len(LINES) == 300
    standard = [line for line in LINES if line[7:8] == b"1"]
    assert len(standard) == 174
    assert len(records) == 174
    calls = [parser().parse(record.decode()) for record in records]
    for call, record in zip(calls, records, strict=True):
        call_check(call, record=record.decode())
    assert Counter(call.direction for call in calls) == {
        Direction.OUTGOING: 127,
        Direction.INCOMING: 21,
        Direction.INTERNAL: 26,
    }
    assert [call.details.get("accounting_missing") for call in calls].count(True) == 1
    assert calls[-1].details["accounting_missing"] is True
    assert sum("meter_pulses" in call.details for call in calls) == 126


def test_the_pulses_of_the_capture_are_its_accounting_records_pulses():
    """The 126 accounting records' pulses (offsets 47-52): 67 print 0, 53 print 1, and
    2, 3 and 4 twice each; every one lands on its call, as an int."""
    calls = [parser().parse(record.decode()) for record in framed(CAPTURE.read_bytes())]
    pulses = [call.details["meter_pulses"] for call in calls if "meter_pulses" in call.details]
    assert Counter(pulses) == {0: 67, 1: 53, 2: 2, 3: 2, 4: 2}
    assert all(type(value) is int for value in pulses)


def test_a_long_call_of_the_capture_with_4_pulses():
    """Lines 50 and 51: 9344 dials 155302606, 795 s seized, 788 metered, 4 pulses."""
    assert LINES[50][47:53] == b"000004"
    call = parser().parse((LINES[49] + b"\r\n" + LINES[50]).decode())
    assert (call.extension, call.number) == ("9344", "155302606")
    assert call.duration_seconds == 788
    assert call.details["meter_pulses"] == 4


@pytest.mark.parametrize("chunk", [1, 7, 61, 104, 4096])
def test_framing_does_not_depend_on_chunks(chunk):
    data = CAPTURE.read_bytes()
    assert framed(data, chunk) == framed(data)


def test_outgoing_call_joined_to_its_accounting_record():
    """Number, metered seconds and pulses from the accounting record; start, parties
    and the answered flag from the standard one."""
    call = parser().parse(STANDARD + "\r\n" + ACCOUNTING)
    assert call.start == dt.datetime(2001, 7, 17, 23, 13, tzinfo=dt.UTC)  # 20:13 local
    assert call.direction == Direction.OUTGOING
    assert call.extension == "8455"
    assert call.trunk == "0474716"
    assert call.number == "156567283"
    assert call.duration_seconds == 13
    assert call.ring_seconds == 5
    assert call.answered is True
    assert call.details == {
        "sequence": 71,
        "party_types": "13",
        "call_seconds": 21,
        "metered_seconds": 13,
        "meter_pulses": 1,
    }


def test_incoming_call():
    call = parser().parse(INCOMING)
    assert call.direction == Direction.INCOMING
    assert (call.extension, call.trunk, call.number) == ("9573", "0474761", "3534424328")
    assert call.duration_seconds == 49
    assert call.answered is True
    assert "meter_pulses" not in call.details


def test_internal_call():
    call = parser().parse(INTERNAL)
    assert call.direction == Direction.INTERNAL
    assert (call.extension, call.trunk, call.number) == ("9524", "", "9299")
    assert call.start == dt.datetime(2001, 7, 17, 23, 10, tzinfo=dt.UTC)
    assert call.duration_seconds == 117


def test_unanswered_call_lasts_nothing():
    line = INTERNAL[:90] + "0" + INTERNAL[91:]
    call = parser().parse(line)
    assert call.answered is False
    assert call.duration_seconds == 0
    assert call.details["call_seconds"] == 117


def test_standard_record_without_its_accounting_is_kept_and_flagged():
    """The framer hands the outgoing record on when the next line is not its
    accounting record, and at the end."""
    data = (STANDARD + "\r\n" + INTERNAL + "\r\n" + STANDARD + "\r\n").encode()
    records = framed(data)
    assert records == [STANDARD.encode(), INTERNAL.encode(), STANDARD.encode()]
    call = parser().parse(records[0].decode())
    assert call.details["accounting_missing"] is True
    assert call.duration_seconds == 21  # the standard record's seconds
    assert call.number == ""


def test_accounting_record_with_the_wrong_sequence_is_not_joined():
    wrong = ACCOUNTING[:5] + "73" + ACCOUNTING[7:]
    records = framed((STANDARD + "\r\n" + wrong + "\r\n").encode())
    assert records == [STANDARD.encode(), wrong.encode()]
    with pytest.raises(RecordError, match="without the outgoing standard record"):
        parser().parse(wrong)
    with pytest.raises(RecordError, match="does not follow"):
        parser().parse(STANDARD + "\r\n" + wrong)


def test_sequence_wraps_from_99_to_00():
    standard = STANDARD[:5] + "99" + STANDARD[7:]
    accounting = ACCOUNTING[:5] + "00" + ACCOUNTING[7:]
    records = framed((standard + "\r\n" + accounting + "\r\n").encode())
    assert records == [(standard + "\r\n" + accounting).encode()]
    assert parser().parse(records[0].decode()).details["meter_pulses"] == 1


def test_lone_accounting_record_is_an_error_naming_why():
    assert framed((ACCOUNTING + "\r\n").encode()) == [ACCOUNTING.encode()]
    with pytest.raises(RecordError, match=r"accounting record .* without the outgoing"):
        parser().parse(ACCOUNTING)


def test_accounting_record_joined_to_an_incoming_call_is_an_error():
    accounting = ACCOUNTING[:5] + "68" + ACCOUNTING[7:]
    with pytest.raises(RecordError, match="joined to a incoming call"):
        parser().parse(INCOMING + "\r\n" + accounting)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (STANDARD[:97], "standard record: 97 characters, not 102"),
        (STANDARD + "\r\n" + ACCOUNTING[:50], "accounting record: 50 characters, not 59"),
        ("* #0171" + "X" + STANDARD[8:], "record type"),
        ("#* " + STANDARD[3:], "marker"),
        (STANDARD[:8] + "0113172013" + STANDARD[18:], "not a valid date"),
        (STANDARD[:8] + "0107172513" + STANDARD[18:], "not a valid time"),
        (STANDARD[:8] + "01O7172013" + STANDARD[18:], "not YYMMDDHHMM"),
        (STANDARD[:82] + "33" + STANDARD[84:], "party types"),
        (STANDARD[:90] + "X" + STANDARD[91:], "answered"),
        (STANDARD[:96] + "00002X", "duration"),
        (STANDARD + "\r\n" + ACCOUNTING[:47] + "00000X" + ACCOUNTING[53:], "pulses"),
    ],
)
def test_hostile_records_are_errors_naming_the_field(text, message):
    with pytest.raises(RecordError, match=message):
        parser().parse(text)


def test_equal_timestamps_are_two_calls():
    """Two calls started in the same minute (the start has no seconds) are two calls,
    told apart by their sequence numbers."""
    other = STANDARD[:5] + "73" + STANDARD[7:]
    accounting = ACCOUNTING[:5] + "74" + ACCOUNTING[7:]
    data = "\r\n".join([STANDARD, ACCOUNTING, other, accounting, ""]).encode()
    records = framed(data)
    assert len(records) == 2
    first, second = (parser().parse(record.decode()) for record in records)
    assert first.start == second.start
    assert (first.details["sequence"], second.details["sequence"]) == (71, 73)


def test_blank_is_noise():
    assert parser().parse("") is None
    assert parser().parse("   \r\n") is None
