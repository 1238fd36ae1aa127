"""The Avaya Communication Manager CDR parser, on records built from the manuals' tables.

No real CM capture exists (pbx-formats.md section 4): every record here is [DERIVED]
from the printer (Table 31), expanded (Table 44) and TELESEER (Table 27) layouts.
"""

import contextlib
import datetime as dt
import importlib
import json
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smdr.parsers import Direction, ParserSettings, RecordError
from smdr.parsers.avaya_cm import AvayaCMParser

CORDOBA = ZoneInfo("America/Argentina/Cordoba")  # UTC-3 all year
LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
RECEIVED = dt.datetime(2025, 3, 10, 18, 0, tzinfo=UTC)  # 15:00 in Córdoba


def parser(layout=None, time_zone=CORDOBA):
    options = {} if layout is None else {"layout": layout}
    return AvayaCMParser(ParserSettings(time_zone=time_zone, options=options))


def printer(
    time="1432",
    duration="1023",
    condition="7",
    access_dialled="9",
    access_used="101",
    dialled="5551234567",
    calling="4567",
    account="123456",
    auth="",
    frl="",
    ixc="",
    in_circuit="",
):
    """A printer-format record (Table 31), trailing blanks stripped."""
    return (
        f"{time} {duration} {condition} {access_dialled:<3} {access_used:<3} {dialled:<15} "
        f"{calling:<5} {account:<15} {auth:<7}    {frl:1} {ixc:1} {in_circuit:<3} "
    ).rstrip()


def expanded(
    time="1432",
    duration="1023",
    condition="7",
    access_dialled="9",
    access_used="101",
    dialled="5551234567",
    calling="4567",
    account="",
    auth="",
    frl="",
    in_circuit="",
    out_circuit="",
    feature="",
    in_trunk_code="",
):
    """An expanded-format record (Table 44, then the Int-ISDN columns)."""
    return (
        f"{time} {duration} {condition} {access_dialled:<4} {access_used:<4} {dialled:<15} "
        f"{calling:<10} {account:<15} {auth:<7}   {frl:1} {in_circuit:<3} {out_circuit:<3} "
        f"{feature:1}    {in_trunk_code:<4}"
    ).rstrip()


def teleseer(
    time="1432",
    duration="1023",
    condition="7",
    access_dialled="9",
    access_used="101",
    dialled="5551234567",
    calling="4567",
    account="",
    frl="",
    ixc="",
    in_circuit="",
    out_circuit="",
    feature="",
    auth="",
):
    """A TELESEER record (Table 27) as it leaves the PBX: CR LF and three NULs."""
    return (
        f"   {time}{duration}{condition}{access_dialled:<3}{access_used:<3}{dialled:<15}"
        f"{calling:<5}{account:<15}{frl:1}{ixc:1}{in_circuit:<3}{out_circuit:<3}{feature:1}"
        f"{auth:<7}       \r\n\x00\x00\x00"
    )


DOCSTRING_RECORD = "1432 1023 7 9   101 5551234567      4567  123456"


def test_family_and_label():
    """The parser declares the family id of the contract and a label for the admin."""
    assert AvayaCMParser.family == "avaya-cm"
    assert AvayaCMParser.label == "Avaya Communication Manager CDR"


def test_builders_follow_the_tables():
    """The builders put each field at the manuals' 1-based columns."""
    line = printer(in_circuit="231", frl="5", ixc="0", auth="7777777")
    assert (line[10], line[12:15], line[16:19], line[20:35].strip()) == (
        "7",
        "9  ",
        "101",
        "5551234567",
    )
    assert (line[58:65], line[69], line[71], line[73:76]) == ("7777777", "5", "0", "231")
    line = expanded(in_trunk_code="702", out_circuit="012", feature="1")
    assert (line[81:84], line[85], line[90:94]) == ("012", "1", "702")
    line = teleseer(auth="1234567")
    assert (line[3:7], line[7:11], line[11], line[62:69], len(line)) == (
        "1432",
        "1023",
        "7",
        "1234567",
        81,
    )


