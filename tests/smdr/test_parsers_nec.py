"""The NEC SL / SV "PRG 35" SMDR parser, on records placed in the manual's columns.

No real NEC capture exists: the records are the SL1000 manual's example values placed in
the SL1100 column table (``pbx-formats.md`` section 10) [DERIVED].
"""

import contextlib
import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smdr.framing import framer_for
from smdr.parsers.base import Direction, ParserSettings, RecordError
from smdr.parsers.nec import NECParser
from tests.properties import utc_datetimes

CHICAGO = ZoneInfo("America/Chicago")
UTC = dt.UTC
# 11:00 CST on 9 December 2019, just after the manual's calls.
RECEIVED = dt.datetime(2019, 12, 9, 17, 0, tzinfo=UTC)


def parser(time_zone=CHICAGO):
    return NECParser(ParserSettings(time_zone=time_zone))


def record(
    cls="POT",
    time="10:52",
    date="12/09",
    line="002",
    duration="00:00:10",
    station="2001",
    number="2142623801",
    account="08754",
):
    """A record in the PRG 35 columns; ``date=None`` for the form without a date."""
    middle = f"{date:<5} {line:>4}" if date is not None else f"{line:>10}"
    text = f"{cls:<5}{time} {middle} {duration:>8} {station:<10} {number:<20} {account}"
    return text.rstrip() + "\r\n"


def put(line, column, text):
    """``line`` with ``text`` written over it from 1-based ``column`` on."""
    line = line.rstrip("\r\n")
    start = column - 1
    line = line.ljust(start + len(text))
    return line[:start] + text + line[start + len(text) :]


def header_titles():
    """Header line 2: the column titles at the manual's positions."""
    line = ""
    for column, title in (
        (1, "CLASS"),
        (7, "TIME"),
        (12, "DATE"),
        (18, "LINE"),
        (23, "DURATION"),
        (33, "STATION"),
        (45, "DIALLED"),
        (53, "No./CLI"),
        (64, "ACCOUNT"),
    ):
        line = put(line, column, title)
    return line + "\r\n"


# The SL1000 manual's example, in columns.
OUTGOING = record()
INCOMING = record(
    cls="PIN",
    line="001",
    duration="00:00:20",
    station="2017",
    number="2142623802",
    account="NECinfrontia",
)
WRAPPED_NAME = "Corp.\r\n"
NEXT = "NEXT NECinfrontia Corp.\r\n"
NO_ANSWER = record(cls="PIN", time="10:53", duration="", station="", account="NO ANSWER")
PAGE_HEADER = " " * 60 + "12/09/2019 PAGE 001\r\n"
TITLES = header_titles()
SUMMARY = [
    "OUTGOING CALL/COST SUMMARY FOR DAY OF 12/09/19\r\n",
    "TOTAL NO. OF OUTGOING PSTN CALLS: 0\r\n",
    "TOTAL DURATION OF OUTGOING CALLS: 00:00:00\r\n",
]
STREAM = [PAGE_HEADER, TITLES, "\n", OUTGOING, INCOMING, WRAPPED_NAME, NEXT, NO_ANSWER]


def test_parser_family_and_label():
    """The parser names its family id for the registry."""
    assert NECParser.family == "nec"
    assert NECParser.label == "NEC SL / SV SMDR"


def test_built_record_columns():
    """The record builder puts each field in the manual's columns."""
    line = record(account="1234567890123456").rstrip("\r\n")
    assert len(line) == 79
    assert (line[5:10], line[11:16], line[17:21], line[22:30]) == (
        "10:52",
        "12/09",
        " 002",
        "00:00:10",
    )
    assert (line[31:41], line[42:62], line[63:79]) == (
        "2001      ",
        "2142623801          ",
        "1234567890123456",
    )
    assert TITLES.index("DURATION") == 22
    assert TITLES.index("ACCOUNT") == 63


