"""The Siemens / Unify HiPath call charge parser, on the real quartx serial capture."""

import contextlib
import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smdr.parsers.base import Direction, ParserSettings, RecordError
from smdr.parsers.siemens_hipath import SiemensHiPathParser

DATA = Path(__file__).resolve().parent.parent / "data" / "siemens-hipath"
# The capture comes from an Irish site (087 mobiles, +353): GMT in winter, IST (UTC+1)
# in summer.
DUBLIN = ZoneInfo("Europe/Dublin")
BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC

CAPTURE = (DATA / "serial-capture.txt").read_bytes().decode("ascii").splitlines(keepends=True)
WITH_CONTROL_BYTES = (DATA / "serial-capture-with-control-bytes.bin").read_bytes().decode("ascii")


def parser(time_zone=DUBLIN, **options):
    return SiemensHiPathParser(ParserSettings(time_zone=time_zone, options=options))


def put(line, column, text):
    """``line`` with ``text`` written over it from 1-based ``column`` on."""
    line = line.rstrip("\r\n")
    start = column - 1
    line = line.ljust(start + len(text))
    return line[:start] + text + line[start + len(text) :]


def long_record(
    date="05.03.24",
    time="14:10:30",
    trunk="  7",
    station="   201",
    ring="00:12",
    duration="00:02:30",
    number="0891234567",
    amount="       1.25",
    info=" 1",
):
    """A long (printer) layout record built from Table 7-2's columns [MANUAL]."""
    return f"{date} {time} {trunk} {station} {ring} {duration} {number:<20} {amount} {info}\r\n"


def test_parser_family_and_label():
    """The parser names its family id for the registry."""
    assert SiemensHiPathParser.family == "siemens-hipath"
    assert SiemensHiPathParser.label == "Siemens / Unify HiPath call charge output"


def test_sample_files_are_the_real_capture():
    """Ten CR LF lines, trailing blanks stripped; the .bin starts with control bytes."""
    assert len(CAPTURE) == 10
    assert all(line.endswith("\r\n") for line in CAPTURE)
    assert {len(line) - 2 for line in CAPTURE} == {76, 81, 103, 105}
    assert WITH_CONTROL_BYTES.startswith("\x10\x02\x10\x03\x13\x1123.05.21")
    assert WITH_CONTROL_BYTES.endswith(" 0\r\n")


@pytest.mark.parametrize("line", [*CAPTURE, WITH_CONTROL_BYTES])
def test_every_sample_line_parses_with_ring_notices(line):
    """With ring notices on, every real line is a call with a UTC start and plain details."""
    call = parser(ring_notices=True).parse(line)
    assert call is not None
    assert call.start.tzinfo is UTC
    assert call.number.isdigit() or "?" in call.number
    assert json.loads(json.dumps(call.details)) == call.details
    assert all(isinstance(value, str | int | bool) for value in call.details.values())


def test_outgoing_call_start_is_end_minus_duration():
    """Line 1: outgoing from 104 on trunk 2, ended 23:19:06 IST on 10.04.19, 5 s long."""
    call = parser().parse(CAPTURE[0])
    # 23:19:06 IST is 22:19:06 UTC; minus 5 s.
    assert call.start == dt.datetime(2019, 4, 10, 22, 19, 1, tzinfo=UTC)
    assert call.duration_seconds == 5
    assert call.ring_seconds == 0
    assert call.direction == Direction.OUTGOING
    assert (call.extension, call.trunk) == ("104", "2")
    assert call.number == "00441619251900"
    assert call.account_code == ""
    assert call.pbx_call_id == ""
    assert call.answered is True
    assert call.details == {}  # element 2 is the direction; no charges


def test_ring_notice_is_noise_by_default():
    """Line 2: information element 0, printed when the call arrived, is not a call."""
    assert parser().parse(CAPTURE[1]) is None
    assert parser().parse(WITH_CONTROL_BYTES) is None


