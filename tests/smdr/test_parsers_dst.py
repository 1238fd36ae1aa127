"""Dating on receipt across DST changes, midnight and New Year, for every family whose
records carry no year or no date (they share smdr.parsers.clock.Receipt).

Each case is a call whose local time is printed by the PBX and a moment of receipt a
few minutes later; the start must be the moment the call really began. Around the
autumn change the wall clock repeats an hour, so a call in the first pass of that hour
received during the second has a later wall-clock time than its receipt: comparing wall
clocks dated such calls a day (no date) or a year (no year) early.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from smdr.parsers import PARSERS, ParserSettings, RecordError

UTC = dt.UTC
NEW_YORK = ZoneInfo("America/New_York")  # 2025: EDT from 03-09 07:00 UTC to 11-02 06:00 UTC
BERLIN = ZoneInfo("Europe/Berlin")  # 2025: CEST from 03-30 01:00 UTC to 10-26 01:00 UTC
SANTIAGO = ZoneInfo("America/Santiago")  # 2025: -04 from 04-06 03:00 UTC to 09-07 04:00 UTC
CORDOBA = ZoneInfo("America/Argentina/Cordoba")  # UTC-3 all year


def mitel_5000(month, day, hour, minute):
    return f"TLC 11202 94003 961-9000                     {hour:02}:{minute:02} 00:00:03 $00.00"


def mitel_mivb(month, day, hour, minute):
    return f" {month:02}/{day:02} {hour:02}:{minute:02}  00:02:21 2664      95921022"


def avaya_cm(month, day, hour, minute):
    # The time is the call's end; a duration of 0 makes it the start as well.
    return f"{hour:02}{minute:02} 0000 7 9   101 5551234567      4567"


def nec_dated(month, day, hour, minute):
    return f"POT  {hour:02}:{minute:02} {month:02}/{day:02}  002 00:00:10 2001       2142623801"


def nec_undated(month, day, hour, minute):
    return f"POT  {hour:02}:{minute:02}  002       00:00:10 2001       2142623801"


def samsung(month, day, hour, minute):
    when = f"{month:02}/{day:02} {hour:02}:{minute:02}:00"
    return f"     412 203              {when} 00:01:27 OT 5556420"


GENERIC_DATED = {
    "column_map": {
        "format": "delimited",
        "fields": {"date": 1, "time": 2, "duration": 3},
    },
    "date_format": "%m/%d",
}
GENERIC_UNDATED = {"column_map": {"format": "delimited", "fields": {"time": 1, "duration": 2}}}


def generic_dated(month, day, hour, minute):
    return f"{month:02}/{day:02},{hour:02}:{minute:02},60"


def generic_undated(month, day, hour, minute):
    return f"{hour:02}:{minute:02},60"


# (family, options, record builder, whether the record has a date)
FAMILIES = [
    ("mitel-5000", {}, mitel_5000, False),
    ("mitel-mivb", {}, mitel_mivb, True),
    ("avaya-cm", {}, avaya_cm, False),
    ("nec", {}, nec_dated, True),
    ("nec", {}, nec_undated, False),
    ("samsung-officeserv", {}, samsung, True),
    ("generic", GENERIC_DATED, generic_dated, True),
    ("generic", GENERIC_UNDATED, generic_undated, False),
]
FAMILY_IDS = [f"{family}-{build.__name__}" for family, _, build, _ in FAMILIES]


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


# (zone, the call's local month, day, hour, minute, its start in UTC, received at, UTC)
CASES = {
    # Autumn: a call in the first pass of the repeated hour, received in the second.
    "new-york-fall-back": (
        NEW_YORK,
        (11, 2, 1, 50),
        utc(2025, 11, 2, 5, 50),
        utc(2025, 11, 2, 6, 5),
    ),
    "berlin-fall-back": (
        BERLIN,
        (10, 26, 2, 50),
        utc(2025, 10, 26, 0, 50),
        utc(2025, 10, 26, 1, 5),
    ),
    "santiago-fall-back-at-midnight": (
        SANTIAGO,
        (4, 5, 23, 50),
        utc(2025, 4, 6, 2, 50),
        utc(2025, 4, 6, 3, 5),
    ),
    # The same hour's second pass, received at once: its first occurrence (fold=0).
    "new-york-repeated-hour-is-its-first-pass": (
        NEW_YORK,
        (11, 2, 1, 10),
        utc(2025, 11, 2, 5, 10),
        utc(2025, 11, 2, 6, 12),
    ),
    # Spring: a PBX clock a few minutes ahead prints a time after the lost hour.
    "new-york-spring-forward": (
        NEW_YORK,
        (3, 9, 3, 2),
        utc(2025, 3, 9, 7, 2),
        utc(2025, 3, 9, 6, 58),
    ),
    "berlin-spring-forward": (
        BERLIN,
        (3, 30, 3, 2),
        utc(2025, 3, 30, 1, 2),
        utc(2025, 3, 30, 0, 58),
    ),
    "santiago-spring-forward-at-midnight": (
        SANTIAGO,
        (9, 7, 1, 2),
        utc(2025, 9, 7, 4, 2),
        utc(2025, 9, 7, 3, 58),
    ),
    "new-york-after-spring-forward": (
        NEW_YORK,
        (3, 9, 3, 10),
        utc(2025, 3, 9, 7, 10),
        utc(2025, 3, 9, 7, 12),
    ),
    # Midnight and New Year: yesterday's and last year's call, and one just ahead.
    "new-year-last-years-call": (
        CORDOBA,
        (12, 31, 23, 59),
        utc(2025, 1, 1, 2, 59),
        utc(2025, 1, 1, 3, 1),
    ),
    "new-year-clock-ahead": (CORDOBA, (1, 1, 0, 3), utc(2025, 1, 1, 3, 3), utc(2025, 1, 1, 2, 59)),
    "midnight-yesterdays-call": (
        BERLIN,
        (7, 14, 23, 58),
        utc(2025, 7, 14, 21, 58),
        utc(2025, 7, 14, 22, 2),
    ),
}


def parse(family, options, zone, text, received_at):
    parser = PARSERS[family](ParserSettings(time_zone=zone, options=options))
    return parser.parse(text, received_at)


@pytest.mark.parametrize(("family", "options", "build", "dated"), FAMILIES, ids=FAMILY_IDS)
@pytest.mark.parametrize("case", CASES)
def test_start_is_the_moment_the_call_began(family, options, build, dated, case):
    """Dated from receipt, the call starts when it did: not a day or a year early."""
    zone, (month, day, hour, minute), start, received_at = CASES[case]
    call = parse(family, options, zone, build(month, day, hour, minute), received_at)
    assert call.start == start


@pytest.mark.parametrize(("family", "options", "build", "dated"), FAMILIES, ids=FAMILY_IDS)
def test_a_call_later_than_receipt_is_yesterdays_or_last_years(family, options, build, dated):
    """A time later than receipt (beyond the clock tolerance) is a day or a year back."""
    received_at = utc(2025, 11, 2, 6, 5)  # 01:05 EST, after the repeated hour
    call = parse(family, options, NEW_YORK, build(11, 2, 1, 30), received_at)
    assert call.start == utc(2025, 11, 2, 5, 30)  # the first 01:30, in EDT
    call = parse(family, options, NEW_YORK, build(11, 2, 9, 0), received_at)
    expected = utc(2024, 11, 2, 13, 0) if dated else utc(2025, 11, 1, 13, 0)
    assert call.start == expected


@pytest.mark.parametrize(("family", "options", "build", "dated"), FAMILIES, ids=FAMILY_IDS)
def test_naive_received_at_is_utc(family, options, build, dated):
    """A naive time of receipt is UTC, for every family (NEC took it as local time)."""
    zone, (month, day, hour, minute), start, received_at = CASES["new-york-fall-back"]
    text = build(month, day, hour, minute)
    naive = received_at.replace(tzinfo=None)
    assert parse(family, options, zone, text, naive).start == start


@pytest.mark.parametrize(("family", "options", "build", "dated"), FAMILIES, ids=FAMILY_IDS)
@pytest.mark.parametrize("received_at", [utc(1, 1, 1, 0, 1), dt.datetime.max.replace(tzinfo=UTC)])
def test_receipt_at_the_ends_of_the_calendar_is_a_record_error(
    family, options, build, dated, received_at
):
    """No OverflowError escapes: the error names the date or the time of receipt."""
    with pytest.raises(RecordError, match=r"(?i)received|receipt|date"):
        parse(family, options, CORDOBA, build(6, 15, 12, 0), received_at)
