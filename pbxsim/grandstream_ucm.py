"""Realistic Grandstream UCM CDR rows for a site in Argentina, from a seed.

:func:`grandstream_ucm_records` yields CSV rows (without the CR LF) in the 22 columns
of the UCM's CDR API (the parser's default), times local to the site, e.g. extension
2028 (Ayşe Kaya) calling the Córdoba number 422 0174 through the outside access code
``0`` and trunk ``trunk_1``, 6 s of ringing and 69 s of conversation::

    6480,,2028,04220174,from-internal,"Ayşe Kaya" <2028>,PJSIP/2028-00048a1f,
    PJSIP/trunk_1-00048a20,Dial,PJSIP/4220174@trunk_1,60,,2026-10-02 08:42:23,
    2026-10-02 08:42:29,2026-10-02 08:43:38,75,69,ANSWERED,DOCUMENTATION,
    1790941343.6480,OUT,2028,,s

(one line, wrapped here). As on the UCM, ``lastdata`` holds the Dial arguments with
their commas, unquoted. The mix: outgoing calls (local, national, mobile, toll-free
and international numbers) over ``trunk_1`` and ``trunk_2``, now and then with an
account code (a PIN group); incoming calls from a trunk with the caller's number (now
and then ``anonymous``) and name; internal calls; ``NO ANSWER``, ``BUSY`` and
``FAILED`` calls; business hours weighted. The UCM writes a record when the call
ends: rows come in order of their end (AcctId ascending), and every call starts in
``[start, end)``. The same arguments always give the same rows; every row parses with
:class:`smdr.parsers.grandstream_ucm.GrandstreamUCMParser` under its default options.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from .common import (
    ACCESS_CODE,
    ACCOUNT_CODES,
    CALLER_NAMES,
    CallMaker,
    LocalStamps,
    checked_range,
    fit,
    records_at_instants,
)

_TRUNKS = ("trunk_1", "trunk_1", "trunk_2")
_UNANSWERED = ("NO ANSWER", "NO ANSWER", "BUSY", "FAILED")


def grandstream_ucm_records(
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
        _UCMCalls, count, start_ts, end_ts, list(extensions), time_zone, seed
    )


class _UCMCalls(CallMaker):
    """One CDR row per call, in the 22 columns of the CDR API."""

    def __init__(self, rng: random.Random, extensions: list[str], time_zone: ZoneInfo):
        super().__init__(rng, extensions, time_zone)
        self.stamp = LocalStamps(time_zone)
        self.names = {ext: self.user_name() for ext in extensions}
        self.acct_id = 1_000 + rng.randrange(9_000)
        self.channel = rng.randrange(0x100000)

    def _channel(self, peer: str) -> str:
        self.channel += 1
        return f"PJSIP/{peer}-{self.channel:08x}"

    def _row(
        self,
        *,
        end: int,
        ring: int,
        talk: int,
        parties: str,
        context: str,
        channels: str,
        dial: str,
        userfield: str,
        exts: str,
        account: str = "",
    ) -> str:
        """A CDR row; ``parties`` are src,dst, ``channels`` clid,channel,dstchannel,
        ``dial`` lastapp,lastdata, ``exts`` channel_ext,dstchannel_ext."""
        start = end - ring - talk
        stamp = self.stamp
        self.acct_id += 1
        if talk:
            disposition = "ANSWERED"
            answer = stamp(start + ring)
        else:
            disposition = self.pick(_UNANSWERED)
            answer = ""
        unique_id = f"{start}.{self.acct_id % 10_000}"
        return (
            f"{self.acct_id},{account},{parties},{context},{channels},{dial},{stamp(start)},"
            f"{answer},{stamp(end)},{ring + talk},{talk},{disposition},DOCUMENTATION,"
            f"{unique_id},{userfield},{exts},s"
        )

    def _outgoing(self, end: int, longest: int) -> str:
        extension = self.pick(self.extensions)
        number, median, _ = self.outside_number()
        dialled = ACCESS_CODE + number
        if self.random() < 0.82:
            ring, talk = fit(longest, self.between(2, 25), self.seconds(median))
        else:
            ring, talk = min(self.between(0, 45), longest), 0
        trunk = self.pick(_TRUNKS)
        account = self.pick(ACCOUNT_CODES) if talk and self.random() < 0.05 else ""
        clid = f'"{self.names[extension]}" <{extension}>'
        return self._row(
            end=end,
            ring=ring,
            talk=talk,
            parties=f"{extension},{dialled}",
            context="from-internal",
            channels=f"{clid},{self._channel(extension)},{self._channel(trunk)}",
            dial=f"Dial,PJSIP/{number}@{trunk},60,",
            userfield="OUT",
            exts=f"{extension},",
            account=account,
        )

    def _incoming(self, end: int, longest: int) -> str:
        extension = self.pick(self.extensions)
        shown = self.random()
        if shown < 0.05:
            caller, clid = "anonymous", '"anonymous" <anonymous>'
        else:
            caller = self.cli()
            clid = f'"{self.pick(CALLER_NAMES)}" <{caller}>' if shown < 0.30 else caller
        if self.random() < 0.14:  # rang out
            ring, talk = min(self.between(8, 45), longest), 0
        else:
            ring, talk = fit(longest, self.ring(), self.seconds(100))
        trunk = self.pick(_TRUNKS)
        return self._row(
            end=end,
            ring=ring,
            talk=talk,
            parties=f"{caller},{extension}",
            context=f"ext-did-000{1 + _TRUNKS.index(trunk)}",
            channels=f"{clid},{self._channel(trunk)},{self._channel(extension)}",
            dial=f"Dial,PJSIP/{extension},60,",
            userfield="IN",
            exts=f",{extension}",
        )

    def _internal(self, end: int, longest: int) -> str:
        extension = self.pick(self.extensions)
        callee = self.other_extension(extension)
        if self.random() < 0.85:
            ring, talk = fit(longest, self.between(1, 15), self.seconds(45))
        else:
            ring, talk = min(self.between(1, 25), longest), 0
        clid = f'"{self.names[extension]}" <{extension}>'
        return self._row(
            end=end,
            ring=ring,
            talk=talk,
            parties=f"{extension},{callee}",
            context="from-internal",
            channels=f"{clid},{self._channel(extension)},{self._channel(callee)}",
            dial=f"Dial,PJSIP/{callee},60,",
            userfield="EXT",
            exts=f"{extension},{callee}",
        )
