"""Local wall-clock times to aware UTC, and dating records from their time of receipt.

Every parser turns a site-local date and time into an aware UTC datetime through a
:class:`LocalClock`. The fast path is one dict lookup: the UTC offset of a whole local
day is cached (by the date's text as the records write it, or by its parts), and a
time on that day is ``datetime(..., UTC) - offset``. A day whose offset changes (a DST
change) is cached as ``None`` and its times are converted one by one by ``zoneinfo``
with ``fold=0``: an ambiguous time (the hour repeated when clocks go back) is its
first occurrence, a skipped one (the hour lost when clocks go forward) takes the
offset in force before the change.

Formats without a year or without a date are dated from the time of receipt by
:class:`Receipt`: the latest moment at or before receipt (plus a clock tolerance, as
the PBX's clock may run ahead) that carries the record's local date and time, so a
call at 23:59 received at 00:01 is yesterday's and 12/31 received on 1 January is last
year's. Moments are compared in UTC, never as wall-clock times, so the hour repeated
when clocks go back dates no record a day or a year early.

The functions raise ``ValueError`` for a date that does not exist and
``OverflowError`` at the ends of the calendar; parsers turn both into a
:class:`~smdr.parsers.base.RecordError` naming their own field.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import NamedTuple, TypeVar

from .base import RecordError

UTC = dt.UTC
ONE_DAY = dt.timedelta(days=1)
# Seconds as a timedelta: ONE_SECOND * n is faster than timedelta(seconds=n) (a keyword
# costs a dict per call) and than timedelta(0, n).
ONE_SECOND = dt.timedelta(seconds=1)
DAY_CACHE_LIMIT = 10_000  # days remembered per cache before it starts afresh
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)

Key = TypeVar("Key")
Value = TypeVar("Value")


def day_offset(zone: dt.tzinfo, year: int, month: int, day: int) -> dt.timedelta | None:
    """The UTC offset of the whole local day, or ``None`` if it changes that day.

    The same offset at both midnights means no DST change that day (two changes in one
    day do not happen in the tz database's modern data).
    """
    midnight = dt.datetime(year, month, day, tzinfo=zone)
    next_midnight = (midnight.replace(tzinfo=None) + ONE_DAY).replace(tzinfo=zone)
    offset = midnight.utcoffset()
    return offset if offset == next_midnight.utcoffset() else None


def utc_midnight(zone: dt.tzinfo, year: int, month: int, day: int) -> dt.datetime | None:
    """The UTC time of the local midnight starting the day, or ``None`` on a DST change day.

    For parsers that add the time of day to it: ``midnight + ONE_SECOND * seconds``.
    """
    offset = day_offset(zone, year, month, day)
    if offset is None:
        return None
    return dt.datetime(year, month, day, 0, 0, 0, 0, UTC) - offset


def to_utc(
    zone: dt.tzinfo,
    offset: dt.timedelta | None,
    year: int,
    month: int,
    day: int,
    hour: int,
    minute: int,
    second: int = 0,
) -> dt.datetime:
    """A local time as aware UTC, given its day's :func:`day_offset` (``None``: one by one)."""
    # tzinfo is passed by position: datetime() with a keyword costs a dict per call.
    if offset is not None:
        return dt.datetime(year, month, day, hour, minute, second, 0, UTC) - offset
    return dt.datetime(year, month, day, hour, minute, second, 0, zone).astimezone(UTC)


def remember(
    cache: dict[Key, Value], key: Key, value: Value, limit: int = DAY_CACHE_LIMIT
) -> Value:
    """Store ``value`` under ``key`` and return it; a full cache is emptied first."""
    if len(cache) >= limit:
        cache.clear()
    cache[key] = value
    return value


# "HH:MM:SS" -> the time from midnight, for the parsers of such times, once checked.
TIMES_OF_DAY: dict[str, dt.timedelta] = {}
TIMES_OF_DAY_LIMIT = 100_000


def time_of_day(value: str) -> dt.timedelta:
    """``HH:MM:SS`` as the time from midnight, remembered in ``TIMES_OF_DAY`` (so a text
    found there is a time of day); ``ValueError`` when it is not one."""
    hour, minute, second = value[:2], value[3:5], value[6:]
    digits = hour + minute + second
    if (
        len(value) != 8
        or value[2] != ":"
        or value[5] != ":"
        or not (digits.isdigit() and digits.isascii())
        or hour > "23"
        or minute > "59"
        or second > "59"
    ):
        raise ValueError(f"{value!r} is not a time of day")
    seconds = int(hour) * 3600 + int(minute) * 60 + int(second)
    return remember(TIMES_OF_DAY, value, ONE_SECOND * seconds, TIMES_OF_DAY_LIMIT)


class LocalDay(NamedTuple):
    """A local date, and the local midnight starting it in UTC, as :class:`LocalClock`
    caches it. ``midnight`` is ``None`` on a day whose UTC offset changes (a DST change):
    its times are converted one by one."""

    year: int
    month: int
    day: int
    midnight: dt.datetime | None


class LocalClock:
    """One zone's local times as aware UTC, with the per-day offsets cached.

    Two caches, for two kinds of caller. ``days`` maps a date as a family's records
    write it (``"2025-07-01"``, ``"01.07.25"``) to its :class:`LocalDay`: a parser
    looks the text up, calls :meth:`day` on a miss with the parts it read, and converts
    with :meth:`on` or from ``midnight``, so the fast path is one dict lookup and no
    parsing of the date. ``offsets`` maps ``(year, month, day)`` to :func:`day_offset`
    for callers that already hold the parts (:class:`Receipt`, :meth:`utc`).
    """

    __slots__ = ("days", "limit", "offsets", "zone")

    def __init__(self, zone: dt.tzinfo, limit: int = DAY_CACHE_LIMIT):
        self.zone = zone
        self.limit = limit
        self.days: dict[str, LocalDay] = {}
        self.offsets: dict[tuple[int, int, int], dt.timedelta | None] = {}

    def day(self, text: str, year: int, month: int, day: int) -> LocalDay:
        """The day ``year-month-day``, cached in ``days`` under ``text``.

        Raises ``ValueError`` for a date that does not exist and ``OverflowError`` at
        the ends of the calendar.
        """
        offset = day_offset(self.zone, year, month, day)
        midnight = None
        if offset is not None:
            # Not on the first day of the calendar east of UTC: converted one by one.
            with contextlib.suppress(OverflowError):
                midnight = dt.datetime(year, month, day, 0, 0, 0, 0, UTC) - offset
        return remember(self.days, text, LocalDay(year, month, day, midnight), self.limit)

    def on(self, day: LocalDay, time_of_day: dt.timedelta) -> dt.datetime:
        """The moment ``time_of_day`` (from midnight, under a day) on ``day`` as aware
        UTC (``fold=0`` in a DST gap or overlap)."""
        midnight = day.midnight
        if midnight is not None:
            return midnight + time_of_day
        hour, seconds = divmod(time_of_day.seconds, 3600)
        minute, second = divmod(seconds, 60)
        local = dt.datetime(day.year, day.month, day.day, hour, minute, second, 0, self.zone)
        return local.astimezone(UTC)

    def offset(self, year: int, month: int, day: int) -> dt.timedelta | None:
        """:func:`day_offset` of the day, cached."""
        try:
            return self.offsets[year, month, day]
        except KeyError:
            offset = day_offset(self.zone, year, month, day)
            return remember(self.offsets, (year, month, day), offset, self.limit)

    def utc(
        self, year: int, month: int, day: int, hour: int, minute: int, second: int = 0
    ) -> dt.datetime:
        """The local time as aware UTC (``fold=0`` in a DST gap or overlap)."""
        try:
            offset = self.offsets[year, month, day]
        except KeyError:
            offset = self.offset(year, month, day)
        if offset is not None:
            return dt.datetime(year, month, day, hour, minute, second, 0, UTC) - offset
        return dt.datetime(year, month, day, hour, minute, second, 0, self.zone).astimezone(UTC)


class Receipt:
    """When a record arrived, and the latest moment a record received then can carry.

    The comparison is between moments (aware UTC), never wall-clock times: around a DST
    change the wall clock repeats or skips an hour, so a record whose local time is
    later on the wall clock than its receipt may still have happened before it (the
    repeated autumn hour). ``tolerance`` is how far the PBX's clock may run ahead of
    ours; ``name`` is how error messages call the time of receipt. ``received_at``
    ``None`` means now; a naive one is taken as UTC. The last limit is cached, as
    records of one batch share their time of receipt.
    """

    __slots__ = ("_limit", "_received", "_today", "clock", "name", "tolerance")

    def __init__(
        self,
        zone: dt.tzinfo,
        tolerance: dt.timedelta,
        name: str = "received_at",
        cache_limit: int = DAY_CACHE_LIMIT,
    ):
        self.clock = LocalClock(zone, cache_limit)
        self.tolerance = tolerance
        self.name = name
        self._received: dt.datetime | None = None
        self._limit = (_EPOCH, _EPOCH)  # of _received
        # The local date of the limit and its UTC offset, once latest_time needs them.
        self._today: tuple[int, int, int, dt.timedelta | None] | None = None

    def utc_limit(self, received_at: dt.datetime | None) -> tuple[dt.datetime, dt.datetime]:
        """Receipt plus tolerance as aware UTC, and the same moment in the zone."""
        if received_at is None:
            received_at = dt.datetime.now(UTC)
        elif received_at is self._received or received_at == self._received:
            return self._limit
        if received_at.tzinfo is None:
            received_at = received_at.replace(tzinfo=UTC)
        try:
            limit = received_at + self.tolerance
            both = limit, limit.astimezone(self.clock.zone)
        except OverflowError:
            raise self.out_of_range(received_at) from None
        self._received, self._limit, self._today = received_at, both, None
        return both

    def latest_time(
        self, received_at: dt.datetime | None, hour: int, minute: int, second: int = 0
    ) -> dt.datetime:
        """A time of day with no date: the latest day that puts it at or before receipt.

        That is the day of the limit or the day before, as aware UTC (``fold=0``, as
        :meth:`LocalClock.utc`). Raises RecordError near the ends of the calendar.
        """
        if received_at is not self._received or received_at is None:
            self.utc_limit(received_at)
        limit, local = self._limit
        try:
            # The records of a batch share their receipt, and so the limit's day.
            today = self._today or self._local_today(local)
            year, month, day, offset = today
            if offset is not None:
                moment = dt.datetime(year, month, day, hour, minute, second, 0, UTC) - offset
            else:
                moment = self.clock.utc(year, month, day, hour, minute, second)
            if moment > limit:
                yesterday = local.date() - ONE_DAY
                moment = self.clock.utc(
                    yesterday.year, yesterday.month, yesterday.day, hour, minute, second
                )
        except (OverflowError, ValueError):
            raise self.out_of_range(received_at) from None
        return moment

    def _local_today(self, local: dt.datetime) -> tuple[int, int, int, dt.timedelta | None]:
        """The local date of the limit with its UTC offset, kept until the next receipt."""
        year, month, day = local.year, local.month, local.day
        self._today = year, month, day, self.clock.offset(year, month, day)
        return self._today

    def latest_date_time(
        self,
        received_at: dt.datetime | None,
        month: int,
        day: int,
        hour: int,
        minute: int,
        second: int = 0,
    ) -> dt.datetime | None:
        """A date with no year: the latest year that puts it at or before receipt.

        Aware UTC (``fold=0``). 02/29 goes back to the latest leap year. ``None`` when no
        year in the eight before receipt fits (a date that exists in no year, or the
        start of the calendar): the caller raises an error naming its own field.
        """
        if received_at is not self._received or received_at is None:
            self.utc_limit(received_at)
        limit, local = self._limit
        year = local.year if (month, day) <= (local.month, local.day) else local.year - 1
        # Fast path: a day seen before (so a date that exists), with no DST change.
        offset = self.clock.offsets.get((year, month, day))
        if offset is not None:
            try:
                moment = dt.datetime(year, month, day, hour, minute, second, 0, UTC) - offset
            except (OverflowError, ValueError):
                return None
            if moment <= limit:
                return moment
        utc = self.clock.utc
        for candidate in range(year, year - 9, -1):
            if month == 2 and day == 29 and not is_leap(candidate):
                continue
            try:
                moment = utc(candidate, month, day, hour, minute, second)
            except (OverflowError, ValueError):
                return None
            if moment <= limit:
                return moment
        return None

    def out_of_range(self, received_at: dt.datetime | None) -> RecordError:
        """The error for a time of receipt too close to the ends of the calendar."""
        if received_at is None:
            received_at = dt.datetime.now(UTC)
        elif received_at.tzinfo is None:
            received_at = received_at.replace(tzinfo=UTC)
        return RecordError(f"{self.name} {received_at.isoformat()} is out of range")


def expand_year(year: int, pivot: int = 70) -> int:
    """A 2-digit year in the century that puts it from ``19<pivot>`` to ``20<pivot - 1>``."""
    return year + (2000 if year < pivot else 1900)


def is_leap(year: int) -> bool:
    """True for a Gregorian leap year."""
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def is_valid_date(year: int, month: int, day: int) -> bool:
    """True when the date exists (and is within ``datetime``'s years 1 to 9999)."""
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True
