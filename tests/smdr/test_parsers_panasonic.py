"""The Panasonic KX SMDR parser: the real page header, and records built from the manual.

No real Panasonic data row exists: the records here are built from the KX-NS1000 Feature
Guide's Pattern A/B/C cell values and field widths, one blank between fields
(``pbx-formats.md`` section 6) [DERIVED].
"""

import contextlib
import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smdr.parsers.base import Direction, ParserSettings, RecordError
from smdr.parsers.panasonic import PanasonicParser

DATA = Path(__file__).resolve().parent.parent / "data" / "panasonic"
NEW_YORK = ZoneInfo("America/New_York")
UTC = dt.UTC

HEADER = (DATA / "header.txt").read_bytes().decode("ascii").splitlines(keepends=True)


def parser(time_zone=NEW_YORK, **options):
    return PanasonicParser(ParserSettings(time_zone=time_zone, options=options))


def pattern_a(
    date="01/02/02",
    time="10:07AM",
    ext="1200",
    co="01",
    dial="",
    ring="",
    duration="",
    acc="",
    cd="",
):
    """A Pattern A record: widths 8 7 5 2 25 4 8 10 3, trailing blanks stripped."""
    line = f"{date:>8} {time:>7} {ext:>5} {co:>2} {dial:<25} {ring:>4} {duration:>8} {acc:<10} {cd}"
    return line.rstrip() + "\r\n"


def pattern_b(
    date="01/02/02",
    time="10:07AM",
    ext="1210",
    co="01",
    dial="",
    duration="",
    cost="",
    acc="",
    cd="",
):
    """A Pattern B record: widths 8 7 5 2 20 8 10 10 3."""
    line = (
        f"{date:>8} {time:>7} {ext:>5} {co:>2} {dial:<20} {duration:>8} {cost:>10} {acc:<10} {cd}"
    )
    return line.rstrip() + "\r\n"


def pattern_c(
    date="01/02/02",
    time="10:07AM",
    ext="1230",
    co="0001",
    dial="",
    ring="",
    duration="",
    cost="",
    acc="",
    cd="",
):
    """A Pattern C record: widths 8 7 5 4 50 4 8 11 10 3."""
    line = (
        f"{date:>8} {time:>7} {ext:>5} {co:>4} {dial:<50} {ring:>4} {duration:>8} {cost:>11} "
        f"{acc:<10} {cd}"
    )
    return line.rstrip() + "\r\n"


# The KX-NS1000 Feature Guide's Pattern A rows (cells from the manual, placed by width).
UNANSWERED = pattern_a(
    time="10:03AM", dial="<I>12345678901234567890", ring="5'15", duration="00:00'00", cd="NA"
)
ANSWERED = pattern_a(dial="<I>", ring="0'05", duration="00:01'05", acc="9876543210", cd="AN")
OUTGOING = pattern_a(time="10:15AM", dial="1234567890123456", duration="00:01'05", acc="9876543210")
VERIFIED_CODE = pattern_a(
    time="10:30AM", ext="*123", dial="1234567890123456", duration="00:01'05", acc="9876543210"
)
CALLER_NAME = pattern_a(
    time="01:07PM", ext="1234", dial="<I>ABC COMPANY12345678", ring="0'05", duration="00:01'05"
)
DDI = pattern_a(
    time="01:07PM", ext="1234", dial="<D>CDE9876<I>Q COMPANY", ring="0'05", duration="00:01'05"
)
OUTGOING_NAME = pattern_a(
    time="01:07PM", ext="1234", dial="ABC COMPANY12345678", duration="00:01'05"
)
SECRET = pattern_a(time="01:07PM", ext="1234", dial="123..............", duration="00:01'05")
PRIVACY = pattern_a(time="08:33AM", ext="1234", dial="123456XX", duration="00:12'05", acc="98765")
INTERCOM = pattern_a(time="03:45PM", ext="1234", co="", dial="EXT1235", duration="00:01'05")
STATUS_LINES = [
    pattern_a(time="01:07PM", ext="1234", co="", dial=text)
    for text in (
        "In the office",
        "LOG IN",
        "LOG OUT",
        "Check in",
        "Check out",
        "Timed Reminder/Start",
        "Timed Reminder/No Answer",
        "Timed Reminder/Answer",
    )
]
RECORDS = [
    UNANSWERED,
    ANSWERED,
    OUTGOING,
    VERIFIED_CODE,
    CALLER_NAME,
    DDI,
    OUTGOING_NAME,
    SECRET,
    PRIVACY,
    INTERCOM,
]
CHARGED_B = pattern_b(dial="<I>", duration="00:00'05", cost="00560.00EU", acc="9876543210")
CHARGED_C = pattern_c(
    dial="123456789012345678901234567890", duration="00:00'05", cost="00560.00EUR", cd="TR"
)
CALLER_C = pattern_c(
    time="10:09AM",
    dial="<I>ABC COMPANY123456789012345",
    ring="0'05",
    duration="00:01'05",
    cost="00000.00EUR",
    acc="9876543210",
    cd="AN",
)