def test_manual_stream_gives_three_calls():
    """Line by line, headers and a lone NEXT line are noise; the wrapped name on its own
    is an error (the framer reads it with its call)."""
    lines = [line for line in STREAM if line != WRAPPED_NAME]
    calls = [parser().parse(line, RECEIVED) for line in lines]
    assert [call is not None for call in calls] == [False] * 3 + [True, True, False, True]
    with pytest.raises(RecordError, match="is not an NEC PRG 35 call line"):
        parser().parse(WRAPPED_NAME, RECEIVED)


def test_manual_stream_through_the_framer_names_the_caller():
    """The NEC framer joins the wrapped name and the NEXT line to their call: the call
    carries the whole name, and every record is a call or noise."""
    framer = framer_for("nec")
    records = framer.feed("".join(STREAM).encode()) + framer.flush()
    calls = [parser().parse(record.decode(), RECEIVED) for record in records]
    assert len(records) == 5  # page header, titles, and three calls
    assert [call is not None for call in calls] == [False, False, True, True, True]
    assert calls[3].details == {"caller_name": "NECinfrontia Corp."}
    assert calls[3].extension == "2017"


def test_outgoing_call():
    """POT: line 002, extension 2001, 10 s, account 08754, started 10:52 CST."""
    call = parser().parse(OUTGOING, RECEIVED)
    assert call.start == dt.datetime(2019, 12, 9, 16, 52, tzinfo=UTC)
    assert (call.duration_seconds, call.ring_seconds) == (10, 0)
    assert call.direction == Direction.OUTGOING
    assert (call.extension, call.trunk, call.number) == ("2001", "002", "2142623801")
    assert call.account_code == "08754"
    assert call.pbx_call_id == ""
    assert call.answered is True
    assert call.details == {}


def test_incoming_call_with_the_caller_name_in_the_account_column():
    """PIN: the name printed where the account goes is the caller's name."""
    call = parser().parse(INCOMING, RECEIVED)
    assert call.direction == Direction.INCOMING
    assert (call.extension, call.trunk, call.number) == ("2017", "001", "2142623802")
    assert call.duration_seconds == 20
    assert call.account_code == ""
    assert call.details == {"caller_name": "NECinfrontia"}


def test_next_line_alone_is_noise():
    """NEXT carries the caller name of the call before it; with no call it is noise."""
    assert parser().parse(NEXT, RECEIVED) is None
    assert parser().parse("NEXT\r\n", RECEIVED) is None
    assert parser().parse("NEXT 10:52 CORP\r\n", RECEIVED) is None


def test_call_with_its_next_lines_takes_the_name():
    """A call joined to its NEXT line (by the framer): the NEXT name is the caller's."""
    call = parser().parse(INCOMING + NEXT, RECEIVED)
    assert call.details == {"caller_name": "NECinfrontia Corp."}
    bare = parser().parse(INCOMING, RECEIVED)
    assert (call.start, call.extension, call.number) == (bare.start, bare.extension, bare.number)
    outgoing = parser().parse(OUTGOING + "NEXT ACME SA\r\n", RECEIVED)
    assert outgoing.details == {"caller_name": "ACME SA"}
    assert outgoing.account_code == "08754"


def test_header_joined_to_a_next_line_stays_noise():
    assert parser().parse(PAGE_HEADER + NEXT, RECEIVED) is None


def test_wrapped_name_alone_is_an_error_naming_why():
    """The rest of a name wrapped onto its own line, with no call before it (the framer
    joins it to its call and NEXT line), is not a line the parser knows."""
    with pytest.raises(RecordError, match=r"record: 'Corp\.' is not an NEC PRG 35 call line"):
        parser().parse(WRAPPED_NAME, RECEIVED)
    with pytest.raises(RecordError, match="is not an NEC PRG 35 call line"):
        parser().parse(WRAPPED_NAME + NEXT, RECEIVED)


def test_other_families_lines_are_errors_not_noise():
    """The real Capturador capture on a source set to nec: every line is an error that
    says why, none is noise."""
    capture = Path(__file__).resolve().parent.parent / "data" / "star-hash" / "prueba-first300.log"
    lines = capture.read_bytes().decode().split("\r\n")[:-1]
    for line in lines:
        with pytest.raises(RecordError, match="is not an NEC PRG 35 call line"):
            parser().parse(line, RECEIVED)
    with pytest.raises(RecordError, match="is not an NEC PRG 35 call line"):
        parser().parse("0!KA001012001 2044  1012134705", RECEIVED)


