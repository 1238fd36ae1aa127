"""Realistic NEC SL / SV "PRG 35" SMDR lines for a site in Argentina, from a seed.

:func:`nec_records` yields fixed-width lines in the columns of ``pbx-formats.md``
section 10 with the date shown (PRG 35-02-14 = 1), without the CR LF: class, start time
``HH:MM``, date ``MM/DD`` (no year), line, duration ``HH:MM:SS``, station, number dialled
or CLI, account code, e.g. an outgoing call from extension 2044 on line 004 to a
Buenos Aires number through the outside access code ``0``, 3 min 7 s long, started at
13:47 on 12 October (shown without the blanks that pad it to 79 columns)::

    POT  13:47 10/12  004 00:03:07 2044       001113896377

The mix: outgoing calls (``POT`` on analog lines 001-008, ``IVOT`` on ISDN channels
009-030, a few ``POTP`` with a personal code) to local Córdoba, national, mobile,
toll-free and international numbers, now and then with an account code, some ``ALB``
(all lines busy) attempts and unanswered ISDN calls (``NO ANSWER``); incoming calls
(``PIN``, ``IVIN``, transferred ``PTRS``) with the caller's number and now and then the
caller's name in the account column, some not answered (``NO ANSWER``, no station);
intercom calls (``ICM``); business hours weighted. The lines come in order of the start
time printed. Lines are padded to the 79 columns; no page headers, ``NEXT`` lines or
summaries: every line is a call. The same arguments always give the same lines; every
line parses with :class:`capture.parsers.nec.NECParser` when received after its call.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from .avaya_ipoffice import _AREAS, _COUNTRIES, _LOCAL_AREA, ACCESS_CODE, _instants

STATION_WIDTH = 10  # the station column, 32-41
NO_ANSWER = "NO ANSWER"
_ANALOG_LINES = tuple(f"{line:03d}" for line in range(1, 9))
_ISDN_LINES = tuple(f"{line:03d}" for line in range(9, 31))
_ACCOUNT_CODES = ("08754", "1001", "1002", "2040", "3300")
# Caller names as the CO sends them (the manual prints one in the account column): at
# most 16 characters, never only digits.
_CALLER_NAMES = (
    "GOMEZ MARIA", "PEREZ JUAN", "ACME SA", "LOPEZ HNOS", "CLINICA SUR", "BANCO CORDOBA",
    "DIAZ ROSA", "SOSA CARLOS", "TRANSP NORTE SRL", "ROSSI E HIJOS", "NECinfrontia",
)  # fmt: skip


def nec_records(
    *,
    count: int,
    start: dt.datetime,
    end: dt.datetime,
    extensions: Sequence[str],
    time_zone: ZoneInfo,
    seed: int = 0,
) -> Iterator[str]:
    """Yield ``count`` SMDR lines (no terminators) of calls starting in ``[start, end)``.

    Lines come in start order; the start is printed in ``time_zone`` to the minute, with
    the month and day but no year. ``extensions`` are the site's extension numbers
    (digits, at most 10 for the station column).
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be aware datetimes")
    if count < 0:
        raise ValueError("count must not be negative")
    if not extensions or not all(
        ext.isdigit() and ext.isascii() and len(ext) <= STATION_WIDTH for ext in extensions
    ):
        raise ValueError(
            f"extensions must be a non-empty sequence of digit strings of at most "
            f"{STATION_WIDTH} digits"
        )
    start_ts = math.ceil(start.timestamp())
    end_ts = end.timestamp()
    if end_ts <= start_ts:
        raise ValueError("end must be at least a whole second after start")
    # Checked above, when called; the lines come lazily from here.
    return _records(count, start_ts, end_ts, list(extensions), time_zone, seed)