def test_docstring_record_default_layout_is_printer():
    """The docstring's ARS call: ended 14:32, 1 h 2 min 3 tenths, extension 4567."""
    assert printer() == DOCSTRING_RECORD
    call = parser().parse(DOCSTRING_RECORD, RECEIVED)
    assert parser().layout == "printer"
    # Ended 2025-03-10 14:32 in Córdoba = 17:32 UTC; started 3,738 s before.
    assert call.start == dt.datetime(2025, 3, 10, 16, 29, 42, tzinfo=UTC)
    assert call.duration_seconds == 3738
    assert call.ring_seconds == 0
    assert call.direction == Direction.OUTGOING
    assert call.extension == "4567"
    assert call.trunk == "101"
    assert call.number == "5551234567"
    assert call.account_code == "123456"
    assert call.pbx_call_id == ""
    assert call.answered is True
    assert call.details == {"condition_code": "7", "access_code_dialled": "9"}


@pytest.mark.parametrize(
    ("duration", "seconds"),
    [
        ("0000", 0),
        ("0001", 6),
        ("0009", 54),
        ("0010", 60),
        ("0123", 738),
        ("1000", 3600),
        ("9599", 35994),
    ],
)
def test_duration_is_hours_minutes_and_tenths(duration, seconds):
    """``H MM T``: tenths of a minute are 6 seconds."""
    assert parser().parse(printer(duration=duration), RECEIVED).duration_seconds == seconds


def test_clock_change_duration():
    """``9999`` marks a call in progress while the clock was changed: no duration."""
    call = parser().parse(printer(duration="9999"), RECEIVED)
    assert call.duration_seconds == 0
    assert call.details["clock_changed"] is True
    assert call.start == dt.datetime(2025, 3, 10, 17, 32, tzinfo=UTC)


def test_end_after_receipt_is_yesterday():
    """A call that ended at 23:59 and reached us at 00:01 ended yesterday."""
    received = dt.datetime(2025, 3, 11, 3, 1, tzinfo=UTC)  # 00:01 in Córdoba
    call = parser().parse(printer(time="2359", duration="0010"), received)
    assert call.start == dt.datetime(2025, 3, 11, 2, 58, tzinfo=UTC)  # 23:58 local, 10th


def test_pbx_clock_a_few_minutes_ahead_is_today():
    """Ended 00:05 by the PBX, received at 23:58: the PBX runs ahead, it is the next day."""
    received = dt.datetime(2025, 3, 11, 2, 58, tzinfo=UTC)  # 2025-03-10 23:58 local
    call = parser().parse(printer(time="0005", duration="0000"), received)
    assert call.start == dt.datetime(2025, 3, 11, 3, 5, tzinfo=UTC)


def test_end_on_the_last_day_of_the_year():
    """23:50 received on 1 January at 00:02 ended on 31 December."""
    received = dt.datetime(2025, 1, 1, 3, 2, tzinfo=UTC)
    call = parser().parse(printer(time="2350", duration="0000"), received)
    assert call.start == dt.datetime(2025, 1, 1, 2, 50, tzinfo=UTC)


def test_end_time_across_a_dst_change():
    """London 2025-03-30: ended 03:00 BST (02:00 UTC) after 2 h: started 00:00 UTC."""
    received = dt.datetime(2025, 3, 30, 12, 0, tzinfo=UTC)
    call = parser(time_zone=LONDON).parse(printer(time="0300", duration="2000"), received)
    assert call.start == dt.datetime(2025, 3, 30, 0, 0, tzinfo=UTC)


def test_incoming_printer_record():
    """Code 9: the dialled number is the extension, the calling number the trunk's TAC."""
    line = printer(
        condition="9",
        access_dialled="",
        access_used="",
        dialled="4321",
        calling="701",
        account="",
        frl="1",
        in_circuit="231",
    )
    call = parser().parse(line, RECEIVED)
    assert call.direction == Direction.INCOMING
    assert call.extension == "4321"
    assert call.trunk == "701"
    assert call.number == ""
    assert call.details == {"condition_code": "9", "frl": "1", "incoming_circuit": "231"}