def test_no_answer():
    """PIN with NO ANSWER and no duration: incoming, not answered, no account code."""
    call = parser().parse(NO_ANSWER, RECEIVED)
    assert call.start == dt.datetime(2019, 12, 9, 16, 53, tzinfo=UTC)
    assert call.direction == Direction.INCOMING
    assert call.answered is False
    assert (call.duration_seconds, call.extension, call.account_code) == (0, "", "")
    assert call.details == {}


@pytest.mark.parametrize(
    "text",
    [PAGE_HEADER, TITLES, *SUMMARY, "", "\r\n", "\n", "\x0c", "\x0c\r\n", "PAGE 002\r\n", "-" * 79],
)
def test_headers_summaries_and_blanks_are_noise(text):
    """Page headers, column titles, page numbers, daily summaries and blanks are noise."""
    assert parser().parse(text, RECEIVED) is None


def test_buffer_full_is_noise():
    """BFL reports lost records, not a call."""
    line = record(cls="BFL", line="", duration="", station="", number="", account="")
    assert line == "BFL  10:52 12/09\r\n"
    assert parser().parse(line, RECEIVED) is None


@pytest.mark.parametrize(
    ("cls", "direction"),
    [
        ("POTA", Direction.OUTGOING),
        ("POTP", Direction.OUTGOING),
        ("POTW", Direction.OUTGOING),
        ("IVOT", Direction.OUTGOING),
        ("IVOTP", Direction.OUTGOING),
        ("IDOT", Direction.OUTGOING),
        ("SAD", Direction.OUTGOING),
        ("WAD", Direction.OUTGOING),
        ("IVIN", Direction.INCOMING),
        ("IDIN", Direction.INCOMING),
        ("PTRS", Direction.INCOMING),
        ("ITRS", Direction.INCOMING),
        ("SDTA", Direction.INTERNAL),
    ],
)
def test_classes_give_the_direction_and_stay_in_details(cls, direction):
    """Each class maps to a direction; all but POT, PIN and ICM stay in details."""
    call = parser().parse(record(cls=cls), RECEIVED)
    assert call.direction == direction
    assert call.details["class"] == cls
    assert call.answered is True


def test_five_letter_class_runs_into_the_time():
    """IVOTP fills columns 1-5: the time still starts in column 6."""
    line = record(cls="IVOTP")
    assert line.startswith("IVOTP10:52 12/09")
    assert parser().parse(line, RECEIVED).start == dt.datetime(2019, 12, 9, 16, 52, tzinfo=UTC)


def test_intercom_call():
    """ICM: internal, no line."""
    call = parser().parse(record(cls="ICM", line="", number="2005", account=""), RECEIVED)
    assert call.direction == Direction.INTERNAL
    assert (call.extension, call.trunk, call.number) == ("2001", "", "2005")
    assert call.details == {}


@pytest.mark.parametrize("cls", ["ALB", "BRD"])
def test_blocked_attempts_are_never_answered(cls):
    """All lines busy and toll-restriction blocks are outgoing attempts, not answered."""
    call = parser().parse(record(cls=cls, duration=""), RECEIVED)
    assert call.direction == Direction.OUTGOING
    assert call.answered is False
    assert call.details == {"class": cls}


def test_station_name_goes_to_details():
    """A station column holding a name leaves the extension empty."""
    call = parser().parse(record(station="RECEPTION"), RECEIVED)
    assert call.extension == ""
    assert call.details == {"station_name": "RECEPTION"}


def test_outgoing_account_text_stays_an_account_code():
    """Only incoming calls read text in the account column as a name."""
    assert parser().parse(record(account="PROJ-7"), RECEIVED).account_code == "PROJ-7"


def test_record_without_a_date_is_dated_today():
    """PRG 35-02-14 = 0: the line fills columns 12-21 and the date is the receipt's."""
    line = record(date=None)
    assert line[11:21] == "       002"
    call = parser().parse(line, RECEIVED)
    assert call.start == dt.datetime(2019, 12, 9, 16, 52, tzinfo=UTC)
    assert call.trunk == "002"


