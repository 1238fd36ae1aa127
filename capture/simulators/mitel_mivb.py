"""Realistic Mitel MiVoice Business / SX-2000 SMDR records for a site in Argentina.

:func:`mitel_mivb_records` yields SMDR records as the PBX prints them (without the CR
LF), on the help's 90-column template (``pbx-formats.md`` section 2.2) extended to 112
columns by "ANI/DNIS/ISDN/CLASS Number Delivery Reporting", so that incoming calls
carry the caller's number. With ``seed=1``, a Córdoba site, extensions 2000 to 2059 and
the 30 days before 2026-11-01, the sixth of 12 records is an incoming call on trunk
T002, started on 10/16 at 12:18, answered by 2035 after 7 s, 4 min 22 s, from Córdoba
351 647 2882 to the site's DID 351 520 2035 (one 112-column line, the two pieces
joined)::

    " 10/16 12:18  00:04:22 T002  007 2035                        2035                    000"
    "   3516472882 3515202035"

The mix: outgoing calls through the outside access code ``0`` (local Córdoba, national,
mobile, toll-free, international; the digits recorded are those dialled on the trunk,
without the access code; completion status ``A`` when answer supervision came back, else
blank and no time, or ``-`` for a few toll-denied calls), incoming calls with ANI and
DNIS (some rang out, some busy ``B``, some put through by the attendant or transferred,
``T`` and the third party), internal calls between stations (internal SMDR), business
hours weighted. The start is ``mm/dd hh:mm`` on the 24-hour clock with no year, so calls
start on whole minutes and records come in start order. The same arguments always give
the same records; every record parses with
:class:`capture.parsers.mitel_mivb.MitelMiVBParser` and its default options when
received after the call ended (see :func:`mitel_mivb_timed_records`).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from .avaya_ipoffice import _AREAS, _COUNTRIES, _LOCAL_AREA, _instants

ACCESS_CODE = "0"  # outside line; not among the digits dialled on the trunk
EXTENSION_WIDTH = 4  # calling and called party, columns 24-27 and 62-65
SYSTEM_ID = "000"

_TRUNKS = tuple(f"T{number:03d}" for number in range(1, 31))
_ACCOUNT_CODES = ("1001", "1002", "2040", "3300")
_SITE_PREFIX = _LOCAL_AREA + "52"  # the site's DID range: 351 52x xxxx


def mitel_mivb_records(
    *,
    count: int,
    start: dt.datetime,
    end: dt.datetime,
    extensions: Sequence[str],
    time_zone: ZoneInfo,
    seed: int = 0,
) -> Iterator[str]:
    """Yield ``count`` 112-column SMDR records with the start in ``[start, end)``.

    Records come in start order; the start is printed in ``time_zone`` to the minute,
    so calls start on whole minutes and ``[start, end)`` must hold one. ``extensions``
    are the site's station numbers (1 to 4 digits).
    """
    timed = mitel_mivb_timed_records(
        count=count,
        start=start,
        end=end,
        extensions=extensions,
        time_zone=time_zone,
        seed=seed,
    )
    return (record for _, record in timed)


def mitel_mivb_timed_records(
    *,
    count: int,
    start: dt.datetime,
    end: dt.datetime,
    extensions: Sequence[str],
    time_zone: ZoneInfo,
    seed: int = 0,
) -> Iterator[tuple[int, str]]:
    """The records of :func:`mitel_mivb_records`, each with the time the call ended.

    Yields ``(ended, record)``, ``ended`` in POSIX seconds: when the PBX prints the
    record, so the ``received_at`` the parser needs to find the year.
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
    first_minute = math.ceil(start.timestamp() / 60) * 60
    last_minute = math.ceil(end.timestamp() / 60) * 60 - 60  # the last one before end
    if last_minute < first_minute:
        raise ValueError("[start, end) must hold a whole minute: the start is printed as hh:mm")
    # Checked above, when called; the records come lazily from here.
    return _records(count, first_minute, last_minute, list(extensions), time_zone, seed)


