"""The Mitel MiVoice Business / SX-2000 / SX-200 SMDR parser.

No real capture exists: the records are built column by column from the MiVB help's
template, with the values of the help's "SMDR Record Examples" and of the SX-200
manual and forum examples quoted in pbx-formats.md section 2 (whose published spacing
is unreliable, so only their values are used).
"""

import contextlib
import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smdr.parsers import Direction, ParserSettings, RecordError
from smdr.parsers.mitel_mivb import MitelMiVBParser
from tests.properties import utc_datetimes

TORONTO = ZoneInfo("America/Toronto")  # EST (UTC-5); EDT (UTC-4) from 2026-03-08
CORDOBA = ZoneInfo("America/Argentina/Cordoba")  # UTC-3 all year
UTC = dt.UTC
RECEIVED = dt.datetime(2026, 7, 2, 13, 5, tzinfo=UTC)  # 09:05 EDT on 2026-07-02


def parser(time_zone=TORONTO, **options):
    return MitelMiVBParser(ParserSettings(time_zone=time_zone, options=options))


def record(
    *,
    flag=" ",
    date="06/13",
    start="11:42",
    pm=" ",
    duration="00:08:29",
    calling="",
    attendant=" ",
    answer="",
    digits="",
    status=" ",
    speed=" ",
    called="",
    transfer=" ",
    third="",
    account="",
    route=" ",
    system="",
    ani=None,
    dnis="",
    oli=None,
):
    """A record laid out on the help's 90-column template; trailing blanks stripped."""
    line = (
        f"{flag}{date} {start}{pm} {duration} {calling:<4} {attendant}{answer:>3} "
        f"{digits:<26}{status}{speed}{called:<4}{transfer} {third:<4} {account:<12}"
        f"{route}{system:<3}  "
    )
    if ani is not None:
        line += f" {ani:<10} {dnis:<10}"
    if oli is not None:
        line += f" {oli[0]:<9} {oli[1]:<8}"
    return line.rstrip()


# Help example 1: station 214 dials 613-592-2122 on trunk 54, answer supervision.
OUTGOING = record(calling="214", digits="6135952122", status="A", called="T054", system="000")
# Help example 3: trunk 102 rings station 201, answered after 8 s, 2:22 of talk, 3:10 P.M.
INCOMING = record(
    date="01/30",
    start="03:10",
    pm="P",
    duration="00:02:22",
    calling="T102",
    answer="008",
    digits="201",
    called="201",
    system="000",
)


def test_parser_identity():
    """The family id is the DESIGN.md contract id."""
    assert MitelMiVBParser.family == "mitel-mivb"
    assert MitelMiVBParser.label == "Mitel MiVoice Business / SX-2000 / SX-200 SMDR"


def test_builder_follows_the_template():
    """The test records line up with the help's template, 90 columns in all."""
    template = "zmm/dd_hh:mmp_hh:mm:ss_pppp_fttt_" + "x" * 21 + "mmmmmhsqqqqk_rrrr_"
    template += "a" * 12 + "siii__"
    assert len(template) == 90
    full = record(calling="pppp", answer="ttt", digits="x" * 26, called="qqqq", system="iii")
    full = full + "  "
    assert len(full) == 90
    for column, symbol in enumerate(template):
        if symbol == "_":
            assert full[column] == " ", column
    assert OUTGOING == (
        " 06/13 11:42  00:08:29 214       6135952122                A T054                    000"
    )


def test_outgoing_call_help_example_1():
    """Station 214 on trunk T054 to 6135952122, 8:29, answer supervision (A)."""
    call = parser().parse(OUTGOING, RECEIVED)
    # 06/13 of the year of receipt; 11:42 EDT (UTC-4) is 15:42 UTC.
    assert call.start == dt.datetime(2026, 6, 13, 15, 42, tzinfo=UTC)
    assert call.start.tzinfo is UTC
    assert call.duration_seconds == 8 * 60 + 29
    assert call.ring_seconds == 0
    assert call.direction == Direction.OUTGOING
    assert call.extension == "214"
    assert call.trunk == "T054"
    assert call.number == "6135952122"
    assert call.account_code == ""
    assert call.answered is True
    assert call.details == {"completion_status": "A", "system_id": "000"}
    assert json.loads(json.dumps(call.details)) == call.details