def test_ring_notice_is_an_unanswered_call_when_asked_for():
    """Line 2 with ring_notices: an incoming, unanswered call at the time printed."""
    call = parser(ring_notices=True).parse(CAPTURE[1])
    # 00:35:38 IST on 11.04.19 is 23:35:38 UTC the day before.
    assert call.start == dt.datetime(2019, 4, 10, 23, 35, 38, tzinfo=UTC)
    assert (call.duration_seconds, call.ring_seconds) == (0, 0)
    assert call.direction == Direction.INCOMING
    assert call.answered is False
    assert (call.extension, call.trunk, call.number) == ("104", "1", "0876153281")
    assert call.details == {"ring_notice": True}


def test_answered_incoming_call_after_its_ring_notice():
    """Line 3: the same caller, rang 1 s, 7 s connected, ended 00:35:48 IST."""
    call = parser().parse(CAPTURE[2])
    assert call.start == dt.datetime(2019, 4, 10, 23, 35, 41, tzinfo=UTC)
    assert (call.duration_seconds, call.ring_seconds) == (7, 1)
    assert call.direction == Direction.INCOMING
    assert call.answered is True
    assert (call.extension, call.trunk, call.number) == ("104", "1", "0876153281")
    assert call.details == {}


def test_value_after_the_information_element_is_the_project_code():
    """Line 4 ends ``154416``: element 1, then ``54416`` in the project code columns."""
    call = parser().parse(CAPTURE[3])
    # 23:11:43 GMT (February), 10:03 connected: started 23:01:40 UTC.
    assert call.start == dt.datetime(2019, 2, 22, 23, 1, 40, tzinfo=UTC)
    assert (call.duration_seconds, call.ring_seconds) == (603, 41)
    assert call.direction == Direction.INCOMING
    assert (call.extension, call.trunk, call.number) == ("048", "3", "0248873711")
    assert call.account_code == "54416"
    assert call.details == {}


def test_long_record_with_msn_and_seizure_code():
    """Line 5: 2-digit year 00, 12 charge units, MSN 902725, seizure code 841."""
    call = parser().parse(CAPTURE[4])
    assert call.start == dt.datetime(2000, 12, 11, 8, 18, 0, tzinfo=UTC)
    assert call.duration_seconds == 323
    assert call.direction == Direction.OUTGOING
    assert (call.extension, call.trunk, call.number) == ("16", "4", "02317324856")
    assert call.account_code == ""
    assert call.details == {"charge_units": 12, "msn": "902725", "seizure_code": "841"}


def test_project_code_and_lcr_route():
    """Line 6: project code 12345678901 and LCR route 2."""
    call = parser().parse(CAPTURE[5])
    assert call.start == dt.datetime(2000, 12, 11, 9, 11, 22, tzinfo=UTC)
    assert call.duration_seconds == 83
    assert (call.extension, call.trunk, call.number) == ("18", "3", "834756")
    assert call.account_code == "12345678901"
    assert call.details == {"charge_units": 34, "lcr_route": "2"}


def test_masked_digits_are_kept():
    """Line 7: the last four digits suppressed print as ``????`` and stay so."""
    call = parser().parse(CAPTURE[6])
    assert call.number == "1234567890123412????"
    assert call.start == dt.datetime(2000, 12, 11, 10, 21, 2, tzinfo=UTC)
    assert call.duration_seconds == 142
    assert (call.extension, call.trunk) == ("15", "2")
    assert call.details == {"charge_units": 83}


def test_conference_with_outgoing_call():
    """Line 8: element 8 (conference or transit, outgoing) is kept in details."""
    call = parser().parse(CAPTURE[7])
    assert call.direction == Direction.OUTGOING
    assert call.start == dt.datetime(2000, 12, 12, 14, 32, 0, tzinfo=UTC)
    assert call.duration_seconds == 732
    assert (call.extension, call.trunk, call.number) == ("12", "2", "2374844")
    assert call.details == {"info_element": 8, "charge_units": 12}


def test_unanswered_incoming_call_has_a_blank_duration():
    """Line 9: rang 50 s, duration blank: not answered, start is the printed end."""
    call = parser().parse(CAPTURE[8])
    assert call.start == dt.datetime(2000, 12, 15, 13, 46, 18, tzinfo=UTC)
    assert (call.duration_seconds, call.ring_seconds) == (0, 50)
    assert call.answered is False
    assert call.direction == Direction.INCOMING
    assert (call.extension, call.trunk, call.number) == ("16", "4", "0230298007252")


