"""What every record generator shares: the site's numbering, the calls' timing and a
base maker of calls.

All generators simulate one site in Córdoba, Argentina (area code 351, outside access
code ``0``): the same destinations, caller numbers and names, the same business-hours
load. :func:`instants` draws the moments of the calls; :func:`records_at_instants` drives a
:class:`CallMaker` through them, and :func:`timed_records` does the same for the families
whose records need the time they were printed (their ``*_records`` come from it by
:func:`untimed`).
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import math
import random
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol
from zoneinfo import ZoneInfo

ACCESS_CODE = "0"  # outside line
LOCAL_AREA = "351"  # Córdoba
# (area code, subscriber digits) of national destinations other than Córdoba.
AREAS = (("11", 8), ("341", 7), ("261", 7), ("223", 7), ("381", 7), ("342", 7), ("299", 7))
# (country code, national digits) of international destinations.
COUNTRIES = (("1", 10), ("34", 9), ("55", 11), ("598", 8), ("56", 9), ("39", 10), ("49", 10))
ACCOUNT_CODES = ("1001", "1002", "2040", "3300")
MAX_CALL_SECONDS = 4 * 3600

FIRST_NAMES = (
    "Juan", "María", "José", "Lucía", "Martín", "Sofía", "Pablo", "Valentina", "Diego",
    "Camila", "Andrés", "Florencia", "Nicolás", "Agustina", "Ramón", "Inés", "Héctor",
    "Mónica", "Germán", "Belén",
)  # fmt: skip
LAST_NAMES = (
    "Pérez", "Gómez", "Rodríguez", "Fernández", "López", "Martínez", "García", "Sánchez",
    "Romero", "Díaz", "Álvarez", "Muñoz", "Castro", "Ortiz", "Peña", "Sosa", "Ibáñez",
    "Giménez", "Rossi", "Bianchi",
)  # fmt: skip
# Now and then a name beyond Latin-1, as the PBXs that take UTF-8 send it.
OTHER_NAMES = ("Тароватова Мария", "Łukasz Wiśniewski", "Zoë Müller", "陈伟", "Ayşe Kaya")
# Caller names as carriers send them (CNAM), never with quotes or commas.
CALLER_NAMES = (
    "GOMEZ MARIA", "PEREZ JUAN", "ACME SA", "LOPEZ HNOS", "CLINICA SUR", "BANCO CORDOBA",
    "DIAZ ROSA", "SOSA CARLOS", "TRANSPORTES NORTE", "ROSSI E HIJOS",
)  # fmt: skip

# Relative call volume by local hour, Monday to Friday, Saturday; Sunday is quiet.
_WEEKDAY_LOAD = (
    (0.02,) * 7
    + (0.3, 0.8, 1.0, 1.0, 1.0, 1.0, 0.6, 0.9, 0.9, 0.9, 0.9, 0.4, 0.1, 0.1)
    + (0.03,) * 3
)
_SATURDAY_LOAD = (0.02,) * 9 + (0.25,) * 4 + (0.02,) * 11
_SUNDAY_LOAD = (0.02,) * 24

_EPOCH = dt.date(1970, 1, 1)
# Local clock texts: "HH:MM:" for each minute of a day and "SS" for each second.
_MINUTES = tuple(f"{minute // 60:02d}:{minute % 60:02d}:" for minute in range(1440))
_SECONDS = tuple(f"{second:02d}" for second in range(60))
_VARIES = 1 << 40  # an hour whose UTC offset changes within it
_CLOCK_TEXTS = tuple(
    f"00:{minute:02d}:{second:02d}" for minute in range(60) for second in range(60)
)


def clock_text(seconds: int) -> str:
    """A count of seconds as ``HH:MM:SS`` (the texts of the first hour are cached)."""
    if seconds < 3600:
        return _CLOCK_TEXTS[seconds]
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def check_arguments(
    count: int,
    start: dt.datetime,
    end: dt.datetime,
    extensions: Sequence[str],
    max_digits: int | None = None,
) -> None:
    """Check the arguments every generator takes (``max_digits``: the longest extension
    the format holds)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be aware datetimes")
    if count < 0:
        raise ValueError("count must not be negative")
    if not extensions or not all(
        ext.isdigit() and ext.isascii() and (max_digits is None or len(ext) <= max_digits)
        for ext in extensions
    ):
        longest = "" if max_digits is None else f" of at most {max_digits} digits"
        raise ValueError(f"extensions must be a non-empty sequence of digit strings{longest}")


