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
:class:`smdr.parsers.mitel_mivb.MitelMiVBParser` and its default options when
received after the call ended (see :func:`mitel_mivb_timed_records`).
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

EXTENSION_WIDTH = 4  # calling and called party, columns 24-27 and 62-65
SYSTEM_ID = "000"

_TRUNKS = tuple(f"T{number:03d}" for number in range(1, 31))
_SITE_PREFIX = LOCAL_AREA + "52"  # the site's DID range: 351 52x xxxx


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


mitel_mivb_records = untimed(
    mitel_mivb_timed_records,
    """Yield ``count`` 112-column SMDR records with the start in ``[start, end)``.

    Records come in start order; the start is printed in ``time_zone`` to the minute,
    so calls start on whole minutes and ``[start, end)`` must hold one. ``extensions``
    are the site's station numbers (1 to 4 digits).
    """,
)


def _start_text(local: dt.datetime) -> str:
    """mm/dd, blank, hh:mm, the P.M. column blank (24-hour clock), blank."""
    return f"{local.month:02d}/{local.day:02d} {local.hour:02d}:{local.minute:02d}  "


def _long_call_flag(seconds: int) -> str:
    """Column 1: blank under 5 minutes, ``-`` to 9:59, ``%`` to 29:59, ``+`` beyond."""
    if seconds < 300:
        return " "
    if seconds < 600:
        return "-"
    if seconds < 1800:
        return "%"
    return "+"


class _Calls(CallMaker):
    """Makes one call's record at a time, from a shared random stream."""

    def __init__(self, rng: random.Random, extensions: list[str]):
        super().__init__(rng, extensions)
        self.dnis = {ext: (_SITE_PREFIX + ext.zfill(5))[-10:] for ext in extensions}
        # seconds -> the long-call flag and hh:mm:ss, for the common durations
        self.durations = {
            seconds: _long_call_flag(seconds) + clock_text(seconds) for seconds in range(3600)
        }

    def timed(self, when: str, since_start: float) -> tuple[int, str]:
        """(seconds from the start to the end of the call, record) of a call started at
        ``when`` (in the range: ``since_start`` sets no limit)."""
        kind = self.random()
        if kind < 0.50:
            return self._outgoing(when)
        if kind < 0.82 or not self.has_colleagues:
            return self._incoming(when)
        return self._internal(when)

    def _duration_text(self, seconds: int) -> str:
        """The long-call flag and ``hh:mm:ss``, as ``flag + duration``."""
        return self.durations.get(seconds) or _long_call_flag(seconds) + clock_text(seconds)

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
        extension = self.pick(self.extensions)
        number, median, _ = self.outside_number()
        account = self.pick(ACCOUNT_CODES) if random() < 0.05 else ""
        trunk = self.pick(_TRUNKS)
        outcome = random()
        if outcome < 0.01:  # failed toll-deny checking, dropped at once
            seconds, status = 0, "-"
        elif outcome < 0.11:  # no answer supervision came: nothing timed
            seconds, status = 0, " "
        else:  # answer supervision received
            seconds, status = self.seconds(median), "A"
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
        extension = self.pick(self.extensions)
        trunk = self.pick(_TRUNKS)
        common = {"ani": self.cli(withheld=0.08), "dnis": self.dnis[extension], "digits": extension}
        outcome = random()
        if outcome < 0.04:  # the extension was busy
            return 0, self._line(
                when, self.durations[0], trunk, status="B", called=extension, **common
            )
        ring = min(int(self.rng.expovariate(1 / 7)) + 2, 60)
        if outcome < 0.14:  # rang out: no status, no talk
            ring = self.between(8, 45)
            return ring, self._line(
                when, self.durations[0], trunk, answer=f"{ring:03d}", called=extension, **common
            )
        seconds = self.seconds(100)
        handling = random()
        attendant = "*" if handling < 0.03 else " "  # put through by the attendant
        transfer = third = ""
        if 0.03 <= handling < 0.08 and self.has_colleagues:  # transferred to a colleague
            transfer, third = "T", self.other_extension(extension)
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
        extension = self.pick(self.extensions)
        callee = self.other_extension(extension)
        ring = self.between(1, 20)
        seconds = self.seconds(45) if self.random() >= 0.15 else 0
        return ring + seconds, self._line(
            when,
            self._duration_text(seconds),
            extension,
            answer=f"{ring:03d}",
            digits=callee,
            called=callee,
        )