def test_undocumented_information_element_35_reads_its_last_digit():
    """Line 10: element 35 (not in the manual) is read as 5, incoming forwarded."""
    call = parser().parse(CAPTURE[9])
    assert call.direction == Direction.INCOMING
    assert call.start == dt.datetime(2021, 1, 31, 15, 23, 59, tzinfo=UTC)
    assert call.duration_seconds == 26
    assert (call.extension, call.trunk, call.number) == ("110", "9", "353877629926")
    assert call.details == {"info_element": 35}


def test_control_bytes_before_the_date_are_dropped():
    """The .bin line (DLE STX DLE ETX DC3 DC1 first) parses as the bare line does."""
    bare = WITH_CONTROL_BYTES.lstrip("\x10\x02\x03\x13\x11")
    assert bare.startswith("23.05.21")
    call = parser(ring_notices=True).parse(WITH_CONTROL_BYTES)
    assert call == parser(ring_notices=True).parse(bare)
    # 05:25:49 IST on 23 May 2021.
    assert call.start == dt.datetime(2021, 5, 23, 4, 25, 49, tzinfo=UTC)
    assert (call.extension, call.trunk, call.number) == ("100", "1", "0869182940")
    assert call.details == {"ring_notice": True}


def test_zone_comes_from_the_settings():
    """Line 1 in Berlin: 23:19:06 CEST (UTC+2) minus 5 s is 21:19:01 UTC."""
    call = parser(BERLIN).parse(CAPTURE[0])
    assert call.start == dt.datetime(2019, 4, 10, 21, 19, 1, tzinfo=UTC)


def test_call_ending_after_a_dst_change_starts_before_it():
    """Ireland went to IST at 01:00 GMT on 2024-03-31: a 20-minute call ending at
    02:10 IST (01:10 UTC) started at 00:50 UTC, 00:50 GMT on the wall clock."""
    line = put(put(CAPTURE[0], 1, "31.03.2402:10:00"), 31, "00:20:00")
    call = parser().parse(line)
    assert call.start == dt.datetime(2024, 3, 31, 0, 50, tzinfo=UTC)
    assert call.duration_seconds == 1200


def test_call_crossing_midnight_starts_the_day_before():
    """A call ending 00:00:30 on 01.01.20 after 00:01:00 started 23:59:30 on 31.12.19."""
    line = put(put(CAPTURE[0], 1, "01.01.2000:00:30"), 31, "00:01:00")
    assert parser().parse(line).start == dt.datetime(2019, 12, 31, 23, 59, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("year_text", "year"), [("00", 2000), ("24", 2024), ("69", 2069), ("70", 1970), ("99", 1999)]
)
def test_two_digit_years(year_text, year):
    """Years 00-69 are 20xx, 70-99 are 19xx."""
    line = put(CAPTURE[0], 7, year_text)
    assert parser(ZoneInfo("UTC")).parse(line).start.year == year


def test_unset_clock_is_taken_at_face_value():
    """A PBX with an unset clock prints ``01.01.00 00:00:00``."""
    line = put(put(CAPTURE[8], 1, "01.01.0000:00:00"), 31, "        ")
    assert parser().parse(line).start == dt.datetime(2000, 1, 1, tzinfo=UTC)


def test_disa_information_element():
    """Element 51 (50 + 1) is an incoming DISA call."""
    call = parser().parse(put(CAPTURE[2], 75, "51"))
    assert call.direction == Direction.INCOMING
    assert call.details == {"disa": True, "info_element": 51}
    assert parser().parse(put(CAPTURE[2], 75, "52")).direction == Direction.OUTGOING


@pytest.mark.parametrize(
    ("element", "direction"),
    [
        (" 3", Direction.INCOMING),
        (" 4", Direction.OUTGOING),
        (" 5", Direction.INCOMING),
        (" 6", Direction.OUTGOING),
        (" 7", Direction.INCOMING),
        (" 9", Direction.OUTGOING),
    ],
)
def test_information_elements_give_the_direction(element, direction):
    """Elements 3-9 map to directions and stay in details."""
    call = parser().parse(put(CAPTURE[0], 75, element))
    assert call.direction == direction
    assert call.details == {"info_element": int(element)}