def test_incoming_expanded_record_has_the_calling_party_number():
    """Expanded: the calling number is the caller's; the incoming TAC is the trunk."""
    line = expanded(
        condition="9",
        access_dialled="",
        access_used="",
        dialled="4321",
        calling="3514123456",
        in_circuit="012",
        in_trunk_code="702",
    )
    call = parser("expanded").parse(line, RECEIVED)
    assert call.direction == Direction.INCOMING
    assert (call.extension, call.number, call.trunk) == ("4321", "3514123456", "702")
    assert call.details["incoming_circuit"] == "012"


def test_outgoing_expanded_record():
    """Expanded outgoing: 4-character access codes and a 10-character calling number."""
    line = expanded(
        condition="A",
        access_dialled="",
        access_used="1001",
        calling="1234567",
        account="987654321012345",
        auth="1234567",
        frl="3",
        out_circuit="017",
        feature="0",
    )
    call = parser("expanded").parse(line, RECEIVED)
    assert call.direction == Direction.OUTGOING
    assert (call.extension, call.trunk, call.number) == ("1234567", "1001", "5551234567")
    assert call.account_code == "987654321012345"
    assert call.details == {
        "condition_code": "A",
        "auth_code": "1234567",
        "frl": "3",
        "outgoing_circuit": "017",
        "feature_flag": "0",
    }


def test_teleseer_record_with_nul_padding():
    """TELESEER: three leading blanks, no separators, CR LF and NULs at the end."""
    line = teleseer(account="55", in_circuit="", out_circuit="102", auth="7654321", ixc="0")
    call = parser("teleseer").parse(line, RECEIVED)
    assert call.start == dt.datetime(2025, 3, 10, 16, 29, 42, tzinfo=UTC)
    assert call.direction == Direction.OUTGOING
    assert (call.extension, call.trunk, call.number) == ("4567", "101", "5551234567")
    assert call.account_code == "55"
    assert call.details == {
        "condition_code": "7",
        "access_code_dialled": "9",
        "auth_code": "7654321",
        "ixc": "0",
        "outgoing_circuit": "102",
    }


def test_teleseer_record_that_lost_its_leading_blanks():
    """A framer that strips leading blanks (or NULs left from the previous record)."""
    expected = parser("teleseer").parse(teleseer(), RECEIVED)
    assert parser("teleseer").parse(teleseer().lstrip(), RECEIVED) == expected
    assert parser("teleseer").parse("\x00\x00\x00" + teleseer(), RECEIVED) == expected


def test_internal_call():
    """Code 0: intraswitch, from the calling extension to the dialled one."""
    line = printer(condition="0", access_dialled="", access_used="", dialled="2001", account="")
    call = parser().parse(line, RECEIVED)
    assert call.direction == Direction.INTERNAL
    assert (call.extension, call.number, call.trunk) == ("4567", "2001", "")


@pytest.mark.parametrize(
    ("condition", "access_used", "in_circuit", "direction"),
    [
        ("C", "101", "", Direction.OUTGOING),
        ("C", "", "231", Direction.INCOMING),
        ("1", "", "", Direction.INTERNAL),
        ("4", "101", "", Direction.OUTGOING),
        ("B", "", "", Direction.OUTGOING),
        ("8", "", "", Direction.OUTGOING),
        ("J", "", "", Direction.INCOMING),
    ],
)
def test_direction_of_other_condition_codes(condition, access_used, in_circuit, direction):
    """Codes that do not say the direction take it from the access code and circuits."""
    line = printer(condition=condition, access_used=access_used, in_circuit=in_circuit)
    assert parser().parse(line, RECEIVED).direction == direction


