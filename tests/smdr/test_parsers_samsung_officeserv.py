"""The Samsung OfficeServ SMDR parser, on records built from the pbxlog layout.

No real OfficeServ capture exists (pbx-formats.md section 11), so every record here is
[DERIVED]: the DS-24D manual's rows placed at the column positions of pbxlog.go.
"""

import contextlib
import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smdr.parsers import Direction, ParserSettings, RecordError
from smdr.parsers.samsung_officeserv import SamsungOfficeServParser

CORDOBA = ZoneInfo("America/Argentina/Cordoba")  # UTC-3 all year
LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
# 2025-01-02 18:00 in Córdoba: after every record dated 01/02 below.
RECEIVED = dt.datetime(2025, 1, 2, 21, 0, tzinfo=UTC)


def parser(time_zone=CORDOBA):
    return SamsungOfficeServParser(ParserSettings(time_zone=time_zone))


def record(
    call_id="412",
    extension="203",
    auth="",
    date="01/02",
    time="17:29:54",
    duration="00:01:27",
    flag="OT",
    dialled="5556420",
    account="",
    cost="",
    caller_id="",
    caller_name=None,
    group="",
    ring="",
    lead="  ",
):
    """A record at pbxlog's offsets: 121 characters, or 153 with ``caller_name``.

    The PBX ends it with a NUL (122 or 154 bytes), which the framer removes.
    """
    line = (
        f"{lead}{call_id:>6} {extension:<6} {auth:<9} {date} {time} {duration:<8} {flag:<2} "
        f"{dialled:<18} {account:<17} {cost:<10} {caller_id:<16}"
    )
    if caller_name is None:
        return line + "    "
    return line + f" {caller_name:<18} {group:<6}{ring:>8}  "


# The docstring's record: extension 203 dials 5556420 and transfers the call (OT).
OUTGOING_TRANSFER = record()
SHORT = OUTGOING_TRANSFER.rstrip()  # as framers that strip trailing blanks deliver it


def test_family_and_label():
    """The parser declares the family id of the contract and a label for the admin."""
    assert SamsungOfficeServParser.family == "samsung-officeserv"
    assert SamsungOfficeServParser.label == "Samsung OfficeServ SMDR"


def test_record_builder_matches_the_documented_lengths():
    """Records are 122 or 154 bytes with the NUL, as pbxlog checks."""
    assert len(record() + "\x00") == 122
    assert len(record(caller_name="") + "\x00") == 154
    assert record()[26:31] == "01/02"
    assert record(caller_name="X", ring="00:00:07")[143:151] == "00:00:07"


def test_docstring_record():
    """The docstring's record: an outgoing transfer by 203 to 5556420, 1 min 27 s."""
    assert SHORT == "     412 203              01/02 17:29:54 00:01:27 OT 5556420"
    call = parser().parse(SHORT, RECEIVED)
    # 2025-01-02 17:29:54 in Córdoba (UTC-3) is 20:29:54 UTC.
    assert call.start == dt.datetime(2025, 1, 2, 20, 29, 54, tzinfo=UTC)
    assert call.duration_seconds == 87
    assert call.ring_seconds == 0
    assert call.direction == Direction.OUTGOING
    assert call.extension == "203"
    assert call.trunk == ""
    assert call.number == "5556420"
    assert call.account_code == ""
    assert call.pbx_call_id == "412"
    assert call.answered is True
    assert call.details == {"flag": "OT"}


def test_full_length_record_with_its_nul():
    """A 122-byte record with its trailing NUL parses as the bare one does."""
    assert parser().parse(OUTGOING_TRANSFER + "\x00", RECEIVED) == parser().parse(SHORT, RECEIVED)


def test_long_record_keeps_name_group_and_ring_time():
    """154-byte records add the caller id name, the group number and the ring time."""
    line = record(
        flag="I",
        dialled="",
        caller_id="13055557890",
        caller_name="CURTIS SMITH",
        group="500",
        ring="00:00:12",
        account="77",
        auth="1234",
        cost="0.00",
        duration="00:00:25",
    )
    call = parser().parse(line + "\x00", RECEIVED)
    assert call.direction == Direction.INCOMING
    assert call.number == "13055557890"
    assert call.ring_seconds == 12
    assert call.duration_seconds == 25
    assert call.account_code == "77"
    assert call.details == {
        "flag": "I",
        "auth_code": "1234",
        "cost": "0.00",
        "caller_name": "CURTIS SMITH",
        "group": "500",
    }


