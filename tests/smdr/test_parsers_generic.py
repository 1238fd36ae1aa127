"""The generic parser: layouts described by settings, built from other PBXs' formats.

Each layout below comes from a section of pbx-formats.md: a Mitel SX-200/MiVB-like
fixed record (section 2), the Siemens HiPath compressed format on its real quartx lines
(section 5, end time and 2-digit years), a Panasonic Pattern A record (section 6,
12-hour end time, ``HH:MM'SS``), Asterisk's quoted CSV on two real Master.csv rows
(section 7), a semicolon CSV, and the Mitel 5000 record with no date (section 1).
"""

import contextlib
import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pbxsim.generic import EXAMPLE_SETTINGS
from smdr.parsers import Direction, ParserSettings, RecordError
from smdr.parsers.generic import DURATION_FORMATS, FIELDS, GenericParser

CORDOBA = ZoneInfo("America/Argentina/Cordoba")  # UTC-3 all year
BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC
RECEIVED = dt.datetime(2025, 3, 10, 18, 0, tzinfo=UTC)  # 15:00 in Córdoba


def parser(options, time_zone=CORDOBA):
    return GenericParser(ParserSettings(time_zone=time_zone, options=options))


# --- Layout 1: Mitel SX-200 / MiVoice Business SMDR, fixed, MM/DD without a year.

# The map the parser's docstring documents (the generic simulator writes its records).
MITEL = EXAMPLE_SETTINGS


def mitel(
    date="01/16",
    time="09:52",
    duration="00:02:21",
    calling="2664",
    digits="95921022",
    completion="A",
    account="",
    flag=" ",
):
    """A record on the MiVB template ``zmm/dd_hh:mmp_hh:mm:ss_pppp_fttt_x...``: 90 columns."""
    return (
        f"{flag}{date} {time}  {duration} {calling:<4}      {digits:<26}{completion}       "
        f"{'':<4} {account:<12}      "
    )


def test_family_and_label():
    """The parser declares the family id of the contract and a label for the admin."""
    assert GenericParser.family == "generic"
    assert GenericParser.label == "Generic (column map)"


def test_docstring_example():
    """The docstring's SX-200 row: 2664 dialled 95921022 on 16 January, 2 min 21 s."""
    line = mitel()
    assert len(line) == 90
    assert line.rstrip() == " 01/16 09:52  00:02:21 2664      95921022                  A"
    call = parser(MITEL).parse(line, RECEIVED)
    # 2025-01-16 09:52 in Córdoba is 12:52 UTC (received in March 2025: this year).
    assert call.start == dt.datetime(2025, 1, 16, 12, 52, tzinfo=UTC)
    assert call.duration_seconds == 141
    assert call.ring_seconds == 0
    assert call.direction == Direction.OUTGOING
    assert call.extension == "2664"
    assert call.trunk == ""
    assert call.number == "95921022"
    assert call.account_code == ""
    assert call.pbx_call_id == ""
    assert call.answered is True
    assert call.details == {"completion": "A"}


def test_trailing_blanks_do_not_matter():
    """A fixed record with its trailing blanks stripped parses the same."""
    assert parser(MITEL).parse(mitel().rstrip() + "\r\n", RECEIVED) == parser(MITEL).parse(
        mitel(), RECEIVED
    )


def test_date_without_year_after_receipt_is_last_year():
    """12/31 received on 1 January (Córdoba) is the year before."""
    received = dt.datetime(2025, 1, 1, 3, 30, tzinfo=UTC)  # 00:30 local
    call = parser(MITEL).parse(mitel(date="12/31", time="23:55"), received)
    assert call.start == dt.datetime(2025, 1, 1, 2, 55, tzinfo=UTC)  # 2024-12-31 23:55 local


def test_internal_max_digits_makes_short_numbers_internal():
    """``internal_max_digits: 4``: a call to 2001 is internal."""
    call = parser(MITEL).parse(mitel(digits="2001"), RECEIVED)
    assert call.direction == Direction.INTERNAL
    assert parser(MITEL).parse(mitel(digits="20011"), RECEIVED).direction == Direction.OUTGOING


def test_account_code_column():
    """Mapped columns land on the call's fields."""
    call = parser(MITEL).parse(mitel(account="778899"), RECEIVED)
    assert call.account_code == "778899"


# --- Layout 2: Siemens HiPath compressed, real lines (pbx-formats.md section 5.4).

