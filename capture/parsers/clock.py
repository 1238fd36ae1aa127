"""Local wall-clock times to aware UTC, and dating records from their time of receipt.

Every parser turns a site-local date and time into an aware UTC datetime. The fast
path is one dict lookup: the UTC offset of a whole local day is cached, and a time on
that day is ``datetime(..., tzinfo=UTC) - offset``. A day whose offset changes (a DST
change) is cached as ``None`` and its times are converted one by one by ``zoneinfo``
with ``fold=0``: an ambiguous time (the hour repeated when clocks go back) is its
first occurrence, a skipped one (the hour lost when clocks go forward) takes the
offset in force before the change.

Formats without a year or without a date are dated from the time of receipt:
:class:`Receipt` gives the latest local wall-clock time a record received at a
moment can carry (receipt plus a clock tolerance, as the PBX's clock may run ahead),
:func:`latest_year` and :func:`latest_date` pick the most recent matching date at
or before it (02/29 goes back to the latest leap year, 12/31 received on 1 January
is last year's).

The functions raise ``ValueError`` for a date that does not exist and
``OverflowError`` at the ends of the calendar; parsers turn both into a
:class:`~capture.parsers.base.RecordError` naming their own field.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from .base import RecordError

UTC = dt.UTC
ONE_DAY = dt.timedelta(days=1)
DAY_CACHE_LIMIT = 10_000  # days remembered per cache before it starts afresh
_MISSING = object()


def day_offset(zone: ZoneInfo | dt.tzinfo, year: int, month: int, day: int) -> dt.timedelta | None:
    """The UTC offset of the whole local day, or ``None`` if it changes that day.

    The same offset at both midnights means no DST change that day (two changes in one
    day do not happen in the tz database's modern data).
    """
    midnight = dt.datetime(year, month, day, tzinfo=zone)
    next_midnight = (midnight.replace(tzinfo=None) + ONE_DAY).replace(tzinfo=zone)
    offset = midnight.utcoffset()
    return offset if offset == next_midnight.utcoffset() else None


def utc_midnight(zone: ZoneInfo | dt.tzinfo, year: int, month: int, day: int) -> dt.datetime | None:
    """The UTC time of the local midnight starting the day, or ``None`` on a DST change day.

    For parsers that add the time of day to it: ``midnight + timedelta(seconds=...)``.
    """
    offset = day_offset(zone, year, month, day)
    if offset is None:
        return None
    return dt.datetime(year, month, day, tzinfo=UTC) - offset


def to_utc(
    zone: ZoneInfo | dt.tzinfo,
    offset: dt.timedelta | None,
    year: int,
    month: int,
    day: int,
    hour: int,
    minute: int,
    second: int = 0,
) -> dt.datetime:
    """A local time as aware UTC, given its day's :func:`day_offset` (``None``: one by one)."""
    if offset is not None:
        return dt.datetime(year, month, day, hour, minute, second, tzinfo=UTC) - offset
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=zone).astimezone(UTC)


def remember(cache: dict, key: object, value: object, limit: int = DAY_CACHE_LIMIT) -> object:
    """Store ``value`` under ``key`` and return it; a full cache is emptied first."""
    if len(cache) >= limit:
        cache.clear()
    cache[key] = value
    return value


class LocalClock:
    """One zone's local times as aware UTC, with the per-day offsets cached.

    ``offsets`` maps ``(year, month, day)`` to :func:`day_offset`; parsers with a hot
    path of their own may read it directly and call :meth:`offset` on a miss.
    """

    __slots__ = ("limit", "offsets", "zone")

    def __init__(self, zone: ZoneInfo | dt.tzinfo, limit: int = DAY_CACHE_LIMIT):
        self.zone = zone
        self.limit = limit
        self.offsets: dict[tuple[int, int, int], dt.timedelta | None] = {}

    def offset(self, year: int, month: int, day: int) -> dt.timedelta | None:
        """:func:`day_offset` of the day, cached."""
        offset = self.offsets.get((year, month, day), _MISSING)
        if offset is _MISSING:
            offset = day_offset(self.zone, year, month, day)
            remember(self.offsets, (year, month, day), offset, self.limit)
        return offset

    def utc(
        self, year: int, month: int, day: int, hour: int, minute: int, second: int = 0
    ) -> dt.datetime:
        """The local time as aware UTC (``fold=0`` in a DST gap or overlap)."""
        offset = self.offsets.get((year, month, day), _MISSING)
        if offset is _MISSING:
            offset = self.offset(year, month, day)
        if offset is not None:
            return dt.datetime(year, month, day, hour, minute, second, tzinfo=UTC) - offset
        return dt.datetime(year, month, day, hour, minute, second, tzinfo=self.zone).astimezone(UTC)