def test_incoming_call_help_example_3():
    """Trunk T102 rings station 201: answered after 8 s, 2:22 of talk, at 3:10 P.M."""
    call = parser().parse(INCOMING, RECEIVED)
    # 15:10 EST (UTC-5) on 2026-01-30 is 20:10 UTC.
    assert call.start == dt.datetime(2026, 1, 30, 20, 10, tzinfo=UTC)
    assert call.direction == Direction.INCOMING
    assert (call.extension, call.trunk) == ("201", "T102")
    assert (call.duration_seconds, call.ring_seconds) == (142, 8)
    # The standard record has no caller number; the DID digits go to details.
    assert call.number == ""
    assert call.details == {"digits": "201", "system_id": "000"}
    assert call.answered is True


def test_tie_trunk_call_to_a_hunt_group_help_example_4():
    """Dial-in tie trunk X116 dials hunt group 63; station 224 answers after 7 s."""
    line = record(
        date="03/12", start="09:11", duration="00:01:12", calling="X116", answer="007",
        digits="63", called="224",
    )  # fmt: skip
    call = parser().parse(line, RECEIVED)
    assert call.start == dt.datetime(2026, 3, 12, 13, 11, tzinfo=UTC)  # 09:11 EDT
    assert call.direction == Direction.INCOMING
    assert (call.extension, call.trunk, call.ring_seconds) == ("224", "X116", 7)
    assert call.details == {"digits": "63"}


def test_outgoing_tie_trunk_with_account_code_help_example_2():
    """Station 213 on tie trunk X082 dials 201 on the other PBX with account code 1200."""
    line = record(
        date="05/17", start="10:51", duration="00:01:52", calling="213", digits="201",
        status="A", called="X082", account="1200", system="000",
    )  # fmt: skip
    call = parser().parse(line, RECEIVED)
    assert call.start == dt.datetime(2026, 5, 17, 14, 51, tzinfo=UTC)
    assert call.direction == Direction.OUTGOING
    assert (call.extension, call.trunk, call.number) == ("213", "X082", "201")
    assert call.account_code == "1200"


def test_attendant_handled_outgoing_call_help_example_5():
    """The attendant dials 1-654-599-6951 for station 201 on trunk T052 at 3:27 P.M."""
    line = record(
        date="01/30", start="03:27", pm="P", duration="00:35:11", flag="+", calling="201",
        attendant="*", digits="16545996951", status="A", called="T052", system="000",
    )  # fmt: skip
    call = parser().parse(line, RECEIVED)
    assert call.start == dt.datetime(2026, 1, 30, 20, 27, tzinfo=UTC)
    assert call.direction == Direction.OUTGOING
    assert (call.extension, call.trunk, call.number) == ("201", "T052", "16545996951")
    assert call.duration_seconds == 35 * 60 + 11
    assert call.details == {"attendant": True, "completion_status": "A", "system_id": "000"}


def test_attendant_answered_incoming_call_help_example_6():
    """Trunk T090 answered by attendant ATT2 after 9 s, at 1:42 P.M."""
    line = record(
        date="04/15", start="01:42", pm="P", duration="00:00:31", calling="T090",
        attendant="*", answer="009", called="ATT2", system="000",
    )  # fmt: skip
    call = parser().parse(line, RECEIVED)
    assert call.start == dt.datetime(2026, 4, 15, 17, 42, tzinfo=UTC)
    assert call.direction == Direction.INCOMING
    assert (call.extension, call.trunk, call.ring_seconds) == ("ATT2", "T090", 9)
    assert call.details == {"attendant": True, "system_id": "000"}


def test_transferred_call_sx200_example():
    """SX-200 manual: trunk T162 to the console (3 s), to 241, transferred (T) to 215."""
    line = record(
        date="03/12", start="07:42", duration="00:03:06", calling="T162", attendant="*",
        answer="003", called="241", transfer="T", third="215", system="000",
    )  # fmt: skip
    call = parser().parse(line, RECEIVED)
    assert call.start == dt.datetime(2026, 3, 12, 11, 42, tzinfo=UTC)
    assert (call.direction, call.extension, call.trunk) == (Direction.INCOMING, "241", "T162")
    assert call.details == {
        "attendant": True,
        "transfer_flag": "T",
        "third_party": "215",
        "system_id": "000",
    }


