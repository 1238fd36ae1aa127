"""Realistic Avaya Communication Manager CDR records for a site in Argentina, from a seed.

:func:`avaya_cm_records` yields CDR records in the printer format (``pbx-formats.md``
section 4, Table 31; the default layout of
:class:`smdr.parsers.avaya_cm.AvayaCMParser`), without the CR LF and with trailing
blanks stripped. With ``seed=1``, a Córdoba site, extensions 2000 to 2059 and the 30
days before 2026-11-01, the fourth of 12 records is an ARS call (condition code ``7``)
that ended at 13:24 after 4 minutes and 1 tenth (4 min 6 s), from extension 2001, who
dialled the outside access code ``0`` and went out on the trunk group with access code
101 to the local number 454 6231 (``5`` in column 70 is the facility restriction
level)::

    1324 0041 7 0   101 4546231         2001                             5

The mix: outgoing ARS calls (``7``; a few dialled straight on a trunk access code,
``A``, or conferences, ``C``) to local Córdoba, national, mobile, toll-free and
international numbers; incoming trunk calls (``9``: the dialled number is the extension,
the calling number the incoming trunk group's access code, columns 74-76 the trunk
member; this format has no caller number), some abandoned while ringing (``H``, the
duration is the ring time) or sent to a busy station (``I``); intraswitch calls between
extensions (``0``); business hours weighted. The time of day is when the call ENDED, to
the minute, and the duration is in tenths of a minute: calls end on whole minutes and
last whole tenths, so the start the parser works out (end minus duration) is the
generated one. Records come in order of end time, and calls start and end within
``[start, end)``. The same arguments always give the same records; every record parses
when received after the call ended (see :func:`avaya_cm_timed_records`).
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
    minute_range,
    timed_records,
    untimed,
)

EXTENSION_WIDTH = 5  # calling number, columns 37-41
TENTH = 6  # seconds in a tenth of a minute, the duration's unit

_OUTGOING_TACS = ("101", "102", "103")  # trunk access codes of the outgoing groups
_INCOMING_TACS = ("701", "702")  # and of the incoming ones
_MAX_SECONDS = 4 * 3600


def avaya_cm_timed_records(
    *,
    count: int,
    start: dt.datetime,
    end: dt.datetime,
    extensions: Sequence[str],
    time_zone: ZoneInfo,
    seed: int = 0,
) -> Iterator[tuple[int, str]]:
    """The records of :func:`avaya_cm_records`, each with the time the call ended.

    Yields ``(ended, record)``, ``ended`` in POSIX seconds (a whole minute): when the
    PBX prints the record, so the ``received_at`` the parser needs to date it.
    """
    check_arguments(count, start, end, extensions, EXTENSION_WIDTH)
    # Every call lasts at least a tenth of a minute, and ends on a whole minute.
    first_minute, last_minute = minute_range(start, end, after_seconds=TENTH)
    # Checked above, when called; the records come lazily from here.
    return timed_records(
        _Calls,
        _hhmm,
        count,
        first_minute,
        last_minute,
        start.timestamp(),
        list(extensions),
        time_zone,
        seed,
        minutes=True,
    )


avaya_cm_records = untimed(
    avaya_cm_timed_records,
    """Yield ``count`` printer-format CDR records of calls within ``[start, end)``.

    Records come in order of end time, printed in ``time_zone`` to the minute: calls end
    on whole minutes, and ``[start, end)`` must hold one at least 6 s after ``start``.
    ``extensions`` are the site's extension numbers (1 to 5 digits).
    """,
)


def _hhmm(local: dt.datetime) -> str:
    """The time the call ended, ``hhmm``."""
    return f"{local.hour:02d}{local.minute:02d}"


def _hmmt(seconds: int) -> str:
    """A multiple of 6 s as ``H MM T``: hours, minutes, tenths of a minute."""
    return f"{seconds // 3600}{seconds // 60 % 60:02d}{seconds % 60 // TENTH}"


class _Calls(CallMaker):
    """Makes one call's record at a time, from a shared random stream."""

    def __init__(self, rng: random.Random, extensions: list[str]):
        super().__init__(rng, extensions)
        self.hmmt = {seconds: _hmmt(seconds) for seconds in range(0, _MAX_SECONDS + 1, TENTH)}

    def _tenths(self, seconds: float, longest: int) -> int:
        """``seconds`` rounded up to whole tenths of a minute, at most ``longest``.

        A call too long to have started within the range gets a duration drawn again,
        uniformly up to ``longest``.
        """
        rounded = min(math.ceil(seconds / TENTH) * TENTH, _MAX_SECONDS)
        if rounded <= longest:
            return max(rounded, TENTH)
        return TENTH * self.between(1, longest // TENTH)

    def _duration(self, median: float, longest: int) -> int:
        return self._tenths(self.rng.lognormvariate(math.log(median), 0.9), longest)

    def timed(self, hhmm: str, since_start: float) -> tuple[int, str]:
        """The record of a call that ended at ``hhmm``, printed then: it started at or
        after the range's start, so it lasted at most ``since_start`` seconds."""
        return 0, self.record(hhmm, min(int(since_start) // TENTH * TENTH, _MAX_SECONDS))

    def record(self, hhmm: str, longest: int) -> str:
        """The record of one call that ended at ``hhmm`` and lasted at most ``longest``."""
        kind = self.random()
        if kind < 0.50:
            return self._outgoing(hhmm, longest)
        if kind < 0.82 or not self.has_colleagues:
            return self._incoming(hhmm, longest)
        return self._intraswitch(hhmm, longest)

    @staticmethod
    def _line(
        hhmm: str,
        duration: str,
        condition: str,
        dialled: str,
        calling: str,
        *,
        access_dialled: str = "",
        access_used: str = "",
        account: str = "",
        frl: str = "",
        in_circuit: str = "",
    ) -> str:
        """One printer-format record (Table 31), trailing blanks stripped."""
        return (
            f"{hhmm} {duration} {condition} {access_dialled:<3} {access_used:<3} "
            f"{dialled:<15} {calling:<5} {account:<15}            {frl:1}   {in_circuit}"
        ).rstrip()

    def _outgoing(self, hhmm: str, longest: int) -> str:
        random = self.random
        extension = self.pick(self.extensions)
        number, median, _ = self.outside_number()
        account = self.pick(ACCOUNT_CODES) if random() < 0.05 else ""
        tac = self.pick(_OUTGOING_TACS)
        kind = random()
        if kind < 0.04:  # dialled the trunk access code itself
            condition, access_dialled, frl = "A", tac, ""
        else:  # ARS picked the trunk group; a conference now and then
            condition, access_dialled = ("C" if kind < 0.05 else "7"), ACCESS_CODE
            frl = self.pick("1355557")
        seconds = self._duration(median, longest)
        return self._line(
            hhmm,
            self.hmmt[seconds],
            condition,
            number,
            extension,
            access_dialled=access_dialled,
            access_used=tac,
            account=account,
            frl=frl,
        )

    def _incoming(self, hhmm: str, longest: int) -> str:
        extension = self.pick(self.extensions)
        tac = self.pick(_INCOMING_TACS)
        circuit = f"{self.between(1, 30):03d}"
        outcome = self.random()
        if outcome < 0.04:  # the station was busy: no time recorded
            condition, seconds = "I", 0
        elif outcome < 0.14:  # abandoned while ringing: the duration is the ring time
            condition, seconds = "H", self._tenths(self.between(8, 45), longest)
        else:
            condition, seconds = "9", self._duration(100, longest)
        return self._line(hhmm, self.hmmt[seconds], condition, extension, tac, in_circuit=circuit)

    def _intraswitch(self, hhmm: str, longest: int) -> str:
        extension = self.pick(self.extensions)
        callee = self.other_extension(extension)
        seconds = self._duration(45, longest)
        return self._line(hhmm, self.hmmt[seconds], "0", callee, extension)
