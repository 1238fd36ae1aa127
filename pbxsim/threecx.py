"""Realistic 3CX CDR records for a site in Argentina, from a seed.

:func:`threecx_records` yields CDR lines (without the CR LF) with the 27 fields in the
default order of ``pbx-formats.md`` section 12 (the order the parser assumes), times
local to the site, e.g. Lucía Sosa at extension 2007 calling the Córdoba number
565 2214 through the outside access code ``0`` and trunk DN 10000 with billing code
2040, 2 s of ringing and 37 s of conversation, rated at 1 a minute::

    Call 53832,000001A0FE15D0B5_9499,00:00:37,2026/10/02 16:27:17,2026/10/02 16:27:19,
    2026/10/02 16:27:56,TerminatedByDst,Ext.2007,05652214,2007,10000,05652214,,,,2040,1,
    0.62,default,"Chain: Ext.2007,05652214,",Internal,External,External,Lucía Sosa,,,

(one line, wrapped here). The mix: outgoing calls (local Córdoba, national, mobile,
toll-free and international numbers) through trunk DNs 10000 and 10001, rated and
costed when answered, now and then with a billing code, some ``Failed`` or
``Failed_Cancelled``; incoming calls from a trunk DN with the caller's number (now and
then ``anonymous``) and name, some transferred to a colleague (``ReplacedDst``, the
final party and the chain say to whom) and some not answered; internal calls; business
hours weighted. Unanswered calls have no duration, answer time or chain, as in the
real sample. 3CX writes a record when the call ends: lines come in order of their end
time (history ids ascending), and every call starts in ``[start, end)``. The same
arguments always give the same lines; every line parses with
:class:`smdr.parsers.threecx.ThreeCXParser` under its default options (the site's
zone: for a 3CX that writes UTC, generate with ``time_zone=UTC``).
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

_TRUNK_DNS = ("10000", "10000", "10001")
# Rate per minute and rate name by kind of number; toll-free calls are not rated.
_RATES = {
    "local": ("1", 1.0, "default"),
    "national": ("3", 3.0, "Nacional"),
    "mobile": ("5", 5.0, "Moviles"),
    "international": ("12", 12.0, "Internacional"),
}


def threecx_records(
    *,
    count: int,
    start: dt.datetime,
    end: dt.datetime,
    extensions: Sequence[str],
    time_zone: ZoneInfo,
    seed: int = 0,
) -> Iterator[str]:
    """Yield ``count`` CDR lines (no line terminators) of calls in ``[start, end)``.

    Lines come in order of the call's end (when 3CX writes them), which also lies in
    ``[start, end)``; times are printed in ``time_zone`` to the second. ``extensions``
    are the site's extension numbers (digits).
    """
    start_ts, end_ts = checked_range(count, start, end, extensions, None)
    # Checked above, when called; the lines come lazily from here.
    return records_at_instants(
        _ThreeCXCalls, count, start_ts, end_ts, list(extensions), time_zone, seed
    )


def _duration(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


_DURATIONS = tuple(_duration(seconds) for seconds in range(3600))  # HH:MM:SS under an hour


class _ThreeCXCalls(CallMaker):
    """One CDR line per call, in the 27-field default order."""

    def __init__(self, rng: random.Random, extensions: list[str], time_zone: ZoneInfo):
        super().__init__(rng, extensions, time_zone)
        self.stamp = LocalStamps(time_zone, "/")
        self.names = {ext: self.user_name() for ext in extensions}
        self.history = 10_000 + rng.randrange(90_000)
        self.sequence = 1_000 + rng.randrange(9_000)

    def _line(
        self,
        *,
        end: int,
        ring: int,
        talk: int,
        reason: str,
        parties: str,
        changed: str = "",
        final: str = ",",
        bill: str = ",,,",
        chain: str = "",
        types: str,
        names: str,
    ) -> str:
        """A CDR line; ``parties`` are from_no to dial_no, ``final`` final_number and
        final_dn, ``bill`` code to name, ``types`` and ``names`` the three of each."""
        start = end - ring - talk
        stamp = self.stamp
        self.history += 1
        self.sequence += 1
        call_id = f"{start * 1000 + int(self.random() * 1000):016X}_{self.sequence}"
        if talk:
            duration = _DURATIONS[talk] if talk < 3600 else _duration(talk)
            answered = stamp(start + ring)
        else:
            duration = answered = ""
        return (
            f"Call {self.history},{call_id},{duration},{stamp(start)},{answered},"
            f"{stamp(end)},{reason},{parties},{changed},{final},{bill},{chain},{types},"
            f"{names},"
        )

    def _ended(self, talk: int) -> str:
        """Who hung up an answered call; who gave up on an unanswered one."""
        if talk:
            return "TerminatedBySrc" if self.random() < 0.5 else "TerminatedByDst"
        return "Failed_Cancelled" if self.random() < 0.75 else "Failed"

    def _outgoing(self, end: int, longest: int) -> str:
        random = self.random
        extension = self.pick(self.extensions)
        number, median, kind = self.outside_number()
        dialled = ACCESS_CODE + number
        if random() < 0.82:
            ring = self.between(2, 25)
            ring, talk = fit(longest, ring, self.seconds(median))
        else:
            ring, talk = min(self.between(0, 45), longest), 0
        reason = self._ended(talk)
        # A trunk was seized, unless the call was refused before it reached one.
        trunk = self.pick(_TRUNK_DNS) if talk or reason == "Failed_Cancelled" else dialled
        bill = ",,,"
        chain = ""
        if talk:
            code = self.pick(ACCOUNT_CODES) if random() < 0.05 else ""
            rate = _RATES.get(kind)
            if rate is None:
                bill = f"{code},,,"
            else:
                text, per_minute, name = rate
                bill = f"{code},{text},{talk * per_minute / 60:.2f},{name}"
            chain = f'"Chain: Ext.{extension},{dialled},"'
        return self._line(
            end=end,
            ring=ring,
            talk=talk,
            reason=reason,
            parties=f"Ext.{extension},{dialled},{extension},{trunk},{dialled}",
            bill=bill,
            chain=chain,
            types="Internal,External,External",
            names=f"{self.names[extension]},,",
        )

    def _incoming(self, end: int, longest: int) -> str:
        random = self.random
        extension = self.pick(self.extensions)
        shown = random()
        if shown < 0.05:
            caller, caller_name = "anonymous", ""
        else:
            caller = self.cli()
            caller_name = self.pick(CALLER_NAMES) if shown < 0.30 else ""
        trunk = self.pick(_TRUNK_DNS)
        parties = f"{caller},Ext.{extension},{trunk},{extension},{extension}"
        name = self.names[extension]
        if random() < 0.14:  # rang out
            ring = min(self.between(8, 45), longest)
            return self._line(
                end=end,
                ring=ring,
                talk=0,
                reason=self._ended(0),
                parties=parties,
                types="External,Internal,Internal",
                names=f"{caller_name},{name},",
            )
        ring, talk = fit(longest, self.ring(), self.seconds(100))
        if talk and self.has_colleagues and random() < 0.08:  # transferred to a colleague
            colleague = self.other_extension(extension)
            return self._line(
                end=end,
                ring=ring,
                talk=talk,
                reason=self._ended(talk),
                parties=parties,
                changed="ReplacedDst",
                final=f"Ext.{colleague},{colleague}",
                chain=f'"Chain: {caller},Ext.{extension},Ext.{colleague},"',
                types="External,Internal,Internal",
                names=f"{caller_name},{name},{self.names[colleague]}",
            )
        return self._line(
            end=end,
            ring=ring,
            talk=talk,
            reason=self._ended(talk),
            parties=parties,
            chain=f'"Chain: {caller},Ext.{extension},"' if talk else "",
            types="External,Internal,Internal",
            names=f"{caller_name},{name},",
        )

    def _internal(self, end: int, longest: int) -> str:
        extension = self.pick(self.extensions)
        callee = self.other_extension(extension)
        if self.random() < 0.85:
            ring, talk = fit(longest, self.between(1, 15), self.seconds(45))
        else:
            ring, talk = min(self.between(1, 25), longest), 0
        return self._line(
            end=end,
            ring=ring,
            talk=talk,
            reason=self._ended(talk),
            parties=f"Ext.{extension},Ext.{callee},{extension},{callee},{callee}",
            chain=f'"Chain: Ext.{extension},Ext.{callee},"' if talk else "",
            types="Internal,Internal,Internal",
            names=f"{self.names[extension]},{self.names[callee]},",
        )