def test_parser_family_and_label():
    """The parser names its family id for the registry."""
    assert PanasonicParser.family == "panasonic"
    assert PanasonicParser.label == "Panasonic KX SMDR"


def test_built_records_have_the_pattern_widths():
    """Full records are 80 (A), 81 (B) and 119 (C) wide.

    The manual says 80, 80 and 120; its widths with one blank between fields add up to
    80, 81 and 119 (C's last column is a blank, like A's after CD in the real header).
    """
    full = {"duration": "00:00'01", "acc": "1" * 10, "cd": "XYZ"}
    assert len(pattern_a(dial="1", ring="0'05", **full)) == 80 + 2
    assert len(pattern_b(dial="1", cost="1" * 10, **full)) == 81 + 2
    assert len(pattern_c(dial="1", ring="0'05", cost="1" * 11, **full)) == 119 + 2


def test_header_sample_is_the_real_page_header():
    """The sample is the emulator's two header lines, CR LF ended, 80 columns each."""
    assert len(HEADER) == 2
    assert [len(line) for line in HEADER] == [82, 82]
    assert HEADER[0].startswith("  Date     Time    Ext CO")
    # Pattern A's columns line up with the header's titles.
    title = HEADER[0]
    assert (title.index("Ext") + 3, title.index("CO"), title.index("Ring")) == (22, 23, 52)
    assert (title.index("Duration"), title.index("CD")) == (57, 77)


@pytest.mark.parametrize("line", HEADER)
def test_header_lines_are_noise(line):
    """Both header lines (titles and the dashes under them) are noise."""
    assert parser().parse(line) is None
    assert parser(pattern="A").parse(line) is None


@pytest.mark.parametrize(
    "text", ["", "\r\n", "\r", "    \r\n", "\x0c", "\x0c\r\n", "=" * 80 + "\r\n", "\x00\r\n"]
)
def test_noise_is_none(text):
    """The blank line before each header, form feeds and separators are noise."""
    assert parser().parse(text) is None


@pytest.mark.parametrize("line", STATUS_LINES)
def test_status_lines_are_noise(line):
    """Lines without a CO line or a number (log in/out, hotel, reminders) are not calls."""
    assert parser().parse(line) is None
    assert parser(pattern="A").parse(line) is None


def test_status_line_with_a_duration_is_noise():
    """A timed reminder answered, with a duration but no CO and no number, is not a call."""
    line = pattern_a(ext="1234", co="", dial="Timed Reminder/Answer", duration="00:00'30")
    assert parser().parse(line) is None


@pytest.mark.parametrize("line", [*RECORDS, CHARGED_B, CHARGED_C, CALLER_C])
def test_every_record_parses_to_a_utc_call(line):
    """Each built record is a call with a UTC start and plain details."""
    call = parser().parse(line)
    assert call is not None
    assert call.start.tzinfo is UTC
    assert json.loads(json.dumps(call.details)) == call.details
    assert all(isinstance(value, str | int | bool) for value in call.details.values())


def test_unanswered_incoming_call():
    """Rang 5'15, duration 00:00'00, condition NA: not answered, start is the end."""
    call = parser().parse(UNANSWERED)
    # 10:03 AM EST on 2 January 2002 is 15:03 UTC.
    assert call.start == dt.datetime(2002, 1, 2, 15, 3, tzinfo=UTC)
    assert (call.duration_seconds, call.ring_seconds) == (0, 315)
    assert call.direction == Direction.INCOMING
    assert call.answered is False
    assert (call.extension, call.trunk, call.number) == ("1200", "01", "12345678901234567890")
    assert call.details == {"dial_prefix": "<I>", "condition": "NA"}