@pytest.mark.parametrize(("ring", "seconds"), [("00:01:05", 65), ("1:05", 65), ("12", 12), ("", 0)])
def test_ring_time_forms(ring, seconds):
    """The ring time column takes HH:MM:SS, MM:SS or plain seconds."""
    line = record(flag="I", caller_name="", ring=ring)
    assert parser().parse(line, RECEIVED).ring_seconds == seconds


@pytest.mark.parametrize(
    ("flag", "direction", "answered"),
    [
        ("O", Direction.OUTGOING, True),
        ("I", Direction.INCOMING, True),
        ("DI", Direction.INCOMING, True),
        ("DO", Direction.OUTGOING, True),
        ("DE", Direction.INCOMING, False),
        ("FO", Direction.OUTGOING, True),
        ("FI", Direction.INCOMING, True),
        ("IT", Direction.INCOMING, True),
        ("OT", Direction.OUTGOING, True),
        ("A", Direction.INCOMING, False),
    ],
)
def test_call_type_flags(flag, direction, answered):
    """Each flag gives the call's direction; abandoned and DISA-error calls are unanswered."""
    call = parser().parse(record(flag=flag, caller_id="3514000000"), RECEIVED)
    assert call.direction == direction
    assert call.answered is answered
    assert call.details["flag"] == flag


def test_transfers_take_their_direction_from_the_digits():
    """T and TT: outgoing when digits were dialled, incoming when only a caller id shows."""
    dialled = parser().parse(record(flag="T", dialled="4264385"), RECEIVED)
    presented = parser().parse(
        record(flag="TT", dialled="", caller_id="13055556420", caller_name="PIZZA DELIVERY"),
        RECEIVED,
    )
    assert dialled.direction == Direction.OUTGOING
    assert dialled.number == "4264385"
    assert presented.direction == Direction.INCOMING
    assert presented.number == "13055556420"
    assert presented.details["caller_name"] == "PIZZA DELIVERY"


def test_abandoned_call_time_is_ringing():
    """DS-24D row ``701 01/02 17:41:45 00:00:30 A 13055553426 TERRY PRUITT``: 30 s of ringing."""
    line = record(
        call_id="",
        extension="",
        auth="701",
        time="17:41:45",
        duration="00:00:30",
        flag="A",
        dialled="",
        caller_id="13055553426",
        caller_name="TERRY PRUITT",
    )
    call = parser().parse(line, RECEIVED)
    assert call.duration_seconds == 0
    assert call.ring_seconds == 30
    assert call.answered is False
    assert call.extension == ""
    assert call.number == "13055553426"
    assert call.start == dt.datetime(2025, 1, 2, 20, 41, 45, tzinfo=UTC)


def test_abandoned_call_with_its_own_ring_time_keeps_it():
    """When the long record gives a ring time, that is the ringing."""
    line = record(flag="A", duration="00:00:30", caller_name="", ring="00:00:28")
    call = parser().parse(line, RECEIVED)
    assert (call.duration_seconds, call.ring_seconds) == (0, 28)


def test_outgoing_call_of_zero_seconds_is_unanswered():
    """DS-24D row ``202 702 01/02 17:25:56 00:00:00 O 4264100``."""
    call = parser().parse(record(duration="00:00:00", flag="O", dialled="4264100"), RECEIVED)
    assert call.answered is False
    assert call.number == "4264100"


def test_caller_id_of_an_outgoing_call_and_digits_of_an_incoming_one_go_to_details():
    """The number is one party; the column not used for it is kept by name."""
    outgoing = parser().parse(record(flag="O", caller_id="3515550000"), RECEIVED)
    incoming = parser().parse(record(flag="I", dialled="201", caller_id="3515550000"), RECEIVED)
    assert outgoing.details["caller_id"] == "3515550000"
    assert incoming.number == "3515550000"
    assert incoming.details["dialled"] == "201"


def test_cost_shown_in_the_duration_column():
    """The duration column may print a cost: no duration, the text kept in details."""
    call = parser().parse(record(duration="$ 10.75"), RECEIVED)
    assert call.duration_seconds == 0
    assert call.answered is True
    assert call.details["duration_cost"] == "$ 10.75"


@pytest.mark.parametrize("message", ["IN GROUP", "OUT GROUP", "DND ON", "DND OFF", "IN DND"])
def test_status_lines_are_noise(message):
    """Group and DND messages printed in the dialled column are not calls."""
    assert parser().parse(record(flag="", dialled=message), RECEIVED) is None


HEADER = (
    "\x0cSMDR REPORT FOR [CID Sample      ] 01/02/95 17:12\r\n"
    + "=" * 114
    + "\r\nEXT AUTH TRK MM/DD STT.TIME DURATION FG DIALED DIGIT ACCOUNT CODE CID NUMBER "
    "CID NAME\r\n" + "=" * 114 + "\r\n"
)