def test_trailing_blanks_and_line_ends_are_optional():
    """A line padded with blanks to 112 columns, or without CR LF, parses the same."""
    expected = parser().parse(CAPTURE[0])
    assert parser().parse(CAPTURE[0].rstrip("\r\n").ljust(112) + "\r\n") == expected
    assert parser().parse(CAPTURE[0].rstrip("\r\n")) == expected
    assert parser().parse(CAPTURE[0].rstrip("\r\n") + "\n") == expected


def test_zero_charge_units_are_not_repeated():
    """A charge field of 0 adds nothing to details."""
    call = parser().parse(put(CAPTURE[6], 64, "          0"))
    assert call.details == {}


@pytest.mark.parametrize(
    "text", ["", "\r\n", "   \r\n", "\x0c", "\x0c\r\n", "\x10\x02\r\n", "-" * 76]
)
def test_noise_is_none(text):
    """Blank lines, form feeds, bare control bytes and separators are noise."""
    assert parser().parse(text) is None


def test_long_layout_record():
    """A long layout record [MANUAL columns]: amount in currency units, blank-separated."""
    call = parser(BERLIN, layout="long").parse(long_record())
    # 14:10:30 CET on 5 March 2024 is 13:10:30 UTC; minus 2:30.
    assert call.start == dt.datetime(2024, 3, 5, 13, 8, 0, tzinfo=UTC)
    assert (call.duration_seconds, call.ring_seconds) == (150, 12)
    assert call.direction == Direction.INCOMING
    assert (call.extension, call.trunk, call.number) == ("201", "7", "0891234567")
    assert call.answered is True
    assert call.details == {"charge_amount": "1.25"}


def test_long_layout_unanswered_and_masked():
    """A long record with a blank duration and a masked number."""
    line = long_record(duration="        ", number="089123????", amount=" " * 11, info=" 1")
    call = parser(BERLIN, layout="long").parse(line)
    assert call.answered is False
    assert call.duration_seconds == 0
    assert call.number == "089123????"
    assert call.start == dt.datetime(2024, 3, 5, 13, 10, 30, tzinfo=UTC)
    assert call.details == {}


@pytest.mark.parametrize(
    "text",
    [
        "Datum    Zeit     Ltg Tln    Ruf   Dauer    Rufnummer            Betrag      I\r\n",
        "Date     Time     Trk Stn    Call  Duration Ext number           Amount      I\r\n",
        "  Fecha    Hora    Lin Ext    Tmb.  Duracion Numero               Importe     I\r\n",
        "\x0cDate     Time     Trk Stn    Call  Duration Ext number           Amount      I\r\n",
        "\r\n",
        "\x0c\r\n",
    ],
)
def test_long_layout_headers_and_form_feeds_are_noise(text):
    """The long layout's header (system language), blank line and form feed are noise."""
    assert parser(layout="long").parse(text) is None


def test_compressed_layout_has_no_header():
    """A text line in the compressed layout (wrong layout chosen?) is an error."""
    with pytest.raises(RecordError, match="characters, expected 76 to 120"):
        parser().parse("Date     Time     Trk Stn    Call  Duration Ext number     Amount  I\r\n")