def test_answered_incoming_call_start_is_end_minus_duration():
    """Ended 10:07 AM, 1 min 5 s long: started 10:05:55 AM EST, 15:05:55 UTC."""
    call = parser().parse(ANSWERED)
    assert call.start == dt.datetime(2002, 1, 2, 15, 5, 55, tzinfo=UTC)
    assert (call.duration_seconds, call.ring_seconds) == (65, 5)
    assert call.direction == Direction.INCOMING
    assert call.answered is True
    assert (call.extension, call.trunk, call.number) == ("1200", "01", "")
    assert call.account_code == "9876543210"
    assert call.pbx_call_id == ""
    assert call.details == {"dial_prefix": "<I>", "condition": "AN"}


def test_outgoing_call():
    """A number dialled on CO 01 with an account code."""
    call = parser().parse(OUTGOING)
    assert call.start == dt.datetime(2002, 1, 2, 15, 13, 55, tzinfo=UTC)
    assert call.direction == Direction.OUTGOING
    assert (call.extension, call.trunk, call.number) == ("1200", "01", "1234567890123456")
    assert call.account_code == "9876543210"
    assert call.ring_seconds == 0
    assert call.details == {}


def test_verified_code_in_the_extension_column_is_kept():
    """``*123`` (a verified code) stands where the extension goes."""
    call = parser().parse(VERIFIED_CODE)
    assert call.extension == "*123"
    assert call.start == dt.datetime(2002, 1, 2, 15, 28, 55, tzinfo=UTC)


def test_caller_name_and_number_are_split():
    """``<I>ABC COMPANY12345678``: name to details, number to the number."""
    call = parser().parse(CALLER_NAME)
    # 01:07 PM EST is 18:07 UTC; minus 65 s.
    assert call.start == dt.datetime(2002, 1, 2, 18, 5, 55, tzinfo=UTC)
    assert call.direction == Direction.INCOMING
    assert call.number == "12345678"
    assert call.details == {"dial_prefix": "<I>", "name": "ABC COMPANY"}


def test_ddi_prefix_and_caller_name_without_number():
    """``<D>CDE9876<I>Q COMPANY``: the DDI and the name go to details, no number."""
    call = parser().parse(DDI)
    assert call.direction == Direction.INCOMING
    assert call.number == ""
    assert call.details == {"dial_prefix": "<D><I>", "ddi": "CDE9876", "name": "Q COMPANY"}


def test_ddi_without_caller():
    """``<D>`` alone: incoming, the DDI noted, no caller."""
    call = parser().parse(pattern_a(dial="<D>4455", ring="0'03", duration="00:00'10"))
    assert call.direction == Direction.INCOMING
    assert call.number == ""
    assert call.details == {"dial_prefix": "<D>", "ddi": "4455"}


def test_outgoing_name_and_number_are_split():
    """An outgoing line showing the called name: the name goes to details."""
    call = parser().parse(OUTGOING_NAME)
    assert call.direction == Direction.OUTGOING
    assert call.number == "12345678"
    assert call.details == {"name": "ABC COMPANY"}


def test_secret_dial_dots_are_kept():
    """Secret dialling prints dots; they stay in the number."""
    assert parser().parse(SECRET).number == "123.............."


def test_privacy_digits_are_kept():
    """Privacy dial prints ``X`` for the hidden digits; they stay."""
    call = parser().parse(PRIVACY)
    assert call.number == "123456XX"
    assert call.duration_seconds == 725
    assert call.account_code == "98765"
    # 08:33 AM EST, minus 12 min 5 s: 08:20:55 EST, 13:20:55 UTC.
    assert call.start == dt.datetime(2002, 1, 2, 13, 20, 55, tzinfo=UTC)


def test_intercom_call_is_internal():
    """``EXT1235`` with no CO: an internal call to 1235."""
    call = parser().parse(INTERCOM)
    assert call.direction == Direction.INTERNAL
    assert (call.extension, call.trunk, call.number) == ("1234", "", "1235")
    assert call.details == {}


