"""The Mitel 5000 / Axxess SMDR parser, on the real socket frame and records built from
the manual's 80-column layout."""

import contextlib
import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smdr.framing import framer_for
from smdr.parsers import Direction, ParserSettings, RecordError
from smdr.parsers.mitel_5000 import Mitel5000Parser
from tests.properties import utc_datetimes

DATA = Path(__file__).resolve().parent.parent / "data" / "mitel-5000"
CORDOBA = ZoneInfo("America/Argentina/Cordoba")  # UTC-3 all year
LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC

FRAME = (DATA / "socket-stream.bin").read_bytes()
# The frame's text: after the 4-byte length, without the CR LF (what the framer hands on).
SAMPLE = FRAME[4:-2].decode("ascii")
# 2026-11-02 10:05:09 in Córdoba: the sample's 08:36 is earlier the same day.
RECEIVED = dt.datetime(2026, 11, 2, 13, 5, 9, tzinfo=UTC)


def parser(time_zone=CORDOBA, **options):
    return Mitel5000Parser(ParserSettings(time_zone=time_zone, options=options))


def record(
    typ="TLC",
    ext="11202",
    trunk="94003",
    digits="961-9000",
    start="08:36",
    elapsed="00:00:03",
    cost="$00.00",
    account="",
    flag="",
):
    """An 80-column record from the manual's layout; the defaults give the real sample."""
    return (
        f"{typ:<3} {ext:<5} {trunk:<5} {digits:<28} {start:<5} {elapsed:<8} {cost:<6} "
        f"{account:<12}{flag:<1}"
    )


def test_parser_identity():
    """The family id is the DESIGN.md contract id."""
    assert Mitel5000Parser.family == "mitel-5000"
    assert Mitel5000Parser.label == "Mitel 5000 / Inter-Tel / Axxess SMDR"


def test_sample_is_one_length_prefixed_frame():
    """The real frame: length 0x52 = 82 (little-endian), 80 characters, CR LF."""
    assert len(FRAME) == 86
    assert FRAME[:4] == b"R\x00\x00\x00"
    assert int.from_bytes(FRAME[:4], "little") == 82 == len(FRAME) - 4
    assert FRAME.endswith(b"\r\n")
    assert len(SAMPLE) == 80
    assert record() == SAMPLE  # the test builder lines up with the real columns


def test_real_record_is_an_outgoing_toll_local_call():
    """TLC from extension 11202 on trunk 94003 to 961-9000, 3 s, dated on receipt."""
    call = parser().parse(SAMPLE, RECEIVED)
    # 08:36 in Córdoba (UTC-3) on the day of receipt is 11:36 UTC.
    assert call.start == dt.datetime(2026, 11, 2, 11, 36, tzinfo=UTC)
    assert call.start.tzinfo is UTC
    assert call.duration_seconds == 3
    assert call.ring_seconds == 0
    assert call.direction == Direction.OUTGOING
    assert call.extension == "11202"
    assert call.trunk == "94003"
    assert call.number == "961-9000"  # as dialled: the hyphen stays
    assert call.account_code == ""
    assert call.pbx_call_id == ""
    assert call.answered is True
    # A $00.00 cost is not repeated; the call type is kept.
    assert call.details == {"call_type": "TLC"}
    assert json.loads(json.dumps(call.details)) == call.details


def test_same_record_in_another_zone():
    """The zone comes from the settings: received 13:05 UTC is 13:05 GMT in London."""
    call = parser(LONDON).parse(SAMPLE, RECEIVED)
    assert call.start == dt.datetime(2026, 11, 2, 8, 36, tzinfo=UTC)


def test_record_received_after_midnight_is_yesterdays():
    """08:36 received at 00:10 local: the call was the day before."""
    received = dt.datetime(2026, 11, 2, 3, 10, tzinfo=UTC)  # 00:10 in Córdoba
    call = parser().parse(SAMPLE, received)
    assert call.start == dt.datetime(2026, 11, 1, 11, 36, tzinfo=UTC)


def test_late_call_received_just_after_midnight_is_yesterdays():
    """A 23:59 start received at 00:01 on January 1st is December 31st of last year."""
    received = dt.datetime(2027, 1, 1, 3, 1, tzinfo=UTC)  # 00:01 in Córdoba
    call = parser().parse(record(start="23:59"), received)
    assert call.start == dt.datetime(2027, 1, 1, 2, 59, tzinfo=UTC)  # 2026-12-31 23:59 local


