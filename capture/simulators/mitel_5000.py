"""Realistic Mitel 5000 / Axxess SMDR records for a site in Argentina, from a seed.

:func:`mitel_5000_records` yields 80-column SMDR records as the PBX sends them (without
the socket's length prefix and CR LF), in the layout of ``pbx-formats.md`` section 1.2
and the real record of section 1.4. With ``seed=1``, a Córdoba site, extensions 2000 to
2059 and the 30 days before 2026-11-01, the second of 12 records is an outgoing national
call from extension 2050 on trunk 92006 to 0342 101 8954 (Santa Fe), started at 13:56,
5 min 59 s, ended by the outside party (the ``*`` in column 80)::

    TLD 2050  92006 03421018954                  13:56 00:05:59 $00.00             *

The mix: outgoing calls through the outside access code ``0`` (local Córdoba ``LOC``,
mobile ``TLC``, national ``TLD``, toll-free ``000``, international ``O/I``, now and then
a conference ``CNF``), whose DIALED DIGITS are what went out on the trunk, without the
access code, as in the real record; incoming calls (``IN``, ``DID``, a few ``DSA``) with
the caller's CLI, some rang out (EXT# ``*****``, ELAPSED the ring time); calls to
colleagues at another node over an IP connection (``NET`` on ``P0001``), the only
internal calls this format reports; business hours weighted. START is ``HH:MM`` with no
date, so the calls start on whole minutes and the records come in START order. The same
arguments always give the same records; every record parses with
:class:`capture.parsers.mitel_5000.Mitel5000Parser` when received after the call ended
(see :func:`mitel_5000_timed_records`).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from .avaya_ipoffice import _AREAS, _COUNTRIES, _LOCAL_AREA, _instants

ACCESS_CODE = "0"  # outside line; not printed in DIALED DIGITS
EXTENSION_WIDTH = 5  # EXT#, columns 5-9

_TRUNKS = tuple(str(92000 + number) for number in range(1, 24))  # trunk extension numbers
_IP_CONNECTIONS = ("P0001", "P0002")  # IP connections to the other nodes
_ACCOUNT_CODES = ("1001", "1002", "2040", "3300")
_NO_COST = "$00.00"  # costing is not set up, as in the real record


def mitel_5000_records(
    *,
    count: int,
    start: dt.datetime,
    end: dt.datetime,
    extensions: Sequence[str],
    time_zone: ZoneInfo,
    seed: int = 0,
) -> Iterator[str]:
    """Yield ``count`` 80-column SMDR records with START in ``[start, end)``.

    Records come in START order; START is printed in ``time_zone`` to the minute, so
    calls start on whole minutes and ``[start, end)`` must hold one. ``extensions`` are
    the site's extension numbers (1 to 5 digits): the callers and the answering parties.
    """
    timed = mitel_5000_timed_records(
        count=count,
        start=start,
        end=end,
        extensions=extensions,
        time_zone=time_zone,
        seed=seed,
    )
    return (record for _, record in timed)


def mitel_5000_timed_records(
    *,
    count: int,
    start: dt.datetime,
    end: dt.datetime,
    extensions: Sequence[str],
    time_zone: ZoneInfo,
    seed: int = 0,
) -> Iterator[tuple[int, str]]:
    """The records of :func:`mitel_5000_records`, each with the time the call ended.

    Yields ``(ended, record)``, ``ended`` in POSIX seconds: when the PBX prints the
    record, so the ``received_at`` the parser needs to date it (START has no date).
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
        raise ValueError("[start, end) must hold a whole minute: START is printed as HH:MM")
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
    hhmm = ""
    for second in _instants(rng, count, first_minute, last_minute + 60, time_zone):
        instant = second - second % 60
        if instant != last_instant:
            local = dt.datetime.fromtimestamp(instant, time_zone)
            hhmm = f"{local.hour:02d}:{local.minute:02d}"
            last_instant = instant
        seconds, record = calls.record(hhmm)
        yield instant + seconds, record


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class _Calls:
    """Makes one call's record at a time, from a shared random stream."""

    def __init__(self, rng: random.Random, extensions: list[str]):
        self.rng = rng
        self.random = rng.random
        self.extensions = extensions
        self.has_colleagues = len(set(extensions)) > 1  # NET calls need someone to call
        self.clock = {seconds: _clock(seconds) for seconds in range(3600)}

    def _pick(self, choices: Sequence):
        """``random.choice``, a few times faster (``int(random() * n)`` is uniform enough)."""
        return choices[int(self.random() * len(choices))]

    def _between(self, low: int, high: int) -> int:
        """``random.randint``, a few times faster."""
        return low + int(self.random() * (high - low + 1))

    def _duration(self, median: float) -> int:
        seconds = int(self.rng.lognormvariate(math.log(median), 0.9)) + 1
        return min(seconds, 4 * 3600)

    def _elapsed(self, seconds: int) -> str:
        return self.clock.get(seconds) or _clock(seconds)

    def _digits(self, length: int) -> str:
        low = 10 ** (length - 1)
        return str(low + int(self.random() * 9 * low))

    def _outside_number(self) -> tuple[str, str, float]:
        """TYP, the number as dialled after the access code, and a typical duration."""
        kind = self.random()
        if kind < 0.40:  # local Córdoba
            return "LOC", self._pick("45") + self._digits(6), 75
        if kind < 0.62:  # national
            area, length = self._pick(_AREAS)
            return "TLD", "0" + area + self._digits(length), 120
        if kind < 0.72:  # mobile, local short form
            return "TLC", "15" + self._digits(7), 60
        if kind < 0.92:  # mobile, full form
            area, length = self._pick((*_AREAS, (_LOCAL_AREA, 7), (_LOCAL_AREA, 7)))
            typ = "TLC" if area == _LOCAL_AREA else "TLD"
            return typ, "0" + area + "15" + self._digits(length), 60
        if kind < 0.95:  # toll-free
            return "000", "0800" + self._digits(7), 150
        country, length = self._pick(_COUNTRIES)
        return "O/I", "00" + country + self._digits(length), 240

    def _cli(self) -> str:
        """The caller's number as the trunk delivers it; blank when withheld."""
        kind = self.random()
        if kind < 0.08:
            return ""
        if kind < 0.80:
            return _LOCAL_AREA + self._pick("4556") + self._digits(6)
        area, length = self._pick(_AREAS)
        return area + self._digits(length)

    def record(self, hhmm: str) -> tuple[int, str]:
        """(seconds from START to the end of the call, record) of one call at ``hhmm``."""
        kind = self.random()
        if kind < 0.50:
            return self._outgoing(hhmm)
        if kind < 0.82 or not self.has_colleagues:
            return self._incoming(hhmm)
        return self._network(hhmm)

    @staticmethod
    def _line(
        typ: str,
        extension: str,
        trunk: str,
        digits: str,
        hhmm: str,
        elapsed: str,
        account: str = "",
        flag: str = " ",
    ) -> str:
        """One 80-column record (TYP padded to 3, ``flag`` is column 80)."""
        return (
            f"{typ:<3} {extension:<5} {trunk:<5} {digits:<28} {hhmm} {elapsed} {_NO_COST} "
            f"{account:<12}{flag}"
        )

    def _outgoing(self, hhmm: str) -> tuple[int, str]:
        random = self.random
        extension = self._pick(self.extensions)
        typ, number, median = self._outside_number()
        if random() < 0.01:
            typ = "CNF"  # a conference the extension set up, with the outside digits
        account = self._pick(_ACCOUNT_CODES) if random() < 0.05 else ""
        trunk = self._pick(_TRUNKS)
        if random() < 0.10:  # nobody answered: the call never talked
            return 0, self._line(typ, extension, trunk, number, hhmm, "00:00:00", account)
        seconds = self._duration(median)
        flag = "*" if random() < 0.45 else " "
        return seconds, self._line(
            typ, extension, trunk, number, hhmm, self._elapsed(seconds), account, flag
        )

    def _incoming(self, hhmm: str) -> tuple[int, str]:
        random = self.random
        kind = random()
        typ = "DSA" if kind < 0.01 else "DID" if kind < 0.45 else "IN"
        trunk = self._pick(_TRUNKS)
        cli = self._cli()
        if random() < 0.12:  # rang out: ELAPSED is the ring time, nobody to name
            ring = self._between(8, 45)
            return ring, self._line(typ, "*****", trunk, cli, hhmm, self._elapsed(ring))
        extension = self._pick(self.extensions)
        seconds = self._duration(100)
        flag = "*" if random() < 0.55 else " "
        return seconds, self._line(
            typ, extension, trunk, cli, hhmm, self._elapsed(seconds), flag=flag
        )

    def _network(self, hhmm: str) -> tuple[int, str]:
        """A call to a colleague at another node, over an IP connection."""
        extension = self._pick(self.extensions)
        callee = self._other_extension(extension)
        connection = self._pick(_IP_CONNECTIONS)
        seconds = self._duration(45) if self.random() >= 0.15 else 0
        return seconds, self._line(
            "NET", extension, connection, callee, hhmm, self._elapsed(seconds)
        )

    def _other_extension(self, extension: str) -> str:
        extensions = self.extensions
        while True:
            other = self._pick(extensions)
            if other != extension:
                return other
