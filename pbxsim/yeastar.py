"""Realistic Yeastar S-Series CDR rows for a site in Argentina, from a seed.

:func:`yeastar_records` yields CSV rows (without the CR LF) in the S-Series CDR
report's 15 columns (the parser's default ``s-series`` variant), times local to the
site, e.g. extension 2052 calling the Córdoba number 432 4397 through the outside
access code ``0`` and trunk ``SIP-Trunk1``, 11 s of ringing and 37 s of
conversation::

    1790946092.639,2026-10-02 10:01:32,2052,04324397,48,37,,SIP-Trunk1,ANSWERED,
    Outbound,,,,0,369451090405

(one line, wrapped here). The mix: outgoing calls (local, national, mobile, toll-free
and international numbers) over two SIP trunks, now and then with a PIN code;
incoming calls from a trunk to a DID with the caller's number (now and then
``anonymous``), some to voicemail; internal calls; ``NO ANSWER``, ``BUSY`` and
``FAILED`` calls, recordings of some answered ones; business hours weighted. The PBX
writes a record when the call ends: rows come in order of their end, and every call
starts in ``[start, end)``. The same arguments always give the same rows; every row
parses with :class:`smdr.parsers.yeastar.YeastarParser` under its default options.
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
    LocalStamps,
    checked_range,
    fit,
    records_at_instants,
)

_TRUNKS = ("SIP-Trunk1", "SIP-Trunk1", "SIP-Trunk2")
_DIDS = ("3514450000", "3514450001")
_UNANSWERED = ("NO ANSWER", "NO ANSWER", "BUSY", "FAILED")
SERIAL_NUMBER = "369451090405"


def yeastar_records(
    *,
    count: int,
    start: dt.datetime,
    end: dt.datetime,
    extensions: Sequence[str],
    time_zone: ZoneInfo,
    seed: int = 0,
) -> Iterator[str]:
    """Yield ``count`` CDR rows (no line terminators) of calls in ``[start, end)``, in
    order of the call's end; times in ``time_zone`` to the second."""
    start_ts, end_ts = checked_range(count, start, end, extensions, None)
    return records_at_instants(
        _YeastarCalls, count, start_ts, end_ts, list(extensions), time_zone, seed
    )


class _YeastarCalls(CallMaker):
    """One CDR row per call, in the S-Series CDR report's columns."""

    def __init__(self, rng: random.Random, extensions: list[str], time_zone: ZoneInfo):
        super().__init__(rng, extensions, time_zone)
        self.stamp = LocalStamps(time_zone)
        self.sequence = rng.randrange(1_000)

    def _row(
        self,
        *,
        end: int,
        ring: int,
        talk: int,
        caller: str,
        callee: str,
        trunks: str,
        kind: str,
        pin: str = "",
        did: str = "",
        status: str = "",
    ) -> str:
        """A CDR row; ``trunks`` are the source and destination trunk columns."""
        start = end - ring - talk
        self.sequence += 1
        call_id = f"{start}.{self.sequence}"
        if talk:
            status = "ANSWERED"
        elif not status:
            status = self.pick(_UNANSWERED)
        recording = ""
        if talk and self.random() < 0.1:
            recording = f"{self.stamp(start).replace('-', '').replace(' ', '').replace(':', '')}"
            recording += f"-{call_id}-{caller}-{callee}-{kind}.wav"
        return (
            f"{call_id},{self.stamp(start)},{caller},{callee},{ring + talk},{talk},{trunks},"
            f"{status},{kind},{pin},{recording},{did},0,{SERIAL_NUMBER}"
        )

    def _outgoing(self, end: int, longest: int) -> str:
        extension = self.pick(self.extensions)
        number, median, _ = self.outside_number()
        if self.random() < 0.82:
            ring, talk = fit(longest, self.between(2, 25), self.seconds(median))
        else:
            ring, talk = min(self.between(0, 45), longest), 0
        pin = self.pick(ACCOUNT_CODES) if talk and self.random() < 0.05 else ""
        return self._row(
            end=end,
            ring=ring,
            talk=talk,
            caller=extension,
            callee=ACCESS_CODE + number,
            trunks=f",{self.pick(_TRUNKS)}",
            kind="Outbound",
            pin=pin,
        )

    def _incoming(self, end: int, longest: int) -> str:
        extension = self.pick(self.extensions)
        caller = "anonymous" if self.random() < 0.05 else self.cli()
        status = ""
        if self.random() < 0.14:  # rang out, or went to voicemail
            ring, talk = min(self.between(8, 45), longest), 0
            status = "VOICEMAIL" if self.random() < 0.3 else "NO ANSWER"
        else:
            ring, talk = fit(longest, self.ring(), self.seconds(100))
        return self._row(
            end=end,
            ring=ring,
            talk=talk,
            caller=caller,
            callee=extension,
            trunks=f"{self.pick(_TRUNKS)},",
            kind="Inbound",
            did=self.pick(_DIDS),
            status=status,
        )

    def _internal(self, end: int, longest: int) -> str:
        extension = self.pick(self.extensions)
        callee = self.other_extension(extension)
        if self.random() < 0.85:
            ring, talk = fit(longest, self.between(1, 15), self.seconds(45))
        else:
            ring, talk = min(self.between(1, 25), longest), 0
        return self._row(
            end=end,
            ring=ring,
            talk=talk,
            caller=extension,
            callee=callee,
            trunks=",",
            kind="Internal",
        )
