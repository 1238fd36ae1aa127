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
:class:`smdr.parsers.samsung_officeserv.SamsungOfficeServParser` when received after
its call.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from .common import (
    ACCESS_CODE,
    ACCOUNT_CODES,
    CallMaker,
    checked_range,
    clock_text,
    records_at_instants,
)

EXTENSION_WIDTH = 6  # columns 10-15
_AUTH_CODES = ("4711", "1234", "90210")
_GROUPS = ("500", "501", "502")
# Caller id names as the CO sends them, at most 18 characters.
CALLER_NAMES = (
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
    start_ts, end_ts = checked_range(count, start, end, extensions, EXTENSION_WIDTH)
    # Checked above, when called; the records come lazily from here.
    return records_at_instants(_Calls, count, start_ts, end_ts, list(extensions), time_zone, seed)


class _Calls(CallMaker):
    """Makes one call's record at a time, from a shared random stream."""

    def __init__(self, rng: random.Random, extensions: list[str], time_zone: ZoneInfo):
        super().__init__(rng, extensions, time_zone)
        self.call_id = 1 + rng.randrange(900_000)

    def _duration(self, median: float) -> str:
        return clock_text(self.seconds(median))

    def record(self, instant: int, longest: int) -> str:
        """The record of one call that started at ``instant``."""
        local = dt.datetime.fromtimestamp(instant, self.time_zone)
        stamp = (
            f"{local.month:02d}/{local.day:02d} "
            f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
        )
        self.call_id = self.call_id % 999_999 + 1
        fields = self._outgoing() if self.random() < 0.55 else self._incoming()
        extension, auth, duration, flag, dialled, account, cli, name, group, ring = fields
        return (
            f"  {self.call_id:>6} {extension:<6} {auth:<9} {stamp} {duration:<8} {flag:<2} "
            f"{dialled:<18} {account:<17} {'':<10} {cli:<16} {name:<18} {group:<6}{ring:>8}  "
        )

    def _outgoing(self) -> tuple[str, ...]:
        random = self.random
        number, median, _ = self.outside_number()
        account = self.pick(ACCOUNT_CODES) if random() < 0.05 else ""
        auth = self.pick(_AUTH_CODES) if random() < 0.02 else ""
        if random() < 0.18:  # nobody answered, busy or failed
            duration, flag = "00:00:00", "O"
        else:
            duration = self._duration(median)
            flag = "OT" if random() < 0.04 else "O"
        extension = self.pick(self.extensions)
        return extension, auth, duration, flag, ACCESS_CODE + number, account, "", "", "", ""

    def _incoming(self) -> tuple[str, ...]:
        random = self.random
        cli = self.cli(withheld=0.08)
        name = self.pick(CALLER_NAMES) if cli and random() < 0.30 else ""
        group = self.pick(_GROUPS) if random() < 0.30 else ""
        extension = self.pick(self.extensions)
        if random() < 0.14:  # the caller hung up while it rang
            ring = clock_text(self.between(5, 45))
            return extension, "", ring, "A", "", "", cli, name, group, ring
        ring = clock_text(self.ring())
        flag = "IT" if random() < 0.06 else "I"
        return extension, "", self._duration(100), flag, "", "", cli, name, group, ring