def test_transferred_number_keeps_its_dash():
    """A transferred call prints the extra digits after ``-``; the number is as printed."""
    call = parser().parse(pattern_a(dial="5551234-22", duration="00:02'00", cd="TR"))
    assert call.number == "5551234-22"
    assert call.details == {"condition": "TR"}


def test_pattern_b_cost_and_currency():
    """Pattern B: no ring, a 20-wide dial number, cost with currency in details."""
    call = parser().parse(CHARGED_B)
    assert call.start == dt.datetime(2002, 1, 2, 15, 6, 55, tzinfo=UTC)
    assert (call.duration_seconds, call.ring_seconds) == (5, 0)
    assert call.direction == Direction.INCOMING
    assert (call.extension, call.trunk) == ("1210", "01")
    assert call.account_code == "9876543210"
    assert call.details == {"dial_prefix": "<I>", "cost": "560.00", "currency": "EU"}
    assert parser(pattern="B").parse(CHARGED_B) == call


def test_pattern_b_outgoing_without_cost():
    """Pattern B with a 19-digit number and no cost, account or condition."""
    call = parser().parse(pattern_b(ext="2005", dial="1234567890123456789", duration="00:01'05"))
    assert call.number == "1234567890123456789"
    assert call.direction == Direction.OUTGOING
    assert call.details == {}


def test_pattern_c_four_digit_trunk_and_long_number():
    """Pattern C: CO 0001, a 30-digit number, cost in 3-letter currency, condition TR."""
    call = parser().parse(CHARGED_C)
    assert call.trunk == "0001"
    assert call.number == "123456789012345678901234567890"
    assert call.direction == Direction.OUTGOING
    assert call.details == {"cost": "560.00", "currency": "EUR", "condition": "TR"}
    assert call.start == dt.datetime(2002, 1, 2, 15, 6, 55, tzinfo=UTC)
    assert parser(pattern="c").parse(CHARGED_C) == call


def test_pattern_c_incoming_with_name_and_zero_cost():
    """Pattern C incoming: name split off, a zero cost shows as 0.00."""
    call = parser().parse(CALLER_C)
    assert call.number == "123456789012345"
    assert call.ring_seconds == 5
    assert call.account_code == "9876543210"
    assert call.details == {
        "dial_prefix": "<I>",
        "name": "ABC COMPANY",
        "cost": "0.00",
        "currency": "EUR",
        "condition": "AN",
    }


def test_fixed_pattern_gives_the_same_calls_as_detection():
    """Setting the pattern explicitly parses Pattern A records the same way."""
    fixed = parser(pattern="A")
    detected = parser(pattern="auto")
    for line in RECORDS:
        assert fixed.parse(line) == detected.parse(line)


def test_wrong_fixed_pattern_fails():
    """A Pattern A record read as Pattern C fails rather than misparsing."""
    with pytest.raises(RecordError):
        parser(pattern="C").parse(ANSWERED)


@pytest.mark.parametrize(
    ("date_order", "start"),
    [
        ("mdy", dt.datetime(2005, 3, 4, 12, 0, tzinfo=UTC)),
        ("dmy", dt.datetime(2005, 4, 3, 12, 0, tzinfo=UTC)),
        ("ymd", dt.datetime(2003, 4, 5, 12, 0, tzinfo=UTC)),
        ("ydm", dt.datetime(2003, 5, 4, 12, 0, tzinfo=UTC)),
    ],
)
def test_date_order_comes_from_the_options(date_order, start):
    """``03/04/05`` read in each of the four orders the PBX can print."""
    line = pattern_a(date="03/04/05", time="12:00PM", dial="123", duration="00:00'00")
    assert parser(ZoneInfo("UTC"), date_order=date_order).parse(line).start == start