def _records(
    count: int,
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
    when = ""
    for second in _instants(rng, count, first_minute, last_minute + 60, time_zone):
        instant = second - second % 60
        if instant != last_instant:
            local = dt.datetime.fromtimestamp(instant, time_zone)
            # mm/dd, blank, hh:mm, the P.M. column blank (24-hour clock), blank
            when = f"{local.month:02d}/{local.day:02d} {local.hour:02d}:{local.minute:02d}  "
            last_instant = instant
        seconds, record = calls.record(when)
        yield instant + seconds, record


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _long_call_flag(seconds: int) -> str:
    """Column 1: blank under 5 minutes, ``-`` to 9:59, ``%`` to 29:59, ``+`` beyond."""
    if seconds < 300:
        return " "
    if seconds < 600:
        return "-"
    if seconds < 1800:
        return "%"
    return "+"


class _Calls:
    """Makes one call's record at a time, from a shared random stream."""

    def __init__(self, rng: random.Random, extensions: list[str]):
        self.rng = rng
        self.random = rng.random
        self.extensions = extensions
        self.has_colleagues = len(set(extensions)) > 1  # internal calls, transfers
        self.dnis = {ext: (_SITE_PREFIX + ext.zfill(5))[-10:] for ext in extensions}
        # seconds -> the long-call flag and hh:mm:ss, for the common durations
        self.durations = {
            seconds: _long_call_flag(seconds) + _clock(seconds) for seconds in range(3600)
        }

    def _pick(self, choices: Sequence):
        """``random.choice``, a few times faster (``int(random() * n)`` is uniform enough)."""
        return choices[int(self.random() * len(choices))]

    def _between(self, low: int, high: int) -> int:
        """``random.randint``, a few times faster."""
        return low + int(self.random() * (high - low + 1))

    def _duration(self, median: float) -> int:
        seconds = int(self.rng.lognormvariate(math.log(median), 0.9)) + 1
        return min(seconds, 4 * 3600)

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

    def _ani(self) -> str:
        """The caller's national number (10 digits, as ANI holds); blank when withheld."""
        kind = self.random()
        if kind < 0.08:
            return ""
        if kind < 0.80:
            return _LOCAL_AREA + self._pick("4556") + self._digits(6)
        area, length = self._pick(_AREAS)
        return area + self._digits(length)

    def record(self, when: str) -> tuple[int, str]:
        """(seconds from the start to the end of the call, record) of one call."""
        kind = self.random()
        if kind < 0.50:
            return self._outgoing(when)
        if kind < 0.82 or not self.has_colleagues:
            return self._incoming(when)
        return self._internal(when)

    def _duration_text(self, seconds: int) -> str:
        """The long-call flag and ``hh:mm:ss``, as ``flag + duration``."""
        return self.durations.get(seconds) or _long_call_flag(seconds) + _clock(seconds)

    @staticmethod
    def _line(
        when: str,
        duration: str,
        calling: str,
        *,
        attendant: str = " ",
        answer: str = "   ",
        digits: str = "",
        status: str = " ",
        called: str = "",
        transfer: str = " ",
        third: str = "",
        account: str = "",
        ani: str = "",
        dnis: str = "",
    ) -> str:
        """One 112-column record; ``duration`` starts with the long-call flag."""
        return (
            f"{duration[0]}{when}{duration[1:]} {calling:<4} {attendant}{answer} {digits:<26}"
            f"{status} {called:<4}{transfer} {third:<4} {account:<12} {SYSTEM_ID}   "
            f"{ani:<10} {dnis:<10}"
        )

    def _outgoing(self, when: str) -> tuple[int, str]:
        random = self.random
        extension = self._pick(self.extensions)
        number, median = self._outside_number()
        account = self._pick(_ACCOUNT_CODES) if random() < 0.05 else ""
        trunk = self._pick(_TRUNKS)
        outcome = random()
        if outcome < 0.01:  # failed toll-deny checking, dropped at once
            seconds, status = 0, "-"
        elif outcome < 0.11:  # no answer supervision came: nothing timed
            seconds, status = 0, " "
        else:  # answer supervision received
            seconds, status = self._duration(median), "A"
        return seconds, self._line(
            when,
            self._duration_text(seconds),
            extension,
            digits=number,
            status=status,
            called=trunk,
            account=account,
        )

    def _incoming(self, when: str) -> tuple[int, str]:
        random = self.random
        extension = self._pick(self.extensions)
        trunk = self._pick(_TRUNKS)
        common = {"ani": self._ani(), "dnis": self.dnis[extension], "digits": extension}
        outcome = random()
        if outcome < 0.04:  # the extension was busy
            return 0, self._line(
                when, self.durations[0], trunk, status="B", called=extension, **common
            )
        ring = min(int(self.rng.expovariate(1 / 7)) + 2, 60)
        if outcome < 0.14:  # rang out: no status, no talk
            ring = self._between(8, 45)
            return ring, self._line(
                when, self.durations[0], trunk, answer=f"{ring:03d}", called=extension, **common
            )
        seconds = self._duration(100)
        handling = random()
        attendant = "*" if handling < 0.03 else " "  # put through by the attendant
        transfer = third = ""
        if 0.03 <= handling < 0.08 and self.has_colleagues:  # transferred to a colleague
            transfer, third = "T", self._other_extension(extension)
        return ring + seconds, self._line(
            when,
            self._duration_text(seconds),
            trunk,
            attendant=attendant,
            answer=f"{ring:03d}",
            called=extension,
            transfer=transfer or " ",
            third=third,
            **common,
        )

    def _internal(self, when: str) -> tuple[int, str]:
        extension = self._pick(self.extensions)
        callee = self._other_extension(extension)
        ring = self._between(1, 20)
        seconds = self._duration(45) if self.random() >= 0.15 else 0
        return ring + seconds, self._line(
            when,
            self._duration_text(seconds),
            extension,
            answer=f"{ring:03d}",
            digits=callee,
            called=callee,
        )

    def _other_extension(self, extension: str) -> str:
        extensions = self.extensions
        while True:
            other = self._pick(extensions)
            if other != extension:
                return other