HIPATH = {
    "column_map": {
        "format": "fixed",
        "fields": {
            "date": [1, 8],
            "time": [9, 16],
            "trunk": [17, 19],
            "extension": [20, 25],
            "ring": [26, 30],
            "duration": [31, 38],
            "number": [39, 63],
            "direction": [75, 76],
        },
        "details": {
            "charge_units": [64, 74],
            "project": [77, 87],
            "msn": [88, 98],
            "access_code": [99, 103],
        },
    },
    "date_format": "%d.%m.%y",
    "time_format": "%H:%M:%S",
    "duration_format": "hh:mm:ss",
    "ring_format": "mm:ss",
    "time_is": "end",
    "direction": {
        "values": {"0": "incoming", "1": "incoming", "2": "outgoing", "5": "incoming"},
        "default": "outgoing",
    },
}
HIPATH_LINES = [
    "10.04.1923:19:06  2   104     00:00:0500441619251900                       2\r\n",
    "11.04.1900:35:38  1   104             0876153281                           0\r\n",
    "11.04.1900:35:48  1   10400:0100:00:070876153281                           1\r\n",
    "22.02.1923:11:43  3   04800:4100:10:030248873711                           154416\r\n",
    "11.12.0008:23:23  4    16     00:05:2302317324856                       12 2"
    "                902725  841\r\n",
    "11.12.0009:12:45  3    18     00:01:23834756                            34 2"
    "12345678901                 2\r\n",
    "11.12.0010:23:24  2    15     00:02:221234567890123412????              83 2\r\n",
    "12.12.0014:44:12  2    12     00:12:122374844                           12 8\r\n",
    "15.12.0013:46:18  4    1600:50        0230298007252                        1\r\n",
    "31.01.2115:24:25  9   110     00:00:26353877629926                        35\r\n",
]


@pytest.mark.parametrize("line", HIPATH_LINES)
def test_every_hipath_line_parses(line):
    """Each real HiPath line is a call in UTC whose end was before receipt."""
    call = parser(HIPATH, BERLIN).parse(line, RECEIVED)
    assert call.start.tzinfo is UTC
    assert call.start + dt.timedelta(seconds=call.duration_seconds) < RECEIVED
    assert json.loads(json.dumps(call.details)) == call.details


def test_hipath_end_time_is_converted_to_the_start():
    """10.04.19 23:19:06 is the end (CEST, UTC+2); 5 s earlier is 21:19:01 UTC."""
    call = parser(HIPATH, BERLIN).parse(HIPATH_LINES[0], RECEIVED)
    assert call.start == dt.datetime(2019, 4, 10, 21, 19, 1, tzinfo=UTC)
    assert call.duration_seconds == 5
    assert call.direction == Direction.OUTGOING
    assert (call.trunk, call.extension, call.number) == ("2", "104", "00441619251900")
    assert call.details == {}


def test_hipath_unanswered_incoming_call_has_blank_duration():
    """Eight blanks in the duration: not connected, duration 0 (info element 0)."""
    call = parser(HIPATH, BERLIN).parse(HIPATH_LINES[1], RECEIVED)
    assert call.duration_seconds == 0
    assert call.answered is False
    assert call.direction == Direction.INCOMING
    assert call.start == dt.datetime(2019, 4, 10, 22, 35, 38, tzinfo=UTC)


def test_hipath_ring_and_charge_columns():
    """Ring time ``00:01`` (mm:ss) and charge units land where mapped."""
    answered = parser(HIPATH, BERLIN).parse(HIPATH_LINES[2], RECEIVED)
    assert (answered.ring_seconds, answered.duration_seconds) == (1, 7)
    charged = parser(HIPATH, BERLIN).parse(HIPATH_LINES[4], RECEIVED)
    assert charged.details == {"charge_units": "12", "msn": "902725", "access_code": "841"}
    project = parser(HIPATH, BERLIN).parse(HIPATH_LINES[5], RECEIVED)
    assert project.details == {"charge_units": "34", "project": "12345678901"}
    # 2-digit year 00 is 2000; 08:23:23 CET minus 5:23.
    assert charged.start == dt.datetime(2000, 12, 11, 7, 18, 0, tzinfo=UTC)


def test_hipath_masked_digits_are_kept():
    """``1234567890123412????``: masked digits stay in the number."""
    call = parser(HIPATH, BERLIN).parse(HIPATH_LINES[6], RECEIVED)
    assert call.number == "1234567890123412????"


def test_hipath_unlisted_info_element_takes_the_default():
    """Info element 35 is not in the map: ``direction.default`` applies."""
    call = parser(HIPATH, BERLIN).parse(HIPATH_LINES[9], RECEIVED)
    assert call.direction == Direction.OUTGOING


def test_hipath_control_bytes_before_the_date_are_dropped():
    """The quartx capture's DLE STX DLE ETX DC3 DC1 prefix is ignored."""
    line = (
        "\x10\x02\x10\x03\x13\x1123.05.2105:25:49  1   100             0869182940"
        "                           0\r\n"
    )
    call = parser(HIPATH, BERLIN).parse(line, RECEIVED)
    assert call.start == dt.datetime(2021, 5, 23, 3, 25, 49, tzinfo=UTC)
    assert call.direction == Direction.INCOMING


# --- Layout 3: Panasonic Pattern A, 12-hour end time, HH:MM'SS (section 6).

PANASONIC = {
    "column_map": {
        "format": "fixed",
        "fields": {
            "date": [1, 8],
            "time": [10, 16],
            "extension": [18, 22],
            "trunk": [24, 25],
            "number": [27, 51],
            "ring": [53, 56],
            "duration": [58, 65],
            "account_code": [67, 76],
        },
        "details": {"cd": [78, 80]},
    },
    "date_format": "%m/%d/%y",
    "time_format": "%I:%M%p",
    "duration_format": "hh:mm'ss",
    "ring_format": "mm'ss",
    "time_is": "end",
    "direction": {
        "field": "cd",
        "values": {"AN": "incoming", "RC": "incoming", "NA": "incoming"},
        "default": "outgoing",
    },
    "skip_prefixes": ["Date"],
}
PANASONIC_HEADER = [  # samples/panasonic/header.txt, real
    "  Date     Time    Ext CO        Dial Number        Ring Duration  Acc code  CD \r\n",
    "-" * 80 + "\r\n",
    "\r\n",
]


