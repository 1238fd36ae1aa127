"""The parsers' shared time, date and option helpers (smdr.parsers.clock, .options)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from smdr.parsers.base import RecordError
from smdr.parsers.clock import (
    TIMES_OF_DAY,
    LocalClock,
    LocalDay,
    Receipt,
    day_offset,
    expand_year,
    is_leap,
    remember,
    time_of_day,
    to_utc,
    utc_midnight,
)
from smdr.parsers.options import (
    bool_option,
    choice_option,
    contexts_option,
    digits_option,
    tolerance_option,
)

LONDON = ZoneInfo("Europe/London")  # BST from 2025-03-30 01:00 UTC to 2025-10-26 01:00 UTC
CORDOBA = ZoneInfo("America/Argentina/Cordoba")  # UTC-3 all year
UTC = dt.UTC


def test_day_offset_of_a_whole_day():
    assert day_offset(LONDON, 2025, 7, 1) == dt.timedelta(hours=1)
    assert day_offset(CORDOBA, 2025, 3, 30) == dt.timedelta(hours=-3)


@pytest.mark.parametrize("day", [(2025, 3, 30), (2025, 10, 26)])
def test_day_offset_is_none_on_a_dst_change_day(day):
    assert day_offset(LONDON, *day) is None
    assert utc_midnight(LONDON, *day) is None


def test_day_offset_refuses_a_date_that_does_not_exist():
    with pytest.raises(ValueError):
        day_offset(LONDON, 2025, 2, 29)
    with pytest.raises(OverflowError):
        day_offset(LONDON, 9999, 12, 31)


def test_utc_midnight():
    assert utc_midnight(CORDOBA, 2025, 1, 2) == dt.datetime(2025, 1, 2, 3, tzinfo=UTC)


def test_dst_gap_takes_the_offset_before_the_change():
    """01:30 does not exist in London on 2025-03-30: fold=0 reads it as GMT."""
    clock = LocalClock(LONDON)
    assert clock.utc(2025, 3, 30, 1, 30) == dt.datetime(2025, 3, 30, 1, 30, tzinfo=UTC)
    assert clock.utc(2025, 3, 30, 2, 30) == dt.datetime(2025, 3, 30, 1, 30, tzinfo=UTC)


def test_dst_fold_is_the_first_occurrence():
    """01:30 happens twice in London on 2025-10-26: the first, in BST."""
    clock = LocalClock(LONDON)
    assert clock.utc(2025, 10, 26, 1, 30) == dt.datetime(2025, 10, 26, 0, 30, tzinfo=UTC)
    assert clock.utc(2025, 10, 26, 3, 0) == dt.datetime(2025, 10, 26, 3, 0, tzinfo=UTC)


def test_local_clock_caches_offsets_and_agrees_with_to_utc():
    clock = LocalClock(LONDON, limit=2)
    summer = clock.utc(2025, 7, 1, 12, 0, 5)
    assert summer == dt.datetime(2025, 7, 1, 11, 0, 5, tzinfo=UTC)
    assert clock.offsets == {(2025, 7, 1): dt.timedelta(hours=1)}
    assert to_utc(LONDON, clock.offset(2025, 7, 1), 2025, 7, 1, 12, 0, 5) == summer
    clock.utc(2025, 7, 2, 0, 0)
    clock.utc(2025, 7, 3, 0, 0)  # full: starts afresh
    assert list(clock.offsets) == [(2025, 7, 3)]


def test_local_clock_days_by_their_text():
    """A day is cached under the text the records write it in, with its UTC midnight;
    a DST change day has none, and its times are converted one by one (fold=0)."""
    clock = LocalClock(LONDON)
    summer = clock.day("01.07.25", 2025, 7, 1)
    assert summer == LocalDay(2025, 7, 1, dt.datetime(2025, 6, 30, 23, tzinfo=UTC))
    assert clock.days == {"01.07.25": summer}
    assert clock.on(summer, dt.timedelta(hours=12, seconds=5)) == dt.datetime(
        2025, 7, 1, 11, 0, 5, tzinfo=UTC
    )
    autumn = clock.day("2025-10-26", 2025, 10, 26)
    assert autumn.midnight is None
    first_130 = clock.on(autumn, dt.timedelta(hours=1, minutes=30))
    assert first_130 == dt.datetime(2025, 10, 26, 0, 30, tzinfo=UTC)  # BST, the first
    assert clock.on(autumn, dt.timedelta(hours=3)) == clock.utc(2025, 10, 26, 3, 0)
    with pytest.raises(ValueError):
        clock.day("2025-02-30", 2025, 2, 30)
    with pytest.raises(OverflowError):
        clock.day("9999-12-31", 9999, 12, 31)


def test_time_of_day_is_checked_and_remembered():
    assert time_of_day("10:03:05") == dt.timedelta(hours=10, minutes=3, seconds=5)
    assert TIMES_OF_DAY["10:03:05"] == dt.timedelta(hours=10, minutes=3, seconds=5)
    for value in ("24:00:00", "10:60:00", "10:00:60", "10:03", "1:03:05", "10-03-05"):
        with pytest.raises(ValueError):
            time_of_day(value)
        assert value not in TIMES_OF_DAY


def test_remember_empties_a_full_cache():
    cache = {1: 1, 2: 2}
    assert remember(cache, 3, "three", limit=2) == "three"
    assert cache == {3: "three"}


def test_latest_time_is_today_or_yesterday():
    """A time of day at or before receipt (plus tolerance) is today's, a later one yesterday's."""
    receipt = Receipt(CORDOBA, dt.timedelta(minutes=5))
    received = dt.datetime(2025, 1, 1, 3, 5, tzinfo=UTC)  # 00:05 on 1 January in Córdoba
    assert receipt.latest_time(received, 0, 10) == dt.datetime(2025, 1, 1, 3, 10, tzinfo=UTC)
    assert receipt.latest_time(received, 0, 11) == dt.datetime(2024, 12, 31, 3, 11, tzinfo=UTC)
    assert receipt.latest_time(received, 23, 50) == dt.datetime(2025, 1, 1, 2, 50, tzinfo=UTC)


def test_latest_time_compares_moments_in_the_repeated_hour():
    """London 2025-10-26: 01:50 BST (00:50 UTC), received at 01:05 GMT (01:05 UTC), is today's
    though its wall-clock time is later than receipt's."""
    receipt = Receipt(LONDON, dt.timedelta(minutes=5))
    received = dt.datetime(2025, 10, 26, 1, 5, tzinfo=UTC)
    assert receipt.latest_time(received, 1, 50) == dt.datetime(2025, 10, 26, 0, 50, tzinfo=UTC)


