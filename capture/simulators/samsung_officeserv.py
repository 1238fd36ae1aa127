"""Realistic Samsung OfficeServ SMDR records for a site in Argentina, from a seed.

:func:`samsung_officeserv_records` yields the long (154-byte) records of
``pbx-formats.md`` section 11 without their NUL: 153 characters at ``brofield/pbxlog``'s
offsets (call id, extension, authorization code, ``MM/DD HH:MM:SS`` start with no year,
duration ``HH:MM:SS``, call type flag, dialled digits, account code, cost, caller id
number and name, group, ring time), e.g. an incoming call from BANCO CORDOBA,
351 5956313, to group 500, answered at extension 2021 after ringing 8 s, 2 min 36 s
long, that started at 08:37:01 on 7 October, as the Python string::

    "  653207 2021             10/07 08:37:01 00:02:36 I  " + " " * 48
    + "3515956313       BANCO CORDOBA      500   00:00:08  "

The mix: outgoing calls (``O``, a few ``OT`` transfers) through the outside access code
``0`` to local Córdoba, national, mobile, toll-free and international numbers, some not
answered (``00:00:00``), now and then with an account code; incoming calls (``I``, a few
``IT`` transfers) with the caller's number (sometimes withheld) and now and then name,
some to a ring group, and abandoned ones (``A``, the duration column showing the time to
abandonment); business hours weighted. OfficeServ SMDR records trunk calls only: there
are no intercom records. The records come in order of the start time printed. The same
arguments always give the same records; every record parses with
:class:`capture.parsers.samsung_officeserv.SamsungOfficeServParser` when received after
its call.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from .avaya_ipoffice import _AREAS, _COUNTRIES, _LOCAL_AREA, ACCESS_CODE, _instants

EXTENSION_WIDTH = 6  # columns 10-15
_ACCOUNT_CODES = ("1001", "1002", "2040", "3300")
_AUTH_CODES = ("4711", "1234", "90210")
_GROUPS = ("500", "501", "502")
# Caller id names as the CO sends them, at most 18 characters.
_CALLER_NAMES = (
    "GOMEZ MARIA", "PEREZ JUAN", "ACME SA", "LOPEZ HNOS", "CLINICA SUR", "BANCO CORDOBA",
    "DIAZ ROSA", "SOSA CARLOS", "TRANSPORTES NORTE", "ROSSI E HIJOS SRL",
)  # fmt: skip


def samsung_officeserv_records(
    *,
    count: int,
    start: dt.datetime,
    end: dt.datetime,
    extensions: Sequence[str],
    time_zone: ZoneInfo,
    seed: int = 0,
) -> Iterator[str]:
    """Yield ``count`` 153-character records (no NUL) of calls starting in ``[start, end)``.

    Records come in start order; the start is printed in ``time_zone`` to the second,
    with the month and day but no year. ``extensions`` are the site's extension numbers
    (digits, at most 6 for the extension column).
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be aware datetimes")
    if count < 0:
        raise ValueError("count must not be negative")
    if not extensions or not all(
        ext.isdigit() and ext.isascii() and len(ext) <= EXTENSION_WIDTH for ext in extensions
    ):
        raise ValueError(
            f"extensions must be a non-empty sequence of digit strings of at most "
            f"{EXTENSION_WIDTH} digits"
        )
    start_ts = math.ceil(start.timestamp())
    end_ts = end.timestamp()
    if end_ts <= start_ts:
        raise ValueError("end must be at least a whole second after start")
    # Checked above, when called; the records come lazily from here.
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
        stamp = (
            f"{local.month:02d}/{local.day:02d} "
            f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
        )
        yield calls.record(stamp)


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class _Calls:
    """Makes one call's record at a time, from a shared random stream."""

    def __init__(self, rng: random.Random, extensions: list[str]):
        self.rng = rng
        self.random = rng.random
        self.extensions = extensions
        self.call_id = 1 + rng.randrange(900_000)
        self.clock = [_clock(seconds) for seconds in range(3600)]

    def _pick(self, choices: Sequence):
        """``random.choice``, a few times faster (``int(random() * n)`` is uniform enough)."""
        return choices[int(self.random() * len(choices))]

    def _between(self, low: int, high: int) -> int:
        """``random.randint``, a few times faster."""
        return low + int(self.random() * (high - low + 1))

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

    def record(self, stamp: str) -> str:
        """The record of one call that started at ``stamp`` (``MM/DD HH:MM:SS``, local)."""
        self.call_id = self.call_id % 999_999 + 1
        fields = self._outgoing() if self.random() < 0.55 else self._incoming()
        extension, auth, duration, flag, dialled, account, cli, name, group, ring = fields
        return (
            f"  {self.call_id:>6} {extension:<6} {auth:<9} {stamp} {duration:<8} {flag:<2} "
            f"{dialled:<18} {account:<17} {'':<10} {cli:<16} {name:<18} {group:<6}{ring:>8}  "
        )

    def _outgoing(self) -> tuple[str, ...]:
        random = self.random
        number, median = self._outside_number()
        account = self._pick(_ACCOUNT_CODES) if random() < 0.05 else ""
        auth = self._pick(_AUTH_CODES) if random() < 0.02 else ""
        if random() < 0.18:  # nobody answered, busy or failed
            duration, flag = "00:00:00", "O"
        else:
            duration = self._duration(median)
            flag = "OT" if random() < 0.04 else "O"
        extension = self._pick(self.extensions)
        return extension, auth, duration, flag, ACCESS_CODE + number, account, "", "", "", ""

    def _incoming(self) -> tuple[str, ...]:
        random = self.random
        cli = self._cli()
        name = self._pick(_CALLER_NAMES) if cli and random() < 0.30 else ""
        group = self._pick(_GROUPS) if random() < 0.30 else ""
        extension = self._pick(self.extensions)
        if random() < 0.14:  # the caller hung up while it rang
            ring = self.clock[self._between(5, 45)]
            return extension, "", ring, "A", "", "", cli, name, group, ring
        ring = self.clock[min(int(self.rng.expovariate(1 / 7)) + 2, 60)]
        flag = "IT" if random() < 0.06 else "I"
        return extension, "", self._duration(100), flag, "", "", cli, name, group, ring