def panasonic(
    date="01/02/02",
    time="10:07AM",
    extension="1200",
    trunk="01",
    number="<I>",
    ring="0'05",
    duration="00:01'05",
    account="9876543210",
    cd="AN",
):
    """A Pattern A record: 72 columns of fields and 8 separating blanks."""
    return (
        f"{date:<8} {time:<7} {extension:>5} {trunk:<2} {number:<25} {ring:>4} {duration:<8} "
        f"{account:<10} {cd:<3}"
    )


@pytest.mark.parametrize("line", PANASONIC_HEADER)
def test_panasonic_header_is_noise(line):
    """The real header: ``skip_prefixes: ["Date"]`` after its blanks, dashes and blanks."""
    assert parser(PANASONIC).parse(line, RECEIVED) is None


def test_panasonic_incoming_call_with_ring_and_12_hour_end_time():
    """Ended 10:07 AM on 01/02/02 after 1 min 5 s; rang 5 s; answered (AN)."""
    call = parser(PANASONIC).parse(panasonic(), RECEIVED)
    assert len(panasonic()) == 80
    assert call.start == dt.datetime(2002, 1, 2, 13, 5, 55, tzinfo=UTC)  # 10:05:55 local
    assert (call.duration_seconds, call.ring_seconds) == (65, 5)
    assert call.direction == Direction.INCOMING
    assert (call.extension, call.trunk, call.number) == ("1200", "01", "<I>")
    assert call.account_code == "9876543210"
    assert call.details == {"cd": "AN"}


@pytest.mark.parametrize(
    ("time", "local"),
    [("12:05AM", (0, 5)), ("12:05PM", (12, 5)), ("01:07PM", (13, 7)), ("9:30am", (9, 30))],
)
def test_twelve_hour_clock(time, local):
    """12 AM is midnight, 12 PM is noon; case and a missing leading zero do not matter."""
    call = parser(PANASONIC).parse(panasonic(time=time, duration="00:00'00"), RECEIVED)
    hour, minute = local
    assert call.start == dt.datetime(2002, 1, 2, hour + 3, minute, tzinfo=UTC)


def test_outgoing_call_with_privacy_digits():
    """No CD: ``direction.default``; privacy ``X`` digits are kept."""
    line = panasonic(number="123456XX", ring="", cd="", account="")
    call = parser(PANASONIC).parse(line, RECEIVED)
    assert call.direction == Direction.OUTGOING
    assert call.number == "123456XX"
    assert call.details == {}


# --- Layout 4: Asterisk cdr_csv, quoted (section 7), two real Master.csv rows.

ASTERISK = {
    "column_map": {
        "format": "delimited",
        "delimiter": ",",
        "quote": '"',
        "fields": {"extension": 2, "number": 3, "date": 10, "duration": 14, "call_id": 17},
        "details": {"caller_id": 5, "disposition": 15},
    },
    "date_format": "%Y-%m-%d %H:%M:%S",
    "direction": {"default": "outgoing", "internal_max_digits": 4},
}
ASTERISK_LINES = [
    '"","2889","09243820431","pre-rec","""2889"" <2889>","SIP/2889-0000098e",'
    '"OOH323/avayaG700-1919","Dial","Local/09243820431@default,30,t","2018-09-07 11:05:20",'
    '"2018-09-07 11:05:20","2018-09-07 11:08:24",183,183,"ANSWERED","DOCUMENTATION",'
    '"1536293101.12458",""\n',
    '"ast_h323","3711","1110","default","""Bryl A"" <3711>","OOH323/avayaipo-1945",'
    '"SIP/1110-000009be","Dial","SIP/1110","2018-09-07 11:08:03",,"2018-09-07 11:08:31",'
    '28,0,"NO ANSWER","DOCUMENTATION","1536293283.12653",""\n',
]


def test_asterisk_quoted_csv():
    """Quoted values with commas and doubled quotes; a date and time in one column."""
    call = parser(ASTERISK, UTC).parse(ASTERISK_LINES[0], RECEIVED)
    assert call.start == dt.datetime(2018, 9, 7, 11, 5, 20, tzinfo=UTC)
    assert call.duration_seconds == 183
    assert call.direction == Direction.OUTGOING
    assert (call.extension, call.number) == ("2889", "09243820431")
    assert call.pbx_call_id == "1536293101.12458"
    assert call.details == {"caller_id": '"2889" <2889>', "disposition": "ANSWERED"}


def test_asterisk_unanswered_internal_call():
    """Billsec 0 is unanswered; a 4-digit destination is internal."""
    call = parser(ASTERISK, UTC).parse(ASTERISK_LINES[1], RECEIVED)
    assert call.duration_seconds == 0
    assert call.answered is False
    assert call.direction == Direction.INTERNAL
    assert call.details["caller_id"] == '"Bryl A" <3711>'


# --- Layout 5: a semicolon CSV with a direction column and a 4-character call id.

