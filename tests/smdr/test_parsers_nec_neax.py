"""The NEC NEAX IMS parser and its STX/ETX framer: the real KK/KL/KM records of
zombat/NEC-SMDR-Collector's test data, and KA records placed in the offsets of
Capturador's NEC capturers (``layout-nec-ka.md``) [DERIVED]."""

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from smdr.framing import STXFramer, framer_for
from smdr.parsers import PARSERS
from smdr.parsers.base import Direction, ParserSettings, RecordError
from smdr.parsers.nec_neax import NECNEAXParser, flexible_fields

DATA = Path(__file__).resolve().parent.parent / "data" / "nec-neax"
CHICAGO = ZoneInfo("America/Chicago")
CORDOBA = ZoneInfo("America/Argentina/Cordoba")
RECEIVED = dt.datetime(2026, 10, 12, 17, 0, tzinfo=dt.UTC)


def parser(zone=CORDOBA, **options):
    return NECNEAXParser(ParserSettings(time_zone=zone, options=options))


def ka(
    station="2044", start="1012134705", end="1012135012", account="", number="03514234567",
    pulses="0002", years="2626",
):  # fmt: skip
    """A KA record's text (no STX/ETX) in the layout's offsets (STX is offset 0)."""
    text = (
        f"0!KA001012001{station:<6}{start}{end}{account:<10}   020{'':6}{number:<32}"
        f"{pulses}{'':8}{'':10}{years:<4}0{'':6}{'':4}"
    )
    assert len(text) == 130
    return text


def sample(kind):
    return (DATA / f"{kind}record.smdr").read_bytes()


def test_registered():
    assert PARSERS["nec-neax"] is NECNEAXParser
    assert isinstance(framer_for("nec-neax"), STXFramer)


@pytest.mark.parametrize("kind", ["KK", "KL", "KM"])
def test_framer_takes_the_text_between_stx_and_etx(kind):
    data = sample(kind)
    framer = framer_for("nec-neax")
    records = []
    for byte in range(len(data)):  # one byte at a time
        records += framer.feed(data[byte : byte + 1])
    assert records + framer.flush() == [data[1:-1]]


def test_framer_back_to_back_frames_and_junk():
    """Frames with no line ends come out one each; line ends and NULs between them are
    dropped, other bytes and a frame cut by the next STX are records of their own."""
    one, two = sample("KK"), sample("KM")
    framer = STXFramer()
    records = framer.feed(one + b"\r\n\x00" + two + b"junk" + one[:50] + two)
    assert records == [one[1:-1], two[1:-1], b"junk", one[1:50], two[1:-1]]
    assert framer.feed(one[:20]) == []
    assert framer.flush() == [one[1:20]]


def test_framer_cuts_an_endless_frame():
    framer = STXFramer(max_length=100)
    assert framer.feed(b"\x02" + b"9" * 250) == [b"9" * 100, b"9" * 100]
    assert framer.flush() == [b"9" * 50]


def test_kk_outgoing_flexible_record():
    call = parser(CHICAGO).parse(sample("KK").decode())
    assert call.direction == Direction.OUTGOING
    assert call.start == dt.datetime(2018, 7, 7, 17, 0, tzinfo=dt.UTC)  # 12:00 CDT
    assert call.duration_seconds == 3661  # 12:00:00 to 13:01:01
    assert (call.extension, call.trunk, call.number) == ("20001", "010052", "17325551212")
    assert call.account_code == "7325551212"
    assert call.answered is True
    assert call.details["kind"] == "KK"
    assert call.details["authorization_code"] == "8675309"
    assert (call.details["charge_code"], call.details["charge"]) == ("4", "012345")
    assert "meter_pulses" not in call.details  # charge code 4 is money ($1 units)


def test_flexible_charge_in_call_metering_is_the_meter_pulses():
    """Charge code 6 is call metering: the amount is pulses [DERIVED: the KK sample
    with its field 13 "4012345" made "6000123"]."""
    text = sample("KK").decode()
    assert text.count("13074012345") == 1
    call = parser(CHICAGO).parse(text.replace("13074012345", "13076000123"))
    assert call.details["meter_pulses"] == 123
    assert (call.details["charge_code"], call.details["charge"]) == ("6", "000123")