def test_pbx_clock_a_few_minutes_fast_is_tolerated():
    """00:03 received at 23:59 local from a PBX 4 minutes fast is tomorrow's 00:03."""
    received = dt.datetime(2026, 11, 3, 2, 59, tzinfo=UTC)  # 2026-11-02 23:59 local
    call = parser().parse(record(start="00:03"), received)
    assert call.start == dt.datetime(2026, 11, 3, 3, 3, tzinfo=UTC)  # 2026-11-03 00:03 local


def test_tolerance_is_an_option():
    """With no tolerance the same record is dated the day of receipt, 24 hours earlier."""
    received = dt.datetime(2026, 11, 3, 2, 59, tzinfo=UTC)
    call = parser(clock_tolerance_minutes=0).parse(record(start="00:03"), received)
    assert call.start == dt.datetime(2026, 11, 2, 3, 3, tzinfo=UTC)


def test_start_exactly_at_receipt_is_today():
    """A start equal to the time of receipt (to the minute) is today's."""
    received = dt.datetime(2026, 11, 2, 11, 36, tzinfo=UTC)
    assert parser(clock_tolerance_minutes=0).parse(SAMPLE, received).start == received


def test_received_at_in_another_zone_is_the_same_instant():
    """``received_at`` may carry any zone: only the instant matters."""
    received = RECEIVED.astimezone(ZoneInfo("Asia/Tokyo"))
    assert parser().parse(SAMPLE, received).start == dt.datetime(2026, 11, 2, 11, 36, tzinfo=UTC)


def test_naive_received_at_is_utc():
    """A naive time of receipt is taken as UTC (the database's zone)."""
    naive = RECEIVED.replace(tzinfo=None)
    assert parser().parse(SAMPLE, naive).start == parser().parse(SAMPLE, RECEIVED).start


def test_missing_received_at_means_now():
    """Without ``received_at`` the record is dated from the current time."""
    before = dt.datetime.now(UTC)
    call = parser().parse(SAMPLE)
    assert before - dt.timedelta(days=1) < call.start <= before + dt.timedelta(minutes=6)


def test_nonexistent_local_time_uses_the_offset_before_the_change():
    """01:30 never happens in London on 2024-03-31: read as GMT (fold=0), 01:30 UTC."""
    received = dt.datetime(2024, 3, 31, 9, 0, tzinfo=UTC)
    call = parser(LONDON).parse(record(start="01:30"), received)
    assert call.start == dt.datetime(2024, 3, 31, 1, 30, tzinfo=UTC)


def test_ambiguous_local_time_is_the_first_occurrence():
    """01:30 happens twice in London on 2024-10-27: taken as BST (fold=0), 00:30 UTC."""
    received = dt.datetime(2024, 10, 27, 9, 0, tzinfo=UTC)
    call = parser(LONDON).parse(record(start="01:30"), received)
    assert call.start == dt.datetime(2024, 10, 27, 0, 30, tzinfo=UTC)


def test_times_on_a_dst_change_day_use_their_own_offset():
    """On 2024-10-27 London is BST until 02:00 and GMT after: 12:00 is 12:00 UTC."""
    received = dt.datetime(2024, 10, 27, 13, 0, tzinfo=UTC)
    london = parser(LONDON)
    assert london.parse(record(start="12:00"), received).start == dt.datetime(
        2024, 10, 27, 12, 0, tzinfo=UTC
    )
    assert london.parse(record(start="00:30"), received).start == dt.datetime(
        2024, 10, 26, 23, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("typ", "direction"),
    [
        ("000", Direction.OUTGOING),
        ("LOC", Direction.OUTGOING),
        ("TLC", Direction.OUTGOING),
        ("TLD", Direction.OUTGOING),
        ("O/I", Direction.OUTGOING),
        ("OP", Direction.OUTGOING),
        ("INT", Direction.OUTGOING),  # international, not internal
        ("CNF", Direction.OUTGOING),
        ("IN", Direction.INCOMING),
        ("DID", Direction.INCOMING),
        ("DSA", Direction.INCOMING),
        ("NET", Direction.INTERNAL),
    ],
)
def test_call_types_give_the_direction(typ, direction):
    """Every documented TYP code maps to a direction and stays in details."""
    call = parser().parse(record(typ=typ), RECEIVED)
    assert call.direction == direction
    assert call.details["call_type"] == typ