class Receipt:
    """When a record arrived, as the latest time it can carry; the last one is cached.

    ``tolerance`` is how far the PBX's clock may run ahead of ours; ``name`` is how
    error messages call the time of receipt. ``received_at`` ``None`` means now; a
    naive one is taken as UTC.
    """

    __slots__ = ("_limit", "_received", "_utc_limit", "_utc_received", "name", "tolerance", "zone")

    def __init__(
        self, zone: ZoneInfo | dt.tzinfo, tolerance: dt.timedelta, name: str = "received_at"
    ):
        self.zone = zone
        self.tolerance = tolerance
        self.name = name
        self._received: dt.datetime | None = None
        self._limit = dt.datetime.min
        self._utc_received: dt.datetime | None = None
        self._utc_limit: tuple[dt.datetime, dt.datetime] | None = None

    def local_limit(self, received_at: dt.datetime | None) -> dt.datetime:
        """The latest local wall-clock time (naive): receipt in the zone plus tolerance."""
        if received_at is None:
            received_at = dt.datetime.now(UTC)
        elif received_at == self._received and received_at.tzinfo is not None:
            return self._limit
        if received_at.tzinfo is None:
            received_at = received_at.replace(tzinfo=UTC)
        try:
            limit = received_at.astimezone(self.zone).replace(tzinfo=None) + self.tolerance
        except OverflowError:
            raise self.out_of_range(received_at) from None
        self._received = received_at
        self._limit = limit
        return limit

    def utc_limit(self, received_at: dt.datetime | None) -> tuple[dt.datetime, dt.datetime]:
        """Receipt plus tolerance as aware UTC, and the same moment in the zone.

        Unlike :meth:`local_limit` the tolerance is added to the moment, not to the
        wall clock (they differ only within ``tolerance`` of a DST change).
        """
        if received_at is None:
            received_at = dt.datetime.now(UTC)
        elif received_at is self._utc_received or received_at == self._utc_received:
            return self._utc_limit
        if received_at.tzinfo is None:
            received_at = received_at.replace(tzinfo=UTC)
        try:
            limit = received_at + self.tolerance
            both = limit, limit.astimezone(self.zone)
        except OverflowError:
            raise self.out_of_range(received_at) from None
        self._utc_received, self._utc_limit = received_at, both
        return both

    def out_of_range(self, received_at: dt.datetime) -> RecordError:
        """The error for a time of receipt too close to the ends of the calendar."""
        if received_at.tzinfo is None:
            received_at = received_at.replace(tzinfo=UTC)
        return RecordError(f"{self.name} {received_at.isoformat()} is out of range")


def latest_year(
    limit: dt.datetime, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> int:
    """The year putting ``month/day hour:minute:second`` latest at or before ``limit``.

    ``limit`` is a local wall-clock time (:meth:`Receipt.local_limit`): a date later in
    the year than it is last year's. 02/29 goes back to the latest leap year; a date
    that exists in no year (04/31) goes back eight years and is left for the caller's
    validation to refuse.
    """
    year = limit.year
    if (month, day, hour, minute, second) > (
        limit.month,
        limit.day,
        limit.hour,
        limit.minute,
        limit.second,
    ):
        year -= 1
    if day > 28:
        for _ in range(8):
            if is_valid_date(year, month, day):
                break
            year -= 1
    return year


def latest_date(limit: dt.datetime, hour: int, minute: int, second: int = 0) -> dt.datetime:
    """The latest local ``hour:minute:second`` at or before ``limit``, as naive local time.

    Raises ``OverflowError`` when that is before the calendar's first day.
    """
    local = limit.replace(hour=hour, minute=minute, second=second, microsecond=0)
    if local > limit:
        local -= ONE_DAY
    return local


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