def test_internal_call_forum_example():
    """An SX-2000 forum record: station 5356 called 5334 (status I), 3:02."""
    line = record(
        date="07/09", start="10:54", duration="00:03:02", calling="5356", answer="000",
        digits="5334", status="I", called="5334",
    )  # fmt: skip
    call = parser().parse(line, RECEIVED)
    # 07/09 is after the receipt on 07/02: last year's, 10:54 EDT.
    assert call.start == dt.datetime(2025, 7, 9, 14, 54, tzinfo=UTC)
    assert call.direction == Direction.INTERNAL
    assert (call.extension, call.number, call.trunk) == ("5356", "5334", "")
    assert call.answered is True
    assert call.details == {"completion_status": "I"}


def test_internal_call_without_digits_uses_the_called_party():
    """No digits recorded: the called party is the number."""
    line = record(calling="2001", called="2002")
    call = parser().parse(line, RECEIVED)
    assert (call.direction, call.number, call.details) == (Direction.INTERNAL, "2002", {})


def test_internal_call_answered_elsewhere_keeps_the_called_party():
    """Dialled a hunt group, answered by a member: both are kept."""
    call = parser().parse(record(calling="2001", digits="63", called="2002"), RECEIVED)
    assert call.number == "63"
    assert call.details == {"called_party": "2002"}


@pytest.mark.parametrize("status", ["B", "E", "-", "O", "D"])
def test_failed_completion_status_is_not_answered(status):
    """Busy, invalid number, toll denied, occupied or unanswered: not answered."""
    line = record(calling="T102", digits="201", status=status, called="201")
    call = parser().parse(line, RECEIVED)
    assert call.answered is False
    assert call.details["completion_status"] == status


def test_zero_duration_is_not_answered():
    """A call of 00:00:00 never talked."""
    call = parser().parse(record(calling="214", duration="00:00:00", called="T054"), RECEIVED)
    assert call.answered is False


def test_trunk_to_trunk_call():
    """Both parties trunks (a tandem call): incoming on the calling trunk, no extension."""
    call = parser().parse(record(calling="T010", digits="5551234", called="T020"), RECEIVED)
    assert (call.direction, call.trunk, call.extension) == (Direction.INCOMING, "T010", "")
    assert call.details == {"called_party": "T020", "digits": "5551234"}


def test_date_is_the_latest_at_or_before_receipt():
    """Same month and day but a later time than receipt: last year's."""
    line = record(date="07/02", start="15:00", calling="214", called="T054")
    call = parser().parse(line, RECEIVED)  # received 09:05 EDT on 07/02
    assert call.start == dt.datetime(2025, 7, 2, 19, 0, tzinfo=UTC)
    earlier = record(date="07/02", start="09:00", calling="214", called="T054")
    assert parser().parse(earlier, RECEIVED).start == dt.datetime(2026, 7, 2, 13, 0, tzinfo=UTC)


def test_new_year():
    """12/31 23:50 received at 00:05 on January 1st is last year's December 31st."""
    received = dt.datetime(2027, 1, 1, 3, 5, tzinfo=UTC)  # 00:05 in Córdoba
    line = record(date="12/31", start="23:50", calling="214", called="T054")
    call = parser(CORDOBA).parse(line, received)
    assert call.start == dt.datetime(2027, 1, 1, 2, 50, tzinfo=UTC)  # 2026-12-31 23:50 -03


def test_pbx_clock_a_few_minutes_fast_at_new_year():
    """01/01 00:02 received at 23:59 on December 31st (PBX 3 minutes fast) is next year's."""
    received = dt.datetime(2027, 1, 1, 2, 59, tzinfo=UTC)  # 2026-12-31 23:59 in Córdoba
    line = record(date="01/01", start="00:02", calling="214", called="T054")
    assert parser(CORDOBA).parse(line, received).start == dt.datetime(2027, 1, 1, 3, 2, tzinfo=UTC)
    # Without tolerance it is the previous January 1st.
    assert parser(CORDOBA, clock_tolerance_minutes=0).parse(line, received).start == (
        dt.datetime(2026, 1, 1, 3, 2, tzinfo=UTC)
    )


