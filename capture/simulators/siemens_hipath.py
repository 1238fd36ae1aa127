"""Realistic Siemens / Unify HiPath call charge records for a site in Argentina.

:func:`siemens_hipath_records` yields lines of the compressed call charge output
(``pbx-formats.md`` section 5.2, Table 7-1; the default layout of
:class:`capture.parsers.siemens_hipath.SiemensHiPathParser`) as the PBX prints them on
its V.24 port, without the CR LF and with trailing blanks stripped. With ``seed=1``, a
Córdoba site, extensions 200 to 259 and the 30 days before 2026-11-01, the ninth of 12
lines is an outgoing call from extension 230 on trunk 14 to 0261 411 4701 (Mendoza),
ended on 21 October 2026 at 08:16:58 after 3 min 17 s, 5 charge units, project code
1001, seizure code ``0``, LCR route 1 (one 105-column line, the two pieces joined)::

    "21.10.2608:16:58 14   230     00:03:1702614114701                        5 21001"
    "                      0 1"

The mix: outgoing calls (element ``2``) through the outside access code ``0``, which the
PBX prints as the seizure code (the number is what followed it: local Córdoba, national,
mobile, toll-free, international), with charge units and now and then a project code;
incoming calls (element ``1``) with the caller's number in national form and the called
MSN (DDI), some not connected (duration blank, the ringing time only); a few forwarded
(``5``, ``9``), fax (``3``, ``4``) and DISA (``51``) calls; business hours weighted. The
call charge output reports external calls only: there are no internal calls. The date
and time are the END of the call, to the second: records come in order of end time, and
calls start (end minus the duration) and end within ``[start, end)``. Years are printed
with two digits, read as 1970-2069. The same arguments always give the same lines; every
line parses with the parser's default options.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from .avaya_ipoffice import _AREAS, _COUNTRIES, _LOCAL_AREA, _instants

ACCESS_CODE = "0"  # seizure code of the outside lines
EXTENSION_WIDTH = 6  # columns 20-25
FIRST_YEAR, LAST_YEAR = 1970, 2069  # what a two-digit year can stand for

_TRUNKS = 30  # B channels, numbered from 1
_ACCOUNT_CODES = ("1001", "1002", "2040", "3300")
_MAX_SECONDS = 4 * 3600


def siemens_hipath_records(
    *,
    count: int,
    start: dt.datetime,
    end: dt.datetime,
    extensions: Sequence[str],
    time_zone: ZoneInfo,
    seed: int = 0,
) -> Iterator[str]:
    """Yield ``count`` compressed call charge lines of calls within ``[start, end)``.

    Lines come in order of end time, printed in ``time_zone`` to the second, between
    1970 and 2069. ``extensions`` are the site's extension numbers (1 to 6 digits).
    """
    timed = siemens_hipath_timed_records(
        count=count,
        start=start,
        end=end,
        extensions=extensions,
        time_zone=time_zone,
        seed=seed,
    )
    return (record for _, record in timed)


def siemens_hipath_timed_records(
    *,
    count: int,
    start: dt.datetime,
    end: dt.datetime,
    extensions: Sequence[str],
    time_zone: ZoneInfo,
    seed: int = 0,
) -> Iterator[tuple[int, str]]:
    """The lines of :func:`siemens_hipath_records`, each with the time the call ended.

    Yields ``(ended, line)``, ``ended`` in POSIX seconds: when the PBX prints the line
    (the line carries it too, with its date).
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be aware datetimes")
    if count < 0:
        raise ValueError("count must not be negative")
    if not extensions or not all(
        ext.isdigit() and ext.isascii() and len(ext) <= EXTENSION_WIDTH for ext in extensions
    ):
        raise ValueError(
            f"extensions must be a non-empty sequence of strings of 1 to {EXTENSION_WIDTH} digits"
        )
    start_ts = start.timestamp()
    first_end = math.ceil(start_ts) + 1  # a connected call lasts a second at least
    last_end = math.ceil(end.timestamp()) - 1
    if last_end < first_end:
        raise ValueError("end must be at least two whole seconds after start")
    for instant in (first_end, last_end):
        if not FIRST_YEAR <= dt.datetime.fromtimestamp(instant, time_zone).year <= LAST_YEAR:
            raise ValueError(
                f"the calls must end between {FIRST_YEAR} and {LAST_YEAR} (two-digit years)"
            )
    # Checked above, when called; the lines come lazily from here.
    return _records(count, start_ts, first_end, last_end, list(extensions), time_zone, seed)