SEMICOLON = {
    "column_map": {
        "format": "delimited",
        "delimiter": ";",
        "quote": '"',
        "fields": {
            "date": 1,
            "time": 2,
            "duration": 3,
            "extension": 4,
            "number": 5,
            "direction": 6,
            "trunk": 7,
            "ring": 8,
        },
        "details": {"name": 9},
    },
    "date_format": "%d/%m/%Y",
    "duration_format": "mm:ss",
    "ring_format": "seconds",
    "direction": {"values": {"E": "incoming", "S": "outgoing", "I": "internal"}},
}


def test_semicolon_csv():
    """10/03/2025 14:05:09 local, 2 min 5 s, outgoing, quoted name with a semicolon."""
    line = '10/03/2025;14:05:09;02:05;201;0351 4123456;S;T01;0;"Pérez; Ana"\r\n'
    call = parser(SEMICOLON).parse(line, RECEIVED)
    assert call.start == dt.datetime(2025, 3, 10, 17, 5, 9, tzinfo=UTC)
    assert call.duration_seconds == 125
    assert call.direction == Direction.OUTGOING
    assert (call.extension, call.number, call.trunk) == ("201", "0351 4123456", "T01")
    assert call.details == {"name": "Pérez; Ana"}


def test_semicolon_csv_without_quotes_uses_plain_split():
    """A line with no quote character is split on the delimiter; trailing fields optional."""
    call = parser(SEMICOLON).parse("10/03/2025;14:05;125:00;201;3514000000;E", RECEIVED)
    assert call.start == dt.datetime(2025, 3, 10, 17, 5, tzinfo=UTC)  # default HH:MM[:SS]
    assert call.duration_seconds == 7500
    assert call.direction == Direction.INCOMING
    assert (call.trunk, call.ring_seconds, call.details) == ("", 0, {})


def test_unlisted_direction_value_without_default_is_an_error():
    """Without ``direction.default`` a value not in ``values`` names the column."""
    with pytest.raises(RecordError) as raised:
        parser(SEMICOLON).parse("10/03/2025;14:05;01:00;201;351;X", RECEIVED)
    assert str(raised.value) == (
        "direction (field 6): 'X' is not one of 'E', 'S', 'I' (direction.default accepts any other)"
    )


def test_too_few_delimited_fields():
    """A record missing a required column says how many came and which is needed."""
    with pytest.raises(RecordError) as raised:
        parser(SEMICOLON).parse("10/03/2025;14:05", RECEIVED)
    assert str(raised.value) == (
        "record has 2 fields separated by ';'; column_map needs at least 3 (duration is field 3)"
    )


def test_broken_quoting_is_an_error():
    """Text after a closing quote is not valid CSV."""
    with pytest.raises(RecordError, match="not valid delimited text"):
        parser(SEMICOLON).parse('10/03/2025;14:05;01:00;"201"x;3;S', RECEIVED)


# --- Layout 6: Mitel 5000 (section 1.4, the decoded real record): no date at all.

MITEL_5000 = {
    "column_map": {
        "format": "fixed",
        "fields": {
            "extension": [5, 9],
            "trunk": [11, 15],
            "number": [17, 44],
            "time": [46, 50],
            "duration": [52, 59],
        },
        "details": {"type": [1, 3], "cost": [61, 66]},
    },
    "time_format": "%H:%M",
    "duration_format": "hh:mm:ss",
    "direction": {
        "field": "type",
        "values": {"IN": "incoming", "DID": "incoming", "000": "internal"},
        "default": "outgoing",
    },
    "min_length": 59,
}
MITEL_5000_LINE = (
    "TLC 11202 94003 961-9000                     08:36 00:00:03 $00.00              \r\n"
)


def test_record_without_a_date_is_dated_from_receipt():
    """08:36 received at 15:00 the same day (Córdoba) is today's."""
    call = parser(MITEL_5000).parse(MITEL_5000_LINE, RECEIVED)
    assert call.start == dt.datetime(2025, 3, 10, 11, 36, tzinfo=UTC)
    assert call.duration_seconds == 3
    assert call.direction == Direction.OUTGOING
    assert (call.extension, call.trunk, call.number) == ("11202", "94003", "961-9000")
    assert call.details == {"type": "TLC", "cost": "$00.00"}


def test_time_after_receipt_is_yesterday():
    """23:59 received at 00:01 is yesterday's; 00:05 received at 23:58 (clock ahead) is not."""
    line = MITEL_5000_LINE.replace("08:36", "23:59")
    call = parser(MITEL_5000).parse(line, dt.datetime(2025, 3, 11, 3, 1, tzinfo=UTC))
    assert call.start == dt.datetime(2025, 3, 11, 2, 59, tzinfo=UTC)  # 10 March, 23:59 local
    line = MITEL_5000_LINE.replace("08:36", "00:05")
    call = parser(MITEL_5000).parse(line, dt.datetime(2025, 3, 11, 2, 58, tzinfo=UTC))
    assert call.start == dt.datetime(2025, 3, 11, 3, 5, tzinfo=UTC)


def test_direction_from_a_details_column():
    """``direction.field`` may name a column kept in details."""
    line = "IN  11202 94003 3514000000                   08:36 00:00:03"
    assert parser(MITEL_5000).parse(line, RECEIVED).direction == Direction.INCOMING