@pytest.mark.parametrize(
    ("time", "hour", "minute"),
    [
        ("12:05AM", 0, 5),
        ("01:05AM", 1, 5),
        ("11:59AM", 11, 59),
        ("12:00PM", 12, 0),
        ("12:59PM", 12, 59),
        ("01:00PM", 13, 0),
        ("11:59PM", 23, 59),
        ("11:59pm", 23, 59),
        (" 9:15AM", 9, 15),
        ("14:05", 14, 5),
        ("14:05  ", 14, 5),
        ("00:00", 0, 0),
        ("23:59  ", 23, 59),
    ],
)
def test_twelve_hour_clock(time, hour, minute):
    """12 AM is midnight, 12 PM noon; a 24-hour time without AM/PM is accepted."""
    line = pattern_a(date="06/15/24", time=time, dial="123", duration="00:00'00")
    call = parser(ZoneInfo("UTC")).parse(line)
    assert call.start == dt.datetime(2024, 6, 15, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(("year_text", "year"), [("00", 2000), ("69", 2069), ("70", 1970)])
def test_two_digit_years(year_text, year):
    """Years 00-69 are 20xx, 70-99 are 19xx."""
    line = pattern_a(date=f"01/02/{year_text}", dial="123", duration="00:00'00")
    assert parser(ZoneInfo("UTC")).parse(line).start.year == year


def test_call_ending_after_a_dst_change_starts_before_it():
    """New York went to EDT at 2 AM on 2024-03-10: a 20-minute call ending at 3:10 AM
    EDT (07:10 UTC) started at 06:50 UTC, 1:50 AM EST on the wall clock."""
    line = pattern_a(date="03/10/24", time="03:10AM", dial="123", duration="00:20'00")
    assert parser().parse(line).start == dt.datetime(2024, 3, 10, 6, 50, tzinfo=UTC)


def test_call_crossing_midnight_starts_the_day_before():
    """Ended 12:01 AM on 01/01/24 after 2 minutes: started 11:59 PM on 12/31/23."""
    line = pattern_a(date="01/01/24", time="12:01AM", dial="123", duration="00:02'00")
    assert parser(ZoneInfo("UTC")).parse(line).start == dt.datetime(
        2023, 12, 31, 23, 59, tzinfo=UTC
    )


def test_control_bytes_and_line_ends():
    """Control bytes before the date and any line end parse the same."""
    expected = parser().parse(ANSWERED)
    assert parser().parse("\x0c\x11" + ANSWERED) == expected
    assert parser().parse(ANSWERED.rstrip("\r\n")) == expected
    assert parser().parse(ANSWERED.rstrip("\r\n") + "\r") == expected


def test_blank_padded_records_parse_the_same():
    """A record padded with blanks to its full width parses as the stripped one."""
    assert parser().parse(OUTGOING.rstrip("\r\n").ljust(80)) == parser().parse(OUTGOING)


def test_other_options_are_ignored():
    """Transport settings share the options dict and do not bother the parser."""
    assert parser(host="10.0.0.5", port=2300, password="PCCSMDR").parse(ANSWERED) == (
        parser().parse(ANSWERED)
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            pattern_a(date="01-02-02", dial="123", duration="00:00'00"),
            "field 1 (Date, columns 1-8): '01-02-02' is not MM/DD/YY",
        ),
        (
            pattern_a(date="02/30/02", dial="123", duration="00:00'00"),
            "field 1 (Date, columns 1-8): '02/30/02' is not a valid date (MM/DD/YY)",
        ),
        (
            pattern_a(date="0a/02/02", dial="123", duration="00:00'00"),
            "field 1 (Date, columns 1-8): '0a/02/02' is not MM/DD/YY",
        ),
        (
            pattern_a(time="13:07PM", dial="123", duration="00:00'00"),
            "field 2 (Time, columns 10-16): '13:07PM' is not hh:mmAM, hh:mmPM or HH:MM",
        ),
        (
            pattern_a(time="10:60AM", dial="123", duration="00:00'00"),
            "field 2 (Time, columns 10-16): '10:60AM' is not hh:mmAM, hh:mmPM or HH:MM",
        ),
        (
            pattern_a(time="10:07XM", dial="123", duration="00:00'00"),
            "field 2 (Time, columns 10-16): '10:07XM' is not hh:mmAM, hh:mmPM or HH:MM",
        ),
        (
            pattern_a(co="0A", dial="123", duration="00:00'00"),
            "field 4 (CO, columns 24-25): '0A' is not a CO line number",
        ),
        (
            pattern_a(dial="<X>123", duration="00:00'00"),
            "field 5 (Dial Number, columns 27-51): '<X>123' starts with neither <I> nor <D>",
        ),
        (
            pattern_a(dial="123", ring="5:15", duration="00:00'00"),
            "field 6 (Ring, columns 53-56): '5:15' is not M'SS or blank",
        ),
        (
            pattern_a(dial="123", ring="0'75", duration="00:00'00"),
            "field 6 (Ring, columns 53-56): \"0'75\" is not M'SS or blank",
        ),
        (
            pattern_a(dial="123", duration="00:61'00"),
            "field 7 (Duration, columns 58-65): \"00:61'00\" is not HH:MM'SS",
        ),
        (
            pattern_a(dial="123", duration="0a:01'00"),
            "field 7 (Duration, columns 58-65): \"0a:01'00\" is not HH:MM'SS",
        ),
        (
            pattern_a(dial="123", duration="00:01'00", acc="12", cd="TOOLONG"),
            "fields after Duration (columns 66-84): '12         TOOLONG' is not [cost] "
            "[account code] [condition code]",
        ),
        (
            pattern_b(dial="123", duration="00:01'00", cost="00x60.00EU"),
            "field 8 (Cost, columns 56-66): '00x60.00EU' is not a cost",
        ),
        (
            pattern_b(dial="123", duration="00:01'00", cost="005:0.00EU"),
            "field 8 (Cost, columns 56-66): '005:0.00EU' is not a cost",
        ),
    ],
)
def test_bad_field_names_the_field_and_quotes_the_value(line, message):
    """A bad value raises RecordError naming the field, its columns and the value."""
    with pytest.raises(RecordError) as raised:
        parser().parse(line)
    assert str(raised.value) == message


