"""Realistic Avaya Communication Manager CDR records for a site in Argentina, from a seed.

:func:`avaya_cm_records` yields CDR records in the printer format (``pbx-formats.md``
section 4, Table 31; the default layout of
:class:`capture.parsers.avaya_cm.AvayaCMParser`), without the CR LF and with trailing
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

from .avaya_ipoffice import _AREAS, _COUNTRIES, _LOCAL_AREA, _instants

ACCESS_CODE = "0"  # the ARS access code the users dial for an outside line
EXTENSION_WIDTH = 5  # calling number, columns 37-41
TENTH = 6  # seconds in a tenth of a minute, the duration's unit

_OUTGOING_TACS = ("101", "102", "103")  # trunk access codes of the outgoing groups
_INCOMING_TACS = ("701", "702")  # and of the incoming ones
_ACCOUNT_CODES = ("1001", "1002", "2040", "3300")
_MAX_SECONDS = 4 * 3600


def avaya_cm_records(
    *,
    count: int,
    start: dt.datetime,
    end: dt.datetime,
    extensions: Sequence[str],
    time_zone: ZoneInfo,
    seed: int = 0,
) -> Iterator[str]:
    """Yield ``count`` printer-format CDR records of calls within ``[start, end)``.

    Records come in order of end time, printed in ``time_zone`` to the minute: calls end
    on whole minutes, and ``[start, end)`` must hold one at least 6 s after ``start``.
    ``extensions`` are the site's extension numbers (1 to 5 digits).
    """
    timed = avaya_cm_timed_records(
        count=count,
        start=start,
        end=end,
        extensions=extensions,
        time_zone=time_zone,
        seed=seed,
    )
    return (record for _, record in timed)


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
    # Every call lasts at least a tenth of a minute, and ends on a whole minute.
    first_minute = math.ceil((start_ts + TENTH) / 60) * 60
    last_minute = math.ceil(end.timestamp() / 60) * 60 - 60  # the last one before end
    if last_minute < first_minute:
        raise ValueError(
            "[start, end) must hold a whole minute 6 s or more after start: calls end on "
            "whole minutes and last whole tenths of a minute"
        )
    # Checked above, when called; the records come lazily from here.
    return _records(count, start_ts, first_minute, last_minute, list(extensions), time_zone, seed)


def _records(
    count: int,
    start_ts: float,
    first_minute: int,
    last_minute: int,
    extensions: list[str],
    time_zone: ZoneInfo,
    seed: int,
) -> Iterator[tuple[int, str]]:
    if count == 0:
        return
    rng = random.Random(seed)
    calls = _Calls(rng, extensions)
    last_instant = None
    hhmm = ""
    for second in _instants(rng, count, first_minute, last_minute + 60, time_zone):
        instant = second - second % 60
        if instant != last_instant:
            local = dt.datetime.fromtimestamp(instant, time_zone)
            hhmm = f"{local.hour:02d}{local.minute:02d}"
            last_instant = instant
        # The call started at or after ``start``: it lasted at most this long.
        longest = min(int(instant - start_ts) // TENTH * TENTH, _MAX_SECONDS)
        yield instant, calls.record(hhmm, longest)


def _hmmt(seconds: int) -> str:
    """A multiple of 6 s as ``H MM T``: hours, minutes, tenths of a minute."""
    return f"{seconds // 3600}{seconds // 60 % 60:02d}{seconds % 60 // TENTH}"


class _Calls:
    """Makes one call's record at a time, from a shared random stream."""

    def __init__(self, rng: random.Random, extensions: list[str]):
        self.rng = rng
        self.random = rng.random
        self.extensions = extensions
        self.has_colleagues = len(set(extensions)) > 1  # intraswitch calls
        self.hmmt = {seconds: _hmmt(seconds) for seconds in range(0, _MAX_SECONDS + 1, TENTH)}

    def _pick(self, choices: Sequence):
        """``random.choice``, a few times faster (``int(random() * n)`` is uniform enough)."""
        return choices[int(self.random() * len(choices))]

    def _between(self, low: int, high: int) -> int:
        """``random.randint``, a few times faster."""
        return low + int(self.random() * (high - low + 1))

    def _tenths(self, seconds: float, longest: int) -> int:
        """``seconds`` rounded up to whole tenths of a minute, at most ``longest``.

        A call too long to have started within the range gets a duration drawn again,
        uniformly up to ``longest``.
        """
        rounded = min(math.ceil(seconds / TENTH) * TENTH, _MAX_SECONDS)
        if rounded <= longest:
            return max(rounded, TENTH)
        return TENTH * self._between(1, longest // TENTH)

    def _duration(self, median: float, longest: int) -> int:
        return self._tenths(self.rng.lognormvariate(math.log(median), 0.9), longest)

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
        return "00" + country + self._digits(length), 240  # 15 digits at most

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
        extension = self._pick(self.extensions)
        number, median = self._outside_number()
        account = self._pick(_ACCOUNT_CODES) if random() < 0.05 else ""
        tac = self._pick(_OUTGOING_TACS)
        kind = random()
        if kind < 0.04:  # dialled the trunk access code itself
            condition, access_dialled, frl = "A", tac, ""
        else:  # ARS picked the trunk group; a conference now and then
            condition, access_dialled = ("C" if kind < 0.05 else "7"), ACCESS_CODE
            frl = self._pick("1355557")
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
        extension = self._pick(self.extensions)
        tac = self._pick(_INCOMING_TACS)
        circuit = f"{self._between(1, 30):03d}"
        outcome = self.random()
        if outcome < 0.04:  # the station was busy: no time recorded
            condition, seconds = "I", 0
        elif outcome < 0.14:  # abandoned while ringing: the duration is the ring time
            condition, seconds = "H", self._tenths(self._between(8, 45), longest)
        else:
            condition, seconds = "9", self._duration(100, longest)
        return self._line(hhmm, self.hmmt[seconds], condition, extension, tac, in_circuit=circuit)

    def _intraswitch(self, hhmm: str, longest: int) -> str:
        extension = self._pick(self.extensions)
        callee = self._other_extension(extension)
        seconds = self._duration(45, longest)
        return self._line(hhmm, self.hmmt[seconds], "0", callee, extension)

    def _other_extension(self, extension: str) -> str:
        extensions = self.extensions
        while True:
            other = self._pick(extensions)
            if other != extension:
                return other
