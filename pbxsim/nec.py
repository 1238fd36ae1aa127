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
line parses with :class:`smdr.parsers.nec.NECParser` when received after its call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from .common import ACCESS_CODE, CallMaker, checked_range, clock_text, records_at_instants

STATION_WIDTH = 10  # the station column, 32-41
NO_ANSWER = "NO ANSWER"
_ANALOG_LINES = tuple(f"{line:03d}" for line in range(1, 9))
_ISDN_LINES = tuple(f"{line:03d}" for line in range(9, 31))
_ACCOUNT_CODES = ("08754", "1001", "1002", "2040", "3300")
# Caller names as the CO sends them (the manual prints one in the account column): at
# most 16 characters, never only digits.
CALLER_NAMES = (
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
    start_ts, end_ts = checked_range(count, start, end, extensions, STATION_WIDTH)
    # Checked above, when called; the lines come lazily from here.
    return records_at_instants(_Calls, count, start_ts, end_ts, list(extensions), time_zone, seed)


class _Calls(CallMaker):
    """Makes one call's line at a time, from a shared random stream."""

    def _duration(self, median: float) -> str:
        return clock_text(self.seconds(median))

    def record(self, instant: int, longest: int) -> str:
        local = dt.datetime.fromtimestamp(instant, self.time_zone)
        return self.line(f"{local.hour:02d}:{local.minute:02d} {local.month:02d}/{local.day:02d}")

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
        station = self.pick(self.extensions)
        number, median, _ = self.outside_number()
        dialled = ACCESS_CODE + number
        kind = random()
        if kind < 0.02:  # all lines busy: no line, no call
            return "ALB", "", "", station, dialled, ""
        if kind < 0.32:  # ISDN: answer supervision, so unanswered calls show
            if random() < 0.15:
                return "IVOT", self.pick(_ISDN_LINES), "", station, dialled, NO_ANSWER
            class_code, trunk = "IVOT", self.pick(_ISDN_LINES)
        elif kind < 0.35:
            class_code, trunk = "POTP", self.pick(_ANALOG_LINES)
        else:
            class_code, trunk = "POT", self.pick(_ANALOG_LINES)
        account = self.pick(_ACCOUNT_CODES) if random() < 0.05 else ""
        return class_code, trunk, self._duration(median), station, dialled, account

    def _incoming(self) -> tuple[str, str, str, str, str, str]:
        random = self.random
        kind = random()
        if kind < 0.35:
            class_code, trunk = "IVIN", self.pick(_ISDN_LINES)
        else:
            class_code, trunk = "PIN", self.pick(_ANALOG_LINES)
        cli = self.cli(withheld=0.08)
        if random() < 0.14:  # rang out: nobody to name in the station column
            return class_code, trunk, "", "", cli, NO_ANSWER
        if random() < 0.05:  # answered, then transferred to the extension shown
            class_code = "PTRS"
        name = self.pick(CALLER_NAMES) if cli and random() < 0.25 else ""
        return class_code, trunk, self._duration(100), self.pick(self.extensions), cli, name

    def _intercom(self) -> tuple[str, str, str, str, str, str]:
        station = self.pick(self.extensions)
        callee = self.other_extension(station)
        if self.random() < 0.15:
            return "ICM", "", "", station, callee, NO_ANSWER
        return "ICM", "", self._duration(45), station, callee, ""
