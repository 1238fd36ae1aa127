"""Realistic Panasonic KX SMDR lines (Pattern A) for a site in Argentina, from a seed.

:func:`panasonic_records` yields the 80-column Pattern A lines of ``pbx-formats.md``
section 6 (without the CR LF), date month/day/year, time the call's END to the minute,
e.g. an incoming call from PEREZ JUAN, 351 4436993, answered at extension 2057 on CO
line 09 after ringing 9 s, 2 min 31 s long, that ended at 10:31 AM on 8 October 2026
(shown without the blank that pads it to 80 columns)::

    10/08/26 10:31AM  2057 09 <I>PEREZ JUAN3514436993   0'09 00:02'31            AN

The mix: outgoing calls through the outside access code ``0`` (local Córdoba, national,
mobile, toll-free and international numbers), some not answered (``00:00'00``) or
transferred (``TR``); incoming calls with the caller's number after ``<I>`` (now and
then withheld, with a caller name run into the number, or after the ``<D>`` DDI),
answered (``AN``), transferred (``TR``) or not answered (``NA``); intercom calls
(``EXT2005``); business hours weighted. The lines come in order of the time printed, the
call's end, and every call (end minus duration) starts in ``[start, end)``, to the
second before the PBX drops the seconds. No page headers: every line is a call. The same
arguments always give the same lines; every line parses with
:class:`smdr.parsers.panasonic.PanasonicParser` under its default options (pattern
detected, ``mdy`` dates).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from .common import ACCESS_CODE, ACCOUNT_CODES, CallMaker, checked_range, records_at_instants

EXTENSION_WIDTH = 5  # the Ext column
_TRUNKS = tuple(f"{line:02d}" for line in range(1, 17))  # CO lines 01-16
# Caller names as the CO sends them, run into the number after <I>: at most 12
# characters, so name and a 10-digit number fit the 25 of the Dial Number column, and
# never ending in a digit (the parser takes a name's trailing digits for the number).
CALLER_NAMES = (
    "GOMEZ MARIA", "PEREZ JUAN", "ACME SA", "LOPEZ HNOS", "CLINICA SUR", "BANCO CBA",
    "DIAZ ROSA", "SOSA CARLOS", "TRANSP NORTE", "ROSSI E HIJO",
)  # fmt: skip


def panasonic_records(
    *,
    count: int,
    start: dt.datetime,
    end: dt.datetime,
    extensions: Sequence[str],
    time_zone: ZoneInfo,
    seed: int = 0,
) -> Iterator[str]:
    """Yield ``count`` Pattern A lines (no terminators) of calls starting in ``[start, end)``.

    Lines come in order of the end time they print (local to ``time_zone``, to the
    minute), which also lies in ``[start, end)``. ``extensions`` are the site's
    extension numbers (digits, at most 5 for the Ext column).
    """
    start_ts, end_ts = checked_range(count, start, end, extensions, EXTENSION_WIDTH)
    # Checked above, when called; the lines come lazily from here.
    return records_at_instants(_Calls, count, start_ts, end_ts, list(extensions), time_zone, seed)


def _duration_text(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}'{seconds % 60:02d}"


class _Calls(CallMaker):
    """Makes one call's line at a time, from a shared random stream."""

    def __init__(self, rng: random.Random, extensions: list[str], time_zone: ZoneInfo):
        super().__init__(rng, extensions, time_zone)
        self.durations = [_duration_text(seconds) for seconds in range(3600)]
        self.rings = [f"{seconds // 60}'{seconds % 60:02d}" for seconds in range(600)]

    def record(self, instant: int, longest: int) -> str:
        """The line of a call that ended at ``instant``: a call may not have started before
        the range, so it lasted at most ``longest`` seconds."""
        local = dt.datetime.fromtimestamp(instant, self.time_zone)
        hour = local.hour
        stamp = (
            f"{local.month:02d}/{local.day:02d}/{local.year % 100:02d} "
            f"{(hour - 1) % 12 + 1:02d}:{local.minute:02d}{'AM' if hour < 12 else 'PM'}"
        )
        return self.line(stamp, longest)

    def line(self, stamp: str, longest: int) -> str:
        """The line of one call that ended at ``stamp`` and lasted at most ``longest`` s."""
        kind = self.random()
        if kind < 0.50:
            fields = self._outgoing(longest)
        elif kind < 0.82 or not self.has_colleagues:
            fields = self._incoming(longest)
        else:
            fields = self._intercom(longest)
        extension, trunk, dial, ring, seconds, account, condition = fields
        duration = self.durations[seconds] if seconds < 3600 else _duration_text(seconds)
        return (
            f"{stamp} {extension:>5} {trunk:>2} {dial:<25} {ring:>4} {duration} "
            f"{account:<10} {condition:<3}"
        )

    def _outgoing(self, longest: int) -> tuple[str, str, str, str, int, str, str]:
        random = self.random
        number, median, _ = self.outside_number()
        account = self.pick(ACCOUNT_CODES) if random() < 0.05 else ""
        seconds = 0 if random() < 0.18 else min(self.seconds(median), longest)
        condition = "TR" if seconds and random() < 0.04 else ""
        return (
            self.pick(self.extensions),
            self.pick(_TRUNKS),
            ACCESS_CODE + number,
            "",
            seconds,
            account,
            condition,
        )

    def _incoming(self, longest: int) -> tuple[str, str, str, str, int, str, str]:
        random = self.random
        extension = self.pick(self.extensions)
        shown = random()
        if shown < 0.08:  # withheld
            dial = "<I>"
        elif shown < 0.20:  # the caller's name, then the number
            dial = "<I>" + self.pick(CALLER_NAMES) + self.cli()
        elif shown < 0.30:  # the DDI the caller dialled, then the number
            dial = "<D>52" + extension.zfill(5) + "<I>" + self.cli()
        else:
            dial = "<I>" + self.cli()
        if random() < 0.14:  # rang out
            return (
                extension,
                self.pick(_TRUNKS),
                dial,
                self.rings[self.between(8, 45)],
                0,
                "",
                "NA",
            )
        ring = self.rings[min(int(self.rng.expovariate(1 / 7)) + 2, 60)]
        seconds = min(self.seconds(100), longest)
        if not seconds:  # no time left to talk before the range starts
            return extension, self.pick(_TRUNKS), dial, ring, 0, "", "NA"
        condition = "TR" if random() < 0.06 else "AN"
        return extension, self.pick(_TRUNKS), dial, ring, seconds, "", condition

    def _intercom(self, longest: int) -> tuple[str, str, str, str, int, str, str]:
        extension = self.pick(self.extensions)
        callee = self.other_extension(extension)
        ring = self.rings[self.between(1, 20)]
        seconds = 0 if self.random() < 0.15 else min(self.seconds(45), longest)
        return extension, "", "EXT" + callee, ring, seconds, "", "" if seconds else "NA"