def test_february_29_is_dated_in_the_latest_leap_year():
    """02/29 received on 2027-03-01 is 2024-02-29; received on 2028-02-28, also 2024."""
    line = record(date="02/29", start="10:00", calling="214", called="T054")
    for received in (
        dt.datetime(2027, 3, 1, 12, tzinfo=UTC),
        dt.datetime(2028, 2, 28, 12, tzinfo=UTC),
    ):
        assert parser(CORDOBA).parse(line, received).start == dt.datetime(
            2024, 2, 29, 13, 0, tzinfo=UTC
        )
    received = dt.datetime(2028, 3, 1, 12, tzinfo=UTC)
    assert parser(CORDOBA).parse(line, received).start == dt.datetime(
        2028, 2, 29, 13, 0, tzinfo=UTC
    )


def test_missing_received_at_means_now():
    """Without ``received_at`` the record is dated from the current time."""
    before = dt.datetime.now(UTC)
    call = parser().parse(OUTGOING)
    assert before - dt.timedelta(days=367) < call.start <= before + dt.timedelta(minutes=6)


def test_naive_received_at_is_utc():
    """A naive time of receipt is taken as UTC."""
    naive = RECEIVED.replace(tzinfo=None)
    assert parser().parse(OUTGOING, naive) == parser().parse(OUTGOING, RECEIVED)


def test_nonexistent_local_time_uses_the_offset_before_the_change():
    """02:30 never happens in Toronto on 2026-03-08: read as EST (fold=0), 07:30 UTC."""
    line = record(date="03/08", start="02:30", calling="214", called="T054")
    assert parser().parse(line, RECEIVED).start == dt.datetime(2026, 3, 8, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("clock", "start", "pm", "expected_hour"),
    [
        ("auto", "03:10", "P", 15),
        ("auto", "03:10", "p", 15),
        ("auto", "12:05", "P", 12),
        ("auto", "12:05", " ", 12),  # no suffix: the 24-hour clock
        ("auto", "15:10", " ", 15),
        ("auto", "00:10", " ", 0),
        ("12", "12:05", " ", 0),  # 12-hour clock: 12:05 A.M.
        ("12", "09:11", " ", 9),
        ("12", "12:05", "P", 12),
        ("24", "23:59", " ", 23),
    ],
)
def test_start_time_clocks(clock, start, pm, expected_hour):
    """``p`` marks P.M. on a 12-hour clock; the ``clock`` option settles 12:xx."""
    line = record(date="01/30", start=start, pm=pm, calling="214", called="T054")
    call = parser(CORDOBA, clock=clock).parse(line, RECEIVED)
    local = call.start.astimezone(CORDOBA)
    assert (local.hour, local.minute) == (expected_hour, int(start[3:]))


@pytest.mark.parametrize(
    ("clock", "start", "pm", "message"),
    [
        ("24", "03:10", "P", "is not a 12-hour P.M. time"),
        ("auto", "13:10", "P", "is not a 12-hour P.M. time"),
        ("auto", "00:10", "p", "is not a 12-hour P.M. time"),
        ("12", "13:10", " ", "is not a 12-hour time"),
        ("12", "00:10", " ", "is not a 12-hour time"),
        ("auto", "24:00", " ", "is not hh:mm"),
        ("auto", "10:60", " ", "is not hh:mm"),
        ("auto", "10:05", "a", "is not hh:mm followed by p or a blank"),
    ],
)
def test_bad_start_times(clock, start, pm, message):
    """Start times that do not fit the clock name field 3."""
    line = record(start=start, pm=pm, calling="214", called="T054")
    with pytest.raises(RecordError) as raised:
        parser(clock=clock).parse(line, RECEIVED)
    assert str(raised.value) == f"field 3 (Start Time): {start + pm!r} {message}"


def test_duration_cap_and_long_call_flag():
    """``99:99:99`` is 100 hours or more: 360000 s, flagged in details."""
    line = record(flag="+", duration="99:99:99", calling="214", called="T054")
    call = parser().parse(line, RECEIVED)
    assert call.duration_seconds == 360000
    assert call.details == {"duration_capped": True}