def test_min_length():
    """A line shorter than ``min_length`` is an error."""
    with pytest.raises(RecordError) as raised:
        parser(MITEL_5000).parse(MITEL_5000_LINE[:50], RECEIVED)
    assert str(raised.value) == "record is 50 characters, shorter than min_length 59"


# --- Values: formats and noise, on small layouts.


def simple(duration_format="seconds", **options):
    """A CSV layout: date, time, duration."""
    return {
        "column_map": {"format": "delimited", "fields": {"date": 1, "time": 2, "duration": 3}},
        "date_format": "%Y-%m-%d",
        "duration_format": duration_format,
        **options,
    }


@pytest.mark.parametrize(
    ("duration_format", "value", "seconds"),
    [
        ("seconds", "75", 75),
        ("seconds", "", 0),
        ("hh:mm:ss", "01:02:03", 3723),
        ("hh:mm:ss", "123:00:01", 442801),
        ("mm:ss", "02:05", 125),
        ("mm:ss", "125:30", 7530),
        ("hh:mm", "02:05", 7500),
        ("hh:mm'ss", "00:01'05", 65),
        ("mm'ss", "5'15", 315),
        ("tenths-of-minute", "12.3", 738),
        ("tenths-of-minute", "123", 738),
        ("tenths-of-minute", "0.1", 6),
    ],
)
def test_duration_formats(duration_format, value, seconds):
    """Each duration format in seconds; a blank duration is zero."""
    line = f"2025-03-10,10:00,{value}"
    assert parser(simple(duration_format)).parse(line, RECEIVED).duration_seconds == seconds


@pytest.mark.parametrize(
    ("duration_format", "value"),
    [
        ("seconds", "1.5"),
        ("seconds", "-1"),
        ("hh:mm:ss", "00:60:00"),
        ("hh:mm:ss", "01:02"),
        ("mm:ss", "1:2"),
        ("hh:mm'ss", "00:01:05"),
        ("tenths-of-minute", "1.25"),
        ("tenths-of-minute", "NOANS"),
        ("seconds", "\u0661\u0662"),
    ],
)
def test_bad_durations_name_the_column_and_format(duration_format, value):
    """A duration that does not fit its format names the column and the format."""
    with pytest.raises(RecordError) as raised:
        parser(simple(duration_format)).parse(f"2025-03-10,10:00,{value}", RECEIVED)
    assert str(raised.value) == f"duration (field 3): {value!r} is not {duration_format}"


@pytest.mark.parametrize(
    ("date_format", "value", "date"),
    [
        ("%d/%m/%y", "10/03/25", (2025, 3, 10)),
        ("%d/%m/%y", "10/03/70", (1970, 3, 10)),
        ("%d%m%y", "100325", (2025, 3, 10)),
        ("%Y%m%d", "20250310", (2025, 3, 10)),
        ("%d-%b-%Y", "10-mar-2025", (2025, 3, 10)),
        ("%d.%m.", "10.03.", (2025, 3, 10)),
        ("%m/%d", "3/1", (2025, 3, 1)),
    ],
)
def test_date_formats(date_format, value, date):
    """strftime-style date formats, 2-digit years 00-69 as 20xx, no year from receipt."""
    options = simple(date_format=date_format)
    call = parser(options).parse(f"{value},10:00,0", RECEIVED)
    assert call.start == dt.datetime(*date, 13, 0, tzinfo=UTC)


def test_february_29_without_year_goes_back_to_a_leap_year():
    """02/29 received in March 2027 is 2024's."""
    options = simple(date_format="%m/%d")
    received = dt.datetime(2027, 3, 1, 12, tzinfo=UTC)
    call = parser(options).parse("02/29,10:00,0", received)
    assert call.start == dt.datetime(2024, 2, 29, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("2025-02-30,10:00,0", "date (field 1): 2025-02-30 is not a valid date"),
        ("2025-13-01,10:00,0", "date (field 1): '2025-13-01' does not match '%Y-%m-%d'"),
        ("10/03/2025,10:00,0", "date (field 1): '10/03/2025' does not match '%Y-%m-%d'"),
        ("2025-03-10,24:00,0", "time (field 2): '24:00' does not match 'HH:MM[:SS]'"),
        ("2025-03-10,,0", "time (field 2): '' does not match 'HH:MM[:SS]'"),
        ("2025-03-10,10:00:61,0", "time (field 2): '10:00:61' does not match 'HH:MM[:SS]'"),
    ],
)
def test_bad_dates_and_times_name_the_column(line, message):
    """A date or time that does not fit its format names the column and the format."""
    with pytest.raises(RecordError) as raised:
        parser(simple()).parse(line, RECEIVED)
    assert str(raised.value) == message


def test_start_on_a_dst_change_day():
    """Berlin 2025-03-30: 01:30 is CET (00:30 UTC), 02:30 does not exist (CET), 03:30 CEST."""
    berlin = parser(simple(), BERLIN)
    starts = [
        berlin.parse(f"2025-03-30,{time},0", RECEIVED).start for time in ("01:30", "02:30", "03:30")
    ]
    assert starts == [
        dt.datetime(2025, 3, 30, 0, 30, tzinfo=UTC),
        dt.datetime(2025, 3, 30, 1, 30, tzinfo=UTC),
        dt.datetime(2025, 3, 30, 1, 30, tzinfo=UTC),
    ]