def test_long_record_in_the_compressed_layout_is_an_error():
    """A long record read as compressed fails on its fields rather than misparsing."""
    with pytest.raises(RecordError):
        parser().parse(long_record())


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            put(CAPTURE[0], 1, "10/04/19"),
            "field 1 (Date, columns 1-8): '10/04/19' is not DD.MM.YY",
        ),
        (
            put(CAPTURE[0], 1, "30.02.19"),
            "field 1 (Date, columns 1-8): '30.02.19' is not a valid date",
        ),
        (
            put(CAPTURE[0], 1, "1a.04.19"),
            "field 1 (Date, columns 1-8): '1a.04.19' is not DD.MM.YY",
        ),
        (
            put(CAPTURE[0], 9, "24:00:00"),
            "field 2 (Time, columns 9-16): '24:00:00' is not hh:mm:ss",
        ),
        (
            put(CAPTURE[0], 9, "23:60:06"),
            "field 2 (Time, columns 9-16): '23:60:06' is not hh:mm:ss",
        ),
        (
            put(CAPTURE[2], 26, "0a:01"),
            "field 5 (Ringing, columns 26-30): '0a:01' is not mm:ss",
        ),
        (
            put(CAPTURE[0], 31, "00:61:00"),
            "field 6 (Duration, columns 31-38): '00:61:00' is not hh:mm:ss or blank",
        ),
        (
            put(CAPTURE[0], 31, "00:0 :05"),
            "field 6 (Duration, columns 31-38): '00:0 :05' is not hh:mm:ss or blank",
        ),
        (
            put(CAPTURE[0], 64, "         1x"),
            "field 8 (Charges, columns 64-74): '1x' is not a number of charge units",
        ),
        (
            put(CAPTURE[0], 75, " X"),
            "field 9 (Information element, columns 75-76): 'X' is not an information "
            "element number",
        ),
    ],
)
def test_bad_field_names_the_field_and_quotes_the_value(line, message):
    """A bad value raises RecordError naming the field, its columns and the value."""
    with pytest.raises(RecordError) as raised:
        parser().parse(line)
    assert str(raised.value) == message


def test_long_layout_bad_amount():
    """The long layout's amount must be a decimal number."""
    with pytest.raises(RecordError, match=r"field 8 \(Charges, columns 66-76\): '1\.2\.5'"):
        parser(layout="long").parse(long_record(amount="      1.2.5"))


def test_too_short_record():
    """A line cut before the information element says what is missing.

    Trailing blanks do not count: a blank element leaves the 52 characters up to the
    number.
    """
    for line in (CAPTURE[0][:60] + "\r\n", put(CAPTURE[0], 75, "  ")):
        with pytest.raises(RecordError) as raised:
            parser().parse(line)
        assert str(raised.value).startswith(
            "record is 52 characters, expected 76 to 120 in the compressed layout (too short: "
            "the information element (columns 75-76) is missing): '10.04.1923:19:06"
        )


def test_two_records_run_together():
    """Two records on one line are too long for one."""
    with pytest.raises(RecordError, match=r"record is 152 characters.*two records run together"):
        parser().parse(CAPTURE[0].rstrip("\r\n") + CAPTURE[2])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"layout": "short"}, "option layout: 'short' is not one of compressed, long"),
        ({"ring_notices": "yes"}, "option ring_notices: 'yes' is not true or false"),
    ],
)
def test_bad_options_are_refused_when_the_parser_is_built(options, message):
    """A wrong option is refused at once (so when the source is saved), naming it."""
    with pytest.raises(RecordError) as raised:
        parser(**options)
    assert str(raised.value) == message


def test_other_options_are_ignored():
    """Transport settings share the options dict and do not bother the parser."""
    call = parser(device="/dev/ttyS0", baud=9600, layout="compressed").parse(CAPTURE[0])
    assert call == parser().parse(CAPTURE[0])


@settings(max_examples=300, deadline=None)
@given(st.text(), st.booleans(), st.sampled_from(["compressed", "long"]))
def test_arbitrary_text_raises_only_record_errors(text, ring_notices, layout):
    """Whatever arrives, the parser returns a call or None, or raises RecordError."""
    with contextlib.suppress(RecordError):
        parser(ring_notices=ring_notices, layout=layout).parse(text)


JUNK = st.text(alphabet=st.sampled_from("0123456789:. ?#*X-\x00\x10\u00b2\u0661"), max_size=12)


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from([*CAPTURE, WITH_CONTROL_BYTES, long_record()]),
    st.lists(st.tuples(st.integers(min_value=1, max_value=112), JUNK), max_size=4),
    st.booleans(),
)
def test_damaged_records_raise_only_record_errors(line, damage, long_layout):
    """Sample records overwritten with look-alike junk never crash the parser."""
    for column, text in damage:
        line = put(line, column, text)
    try:
        call = parser(ring_notices=True, layout="long" if long_layout else "compressed").parse(line)
    except RecordError:
        return
    assert call is None or call.start.tzinfo is UTC