def test_meter_pulses_option():
    """With meter pulses on, columns 55-59 are a pulse count, not digits."""
    line = record(calling="214", digits="6135952122" + " " * 11 + "00042", called="T054")
    call = parser(meter_pulses=True).parse(line, RECEIVED)
    assert call.number == "6135952122"
    assert call.details["meter_pulses"] == 42
    # Without the option the count would be read as digits.
    assert parser().parse(line, RECEIVED).number == "6135952122           00042"


def test_ani_dnis_extension_gives_the_caller():
    """The 112-column record: ANI is the incoming call's number, DNIS goes to details."""
    line = record(
        calling="T102", answer="004", digits="201", called="201", system="000",
        ani="6135551234", dnis="6135950201",
    )  # fmt: skip
    assert len(line) == 112
    call = parser().parse(line, RECEIVED)
    assert call.number == "6135551234"
    assert call.details == {"digits": "201", "system_id": "000", "dnis": "6135950201"}


def test_ani_on_an_outgoing_record_stays_in_details():
    """An outgoing record's ANI (the site's own number) is not the other party."""
    line = record(calling="214", digits="6135952122", called="T054", ani="6135950214")
    call = parser().parse(line, RECEIVED)
    assert call.number == "6135952122"
    assert call.details["ani"] == "6135950214"


def test_network_oli_extension():
    """The 131-column record keeps the calling and called OLI in details."""
    line = record(
        calling="T102", called="201", ani="6135551234", dnis="201",
        oli=("101020011", "20203001"),
    )  # fmt: skip
    assert len(line) == 131
    call = parser().parse(line, RECEIVED)
    assert call.details["calling_oli"] == "101020011"
    assert call.details["called_oli"] == "20203001"


def test_record_variants_parse_the_same():
    """CR LF, control bytes before the record, or a trimmed leading blank change nothing."""
    expected = parser().parse(OUTGOING, RECEIVED)
    assert parser().parse(OUTGOING + "\r\n", RECEIVED) == expected
    assert parser().parse("\x10\x02" + OUTGOING + "   ", RECEIVED) == expected
    assert parser().parse(OUTGOING.lstrip(), RECEIVED) == expected


def test_short_record_down_to_the_calling_party():
    """A record stripped after the calling party (24 to 27 columns) still parses."""
    line = record(calling="T102")
    assert len(line) == 27
    call = parser().parse(line, RECEIVED)
    assert (call.direction, call.trunk, call.extension) == (Direction.INCOMING, "T102", "")
    call = parser().parse(record(calling="7"), RECEIVED)
    assert (call.direction, call.extension, call.number) == (Direction.INTERNAL, "7", "")


@pytest.mark.parametrize("text", ["", "\r\n", "    \r\n", "\x0c", "-" * 90, "=" * 40 + "\r\n"])
def test_noise_is_none(text):
    """Blank lines, form feeds and separator lines are noise."""
    assert parser().parse(text, RECEIVED) is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (record(date="13/01", calling="2141"), "field 2 (Date): '13/01' is not a valid date"),
        (record(date="02/30", calling="2141"), "field 2 (Date): '02/30' is not a valid date"),
        (record(date="00/10", calling="2141"), "field 2 (Date): '00/10' is not a valid date"),
        (record(date="1a/10", calling="2141"), "field 2 (Date): '1a/10' is not mm/dd"),
        (record(duration="00:60:00", calling="2141"), "field 4 (Duration): '00:60:00' is not"),
        (record(duration="00-00-10", calling="2141"), "field 4 (Duration): '00-00-10' is not"),
        (record(flag="x", calling="2141"), "field 1 (Long Call): 'x' is not blank, -, % or +"),
        (record(calling="2141", attendant="x"), "field 6 (Attendant Flag): 'x' is not blank or *"),
        (record(calling="2141", answer="1a"), "field 7 (Time to Answer): ' 1a' is not a number"),
        (record(calling="", called="T054"), "field 5 (Calling Party): '    ' is blank"),
    ],
)
def test_bad_field_names_the_field_and_quotes_the_value(line, message):
    """A bad value raises RecordError naming the field by number and name."""
    with pytest.raises(RecordError) as raised:
        parser().parse(line, RECEIVED)
    assert str(raised.value).startswith(message)