def test_time_is_end_subtracts_the_duration():
    """An end time of 10:00 after 90 s is a start at 09:58:30."""
    call = parser(simple(time_is="end")).parse("2025-03-10,10:00,90", RECEIVED)
    assert call.start == dt.datetime(2025, 3, 10, 12, 58, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    ["", "\r\n", "   \r\n", "\x00\x00", "\x0c", "------------", "=====", " - - - ", "\ufeff\r\n"],
)
def test_noise_is_none(text):
    """Blank lines, form feeds, NULs and separator rows are noise."""
    assert parser(simple()).parse(text, RECEIVED) is None


def test_skip_prefixes_before_or_after_leading_blanks():
    """A skipped prefix matches at the start of the line or after its blanks."""
    options = simple(skip_prefixes=["TOTAL", "  Date"])
    assert parser(options).parse("TOTAL NO. OF CALLS: 4", RECEIVED) is None
    assert parser(options).parse("   TOTAL", RECEIVED) is None
    assert parser(options).parse("  Date,Time,Duration", RECEIVED) is None
    assert parser(options).parse("2025-03-10,10:00,0", RECEIVED) is not None


def test_form_feed_inside_a_line_is_dropped():
    """A form feed before a record does not shift it."""
    assert parser(simple()).parse("\x0c2025-03-10,10:00,5", RECEIVED).duration_seconds == 5


def test_unquoted_layout_strips_wrapping_quotes():
    """Without a ``quote`` option, a value wrapped in double quotes loses them."""
    options = simple()
    options["column_map"]["fields"]["number"] = 4
    call = parser(options).parse('2025-03-10,10:00,5," 0351 "', RECEIVED)
    assert call.number == "0351"


def test_naive_received_at_is_taken_as_utc():
    """A naive ``received_at`` is read as UTC."""
    line = MITEL_5000_LINE
    naive = RECEIVED.replace(tzinfo=None)
    assert parser(MITEL_5000).parse(line, naive) == parser(MITEL_5000).parse(line, RECEIVED)


def test_received_at_defaults_to_now():
    """Without ``received_at`` a dateless record is dated from the current time."""
    call = parser(MITEL_5000).parse(MITEL_5000_LINE)
    now = dt.datetime.now(UTC)
    assert now - dt.timedelta(days=1, minutes=1) < call.start <= now + dt.timedelta(minutes=10)


# --- Settings are checked once, when the parser is made.