def test_incoming_call_keeps_the_caller_id_as_number():
    """An incoming call's DIALED DIGITS hold what the trunk delivered: the number."""
    call = parser().parse(
        record(typ="IN", ext="1001", digits="3515551234", elapsed="00:02:05"), RECEIVED
    )
    assert call.direction == Direction.INCOMING
    assert (call.extension, call.number, call.duration_seconds) == ("1001", "3515551234", 125)
    assert call.answered is True


def test_unanswered_ring_in():
    """EXT# ``*****``: nobody answered; ELAPSED is ring time, there is no extension."""
    call = parser().parse(record(typ="IN", ext="*****", digits="3515551234"), RECEIVED)
    assert call.direction == Direction.INCOMING
    assert call.extension == ""
    assert call.answered is False
    assert (call.duration_seconds, call.ring_seconds) == (0, 3)
    assert call.number == "3515551234"


def test_network_call_over_an_ip_connection():
    """The published log-smdr.ps1 line: NET from 1234 over IP connection P0001 to 94567."""
    line = record(typ="NET", ext="1234", trunk="P0001", digits="94567", start="17:11")
    call = parser().parse(line, RECEIVED)
    assert call.direction == Direction.INTERNAL
    assert (call.extension, call.trunk, call.number) == ("1234", "P0001", "94567")
    # The same line logged as text with its length prefix printed: R and three blanks.
    logged = parser().parse("R   " + line.replace("00:00:03", "00:03:34"), RECEIVED)
    assert logged.duration_seconds == 214
    assert (logged.extension, logged.trunk, logged.number) == ("1234", "P0001", "94567")


def test_leaked_length_prefix_is_dropped():
    """A record still carrying its binary length prefix parses as the bare record."""
    expected = parser().parse(SAMPLE, RECEIVED)
    assert parser().parse(FRAME.decode("ascii"), RECEIVED) == expected
    assert parser().parse("R   " + SAMPLE, RECEIVED) == expected


def test_serial_line_with_terminator_and_control_bytes():
    """The serial variant: CR LF, and control bytes before the record, are dropped."""
    expected = parser().parse(SAMPLE, RECEIVED)
    assert parser().parse(SAMPLE + "\r\n", RECEIVED) == expected
    assert parser().parse("\x00\x11\x13" + SAMPLE + "\n", RECEIVED) == expected


def test_trailing_blanks_stripped_record_parses():
    """Without cost and account (cut after ELAPSED, 59 characters) the record parses."""
    short = SAMPLE[:59]
    call = parser().parse(short, RECEIVED)
    assert call.duration_seconds == 3
    assert call.details == {"call_type": "TLC"}
    assert parser().parse(SAMPLE.rstrip(), RECEIVED) == parser().parse(SAMPLE, RECEIVED)


@pytest.mark.parametrize(
    ("elapsed", "seconds"),
    [
        ("00:00:03", 3),
        ("01:02:03", 3723),
        ("S=000125", 125),
        ("S=125", 125),
        ("S=   125", 125),
        ("S=999999", 999999),
        ("300:15", 300 * 3600 + 15 * 60),  # beyond 999999 s: hours and minutes
    ],
)
def test_elapsed_formats(elapsed, seconds):
    """HH:MM:SS, the seconds option ``S=nnnnnn``, and hours:minutes past 999999 s."""
    assert parser().parse(record(elapsed=elapsed), RECEIVED).duration_seconds == seconds


def test_seconds_option_left_aligned_at_the_end_of_a_short_record():
    """``S=45`` with nothing after it (trailing blanks stripped) is 45 seconds."""
    line = record(elapsed="S=45", cost="").rstrip()
    assert len(line) == 55
    assert parser().parse(line, RECEIVED).duration_seconds == 45


def test_zero_duration_call_is_not_answered():
    """ELAPSED 00:00:00 means the call never talked."""
    assert parser().parse(record(elapsed="00:00:00"), RECEIVED).answered is False


def test_cost_account_code_and_trunk_disconnect_flag():
    """A priced call with an account code, ended by the trunk (``*`` in column 80)."""
    line = record(cost="$12.50", account="123456789012", flag="*")
    assert len(line) == 80
    call = parser().parse(line, RECEIVED)
    assert call.account_code == "123456789012"
    assert call.details == {
        "call_type": "TLC",
        "cost": "$12.50",
        "trunk_disconnected_first": True,
    }