def test_date_error_uses_the_configured_order():
    """The message shows the order the source is set to."""
    line = pattern_a(date="13/13/02", dial="123", duration="00:00'00")
    with pytest.raises(RecordError, match=r"'13/13/02' is not a valid date \(DD/MM/YY\)"):
        parser(date_order="dmy").parse(line)


def test_text_that_is_not_a_record_is_an_error():
    """A line that is neither a header nor a record (say, a telnet prompt) is an error."""
    with pytest.raises(RecordError, match=r"field 1 \(Date, columns 1-8\): 'Enter pa' is not"):
        parser().parse("Enter password: \r\n")


def test_call_without_duration_cannot_be_placed():
    """Without a duration the pattern cannot be detected: the message says so."""
    with pytest.raises(RecordError, match=r"no HH:MM'SS in columns 58-65 \(pattern A\)"):
        parser().parse(pattern_a(dial="123"))
    with pytest.raises(RecordError, match=r"field 7 \(Duration, columns 58-65\): '' is not"):
        parser(pattern="A").parse(pattern_a(dial="123"))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"pattern": "D"}, "option pattern: 'D' is not 'A', 'B', 'C', '78', '80' or 'auto'"),
        ({"pattern": 1}, "option pattern: 1 is not 'A', 'B', 'C', '78', '80' or 'auto'"),
        (
            {"date_order": "dym"},
            "option date_order: 'dym' is not one of mdy, dmy, ymd, ydm",
        ),
    ],
)
def test_bad_options_are_refused_when_the_parser_is_built(options, message):
    """A wrong option is refused at once (so when the source is saved), naming it."""
    with pytest.raises(RecordError) as raised:
        parser(**options)
    assert str(raised.value) == message


@settings(max_examples=300, deadline=None)
@given(st.text(), st.sampled_from(["auto", "A", "B", "C"]))
def test_arbitrary_text_raises_only_record_errors(text, pattern):
    """Whatever arrives, the parser returns a call or None, or raises RecordError."""
    with contextlib.suppress(RecordError):
        parser(pattern=pattern).parse(text)


JUNK = st.text(
    alphabet=st.sampled_from("0123456789:/' <>IDXEAPMN.-#*\x00\u00b2\u0661"), max_size=12
)


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from([*RECORDS, *STATUS_LINES, CHARGED_B, CHARGED_C, CALLER_C, *HEADER]),
    st.lists(st.tuples(st.integers(min_value=0, max_value=119), JUNK), max_size=4),
    st.sampled_from(["auto", "A", "B", "C"]),
)
def test_damaged_records_raise_only_record_errors(line, damage, pattern):
    """Records overwritten with look-alike junk never crash the parser."""
    line = line.rstrip("\r\n")
    for start, text in damage:
        line = line.ljust(start)[:start] + text + line[start + len(text) :]
    try:
        call = parser(pattern=pattern).parse(line)
    except RecordError:
        return
    assert call is None or call.start.tzinfo is UTC