def fixed(**fields):
    return {"column_map": {"format": "fixed", "fields": fields}}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {},
            'column_map: required: {"format": "fixed" or "delimited", "fields": {"date": ..., '
            '"time": ..., "duration": ...}}',
        ),
        (
            {"column_map": {"format": "csv"}},
            "column_map.format: 'csv' is not 'fixed' or 'delimited'",
        ),
        (
            {"column_map": {"format": "fixed"}},
            "column_map.fields: required: a map of field name to column",
        ),
        (
            fixed(time=[1, 5], duration=[16, 9]),
            "column_map.fields.duration: [16, 9] ends before it starts",
        ),
        (
            fixed(time=[0, 5], duration=[7, 9]),
            "column_map.fields.time: [0, 5] starts before position 1",
        ),
        (
            fixed(time=[1, 5], duration=16),
            "column_map.fields.duration: expected [first, last] character positions (from 1), "
            "got 16",
        ),
        (
            fixed(time=[1, 5], duration=[7, True]),
            "column_map.fields.duration: expected [first, last] character positions (from 1), "
            "got [7, True]",
        ),
        (
            {"column_map": {"format": "delimited", "fields": {"time": 1, "duration": [2, 3]}}},
            "column_map.fields.duration: expected a column number from 1, got [2, 3]",
        ),
        (
            {"column_map": {"format": "delimited", "fields": {"time": 0, "duration": 2}}},
            "column_map.fields.time: expected a column number from 1, got 0",
        ),
        (
            fixed(time=[1, 5], duraton=[7, 9]),
            "column_map.fields.duraton: unknown field; fields are date, time, duration, ring, "
            "extension, trunk, number, account_code, call_id, direction, end_time (put other "
            "columns under column_map.details)",
        ),
        (fixed(time=[1, 5]), "column_map.fields: needs duration"),
        (fixed(duration=[1, 5]), "column_map.fields: needs time, date, or both"),
        (
            {
                "column_map": {
                    "format": "fixed",
                    "fields": {"time": [1, 5], "duration": [7, 9]},
                    "details": {"Bad Name": [10, 12]},
                }
            },
            "column_map.details.Bad Name: names are lower case letters, digits and _, starting "
            "with a letter, and not a field name",
        ),
        (
            {
                "column_map": {
                    "format": "fixed",
                    "fields": {"time": [1, 5], "duration": [7, 9]},
                    "delimiter": ";",
                }
            },
            "column_map.delimiter: applies to delimited records only",
        ),
        (
            {
                "column_map": {
                    "format": "delimited",
                    "fields": {"time": 1, "duration": 2},
                    "delimiter": "",
                }
            },
            "column_map.delimiter: '' is not a delimiter such as ','",
        ),
        (
            {
                "column_map": {
                    "format": "delimited",
                    "fields": {"time": 1, "duration": 2},
                    "quote": "''",
                }
            },
            "column_map.quote: \"''\" is not one character such as '\"'",
        ),
        (
            {
                "column_map": {
                    "format": "delimited",
                    "fields": {"time": 1, "duration": 2},
                    "quote": '"',
                    "delimiter": "||",
                }
            },
            "column_map.delimiter: must be one character when a quote is set",
        ),
        (
            fixed(date=[1, 8], time=[10, 14], duration=[16, 23]),
            "date_format: required with a date column (e.g. '%d/%m/%y')",
        ),
        (
            {**fixed(date=[1, 8], duration=[16, 23]), "date_format": "%d/%m/%y %Q"},
            "date_format: %Q is not supported; use %Y %y %m %d %b %H %I %M %S %p or %%",
        ),
        (
            {**fixed(date=[1, 8], time=[10, 14], duration=[16, 23]), "date_format": "%y/%m"},
            "date_format: '%y/%m' needs a month (%m or %b) and a day (%d)",
        ),
        (
            {**fixed(date=[1, 8], duration=[16, 23]), "date_format": "%d/%m/%y"},
            "column_map.fields: needs a time column, or a date_format with the time (%H:%M)",
        ),
        (
            {
                **fixed(date=[1, 8], time=[10, 14], duration=[16, 23]),
                "date_format": "%d/%m/%y %H:%M",
            },
            "date_format: has a time of day, and column_map.fields also maps time",
        ),
        (
            {**fixed(date=[1, 8], time=[10, 14], duration=[16, 23]), "date_format": "%H:%M"},
            "date_format: '%H:%M' has no month and day",
        ),
        (
            {**fixed(time=[10, 14], duration=[16, 23]), "date_format": "%d/%m"},
            "date_format: set, but column_map.fields has no date",
        ),
        (
            {**fixed(time=[10, 14], duration=[16, 23]), "time_format": "%I:%M"},
            "time_format: '%I:%M': %I (12-hour clock) goes with %p (AM/PM)",
        ),
        (
            {**fixed(time=[10, 14], duration=[16, 23]), "time_format": "%H:%M%p"},
            "time_format: '%H:%M%p': use %I, not %H, with %p",
        ),
        (
            {**fixed(time=[10, 14], duration=[16, 23]), "time_format": "%H"},
            "time_format: '%H' needs an hour (%H or %I) and minutes (%M)",
        ),
        (
            {**fixed(time=[10, 14], duration=[16, 23]), "time_format": "%d %H:%M"},
            "time_format: '%d %H:%M' needs a month (%m or %b) and a day (%d)",
        ),
        (
            {**fixed(time=[10, 14], duration=[16, 23]), "time_format": "%H:%M:%M"},
            "time_format: '%H:%M:%M' has the minute twice",
        ),
        (
            {**fixed(time=[10, 14], duration=[16, 23]), "time_format": ""},
            "time_format: '' is not a format such as '%d/%m/%y'",
        ),
        (
            {**fixed(time=[10, 14], duration=[16, 23]), "duration_format": "minutes"},
            "duration_format: 'minutes' is not one of seconds, hh:mm:ss, mm:ss, hh:mm, "
            "hh:mm'ss, mm'ss, tenths-of-minute",
        ),
        (
            {**fixed(time=[10, 14], duration=[16, 23]), "ring_format": "HH:MM:SS"},
            "ring_format: 'HH:MM:SS' is not one of seconds",
        ),
        (
            {**fixed(time=[10, 14], duration=[16, 23]), "time_is": "stop"},
            "time_is: 'stop' is not 'start' or 'end'",
        ),
        (
            {**fixed(time=[10, 14], duration=[16, 23], direction=[25, 25])},
            "direction.values: required to read the direction column",
        ),
        (
            {**fixed(time=[10, 14], duration=[16, 23]), "direction": {"values": {"I": "incoming"}}},
            "direction.values: set, but there is no direction column to read",
        ),
        (
            {
                **fixed(time=[10, 14], duration=[16, 23], direction=[25, 25]),
                "direction": {"values": {"I": "inbound"}},
            },
            "direction.values: expected a map of column value to incoming, outgoing, internal, "
            "got {'I': 'inbound'}",
        ),
        (
            {**fixed(time=[10, 14], duration=[16, 23]), "direction": {"default": "out"}},
            "direction.default: 'out' is not one of incoming, outgoing, internal",
        ),
        (
            {
                **fixed(time=[10, 14], duration=[16, 23]),
                "direction": {"field": "type", "values": {"I": "incoming"}},
            },
            "direction.field: 'type' is not a column in column_map",
        ),
        (
            {**fixed(time=[10, 14], duration=[16, 23]), "direction": {"internal_max_digits": 0}},
            "direction.internal_max_digits: 0 is not a number of digits",
        ),
        (
            {**fixed(time=[10, 14], duration=[16, 23]), "direction": {"rules": []}},
            "direction.rules: unknown; use field, values, default, internal_max_digits",
        ),
        (
            {**fixed(time=[10, 14], duration=[16, 23]), "direction": "outgoing"},
            'direction: expected {"values": {...}, "default": ..., "internal_max_digits": N}',
        ),
        (
            {**fixed(time=[10, 14], duration=[16, 23]), "skip_prefixes": "Date"},
            "skip_prefixes: expected a list of non-empty strings, got 'Date'",
        ),
        (
            {**fixed(time=[10, 14], duration=[16, 23]), "skip_prefixes": [""]},
            "skip_prefixes: expected a list of non-empty strings, got ['']",
        ),
        (
            {**fixed(time=[10, 14], duration=[16, 23]), "min_length": "80"},
            "min_length: '80' is not a number of characters",
        ),
    ],
)
def test_bad_settings_raise_an_actionable_error(options, message):
    """Each wrong setting fails when the parser is made, naming the option and the fix."""
    with pytest.raises(RecordError) as raised:
        parser(options)
    assert str(raised.value).startswith(message)