def checked_range(
    count: int,
    start: dt.datetime,
    end: dt.datetime,
    extensions: Sequence[str],
    max_digits: int | None = None,
) -> tuple[int, float]:
    """The range as (first whole second, end) POSIX times, after :func:`check_arguments`."""
    check_arguments(count, start, end, extensions, max_digits)
    start_ts = math.ceil(start.timestamp())
    end_ts = end.timestamp()
    if end_ts <= start_ts:
        raise ValueError("end must be at least a whole second after start")
    return start_ts, end_ts


def minute_range(start: dt.datetime, end: dt.datetime, after_seconds: float = 0) -> tuple[int, int]:
    """The first and last whole minutes in ``[start + after_seconds, end)``, for formats
    that print times to the minute."""
    first_minute = math.ceil((start.timestamp() + after_seconds) / 60) * 60
    last_minute = math.ceil(end.timestamp() / 60) * 60 - 60  # the last one before end
    if last_minute < first_minute:
        raise ValueError(
            f"[start, end) must hold a whole minute {after_seconds:g} s or more after start: "
            "the times are printed to the minute"
        )
    return first_minute, last_minute


def minute_instants(
    rng: random.Random, count: int, first_minute: int, last_minute: int, time_zone: ZoneInfo
) -> Iterator[tuple[int, dt.datetime]]:
    """:func:`instants` cut to whole minutes in ``[first_minute, last_minute]``, each with
    its local time (computed once a minute)."""
    last_instant = None
    local = None
    for second in instants(rng, count, first_minute, last_minute + 60, time_zone):
        instant = second - second % 60
        if instant != last_instant:
            local = dt.datetime.fromtimestamp(instant, time_zone)
            last_instant = instant
        yield instant, local


class TimedCallMaker(Protocol):
    """What :func:`timed_records` drives: a family's maker of records that are dated by
    the time the PBX printed them (they carry no date, or no year)."""

    def timed(self, stamp: str, since_start: float) -> tuple[int, str]:
        """``(seconds from the call's instant to its record's printing, record)`` of a
        call whose instant, printed as ``stamp``, is ``since_start`` seconds after the
        range's start."""
        ...


def timed_records(
    maker: Callable[[random.Random, list[str]], TimedCallMaker],
    stamp: Callable[[dt.datetime], str],
    count: int,
    first: int,
    last: int,
    start_ts: float,
    extensions: list[str],
    time_zone: ZoneInfo,
    seed: int,
    *,
    minutes: bool,
) -> Iterator[tuple[int, str]]:
    """The loop of the families with ``*_timed_records``: ``(printed, record)`` of a call
    at each of ``count`` ascending instants in ``[first, last]`` (POSIX seconds; whole
    minutes when ``minutes``, for formats that print times to the minute), ``printed``
    being when the PBX printed the record, so the ``received_at`` its parser needs.

    ``maker(rng, extensions).timed(stamp(local instant), instant - start_ts)`` makes each
    call. The family checks the arguments before calling; the records come lazily.
    """
    if count == 0:
        return
    rng = random.Random(seed)
    timed = maker(rng, extensions).timed
    if minutes:
        moments = minute_instants(rng, count, first, last, time_zone)
    else:
        fromtimestamp = dt.datetime.fromtimestamp
        moments = (
            (instant, fromtimestamp(instant, time_zone))
            for instant in instants(rng, count, first, last + 1, time_zone)
        )
    for instant, local in moments:
        after, record = timed(stamp(local), instant - start_ts)
        yield instant + after, record


def untimed(
    timed_generator: Callable[..., Iterator[tuple[int, str]]], doc: str
) -> Callable[..., Iterator[str]]:
    """A family's ``*_records`` from its ``*_timed_records``: the same keyword arguments,
    checked when called, and the records without their times; ``doc`` documents it."""

    @functools.wraps(timed_generator)
    def records(**arguments) -> Iterator[str]:
        return (record for _, record in timed_generator(**arguments))

    name = timed_generator.__name__.replace("_timed_records", "_records")
    records.__name__ = records.__qualname__ = name
    records.__doc__ = doc
    return records


