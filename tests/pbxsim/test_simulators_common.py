"""The pieces every record generator shares (pbxsim.common)."""

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pbxsim.common import (
    AREAS,
    LOCAL_AREA,
    CallMaker,
    LocalStamps,
    checked_range,
    clock_text,
    fit,
    instants,
    minute_instants,
    minute_range,
)

CORDOBA = ZoneInfo("America/Argentina/Cordoba")
START = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
ZONES = [
    "America/Argentina/Cordoba",
    "Europe/London",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "America/Santiago",
    "Pacific/Chatham",
    "UTC",
]


def test_clock_text():
    assert clock_text(0) == "00:00:00"
    assert clock_text(3599) == "00:59:59"
    assert clock_text(4 * 3600 + 61) == "04:01:01"


def test_fit_cuts_talk_before_ring():
    assert fit(100, 10, 50) == (10, 50)
    assert fit(30, 10, 50) == (0, 30)
    assert fit(30, 10, 25) == (5, 25)
    assert fit(0, 10, 25) == (0, 0)


def test_checked_range_rounds_the_start_up_to_a_whole_second():
    start = START + dt.timedelta(microseconds=1)
    start_ts, end_ts = checked_range(1, start, START + dt.timedelta(hours=1), ["20"])
    assert (start_ts, end_ts) == (START.timestamp() + 1, START.timestamp() + 3600)
    with pytest.raises(ValueError, match="at most 2 digits"):
        checked_range(1, START, START + dt.timedelta(hours=1), ["201"], max_digits=2)
    with pytest.raises(ValueError, match="a whole second after start"):
        checked_range(1, start, START + dt.timedelta(milliseconds=500), ["20"])


def test_minute_range_and_instants_fall_on_whole_minutes():
    first, last = minute_range(START + dt.timedelta(seconds=1), START + dt.timedelta(minutes=10))
    assert (first - START.timestamp(), last - START.timestamp()) == (60, 540)
    with pytest.raises(ValueError, match="whole minute"):
        minute_range(START + dt.timedelta(seconds=1), START + dt.timedelta(seconds=59))
    moments = list(minute_instants(random.Random(1), 50, first, last, CORDOBA))
    assert len(moments) == 50
    for instant, local in moments:
        assert instant % 60 == 0 and first <= instant <= last
        assert local == dt.datetime.fromtimestamp(instant, CORDOBA)


def test_instants_ascend_within_the_range():
    start_ts, end_ts = START.timestamp(), START.timestamp() + 86_400
    moments = list(instants(random.Random(3), 500, int(start_ts), end_ts, CORDOBA))
    assert moments == sorted(moments)
    assert start_ts <= moments[0] and moments[-1] < end_ts


def test_call_maker_numbers():
    """Outside numbers carry their kind; a caller's number may be withheld."""
    maker = CallMaker(random.Random(5), ["201", "202"])
    kinds = {maker.outside_number()[2] for _ in range(500)}
    assert kinds == {"local", "national", "mobile", "toll-free", "international"}
    clis = [maker.cli(withheld=0.5) for _ in range(500)]
    assert "" in clis
    areas = {LOCAL_AREA, *(area for area, _ in AREAS)}
    assert all(not cli or any(cli.startswith(area) for area in areas) for cli in clis)
    assert all(maker.cli() for _ in range(200))  # withheld=0: never blank
    assert maker.other_extension("201") == "202"


@settings(max_examples=200, deadline=None)
@given(
    seconds=st.integers(min_value=946_684_800, max_value=2_051_222_400),  # 2000 to 2035
    zone=st.sampled_from(ZONES),
)
def test_local_stamps_match_datetime(seconds, zone):
    """The cached local clock prints what ``datetime.fromtimestamp`` does, DST included."""
    time_zone = ZoneInfo(zone)
    stamps = LocalStamps(time_zone)
    for instant in (seconds, seconds + 1799, seconds + 3600, seconds - 86_400):
        expected = dt.datetime.fromtimestamp(instant, time_zone).strftime("%Y-%m-%d %H:%M:%S")
        assert stamps(instant) == expected
        assert LocalStamps(time_zone, "/")(instant) == expected.replace("-", "/")


def test_local_stamps_across_dst_changes():
    """Every second around London's and Lord Howe's changes prints as datetime does."""
    for zone, change in (
        ("Europe/London", dt.datetime(2026, 10, 25, 1, tzinfo=dt.UTC)),
        ("Europe/London", dt.datetime(2026, 3, 29, 1, tzinfo=dt.UTC)),
        ("Australia/Lord_Howe", dt.datetime(2026, 4, 4, 14, 30, tzinfo=dt.UTC)),
    ):
        time_zone = ZoneInfo(zone)
        stamps = LocalStamps(time_zone)
        middle = int(change.timestamp())
        for instant in range(middle - 7200, middle + 7200, 7):
            local = dt.datetime.fromtimestamp(instant, time_zone)
            assert stamps(instant) == local.strftime("%Y-%m-%d %H:%M:%S")