def test_latest_date_time_new_year_and_leap_day():
    receipt = Receipt(CORDOBA, dt.timedelta(minutes=5))
    received = dt.datetime(2025, 1, 1, 3, 0, tzinfo=UTC)  # 00:00 on 1 January in Córdoba
    assert receipt.latest_date_time(received, 12, 31, 23, 59) == dt.datetime(
        2025, 1, 1, 2, 59, tzinfo=UTC
    )
    assert receipt.latest_date_time(received, 1, 1, 0, 5) == dt.datetime(
        2025, 1, 1, 3, 5, tzinfo=UTC
    )
    assert receipt.latest_date_time(received, 1, 1, 0, 6) == dt.datetime(
        2024, 1, 1, 3, 6, tzinfo=UTC
    )  # later the same day: a year ago
    assert receipt.latest_date_time(received, 2, 29, 12, 0).year == 2024
    later = dt.datetime(2101, 3, 1, tzinfo=UTC)
    assert receipt.latest_date_time(later, 2, 29, 12, 0).year == 2096  # 2100 is no leap year
    assert is_leap(2000) and not is_leap(1900)


def test_latest_date_time_is_none_when_no_year_fits():
    receipt = Receipt(CORDOBA, dt.timedelta(0))
    assert receipt.latest_date_time(dt.datetime(2025, 6, 1, tzinfo=UTC), 4, 31, 12, 0) is None
    assert receipt.latest_date_time(dt.datetime(1, 1, 2, tzinfo=UTC), 6, 1, 12, 0) is None


def test_receipt_utc_limit_adds_the_tolerance_to_the_moment():
    receipt = Receipt(LONDON, dt.timedelta(minutes=5))
    received = dt.datetime(2025, 3, 30, 0, 58, tzinfo=UTC)  # 00:58 GMT, 2 min before BST
    limit, local = receipt.utc_limit(received)
    assert limit == dt.datetime(2025, 3, 30, 1, 3, tzinfo=UTC)
    assert local == dt.datetime(2025, 3, 30, 2, 3, tzinfo=LONDON)
    assert receipt.utc_limit(received.replace(tzinfo=None))[0] == limit  # naive is UTC


def test_receipt_out_of_range_names_the_time_of_receipt():
    receipt = Receipt(CORDOBA, dt.timedelta(minutes=10), "time of receipt")
    with pytest.raises(RecordError, match="time of receipt 9999-12-31T23:59:00"):
        receipt.utc_limit(dt.datetime(9999, 12, 31, 23, 59, tzinfo=UTC))
    with pytest.raises(RecordError, match="received_at 0001-01-01T00:00:00"):
        Receipt(CORDOBA, dt.timedelta(0)).latest_time(dt.datetime(1, 1, 1, tzinfo=UTC), 12, 0)


def test_expand_year():
    assert expand_year(69) == 2069
    assert expand_year(70) == 1970
    assert expand_year(0) == 2000


def test_options():
    assert bool_option({}, "flag", True) is True
    assert bool_option({"flag": "Yes"}, "flag", False, words=True) is True
    with pytest.raises(RecordError, match="option flag: 'yes' is not true or false"):
        bool_option({"flag": "yes"}, "flag", False)
    assert digits_option({"d": 4}, "d", 6) == 4
    with pytest.raises(RecordError, match="option d: True is not a whole number from 1 to 32"):
        digits_option({"d": True}, "d", 6)
    assert tolerance_option({}, 5, 720) == dt.timedelta(minutes=5)
    with pytest.raises(RecordError, match="is not a whole number of minutes from 0 to 720"):
        tolerance_option({"clock_tolerance_minutes": 721}, 5, 720)
    assert choice_option({}, "clock", "auto", ("auto", "12")) == "auto"
    with pytest.raises(RecordError, match="option clock: '1' is not one of auto, 12"):
        choice_option({"clock": "1"}, "clock", "auto", ("auto", "12"))
    assert contexts_option({"c": ["a", "b*"]}, "c", ()) == (frozenset({"a"}), ("b",))