def test_time_after_receipt_without_a_date_is_yesterday():
    """23:59 received at 00:01 is yesterday's."""
    received = dt.datetime(2020, 1, 1, 6, 1, tzinfo=UTC)  # 00:01 CST
    call = parser().parse(record(time="23:59", date=None), received)
    assert call.start == dt.datetime(2020, 1, 1, 5, 59, tzinfo=UTC)  # 23:59 CST Dec 31


def test_pbx_clock_a_few_minutes_ahead_stays_today():
    """A time up to 5 minutes after receipt is the PBX clock running ahead: today."""
    received = dt.datetime(2019, 12, 9, 16, 50, tzinfo=UTC)  # 10:50 CST
    assert parser().parse(record(date=None), received).start == dt.datetime(
        2019, 12, 9, 16, 52, tzinfo=UTC
    )
    assert parser().parse(record(time="10:56", date=None), received).start == dt.datetime(
        2019, 12, 8, 16, 56, tzinfo=UTC
    )


def test_a_record_cut_inside_its_date_names_the_date_field():
    """Found by the damaged streams property test: a cut after the month's slash."""
    with pytest.raises(RecordError, match=r"^field 3 \(Date, columns 12-16\): '11/' is not MM/DD"):
        parser().parse("PIN  10:18 11/", RECEIVED)


def test_last_years_date_received_on_new_years_day():
    """12/31 23:58 received at 00:05 on 1 January is last year's."""
    received = dt.datetime(2020, 1, 1, 6, 5, tzinfo=UTC)
    call = parser().parse(record(time="23:58", date="12/31"), received)
    assert call.start == dt.datetime(2020, 1, 1, 5, 58, tzinfo=UTC)  # 2019-12-31 23:58 CST


def test_new_years_record_from_a_fast_clock_is_this_year():
    """01/01 00:03 received at 23:59 on 31 December (clock 4 min ahead) is next year's."""
    received = dt.datetime(2020, 1, 1, 5, 59, tzinfo=UTC)  # 2019-12-31 23:59 CST
    call = parser().parse(record(time="00:03", date="01/01"), received)
    assert call.start == dt.datetime(2020, 1, 1, 6, 3, tzinfo=UTC)


def test_same_day_later_time_is_last_year():
    """A date equal to the receipt's but a time well after it is a year old."""
    call = parser().parse(record(time="11:30"), RECEIVED)
    assert call.start == dt.datetime(2018, 12, 9, 17, 30, tzinfo=UTC)


def test_february_29_goes_back_to_a_leap_year():
    """02/29 received on 1 March 2025 is 2024's; received in 2023 it is 2020's."""
    line = record(time="12:00", date="02/29")
    assert parser(UTC).parse(line, dt.datetime(2025, 3, 1, tzinfo=UTC)).start == dt.datetime(
        2024, 2, 29, 12, 0, tzinfo=UTC
    )
    assert parser(UTC).parse(line, dt.datetime(2023, 3, 1, tzinfo=UTC)).start == dt.datetime(
        2020, 2, 29, 12, 0, tzinfo=UTC
    )


def test_receipt_defaults_to_now():
    """Without received_at the record is dated from now: never later than now + 5 min."""
    now = dt.datetime.now(UTC)
    call = parser(UTC).parse(record(date=None))
    assert now - dt.timedelta(days=1) <= call.start <= now + dt.timedelta(minutes=5)


def test_times_on_a_dst_change_day():
    """Chicago went to CDT at 2 AM on 2024-03-10: 01:30 is CST, 03:30 CDT."""
    received = dt.datetime(2024, 3, 10, 12, 0, tzinfo=UTC)
    nec = parser()
    assert nec.parse(record(time="01:30", date="03/10"), received).start == dt.datetime(
        2024, 3, 10, 7, 30, tzinfo=UTC
    )
    assert nec.parse(record(time="03:30", date="03/10"), received).start == dt.datetime(
        2024, 3, 10, 8, 30, tzinfo=UTC
    )