@pytest.mark.parametrize("cost", ["$00125", "$$$$$$", "$1.5"])
def test_large_costs_are_kept_as_printed(cost):
    """Above $99.99 the point is dropped, above $99999 the field is ``$$$$$$``."""
    assert parser().parse(record(cost=cost), RECEIVED).details["cost"] == cost


def test_account_code_in_columns_67_to_78():
    """The Axxess logger reads the account one column earlier: both positions work."""
    line = SAMPLE[:66] + "4455" + " " * 10
    assert parser().parse(line, RECEIVED).account_code == "4455"


def test_truncated_digits_marker():
    """A ``>`` after 27 digits means more were dialled: kept in details, not in number."""
    digits = "0" * 27 + ">"
    call = parser().parse(record(digits=digits), RECEIVED)
    assert call.number == "0" * 27
    assert call.details["digits_truncated"] is True


def test_truncated_digits_marker_in_column_45():
    """A ``>`` right after 28 digits (column 45) is read the same way."""
    line = record(digits="1" * 28)
    line = line[:44] + ">" + line[45:]
    call = parser().parse(line, RECEIVED)
    assert call.number == "1" * 28
    assert call.details["digits_truncated"] is True


def test_site_can_map_an_unknown_call_type():
    """``call_types`` adds codes this parser does not know."""
    line = record(typ="ACD")
    with pytest.raises(RecordError, match=r"field 1 \(TYP\): 'ACD' is not a known call type"):
        parser().parse(line, RECEIVED)
    call = parser(call_types={"ACD": "incoming"}).parse(line, RECEIVED)
    assert call.direction == Direction.INCOMING
    assert call.details["call_type"] == "ACD"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\r\n",
        "   \r\n",
        "\x0c",
        "\x00\x00\x00",
        "TYP EXT# TRUNK DIALED DIGITS                 START ELAPSED  COST   ACCOUNT CODE",
        "TYP EXT# TRUNK DIALED DIGITS START ELAPSED COST ACCOUNT CODE\r\n",
        "Station Message Detail Recording\r\n",
        "Station Message Detail Recording                                                 ",
        "-" * 80,
        "=" * 80 + "\r\n",
        "----",
    ],
)
def test_noise_is_none(text):
    """Blank lines, the serial header lines and separators are noise."""
    assert parser().parse(text, RECEIVED) is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (record(start="25:00"), "field 5 (START): '25:00' is not HH:MM"),
        (record(start="08-36"), "field 5 (START): '08-36' is not HH:MM"),
        (record(start="8:36"), "field 5 (START): '8:36 ' is not HH:MM"),
        (record(elapsed="00:61:00"), "field 6 (ELAPSED): '00:61:00' is not HH:MM:SS or S=seconds"),
        (record(elapsed="S=12a"), "field 6 (ELAPSED): 'S=12a   ' is not HH:MM:SS or S=seconds"),
        (record(elapsed="00:00:0x"), "field 6 (ELAPSED): '00:00:0x' is not HH:MM:SS or S=seconds"),
        (record(cost="12.00"), "field 7 (COST): '12.00' is not $XX.XX, $XXXXX or $$$$$$"),
        (record(cost="$1.2.3"), "field 7 (COST): '$1.2.3' is not $XX.XX, $XXXXX or $$$$$$"),
        (record(ext=""), "field 2 (EXT#): '     ' is blank"),
        (record(typ="XYZ"), "field 1 (TYP): 'XYZ' is not a known call type"),
    ],
)
def test_bad_field_names_the_field_and_quotes_the_value(line, message):
    """A bad value raises RecordError naming the field by number and name."""
    with pytest.raises(RecordError) as raised:
        parser().parse(line, RECEIVED)
    assert str(raised.value) == message


def test_shifted_columns_are_reported():
    """A record whose columns do not line up names the column that should be blank."""
    shifted = "TLC  11202 94003 961-9000                    08:36 00:00:03 $00.00"
    with pytest.raises(RecordError, match="column 10: '2' where the 80-column layout has a blank"):
        parser().parse(shifted, RECEIVED)