def _records(
    count: int,
    start_ts: int,
    end_ts: float,
    extensions: list[str],
    time_zone: ZoneInfo,
    seed: int,
) -> Iterator[str]:
    if count == 0:
        return
    rng = random.Random(seed)
    calls = _Calls(rng, extensions)
    fromtimestamp = dt.datetime.fromtimestamp
    for instant in _instants(rng, count, start_ts, end_ts, time_zone):
        local = fromtimestamp(instant, time_zone)
        stamp = f"{local.hour:02d}:{local.minute:02d} {local.month:02d}/{local.day:02d}"
        yield calls.line(stamp)


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class _Calls:
    """Makes one call's line at a time, from a shared random stream."""

    def __init__(self, rng: random.Random, extensions: list[str]):
        self.rng = rng
        self.random = rng.random
        self.extensions = extensions
        self.has_colleagues = len(set(extensions)) > 1  # intercom calls
        self.clock = [_clock(seconds) for seconds in range(3600)]

    def _pick(self, choices: Sequence):
        """``random.choice``, a few times faster (``int(random() * n)`` is uniform enough)."""
        return choices[int(self.random() * len(choices))]

    def _duration(self, median: float) -> str:
        seconds = min(int(self.rng.lognormvariate(math.log(median), 0.9)) + 1, 4 * 3600)
        return self.clock[seconds] if seconds < 3600 else _clock(seconds)

    def _digits(self, length: int) -> str:
        low = 10 ** (length - 1)
        return str(low + int(self.random() * 9 * low))

    def _outside_number(self) -> tuple[str, float]:
        """A number as dialled after the access code, and a typical duration for it."""
        kind = self.random()
        if kind < 0.40:  # local Córdoba
            return self._pick("45") + self._digits(6), 75
        if kind < 0.62:  # national
            area, length = self._pick(_AREAS)
            return "0" + area + self._digits(length), 120
        if kind < 0.72:  # mobile, local short form
            return "15" + self._digits(7), 60
        if kind < 0.92:  # mobile, full form
            area, length = self._pick((*_AREAS, (_LOCAL_AREA, 7), (_LOCAL_AREA, 7)))
            return "0" + area + "15" + self._digits(length), 60
        if kind < 0.95:  # toll-free
            return "0800" + self._digits(7), 150
        country, length = self._pick(_COUNTRIES)
        return "00" + country + self._digits(length), 240

    def _cli(self) -> str:
        """The caller's national number as the CO presents it; sometimes withheld."""
        kind = self.random()
        if kind < 0.08:
            return ""
        if kind < 0.80:
            return _LOCAL_AREA + self._pick("4556") + self._digits(6)
        area, length = self._pick(_AREAS)
        return area + self._digits(length)

    def line(self, stamp: str) -> str:
        """The line of one call that started at ``stamp`` (``HH:MM MM/DD``, local)."""
        kind = self.random()
        if kind < 0.50:
            fields = self._outgoing()
        elif kind < 0.82 or not self.has_colleagues:
            fields = self._incoming()
        else:
            fields = self._intercom()
        class_code, trunk, duration, station, number, account = fields
        return (
            f"{class_code:<5}{stamp} {trunk:>4} {duration:>8} {station:<10} {number:<20} "
            f"{account:<16}"
        )

    def _outgoing(self) -> tuple[str, str, str, str, str, str]:
        random = self.random
        station = self._pick(self.extensions)
        number, median = self._outside_number()
        dialled = ACCESS_CODE + number
        kind = random()
        if kind < 0.02:  # all lines busy: no line, no call
            return "ALB", "", "", station, dialled, ""
        if kind < 0.32:  # ISDN: answer supervision, so unanswered calls show
            if random() < 0.15:
                return "IVOT", self._pick(_ISDN_LINES), "", station, dialled, NO_ANSWER
            class_code, trunk = "IVOT", self._pick(_ISDN_LINES)
        elif kind < 0.35:
            class_code, trunk = "POTP", self._pick(_ANALOG_LINES)
        else:
            class_code, trunk = "POT", self._pick(_ANALOG_LINES)
        account = self._pick(_ACCOUNT_CODES) if random() < 0.05 else ""
        return class_code, trunk, self._duration(median), station, dialled, account

    def _incoming(self) -> tuple[str, str, str, str, str, str]:
        random = self.random
        kind = random()
        if kind < 0.35:
            class_code, trunk = "IVIN", self._pick(_ISDN_LINES)
        else:
            class_code, trunk = "PIN", self._pick(_ANALOG_LINES)
        cli = self._cli()
        if random() < 0.14:  # rang out: nobody to name in the station column
            return class_code, trunk, "", "", cli, NO_ANSWER
        if random() < 0.05:  # answered, then transferred to the extension shown
            class_code = "PTRS"
        name = self._pick(_CALLER_NAMES) if cli and random() < 0.25 else ""
        return class_code, trunk, self._duration(100), self._pick(self.extensions), cli, name

    def _intercom(self) -> tuple[str, str, str, str, str, str]:
        station = self._pick(self.extensions)
        callee = self._other_extension(station)
        if self.random() < 0.15:
            return "ICM", "", "", station, callee, NO_ANSWER
        return "ICM", "", self._duration(45), station, callee, ""

    def _other_extension(self, extension: str) -> str:
        extensions = self.extensions
        while True:
            other = self._pick(extensions)
            if other != extension:
                return other