def test_control_bytes_and_line_ends():
    """Control bytes before the class and any line end parse the same."""
    expected = parser().parse(OUTGOING, RECEIVED)
    assert parser().parse("\x0c\x11" + OUTGOING, RECEIVED) == expected
    assert parser().parse(OUTGOING.rstrip("\r\n"), RECEIVED) == expected
    assert parser().parse(OUTGOING.rstrip("\r\n").ljust(79) + "\n", RECEIVED) == expected


def test_collapsed_manual_line_is_an_error():
    """The manual mirror's collapsed blanks do not fit the columns: an error, no guess."""
    with pytest.raises(RecordError, match=r"field 2 \(Time, columns 6-10\)"):
        parser().parse("POT 10:52 12/09 002 00:00:10 2001 2142623801 08754\r\n", RECEIVED)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            record(cls="XYZ"),
            "field 1 (Class, columns 1-5): 'XYZ' is not a known NEC call class",
        ),
        (record(time="24:00"), "field 2 (Time, columns 6-10): '24:00' is not HH:MM"),
        (record(time="10:60"), "field 2 (Time, columns 6-10): '10:60' is not HH:MM"),
        (record(time="1a:52"), "field 2 (Time, columns 6-10): '1a:52' is not HH:MM"),
        ("POT  \r\n", "field 2 (Time, columns 6-10): '' is not HH:MM"),
        (record(date="13/09"), "field 3 (Date, columns 12-16): '13/09' is not a valid date"),
        (record(date="02/30"), "field 3 (Date, columns 12-16): '02/30' is not a valid date"),
        (record(date="1a/09"), "field 3 (Date, columns 12-16): '1a/09' is not MM/DD"),
        (record(line="0A2"), "field 4 (Line, columns 18-21): '0A2' is not a line number"),
        (
            record(line="0A2", date=None),
            "field 4 (Line, columns 12-21): '0A2' is not a line number",
        ),
        (
            record(duration="00:61:00"),
            "field 5 (Duration, columns 23-30): '00:61:00' is not HH:MM:SS or blank",
        ),
        (
            record(duration="0:00:10"),
            "field 5 (Duration, columns 23-30): ' 0:00:10' is not HH:MM:SS or blank",
        ),
    ],
)
def test_bad_field_names_the_field_and_quotes_the_value(line, message):
    """A bad value raises RecordError naming the field, its columns and the value."""
    with pytest.raises(RecordError) as raised:
        parser().parse(line, RECEIVED)
    assert str(raised.value) == message


def test_every_record_has_plain_details():
    """Details hold only JSON-ready strings, ints and booleans."""
    for line in STREAM:
        if line == WRAPPED_NAME:
            continue
        call = parser().parse(line, RECEIVED)
        if call is not None:
            assert json.loads(json.dumps(call.details)) == call.details
            assert call.start.tzinfo is UTC


RECEIPTS = utc_datetimes(dt.datetime(1990, 1, 1, tzinfo=UTC), dt.datetime(2090, 1, 1, tzinfo=UTC))


@settings(max_examples=300, deadline=None)
@given(st.text(), RECEIPTS)
def test_arbitrary_text_raises_only_record_errors(text, received_at):
    """Whatever arrives, the parser returns a call or None, or raises RecordError."""
    with contextlib.suppress(RecordError):
        parser().parse(text, received_at)


JUNK = st.text(alphabet=st.sampled_from("0123456789:/ NOTPIAX.\x00\u00b2\u0661"), max_size=10)


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from([*STREAM, record(date=None), record(cls="IVOTP")]),
    st.lists(st.tuples(st.integers(min_value=1, max_value=80), JUNK), max_size=4),
    RECEIPTS,
)
def test_damaged_records_raise_only_record_errors(line, damage, received_at):
    """Records overwritten with look-alike junk never crash the parser."""
    for column, text in damage:
        line = put(line, column, text)
    try:
        call = parser().parse(line, received_at)
    except RecordError:
        return
    assert call is None or call.start.tzinfo is UTC
    assert call is None or call.start <= received_at + dt.timedelta(minutes=5)