def test_ring_records():
    """G times the ringing of an answered call, H of an abandoned one."""
    answered = parser().parse(printer(condition="G", duration="0002", dialled="4321"), RECEIVED)
    abandoned = parser().parse(printer(condition="H", duration="0005"), RECEIVED)
    assert (answered.duration_seconds, answered.ring_seconds, answered.answered) == (0, 12, True)
    assert (abandoned.duration_seconds, abandoned.ring_seconds, abandoned.answered) == (
        0,
        30,
        False,
    )
    assert answered.details["ring_record"] is True
    assert answered.direction == abandoned.direction == Direction.INCOMING


@pytest.mark.parametrize("condition", ["E", "F", "I", "6"])
def test_uncompleted_calls_are_unanswered(condition):
    """Not completed, busy and not-recorded codes are unanswered."""
    assert parser().parse(printer(condition=condition), RECEIVED).answered is False


@pytest.mark.parametrize(
    "text", ["", "\r\n", "\x00\x00\x00", "   \r\n", "01/02", "01/02/25\r\n", " 12/31/2025 "]
)
def test_noise_is_none(text):
    """Blank lines, NUL padding and date records are noise."""
    assert parser().parse(text, RECEIVED) is None
    assert parser("teleseer").parse(text, RECEIVED) is None


def test_layout_option_is_checked_once():
    """An unknown layout fails when the parser is made; case and blanks do not matter."""
    with pytest.raises(RecordError) as raised:
        parser("unformatted")
    assert str(raised.value) == (
        "option layout: 'unformatted' is not one of printer, expanded, teleseer, customized"
        " (the CDR format set on the system-parameters cdr form)"
    )
    assert parser(" Expanded ").layout == "expanded"
    with pytest.raises(RecordError, match=r"^option layout: 7 is not one of"):
        parser(7)


def test_wrong_layout_is_reported():
    """A record read with another format's layout names the option to check."""
    with pytest.raises(RecordError, match="check the source's layout option"):
        parser().parse(teleseer(), RECEIVED)
    with pytest.raises(RecordError, match="column 17 is '1', blank in the expanded layout"):
        parser("expanded").parse(printer(access_dialled="99"), RECEIVED)
    with pytest.raises(RecordError, match=r"longer than a teleseer record .* layout option"):
        parser("teleseer").parse(expanded(in_trunk_code="702"), RECEIVED)
    with pytest.raises(RecordError, match="column 70 is '9', blank in the teleseer layout"):
        parser("teleseer").parse(teleseer()[:69] + "9", RECEIVED)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (printer(time="2460"), "time of day (columns 1-4): '2460' is not HHMM"),
        (printer(time="2400"), "time of day (columns 1-4): '2400' is not HHMM"),
        (printer(time="1a32"), "time of day (columns 1-4): '1a32' is not HHMM"),
        (
            printer(duration="0610"),
            "duration (columns 6-9): '0610' is not H MM T (hours, minutes, tenths)",
        ),
        (
            printer(duration="00 1"),
            "duration (columns 6-9): '00 1' is not H MM T (hours, minutes, tenths)",
        ),
        (printer(condition=" "), "condition code (column 11): ' ' is not a condition code"),
        (printer(condition="*"), "condition code (column 11): '*' is not a condition code"),
        (
            "1432 1023",
            "record is 9 characters; a printer record runs at least to the "
            "condition code in column 11",
        ),
    ],
)
def test_bad_field_names_the_columns_and_quotes_the_value(line, message):
    """A bad value raises RecordError naming the field and its columns."""
    with pytest.raises(RecordError) as raised:
        parser().parse(line, RECEIVED)
    assert str(raised.value) == message


def test_teleseer_errors_use_teleseer_columns():
    """Columns in messages follow the layout."""
    with pytest.raises(RecordError, match=r"time of day \(columns 4-7\): '9932'"):
        parser("teleseer").parse(teleseer(time="9932"), RECEIVED)


def test_too_long_record():
    """A line far longer than the layout is not one of its records."""
    with pytest.raises(RecordError, match="longer than a printer record"):
        parser().parse(printer() + " " * 80 + "x", RECEIVED)