def test_bad_meter_pulses():
    """A pulse count that is not a number names field 9."""
    line = record(calling="214", digits="5551234" + " " * 14 + "00x42", called="T054")
    with pytest.raises(RecordError, match=r"field 9 \(Meter Pulses\): '00x42'"):
        parser(meter_pulses=True).parse(line, RECEIVED)


def test_start_time_with_seconds_is_not_supported():
    """Extended Reporting Level 2 (hh:mm:ssp) shifts every column: refused clearly."""
    line = " 06/13 11:42:07  00:08:29 214       6135952122"
    with pytest.raises(
        RecordError,
        match=r"field 3 \(Start Time, columns 8-15\): '11:42:07' has seconds \(SMDR Extended",
    ):
        parser().parse(line, RECEIVED)


def test_record_run_into_a_cut_one_names_the_column_at_fault():
    """A record cut after 3 characters and run into the next (found by the damaged
    streams property test): its colon in column 13 is not Extended Reporting."""
    line = "-11 11/02 11:28  00:02:52 T008  004 2002"
    with pytest.raises(RecordError, match=r"^column 7: '/' where the 90-column layout"):
        parser().parse(line, RECEIVED)


def test_extended_digit_length_is_refused():
    """Seven-digit parties (Extended Digit Length) do not line up with the 90 columns."""
    line = " 06/13 11:42  00:08:29 1234567     6135952122"
    with pytest.raises(RecordError, match="Extended Digit Length records are not supported"):
        parser().parse(line, RECEIVED)


def test_too_short_record():
    """Records cut before the calling party say so."""
    with pytest.raises(RecordError, match="record is 22 characters long, expected at least 24"):
        parser().parse(" 06/13 11:42  00:08:29", RECEIVED)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"clock": "12h"}, "option clock: '12h' is not one of auto, 12, 24"),
        ({"clock": 12}, "option clock: 12 is not one of auto, 12, 24"),
        ({"meter_pulses": "yes"}, "option meter_pulses: 'yes' is not true or false"),
        ({"clock_tolerance_minutes": 5.5}, "option clock_tolerance_minutes: 5.5 is not"),
    ],
)
def test_bad_options_are_refused(options, message):
    """A wrong option fails when the parser is made, with a message naming it."""
    with pytest.raises(RecordError) as raised:
        parser(**options)
    assert str(raised.value).startswith(message)


def test_other_source_settings_are_ignored():
    """Transport keys in the source settings do not bother the parser."""
    assert parser(host="10.0.0.9", port=1752).parse(OUTGOING, RECEIVED).extension == "214"


def test_receipt_time_out_of_range_is_a_record_error():
    """Absurd times of receipt fail as record errors, not as overflows."""
    with pytest.raises(RecordError, match="time of receipt"):
        parser().parse(OUTGOING, dt.datetime.max.replace(tzinfo=UTC))
    with pytest.raises(RecordError, match="cannot be dated before"):
        parser().parse(OUTGOING, dt.datetime(1, 1, 2, tzinfo=UTC))


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_raises_only_record_errors(text):
    """Whatever arrives, the parser returns a call or None, or raises RecordError."""
    with contextlib.suppress(RecordError):
        parser().parse(text, RECEIVED)


COLUMN_TEXT = st.text(alphabet=st.sampled_from("0123456789:/pP*TXA -%+\x00\u00b2"), max_size=9)


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from([OUTGOING, INCOMING]),
    st.dictionaries(st.integers(min_value=0, max_value=95), COLUMN_TEXT, max_size=4),
    st.sampled_from(["auto", "12", "24"]),
    utc_datetimes(dt.datetime(1990, 1, 1, tzinfo=UTC), dt.datetime(2100, 1, 1, tzinfo=UTC)),
)
def test_damaged_records_raise_only_record_errors(line, damage, clock, received):
    """Records with columns overwritten by look-alike junk never crash the parser."""
    for column, value in damage.items():
        line = line[:column] + value + line[column + len(value) :]
    try:
        call = parser(clock=clock).parse(line, received)
    except RecordError:
        return
    assert call is None or (
        call.start.tzinfo is UTC and call.start <= received + dt.timedelta(minutes=5)
    )