def test_page_header_before_a_record_is_dropped():
    """A record that arrives after a page header parses as the bare record."""
    expected = parser().parse(SHORT, RECEIVED)
    assert parser().parse(HEADER + OUTGOING_TRANSFER + "\x00", RECEIVED) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\x00",
        "\r\n",
        "   \r\n\x00",
        HEADER,
        HEADER + "\x00",
        "\x0c",
        "SMDR REPORT FOR [CID Sample      ] 01/02/95 17:12\r\n",
        "EXT AUTH TRK MM/DD STT.TIME DURATION FG DIALED DIGIT ACCOUNT CODE\r\n",
        "=" * 80,
    ],
)
def test_noise_is_none(text):
    """Headers, separator rows, blanks and bare NULs are noise."""
    assert parser().parse(text, RECEIVED) is None


@pytest.mark.parametrize("prefix", ["\r\n", "\n", "\x00"])
def test_line_ends_before_the_record_are_dropped(prefix):
    """A CR LF (or NUL) left in front of the record by the framer does not shift it."""
    assert parser().parse(prefix + OUTGOING_TRANSFER, RECEIVED) == parser().parse(SHORT, RECEIVED)


def test_record_that_lost_its_leading_blanks_is_realigned():
    """A framer that strips leading blanks: the date puts the columns back in place."""
    expected = parser().parse(SHORT, RECEIVED)
    assert parser().parse(SHORT.lstrip(), RECEIVED) == expected
    assert parser().parse(SHORT[2:], RECEIVED) == expected
    assert parser().parse("  " + SHORT, RECEIVED) == expected


def test_new_year_record_is_last_years():
    """12/31 23:58 received on 01/01 at 00:05 (Córdoba) is from the year before."""
    received = dt.datetime(2025, 1, 1, 3, 5, tzinfo=UTC)  # 00:05 in Córdoba
    call = parser().parse(record(date="12/31", time="23:58:00"), received)
    assert call.start == dt.datetime(2025, 1, 1, 2, 58, tzinfo=UTC)  # 2024-12-31 23:58 local


def test_pbx_clock_a_few_minutes_ahead_stays_this_year():
    """01/01 00:02 received on 12/31 at 23:58: the PBX clock runs ahead; next year it is."""
    received = dt.datetime(2025, 1, 1, 2, 58, tzinfo=UTC)  # 2024-12-31 23:58 in Córdoba
    call = parser().parse(record(date="01/01", time="00:02:00"), received)
    assert call.start == dt.datetime(2025, 1, 1, 3, 2, tzinfo=UTC)


def test_date_later_than_receipt_is_last_year():
    """A record dated after its receipt (beyond the tolerance) is a year old."""
    received = dt.datetime(2025, 1, 2, 20, 0, tzinfo=UTC)  # 17:00 local, before 17:29:54
    call = parser().parse(SHORT, received)
    assert call.start == dt.datetime(2024, 1, 2, 20, 29, 54, tzinfo=UTC)


def test_february_29_goes_back_to_the_last_leap_year():
    """02/29 received in 2027 is 2024's."""
    received = dt.datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
    call = parser().parse(record(date="02/29", time="10:00:00"), received)
    assert call.start == dt.datetime(2024, 2, 29, 13, 0, tzinfo=UTC)


def test_summer_time_of_the_site_zone():
    """07/15 12:00 in London is BST (UTC+1): 11:00 UTC."""
    received = dt.datetime(2025, 7, 16, tzinfo=UTC)
    call = parser(LONDON).parse(record(date="07/15", time="12:00:00"), received)
    assert call.start == dt.datetime(2025, 7, 15, 11, 0, tzinfo=UTC)


def test_times_on_a_dst_change_day_are_converted_one_by_one():
    """London 2025-03-30: 00:30 is GMT, 01:30 does not exist (read as GMT), 02:30 is BST."""
    received = dt.datetime(2025, 3, 31, tzinfo=UTC)
    london = parser(LONDON)
    starts = [
        london.parse(record(date="03/30", time=time), received).start
        for time in ("00:30:00", "01:30:00", "02:30:00")
    ]
    assert starts == [
        dt.datetime(2025, 3, 30, 0, 30, tzinfo=UTC),
        dt.datetime(2025, 3, 30, 1, 30, tzinfo=UTC),
        dt.datetime(2025, 3, 30, 1, 30, tzinfo=UTC),
    ]


