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
:class:`smdr.parsers.mitel_5000.Mitel5000Parser` when received after the call ended
(see :func:`mitel_5000_timed_records`).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from .common import (
    ACCOUNT_CODES,
    LOCAL_AREA,
    CallMaker,
    check_arguments,
    clock_text,
    minute_range,
    timed_records,
    untimed,
)

EXTENSION_WIDTH = 5  # EXT#, columns 5-9

_TRUNKS = tuple(str(92000 + number) for number in range(1, 24))  # trunk extension numbers
_IP_CONNECTIONS = ("P0001", "P0002")  # IP connections to the other nodes
_CALL_TYPES = {"local": "LOC", "national": "TLD", "toll-free": "000", "international": "O/I"}
_NO_COST = "$00.00"  # costing is not set up, as in the real record


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
    check_arguments(count, start, end, extensions, EXTENSION_WIDTH)
    first_minute, last_minute = minute_range(start, end)
    # Checked above, when called; the records come lazily from here.
    return timed_records(
        _Calls,
        _start_text,
        count,
        first_minute,
        last_minute,
        start.timestamp(),
        list(extensions),
        time_zone,
        seed,
        minutes=True,
    )


mitel_5000_records = untimed(
    mitel_5000_timed_records,
    """Yield ``count`` 80-column SMDR records with START in ``[start, end)``.

    Records come in START order; START is printed in ``time_zone`` to the minute, so
    calls start on whole minutes and ``[start, end)`` must hold one. ``extensions`` are
    the site's extension numbers (1 to 5 digits): the callers and the answering parties.
    """,
)


def _start_text(local: dt.datetime) -> str:
    """START: ``hh:mm``."""
    return f"{local.hour:02d}:{local.minute:02d}"


class _Calls(CallMaker):
    """Makes one call's record at a time, from a shared random stream."""

    def __init__(self, rng: random.Random, extensions: list[str]):
        super().__init__(rng, extensions)

    @staticmethod
    def _elapsed(seconds: int) -> str:
        return clock_text(seconds)

    def _outside_number(self) -> tuple[str, str, float]:
        """TYP, the number as dialled after the access code, and a typical duration."""
        number, median, kind = self.outside_number()
        if kind == "mobile":  # toll local in Córdoba (short form or 0351 15...)
            typ = "TLC" if number[:2] == "15" or number[1:4] == LOCAL_AREA else "TLD"
        else:
            typ = _CALL_TYPES[kind]
        return typ, number, median

    def _cli(self) -> str:
        """The caller's number as the trunk delivers it; blank when withheld."""
        return self.cli(withheld=0.08)

    def timed(self, hhmm: str, since_start: float) -> tuple[int, str]:
        """(seconds from the start to the end of the call, record) of a call started at
        ``hhmm`` (in the range: ``since_start`` sets no limit)."""
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
        extension = self.pick(self.extensions)
        typ, number, median = self._outside_number()
        if random() < 0.01:
            typ = "CNF"  # a conference the extension set up, with the outside digits
        account = self.pick(ACCOUNT_CODES) if random() < 0.05 else ""
        trunk = self.pick(_TRUNKS)
        if random() < 0.10:  # nobody answered: the call never talked
            return 0, self._line(typ, extension, trunk, number, hhmm, "00:00:00", account)
        seconds = self.seconds(median)
        flag = "*" if random() < 0.45 else " "
        return seconds, self._line(
            typ, extension, trunk, number, hhmm, self._elapsed(seconds), account, flag
        )

    def _incoming(self, hhmm: str) -> tuple[int, str]:
        random = self.random
        kind = random()
        typ = "DSA" if kind < 0.01 else "DID" if kind < 0.45 else "IN"
        trunk = self.pick(_TRUNKS)
        cli = self._cli()
        if random() < 0.12:  # rang out: ELAPSED is the ring time, nobody to name
            ring = self.between(8, 45)
            return ring, self._line(typ, "*****", trunk, cli, hhmm, self._elapsed(ring))
        extension = self.pick(self.extensions)
        seconds = self.seconds(100)
        flag = "*" if random() < 0.55 else " "
        return seconds, self._line(
            typ, extension, trunk, cli, hhmm, self._elapsed(seconds), flag=flag
        )

    def _network(self, hhmm: str) -> tuple[int, str]:
        """A call to a colleague at another node, over an IP connection."""
        extension = self.pick(self.extensions)
        callee = self.other_extension(extension)
        connection = self.pick(_IP_CONNECTIONS)
        seconds = self.seconds(45) if self.random() >= 0.15 else 0
        return seconds, self._line(
            "NET", extension, connection, callee, hhmm, self._elapsed(seconds)
        )