def _records(
    count: int,
    start_ts: float,
    first_end: int,
    last_end: int,
    extensions: list[str],
    time_zone: ZoneInfo,
    seed: int,
) -> Iterator[tuple[int, str]]:
    if count == 0:
        return
    rng = random.Random(seed)
    calls = _Calls(rng, extensions)
    fromtimestamp = dt.datetime.fromtimestamp
    for instant in _instants(rng, count, first_end, last_end + 1, time_zone):
        local = fromtimestamp(instant, time_zone)
        ended = (
            f"{local.day:02d}.{local.month:02d}.{local.year % 100:02d}"
            f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
        )
        # The call was connected at or after ``start``: it lasted at most this long.
        longest = min(int(instant - start_ts), _MAX_SECONDS)
        yield instant, calls.record(ended, longest)


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class _Calls:
    """Makes one call's line at a time, from a shared random stream."""

    def __init__(self, rng: random.Random, extensions: list[str]):
        self.rng = rng
        self.random = rng.random
        self.extensions = extensions
        self.clock = {seconds: _clock(seconds) for seconds in range(3600)}
        self.rings = {seconds: f"{seconds // 60:02d}:{seconds % 60:02d}" for seconds in range(61)}
        self.trunks = tuple(f"{number:>3}" for number in range(1, _TRUNKS + 1))
        self.msn = {ext: "52" + ext.zfill(5)[-5:] for ext in extensions}  # the DDI called

    def _pick(self, choices: Sequence):
        """``random.choice``, a few times faster (``int(random() * n)`` is uniform enough)."""
        return choices[int(self.random() * len(choices))]

    def _between(self, low: int, high: int) -> int:
        """``random.randint``, a few times faster."""
        return low + int(self.random() * (high - low + 1))

    def _duration(self, median: float, longest: int) -> int:
        """A lognormal duration in whole seconds; drawn again up to ``longest`` if longer.

        A call cannot have been connected before ``start``, so one ending soon after it
        is short.
        """
        seconds = min(int(self.rng.lognormvariate(math.log(median), 0.9)) + 1, _MAX_SECONDS)
        if seconds <= longest:
            return seconds
        return self._between(1, longest)

    def _connected(self, seconds: int) -> str:
        return self.clock.get(seconds) or _clock(seconds)

    def _digits(self, length: int) -> str:
        low = 10 ** (length - 1)
        return str(low + int(self.random() * 9 * low))

    def _outside_number(self) -> tuple[str, float, int]:
        """A number as dialled after the seizure code, a typical duration, and the
        seconds per charge unit (0: free)."""
        kind = self.random()
        if kind < 0.40:  # local Córdoba
            return self._pick("45") + self._digits(6), 75, 120
        if kind < 0.62:  # national
            area, length = self._pick(_AREAS)
            return "0" + area + self._digits(length), 120, 40
        if kind < 0.72:  # mobile, local short form
            return "15" + self._digits(7), 60, 30
        if kind < 0.92:  # mobile, full form
            area, length = self._pick((*_AREAS, (_LOCAL_AREA, 7), (_LOCAL_AREA, 7)))
            return "0" + area + "15" + self._digits(length), 60, 30
        if kind < 0.95:  # toll-free
            return "0800" + self._digits(7), 150, 0
        country, length = self._pick(_COUNTRIES)
        return "00" + country + self._digits(length), 240, 10

    def _cli(self) -> str:
        """The caller's number in national form (``0`` and area code); blank if withheld."""
        kind = self.random()
        if kind < 0.08:
            return ""
        if kind < 0.80:
            return "0" + _LOCAL_AREA + self._pick("4556") + self._digits(6)
        area, length = self._pick(_AREAS)
        return "0" + area + self._digits(length)

    def record(self, ended: str, longest: int) -> str:
        """The line of one call that ended at ``ended`` and lasted at most ``longest``."""
        if self.random() < 0.58:
            return self._outgoing(ended, longest)
        return self._incoming(ended, longest)

    @staticmethod
    def _line(
        ended: str,
        trunk: str,
        extension: str,
        ring: str,
        connected: str,
        number: str,
        info: str,
        *,
        units: str = "",
        project: str = "",
        msn: str = "",
        seizure: str = "",
        route: str = "",
    ) -> str:
        """One compressed line (Table 7-1), trailing blanks stripped."""
        return (
            f"{ended}{trunk}{extension:>6}{ring:<5}{connected:<8}{number:<25}{units:>11}"
            f"{info:>2}{project:<11}{msn:>11}{seizure:>5}{route:>2}"
        ).rstrip()

    def _outgoing(self, ended: str, longest: int) -> str:
        random = self.random
        extension = self._pick(self.extensions)
        number, median, unit_seconds = self._outside_number()
        kind = random()
        info = "9" if kind < 0.02 else "4" if kind < 0.03 else "2"  # forwarded out, fax
        seconds = self._duration(median, longest)
        units = str(seconds // unit_seconds + 1) if unit_seconds else ""
        return self._line(
            ended,
            self._pick(self.trunks),
            extension,
            "",
            self._connected(seconds),
            number,
            info,
            units=units,
            project=self._pick(_ACCOUNT_CODES) if random() < 0.05 else "",
            seizure=ACCESS_CODE,
            route=self._pick("1112"),
        )

    def _incoming(self, ended: str, longest: int) -> str:
        random = self.random
        extension = self._pick(self.extensions)
        kind = random()
        # forwarded in, fax, DISA, or plain voice
        info = "5" if kind < 0.02 else "3" if kind < 0.03 else "51" if kind < 0.035 else "1"
        common = {"msn": self.msn[extension]}
        trunk = self._pick(self.trunks)
        cli = self._cli()
        if random() < 0.14:  # not connected: the ringing time only, duration blank
            ring = self._between(8, 45)
            return self._line(ended, trunk, extension, self.rings[ring], "", cli, info, **common)
        ring = min(int(self.rng.expovariate(1 / 7)) + 1, 60)
        seconds = self._duration(100, longest)
        return self._line(
            ended,
            trunk,
            extension,
            self.rings[ring],
            self._connected(seconds),
            cli,
            info,
            **common,
        )