def test_kl_incoming_flexible_record():
    call = parser(CHICAGO).parse(sample("KL").decode())
    assert call.direction == Direction.INCOMING
    assert call.start == dt.datetime(2019, 9, 9, 2, 57, 41, tzinfo=dt.UTC)
    assert call.duration_seconds == 7
    assert (call.extension, call.trunk, call.number) == ("20000", "001023", "17325551212")
    assert call.details["dialled"] == "7325551212"


def test_km_station_to_station_record():
    call = parser(CHICAGO).parse(sample("KM").decode())
    assert call.direction == Direction.INTERNAL
    assert (call.extension, call.trunk, call.number) == ("20000", "", "20001")
    assert call.account_code == "735551212"


def test_flexible_fields_of_the_samples():
    """Fixed-size kinds at their size, variable ones at the length that fits."""
    assert flexible_fields(sample("KK").decode()[1:-1])["03"] == "00100220001"
    assert flexible_fields(sample("KL").decode()[1:-1])["19"] == "20170101000000001"
    assert flexible_fields(sample("KM").decode()[1:-1])["10"] == "7325551212"


def test_ka_record_with_years():
    call = parser().parse(ka(), RECEIVED)
    assert call.direction == Direction.OUTGOING
    assert call.start == dt.datetime(2026, 10, 12, 16, 47, 5, tzinfo=dt.UTC)  # 13:47:05
    assert call.duration_seconds == 187
    assert (call.extension, call.trunk, call.number) == ("2044", "001012", "03514234567")
    assert call.details == {"kind": "KA", "meter_pulses": 2, "condition_code": "020"}


def test_ka_record_framed():
    text = ka(account="1001")
    framer = framer_for("nec-neax")
    (record,) = framer.feed(b"\x02" + text.encode() + b"\x03")
    call = parser().parse(record.decode(), RECEIVED)
    assert call.account_code == "1001"
    assert parser().parse("\x02" + text + "\x03", RECEIVED) == call


def test_ka_without_years_is_dated_from_receipt_and_across_new_year():
    call = parser().parse(ka(years=""), RECEIVED)
    assert call.start == dt.datetime(2026, 10, 12, 16, 47, 5, tzinfo=dt.UTC)
    new_year = ka(start="1231235900", end="0101000130", years="")
    received = dt.datetime(2027, 1, 1, 4, 0, tzinfo=dt.UTC)
    call = parser().parse(new_year, received)
    assert call.start == dt.datetime(2027, 1, 1, 2, 59, tzinfo=dt.UTC)  # 23:59 local, 2026
    assert call.duration_seconds == 150


def test_zero_seconds_is_not_answered():
    call = parser().parse(ka(end="1012134705"), RECEIVED)
    assert (call.duration_seconds, call.answered) == (0, False)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (ka()[:100], "KA record: 102 bytes with STX and ETX, not 132"),
        (ka(start="1312134705"), "not a valid date"),
        (ka(start="10121347X5"), "not a date and time"),
        (ka(end="1012124705"), "before start"),
        (ka(pulses="00X2"), "call metering"),
        (ka(years="26X6"), "years"),
        ("0!KB" + ka()[4:], "kind of data"),
        ("XYZ", "header"),
        ("0!KK0112001010", "kind of data"),
        ("0!KK0112001010052210", "no field 06"),
    ],
)
def test_hostile_records_are_errors_naming_the_field(text, message):
    with pytest.raises(RecordError, match=message):
        parser().parse(text, RECEIVED)


def test_blank_is_noise():
    assert parser().parse("", RECEIVED) is None
    assert parser().parse("\x02\x03", RECEIVED) is None


def test_option_is_checked():
    with pytest.raises(RecordError, match="clock_tolerance_minutes"):
        parser(clock_tolerance_minutes=-1)