def test_received_at_defaults_to_now():
    """Without ``received_at`` the call is dated from the current time."""
    call = parser().parse(printer(duration="0000"))
    now = dt.datetime.now(UTC)
    assert now - dt.timedelta(days=1, minutes=1) < call.start <= now + dt.timedelta(minutes=10)


def test_details_are_json_ready():
    """Details hold only str, int and bool."""
    call = parser("expanded").parse(expanded(duration="9999", feature="1"), RECEIVED)
    assert json.loads(json.dumps(call.details)) == call.details


def test_extreme_receipt_times_fail_as_records():
    """Dating from a receipt at the edge of the calendar is a RecordError, not a crash."""
    for received in (dt.datetime(1, 1, 1, tzinfo=UTC), dt.datetime(9999, 12, 31, 23, tzinfo=UTC)):
        for zone in ("Asia/Tokyo", "America/Los_Angeles"):
            with contextlib.suppress(RecordError):
                parser(time_zone=ZoneInfo(zone)).parse(printer(time="2359"), received)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["printer", "expanded", "teleseer"]), st.text())
def test_arbitrary_text_raises_only_record_errors(layout, text):
    """Whatever arrives, the parser returns a call or None, or raises RecordError."""
    with contextlib.suppress(RecordError):
        parser(layout).parse(text, RECEIVED)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(
        [
            ("printer", printer()),
            ("expanded", expanded(in_trunk_code="1")),
            ("teleseer", teleseer()),
        ]
    ),
    st.dictionaries(
        st.integers(min_value=0, max_value=95),
        st.sampled_from("0123456789 :/AGHIC*\x00\r\n\u00b2\u0661"),
        max_size=6,
    ),
    st.datetimes(timezones=st.just(UTC)),
)
def test_damaged_records_raise_only_record_errors(sample, damage, received):
    """Records with characters overwritten never crash, whatever the receipt time."""
    layout, line = sample
    chars = list(line)
    for index, char in damage.items():
        if index < len(chars):
            chars[index] = char
    try:
        call = parser(layout).parse("".join(chars), received)
    except RecordError:
        return
    assert call is None or call.start.tzinfo is UTC


# The customized format: the form's data items and lengths, as the module docstring's
# example (a date, seconds, the UCID).
CUSTOM_FIELDS = [
    "date:6",
    "space:1",
    "time:4",
    "space:1",
    "sec-dur:5",
    "space:1",
    "cond-code:1",
    "space:1",
    "code-used:4",
    "space:1",
    "dialed-num:23",
    "space:1",
    "calling-num:15",
    "space:1",
    "acct-code:15",
    "space:1",
    "in-trk-code:4",
    "space:1",
    "ucid:20",
    "space:1",
    "vdn:5",
    "return:1",
    "line-feed:1",
]
CUSTOM_INCOMING = (
    "031025 1432    95 9      2001                    3514567890                      101 "
    " 00001002031741680123"
)


def customized(**options):
    options = {"layout": "customized", "fields": CUSTOM_FIELDS, **options}
    return AvayaCMParser(ParserSettings(time_zone=CORDOBA, options=options))


def custom_record(date="031025", time="1432", seconds=95, condition="9", used="",
                  dialled="2001", calling="3514567890", account="", in_trunk="101",
                  ucid="00001002031741680123", vdn=""):  # fmt: skip
    return (
        f"{date} {time} {seconds:>5} {condition} {used:<4} {dialled:<23} {calling:<15} "
        f"{account:<15} {in_trunk:<4} {ucid:<20} {vdn:<5}"
    ).rstrip()