def test_received_at_defaults_to_now():
    """Without ``received_at`` the record is dated from the current time."""
    call = parser().parse(SHORT)
    now = dt.datetime.now(UTC)
    assert now - dt.timedelta(days=367) < call.start <= now + dt.timedelta(minutes=10)


def test_naive_received_at_is_taken_as_utc():
    """A naive ``received_at`` is read as UTC rather than the server's zone."""
    naive = RECEIVED.replace(tzinfo=None)
    assert parser().parse(SHORT, naive) == parser().parse(SHORT, RECEIVED)


def test_every_call_is_utc_with_json_ready_details():
    """Starts are aware UTC and details hold only str, int and bool."""
    call = parser().parse(record(caller_name="ANA", group="1", ring="5", auth="9"), RECEIVED)
    assert call.start.tzinfo is UTC
    assert json.loads(json.dumps(call.details)) == call.details


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            record(flag="X"),
            "FG (columns 51-52): 'X ' is not a call type flag (O, I, A, DI, DO, DE, FO, FI, "
            "T, IT, OT, TT)",
        ),
        (record(flag=""), "FG (columns 51-52): '  ' is not a call type flag"),
        (record(date="13/02"), "MM/DD (columns 27-31): '13/02' is not a valid date"),
        (record(date="02/30"), "MM/DD (columns 27-31): '02/30' is not a valid date"),
        (record(date="0a/02"), "MM/DD (columns 27-31): '0a/02' is not MM/DD"),
        (record(time="24:00:00"), "START TIME (columns 33-40): '24:00:00' is not HH:MM:SS"),
        (record(time="17-29-54"), "START TIME (columns 33-40): '17-29-54' is not HH:MM:SS"),
        (record(duration="00:0x:27"), "DURATION (columns 42-49): '00:0x:27' is not HH:MM:SS"),
        (record(duration="00:61:27"), "DURATION (columns 42-49): '00:61:27' is not HH:MM:SS"),
        (record(duration=""), "DURATION (columns 42-49): '' is not HH:MM:SS"),
        (
            record(caller_name="", ring="1m"),
            "RING TIME (columns 144-151): '1m' is not HH:MM:SS, MM:SS or seconds",
        ),
    ],
)
def test_bad_field_names_the_column_and_quotes_the_value(line, message):
    """A bad value raises RecordError naming the column by title and position."""
    with pytest.raises(RecordError) as raised:
        parser().parse(line, RECEIVED)
    assert message in str(raised.value)


def test_too_short_record():
    """A record cut before the call type flag says how long it is."""
    with pytest.raises(RecordError, match=r"record is 40 characters; .* column 51"):
        parser().parse(SHORT[:40], RECEIVED)


def test_too_long_record():
    """Past 153 characters it is not an OfficeServ record."""
    with pytest.raises(RecordError, match=r"record is 160 characters; .* at most 153"):
        parser().parse(record(caller_name="X")[:151] + "9" * 9, RECEIVED)


def test_record_without_a_date_is_an_error():
    """Text that is neither a header nor a record is an error naming the date column."""
    with pytest.raises(RecordError, match=r"MM/DD \(columns 27-31\)"):
        parser().parse("this is not an SMDR record, but it is long enough to be one" * 2)


def test_extreme_receipt_times_fail_as_records():
    """Dating from a receipt at the edge of the calendar is a RecordError, not a crash."""
    for received in (
        dt.datetime(1, 1, 1, tzinfo=UTC),
        dt.datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
    ):
        for zone, date in (("Asia/Tokyo", "12/31"), ("America/Los_Angeles", "01/01")):
            with contextlib.suppress(RecordError):
                parser(ZoneInfo(zone)).parse(record(date=date), received)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_raises_only_record_errors(text):
    """Whatever arrives, the parser returns a call or None, or raises RecordError."""
    with contextlib.suppress(RecordError):
        parser().parse(text, RECEIVED)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([record(), record(caller_name="NAME", ring="00:00:05"), record(flag="A")]),
    st.dictionaries(
        st.integers(min_value=0, max_value=152),
        st.sampled_from("0123456789:/ $.=AOITDEF\x00\x0c\r\n\u00b2\u0661"),
        max_size=6,
    ),
    st.datetimes(timezones=st.just(UTC)),
)
def test_damaged_records_raise_only_record_errors(line, damage, received):
    """Records with characters overwritten never crash, whatever the receipt time."""
    chars = list(line)
    for index, char in damage.items():
        if index < len(chars):
            chars[index] = char
    try:
        call = parser().parse("".join(chars), received)
    except RecordError:
        return
    assert call is None or call.start.tzinfo is UTC