def test_too_short_record():
    """A record cut before ELAPSED says how long it is and what is needed."""
    with pytest.raises(RecordError) as raised:
        parser().parse(SAMPLE[:50], RECEIVED)
    assert "record is 50 characters long, expected at least 53 (TYP to ELAPSED)" in str(
        raised.value
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"clock_tolerance_minutes": "5"}, "option clock_tolerance_minutes: '5' is not"),
        ({"clock_tolerance_minutes": -1}, "option clock_tolerance_minutes: -1 is not"),
        ({"clock_tolerance_minutes": 721}, "option clock_tolerance_minutes: 721 is not"),
        ({"clock_tolerance_minutes": True}, "option clock_tolerance_minutes: True is not"),
        ({"call_types": ["ACD"]}, "option call_types: ['ACD'] is not an object"),
        ({"call_types": {"ACDX": "incoming"}}, "option call_types: 'ACDX' is not a TYP code"),
        ({"call_types": {"ACD": "in"}}, "option call_types: 'ACD' maps to 'in', expected one"),
    ],
)
def test_bad_options_are_refused(options, message):
    """A wrong option fails when the parser is made, with a message naming it."""
    with pytest.raises(RecordError, match=message.replace("(", r"\(").replace("[", r"\[")):
        parser(**options)


def test_other_source_settings_are_ignored():
    """Source settings also hold transport keys (host, port): the parser ignores them."""
    call = parser(host="10.0.0.5", port=4000, password="").parse(SAMPLE, RECEIVED)
    assert call.extension == "11202"


def test_receipt_time_out_of_range_is_a_record_error():
    """An absurd time of receipt fails as a record error, not an overflow."""
    with pytest.raises(RecordError, match="time of receipt"):
        parser().parse(SAMPLE, dt.datetime.max.replace(tzinfo=UTC))
    with pytest.raises(RecordError, match="time of receipt"):
        parser(ZoneInfo("Asia/Tokyo")).parse(
            record(start="23:59"), dt.datetime.min.replace(tzinfo=UTC)
        )


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_raises_only_record_errors(text):
    """Whatever arrives, the parser returns a call or None, or raises RecordError."""
    with contextlib.suppress(RecordError):
        parser().parse(text, RECEIVED)


COLUMN_TEXT = st.text(alphabet=st.sampled_from("0123456789:S=$.*> -/INTLCR\x00\u00b2"), max_size=9)


@settings(max_examples=400, deadline=None)
@given(
    st.dictionaries(st.integers(min_value=0, max_value=79), COLUMN_TEXT, max_size=4),
    utc_datetimes(dt.datetime(1990, 1, 1, tzinfo=UTC), dt.datetime(2100, 1, 1, tzinfo=UTC)),
)
def test_damaged_records_raise_only_record_errors(damage, received):
    """The sample with columns overwritten by look-alike junk never crashes the parser."""
    line = SAMPLE
    for column, value in damage.items():
        line = line[:column] + value + line[column + len(value) :]
    try:
        call = parser().parse(line, received)
    except RecordError:
        return
    assert call is None or (
        call.start.tzinfo is UTC and call.start <= received + dt.timedelta(minutes=5)
    )


def test_socket_stream_through_the_framer():
    """Two frames in three TCP chunks, framed then parsed, give the two calls in order."""
    body = record(typ="IN", ext="*****").encode() + b"\r\n"
    frames = FRAME + len(body).to_bytes(4, "little") + body
    framer = framer_for("mitel-5000")
    texts = framer.feed(frames[:37]) + framer.feed(frames[37:101]) + framer.feed(frames[101:])
    texts += framer.flush()
    calls = [parser().parse(text.decode("ascii"), RECEIVED) for text in texts]
    assert [call.direction for call in calls] == [Direction.OUTGOING, Direction.INCOMING]
    assert calls[0] == parser().parse(SAMPLE, RECEIVED)


def test_serial_stream_with_headers_through_the_framer():
    """The Axxess serial port: header lines are noise, records are calls."""
    stream = (
        b"\x0cStation Message Detail Recording\r\n"
        b"TYP EXT# TRUNK DIALED DIGITS                 START ELAPSED  COST   ACCOUNT CODE\r\n"
        + SAMPLE.encode()
        + b"\r\n"
        + record(typ="IN", ext="1001", digits="3515551234").encode()
        + b"\r\n"
    )
    framer = framer_for("mitel-5000", transport="serial")
    texts = framer.feed(stream[:100]) + framer.feed(stream[100:]) + framer.flush()
    results = [parser().parse(text.decode("ascii"), RECEIVED) for text in texts]
    assert results[:2] == [None, None]
    assert [call.extension for call in results[2:]] == ["11202", "1001"]