def test_customized_record_from_the_docstring():
    """The docstring's record: dated by its own date (month first), seconds exact, the
    UCID as the call id, the caller's number and the incoming trunk access code."""
    assert custom_record() == CUSTOM_INCOMING
    call = customized().parse(CUSTOM_INCOMING + "\r\n", RECEIVED)
    assert call.start == dt.datetime(2025, 3, 10, 17, 30, 25, tzinfo=UTC)  # 14:32 - 95 s
    assert (call.duration_seconds, call.ring_seconds, call.answered) == (95, 0, True)
    assert (call.direction, call.extension, call.number, call.trunk) == (
        Direction.INCOMING,
        "2001",
        "3514567890",
        "101",
    )
    assert call.pbx_call_id == "00001002031741680123"
    assert call.details == {"condition_code": "9"}


def test_customized_docstring_shows_the_record():
    """The module docstring shows this record, quoted, and the fields that make it."""
    doc = importlib.import_module(AvayaCMParser.__module__).__doc__
    cut = CUSTOM_INCOMING.index("3514567890")
    assert f'"{CUSTOM_INCOMING[:cut]}"\n    "{CUSTOM_INCOMING[cut:]}"' in doc
    assert "[" + ", ".join(f'"{item}"' for item in CUSTOM_FIELDS) + "]" in " ".join(
        line.strip() for line in doc.replace("``", "").splitlines()
    ).replace("[ ", "[")


def test_customized_outgoing_with_account_code_and_other_items():
    line = custom_record(
        seconds=312, condition="7", used="101", dialled="03514567890", calling="2001",
        account="4455", in_trunk="", vdn="5000",
    )  # fmt: skip
    call = customized().parse(line, RECEIVED)
    assert (call.direction, call.extension, call.number, call.trunk) == (
        Direction.OUTGOING,
        "2001",
        "03514567890",
        "101",
    )
    assert (call.account_code, call.duration_seconds) == ("4455", 312)
    assert call.details["vdn"] == "5000"


def test_customized_day_first_and_without_a_date():
    """A day/month form reads DDMMYY; without a date item, the end is dated from its
    receipt, and the H MM T duration is read."""
    day_first = customized(date_format="day/month")
    call = day_first.parse(custom_record(date="100325"), RECEIVED)
    assert call.start == dt.datetime(2025, 3, 10, 17, 30, 25, tzinfo=UTC)
    fields = ["time:4", "space:1", "duration:4", "space:1", "cond-code:1", "space:1",
              "dialed-num:15", "space:1", "calling-num:10"]  # fmt: skip
    undated = customized(fields=fields)
    call = undated.parse("1432 0023 0 2002            2001", RECEIVED)
    assert call.start == dt.datetime(2025, 3, 10, 17, 29, 42, tzinfo=UTC)  # 14:32 - 138 s
    assert (call.direction, call.extension, call.number) == (Direction.INTERNAL, "2001", "2002")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (custom_record(date="023025"), r"^date \(columns 1-6\): '023025' is not a valid date"),
        (custom_record(date="03 025"), r"^date \(columns 1-6\): '03 025' is not MMDDYY"),
        (custom_record(seconds="9x"), r"^sec-dur \(columns 13-17\): '9x' is not a count"),
        (custom_record(time="1472"), r"^time of day \(columns 8-11\): '1472' is not HHMM"),
        (custom_record()[:15], r"^record is 11 characters; a customized record runs at least"),
        ("X" + custom_record()[1:6] + "X" + custom_record()[7:], r"^column 7 is 'X', blank"),
    ],
)
def test_customized_bad_records_name_the_field(line, message):
    with pytest.raises(RecordError, match=message):
        customized().parse(line, RECEIVED)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (None, r"^option fields: None is not a list"),
        (["time:4", "cond-code"], r"^option fields: 'cond-code' is not a data item"),
        (["time:4", "space:1", "cond-code:1"], r"^option fields: the record needs duration"),
        (["time:5", "duration:4", "cond-code:1"], r"^option fields: time is 4 characters"),
        (["time:4", "time:4", "duration:4", "cond-code:1"], r"^option fields: 'time' is given"),
    ],
)
def test_customized_fields_option_is_checked(fields, message):
    with pytest.raises(RecordError, match=message):
        customized(fields=fields)