def test_other_source_settings_are_ignored():
    """Transport settings (host, port, ...) share the options and are not parser errors."""
    options = {**simple(), "host": "10.0.0.5", "port": 4000, "password": "x"}
    assert parser(options).parse("2025-03-10,10:00,5", RECEIVED).duration_seconds == 5


# --- Properties.

LAYOUTS = [
    (MITEL, mitel(), CORDOBA),
    (HIPATH, HIPATH_LINES[4], BERLIN),
    (PANASONIC, panasonic(), CORDOBA),
    (ASTERISK, ASTERISK_LINES[0], UTC),
    (SEMICOLON, '10/03/2025;14:05:09;02:05;201;0351;S;T01;0;"A; B"', CORDOBA),
    (MITEL_5000, MITEL_5000_LINE, CORDOBA),
]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(LAYOUTS), st.text())
def test_arbitrary_text_raises_only_record_errors(layout, text):
    """Whatever arrives, each layout returns a call or None, or raises RecordError."""
    options, _, zone = layout
    with contextlib.suppress(RecordError):
        parser(options, zone).parse(text, RECEIVED)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(LAYOUTS),
    st.dictionaries(
        st.integers(min_value=0, max_value=100),
        st.sampled_from("0123456789:/.;,'\" -=APMIS\x00\x0c\r\n\t\u00b2\u0661"),
        max_size=6,
    ),
    st.datetimes(timezones=st.just(UTC)),
)
def test_damaged_records_raise_only_record_errors(layout, damage, received):
    """Sample records with characters overwritten never crash, whatever the receipt time."""
    options, line, zone = layout
    chars = list(line)
    for index, char in damage.items():
        if index < len(chars):
            chars[index] = char
    try:
        call = parser(options, zone).parse("".join(chars), received)
    except RecordError:
        return
    assert call is None or call.start.tzinfo is UTC


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 120) | st.text(max_size=6),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
SPEC = JSON | st.integers(-1, 12) | st.lists(st.integers(-1, 90), min_size=2, max_size=2)
FORMATS = st.sampled_from(
    ["%d/%m/%y", "%m/%d", "%Y-%m-%d %H:%M:%S", "%H:%M", "%I:%M%p", "%d%m%y", "%b %d", "%"]
) | st.text(alphabet="%dmyYHIMSpb/: x", max_size=8)
OPTIONS = st.fixed_dictionaries(
    {
        "column_map": st.fixed_dictionaries(
            {
                "format": st.sampled_from(["fixed", "delimited", "csv"]),
                "fields": st.dictionaries(
                    st.sampled_from([*FIELDS, "bogus"]), SPEC, min_size=1, max_size=7
                ),
            },
            optional={
                "details": st.dictionaries(st.sampled_from(["x", "y_1", "Bad", "date"]), SPEC),
                "delimiter": st.sampled_from([",", ";", "\t", "||", ""]) | JSON,
                "quote": st.sampled_from(['"', "'", "", ",,"]) | JSON,
            },
        )
    },
    optional={
        "date_format": FORMATS | JSON,
        "time_format": FORMATS | JSON,
        "duration_format": st.sampled_from(DURATION_FORMATS) | JSON,
        "ring_format": st.sampled_from(DURATION_FORMATS) | JSON,
        "time_is": st.sampled_from(["start", "end"]) | JSON,
        "direction": st.fixed_dictionaries(
            {},
            optional={
                "field": st.sampled_from(["direction", "x", "number"]) | JSON,
                "values": st.dictionaries(
                    st.text(max_size=3), st.sampled_from(["incoming", "outgoing", "internal", 1])
                ),
                "default": st.sampled_from(["incoming", "outgoing", "sideways"]) | JSON,
                "internal_max_digits": st.integers(-1, 6) | JSON,
            },
        )
        | JSON,
        "skip_prefixes": st.lists(st.text(max_size=3), max_size=2) | JSON,
        "min_length": st.integers(-1, 90) | JSON,
    },
)


@settings(max_examples=400, deadline=None)
@given(OPTIONS, st.text(alphabet="0123456789:/-., ;\"'APM\t", max_size=60))
def test_any_settings_raise_only_record_errors(options, text):
    """Settings an admin might type fail as RecordError, and a parser made from them too."""
    try:
        generic = parser(options)
    except RecordError:
        return
    with contextlib.suppress(RecordError):
        generic.parse(text, RECEIVED)