def instants(
    rng: random.Random, count: int, start_ts: int, end_ts: float, time_zone: ZoneInfo
) -> Iterator[int]:
    """``count`` ascending whole-second POSIX times in ``[start_ts, end_ts)``.

    They are sorted draws from the business-hours load: one slot per UTC hour, weighted
    by the load of its local hour, and uniform within it. The order statistics are drawn
    one after the other (``u = 1 - (1 - u) * V ** (1 / n)``), so nothing is sorted or
    held in memory.
    """
    slot_starts: list[float] = []
    slot_lengths: list[float] = []
    cumulative: list[float] = []
    total = 0.0
    slot_start: float = start_ts
    while slot_start < end_ts:
        slot_end = min((slot_start // 3600 + 1) * 3600, end_ts)
        local = dt.datetime.fromtimestamp(slot_start, time_zone)
        weekday = local.weekday()
        if weekday < 5:
            load = _WEEKDAY_LOAD[local.hour]
        elif weekday == 5:
            load = _SATURDAY_LOAD[local.hour]
        else:
            load = _SUNDAY_LOAD[local.hour]
        total += load * (slot_end - slot_start)
        slot_starts.append(slot_start)
        slot_lengths.append(slot_end - slot_start)
        cumulative.append(total)
        slot_start = slot_end
    last_slot = len(cumulative) - 1
    last_second = math.ceil(end_ts) - 1
    random_fraction = rng.random
    fraction = 0.0
    for remaining in range(count, 0, -1):
        fraction = 1.0 - (1.0 - fraction) * random_fraction() ** (1.0 / remaining)
        target = fraction * total
        slot = min(bisect.bisect_right(cumulative, target), last_slot)
        before = cumulative[slot - 1] if slot else 0.0
        width = cumulative[slot] - before
        position = (target - before) / width if width else 0.0
        instant = int(slot_starts[slot] + min(position, 1.0) * slot_lengths[slot])
        yield min(instant, last_second)


def fit(longest: int, ring: int, talk: int) -> tuple[int, int]:
    """Ring and talk times cut to last at most ``longest`` seconds together.

    Talk is cut before ring and stays at least 1 s when it was, unless ``longest`` is
    0: then nothing fits, and the caller makes the call an unanswered one (talk 0).
    """
    if ring + talk <= longest:
        return ring, talk
    talk = min(talk, longest)
    return min(ring, longest - talk), talk


class LocalStamps:
    """POSIX seconds as ``YYYY-MM-DD HH:MM:SS`` in a zone, about four times faster than
    formatting ``datetime.fromtimestamp``: the UTC offset is looked up once an hour."""

    def __init__(self, time_zone: ZoneInfo, date_separator: str = "-"):
        self.zone = time_zone
        self.separator = date_separator
        self.offsets: dict[int, int] = {}  # UTC hour -> offset in seconds, or _VARIES
        self.days: dict[int, str] = {}  # local day since 1970 -> "YYYY-MM-DD "

    def __call__(self, seconds: int) -> str:
        hour = seconds // 3600
        offset = self.offsets.get(hour)
        if offset is None:
            offset = self._offset(hour)
        if offset == _VARIES:
            local = dt.datetime.fromtimestamp(seconds, self.zone)
            return self._day(local.toordinal() - _EPOCH.toordinal()) + (
                _MINUTES[local.hour * 60 + local.minute] + _SECONDS[local.second]
            )
        day, second = divmod(seconds + offset, 86400)
        text = self.days.get(day)
        if text is None:
            text = self._day(day)
        return text + _MINUTES[second // 60] + _SECONDS[second % 60]

    def _offset(self, hour: int) -> int:
        """The UTC offset throughout ``hour`` (seconds), or _VARIES when it changes."""
        first = dt.datetime.fromtimestamp(hour * 3600, self.zone).utcoffset()
        last = dt.datetime.fromtimestamp(hour * 3600 + 3599, self.zone).utcoffset()
        offset = int(first.total_seconds()) if first == last else _VARIES
        self.offsets[hour] = offset
        return offset

    def _day(self, day: int) -> str:
        text = self.days.get(day)
        if text is None:
            date = dt.date.fromordinal(_EPOCH.toordinal() + day)
            separator = self.separator
            text = f"{date.year:04d}{separator}{date.month:02d}{separator}{date.day:02d} "
            self.days[day] = text
        return text


class CallMaker:
    """Makes one call's record at a time, from a shared random stream.

    Subclasses add the family's records. The helpers draw from ``rng`` in a fixed
    order, so the same seed always gives the same records.
    """

    def __init__(
        self, rng: random.Random, extensions: list[str], time_zone: ZoneInfo | None = None
    ):
        self.rng = rng
        self.random = rng.random
        self.extensions = extensions
        self.has_colleagues = len(set(extensions)) > 1  # internal calls, transfers
        self.time_zone = time_zone

    def record(self, instant: int, longest: int) -> str:
        """For :func:`records_at_instants`: the record of a call at ``instant`` (POSIX
        seconds; its end, for the CDR families) that lasts at most ``longest`` seconds,
        ringing included, so that it starts in the range.

        Half the calls go out, a third come in, the rest are internal (all incoming when
        there is no colleague to call): subclasses make each in ``_outgoing``,
        ``_incoming`` and ``_internal``, or override this.
        """
        kind = self.random()
        if kind < 0.50:
            return self._outgoing(instant, longest)
        if kind < 0.82 or not self.has_colleagues:
            return self._incoming(instant, longest)
        return self._internal(instant, longest)

    def _outgoing(self, instant: int, longest: int) -> str:
        raise NotImplementedError

    def _incoming(self, instant: int, longest: int) -> str:
        raise NotImplementedError

    def _internal(self, instant: int, longest: int) -> str:
        raise NotImplementedError

    def pick(self, choices: Sequence):
        """``random.choice``, a few times faster (``int(random() * n)`` is uniform enough)."""
        return choices[int(self.random() * len(choices))]

    def between(self, low: int, high: int) -> int:
        """``random.randint``, a few times faster."""
        return low + int(self.random() * (high - low + 1))

    def seconds(self, median: float) -> int:
        """A conversation's length: log-normal around ``median``, 1 s to 4 h."""
        seconds = int(self.rng.lognormvariate(math.log(median), 0.9)) + 1
        return min(seconds, MAX_CALL_SECONDS)

    def ring(self) -> int:
        """How long an incoming call rings before it is answered (2 s to a minute)."""
        return min(int(self.rng.expovariate(1 / 7)) + 2, 60)

    def digits(self, length: int) -> str:
        low = 10 ** (length - 1)
        return str(low + int(self.random() * 9 * low))

    def user_name(self) -> str:
        if self.random() < 0.04:
            return self.pick(OTHER_NAMES)
        return f"{self.pick(FIRST_NAMES)} {self.pick(LAST_NAMES)}"

    def outside_number(self) -> tuple[str, float, str]:
        """A number as dialled after the access code, a typical duration, and its kind:
        ``local``, ``national``, ``mobile``, ``toll-free`` or ``international``."""
        kind = self.random()
        if kind < 0.40:  # local Córdoba
            return self.pick("45") + self.digits(6), 75, "local"
        if kind < 0.62:  # national
            area, length = self.pick(AREAS)
            return "0" + area + self.digits(length), 120, "national"
        if kind < 0.72:  # mobile, local short form
            return "15" + self.digits(7), 60, "mobile"
        if kind < 0.92:  # mobile, full form
            area, length = self.pick((*AREAS, (LOCAL_AREA, 7), (LOCAL_AREA, 7)))
            return "0" + area + "15" + self.digits(length), 60, "mobile"
        if kind < 0.95:  # toll-free
            return "0800" + self.digits(7), 150, "toll-free"
        country, length = self.pick(COUNTRIES)
        return "00" + country + self.digits(length), 240, "international"  # 15 digits at most

    def cli(self, withheld: float = 0.0) -> str:
        """The caller's national significant number, as a carrier presents it; blank
        (withheld) with probability ``withheld``."""
        kind = self.random()
        if kind < withheld:
            return ""
        if kind < 0.80:
            return LOCAL_AREA + self.pick("4556") + self.digits(6)
        area, length = self.pick(AREAS)
        return area + self.digits(length)

    def other_extension(self, extension: str) -> str:
        extensions = self.extensions
        while True:
            other = self.pick(extensions)
            if other != extension:
                return other


def records_at_instants(
    maker: type[CallMaker],
    count: int,
    start_ts: int,
    end_ts: float,
    extensions: list[str],
    time_zone: ZoneInfo,
    seed: int,
) -> Iterator[str]:
    """One record per call at each of ``count`` ascending instants (its end or its start,
    as the family prints them): ``maker.record(instant, seconds since start)``."""
    if count == 0:
        return
    rng = random.Random(seed)
    calls = maker(rng, extensions, time_zone)
    record = calls.record
    for instant in instants(rng, count, start_ts, end_ts, time_zone):
        yield record(instant, instant - start_ts)
