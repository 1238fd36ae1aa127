"""Realistic Siemens / Unify HiPath call charge records for a site in Argentina.

:func:`siemens_hipath_records` yields lines of the compressed call charge output
(``pbx-formats.md`` section 5.2, Table 7-1; the default layout of
:class:`smdr.parsers.siemens_hipath.SiemensHiPathParser`) as the PBX prints them on
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

from .common import (
    ACCESS_CODE,
    ACCOUNT_CODES,
    CallMaker,
    check_arguments,
    clock_text,
    timed_records,
    untimed,
)

EXTENSION_WIDTH = 6  # columns 20-25
FIRST_YEAR, LAST_YEAR = 1970, 2069  # what a two-digit year can stand for

_TRUNKS = 30  # B channels, numbered from 1
# Seconds per charge unit by kind of number (0: free).
_SECONDS_PER_UNIT = {
    "local": 120,
    "national": 40,
    "mobile": 30,
    "toll-free": 0,
    "international": 10,
}
_MAX_SECONDS = 4 * 3600


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
    check_arguments(count, start, end, extensions, EXTENSION_WIDTH)
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
    return timed_records(
        _Calls,
        _ended_text,
        count,
        first_end,
        last_end,
        start_ts,
        list(extensions),
        time_zone,
        seed,
        minutes=False,
    )


siemens_hipath_records = untimed(
    siemens_hipath_timed_records,
    """Yield ``count`` compressed call charge lines of calls within ``[start, end)``.

    Lines come in order of end time, printed in ``time_zone`` to the second, between
    1970 and 2069. ``extensions`` are the site's extension numbers (1 to 6 digits).
    """,
)


def _ended_text(local: dt.datetime) -> str:
    """When the call ended: ``DD.MM.YYhh:mm:ss``."""
    return (
        f"{local.day:02d}.{local.month:02d}.{local.year % 100:02d}"
        f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
    )


class _Calls(CallMaker):
    """Makes one call's line at a time, from a shared random stream."""

    def __init__(self, rng: random.Random, extensions: list[str]):
        super().__init__(rng, extensions)
        self.rings = {seconds: f"{seconds // 60:02d}:{seconds % 60:02d}" for seconds in range(61)}
        self.trunks = tuple(f"{number:>3}" for number in range(1, _TRUNKS + 1))
        self.msn = {ext: "52" + ext.zfill(5)[-5:] for ext in extensions}  # the DDI called

    def _duration(self, median: float, longest: int) -> int:
        """A lognormal duration in whole seconds; drawn again up to ``longest`` if longer.

        A call cannot have been connected before ``start``, so one ending soon after it
        is short.
        """
        seconds = min(int(self.rng.lognormvariate(math.log(median), 0.9)) + 1, _MAX_SECONDS)
        if seconds <= longest:
            return seconds
        return self.between(1, longest)

    def _connected(self, seconds: int) -> str:
        return clock_text(seconds)

    def _outside_number(self) -> tuple[str, float, int]:
        """A number as dialled after the seizure code, a typical duration, and the
        seconds per charge unit (0: free)."""
        number, median, kind = self.outside_number()
        return number, median, _SECONDS_PER_UNIT[kind]

    def _cli(self) -> str:
        """The caller's number in national form (``0`` and area code); blank if withheld."""
        cli = self.cli(withheld=0.08)
        return "0" + cli if cli else ""

    def timed(self, ended: str, since_start: float) -> tuple[int, str]:
        """The line of a call that ended at ``ended``, printed then: it was connected at
        or after the range's start, so it lasted at most ``since_start`` seconds."""
        return 0, self.record(ended, min(int(since_start), _MAX_SECONDS))

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
        extension = self.pick(self.extensions)
        number, median, unit_seconds = self._outside_number()
        kind = random()
        info = "9" if kind < 0.02 else "4" if kind < 0.03 else "2"  # forwarded out, fax
        seconds = self._duration(median, longest)
        units = str(seconds // unit_seconds + 1) if unit_seconds else ""
        return self._line(
            ended,
            self.pick(self.trunks),
            extension,
            "",
            self._connected(seconds),
            number,
            info,
            units=units,
            project=self.pick(ACCOUNT_CODES) if random() < 0.05 else "",
            seizure=ACCESS_CODE,
            route=self.pick("1112"),
        )

    def _incoming(self, ended: str, longest: int) -> str:
        random = self.random
        extension = self.pick(self.extensions)
        kind = random()
        # forwarded in, fax, DISA, or plain voice
        info = "5" if kind < 0.02 else "3" if kind < 0.03 else "51" if kind < 0.035 else "1"
        common = {"msn": self.msn[extension]}
        trunk = self.pick(self.trunks)
        cli = self._cli()
        if random() < 0.14:  # not connected: the ringing time only, duration blank
            ring = self.between(8, 45)
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
