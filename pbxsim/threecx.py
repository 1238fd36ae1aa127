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

:func:`threecx_v20_records` yields the same calls as rows of 3CX V20's CDR table
(``cdroutput``, the ``v20`` layout of :mod:`smdr.parsers.threecx_v20`): its columns in
:data:`~smdr.parsers.threecx_v20.V20_COLUMNS` order (:func:`threecx_v20_header` is the
header row an export starts with), times in UTC with microseconds and ``+00`` as
PostgreSQL writes them, V20's entity types (``extension``, ``external_line``, DN type
``provider`` for a trunk) and termination reasons (``src_participant_terminated``,
``dst_participant_terminated``, ``cancelled``), one row per call (the segment that
reached the party: a transfer's row is the colleague's). Every row parses with the
``v20`` layout, or after the header with the default ``auto``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from smdr.parsers.threecx_v20 import V20_COLUMNS

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


def threecx_v20_records(
    *,
    count: int,
    start: dt.datetime,
    end: dt.datetime,
    extensions: Sequence[str],
    time_zone: ZoneInfo,
    seed: int = 0,
) -> Iterator[str]:
    """Yield ``count`` V20 ``cdroutput`` rows (no header, no line terminators) of the
    calls :func:`threecx_records` makes with the same arguments."""
    start_ts, end_ts = checked_range(count, start, end, extensions, None)
    return records_at_instants(
        _ThreeCXV20Calls, count, start_ts, end_ts, list(extensions), time_zone, seed
    )


def threecx_v20_header() -> str:
    """The header row of a ``cdroutput`` CSV export."""
    return ",".join(V20_COLUMNS)


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


# V20's termination reasons for the CDR log's.
_V20_REASONS = {
    "TerminatedBySrc": "src_participant_terminated",
    "TerminatedByDst": "dst_participant_terminated",
    "Failed_Cancelled": "cancelled",
    "Failed": "rejected",
}
_COLUMN = {name: index for index, name in enumerate(V20_COLUMNS)}


class _ThreeCXV20Calls(_ThreeCXCalls):
    """The same calls, one ``cdroutput`` row each."""

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
        from_no, _, from_dn, to_dn, dial_no = parties.split(",")
        final_number, final_dn = final.split(",")
        from_type, to_type, _ = types.split(",")
        from_name, to_name, final_name = names.split(",")
        start = end - ring - talk
        row = [""] * len(V20_COLUMNS)

        def put(name: str, value: str) -> None:
            row[_COLUMN[name]] = value

        put("cdr_id", self._uuid())
        put("call_history_id", self._uuid())
        put("source_participant_id", self._uuid())
        put("destination_participant_id", self._uuid())
        if from_type == "External":
            put("source_entity_type", "external_line")
            put("source_dn_type", "provider")
            put("source_dn_name", f"Trunk {from_dn}")
            put("source_participant_phone_number", from_no)
            put("source_participant_name", from_name)
        else:
            put("source_entity_type", "extension")
            put("source_dn_type", "extension")
            put("source_dn_name", from_name)
            put("source_participant_name", from_name)
            put("source_participant_phone_number", from_dn)
        put("source_dn_number", from_dn)
        if to_type == "External":
            trunk = to_dn if to_dn != dial_no else ""
            put("destination_entity_type", "external_line" if trunk else "outbound_rule")
            put("destination_dn_type", "provider" if trunk else "outbound_rule")
            put("destination_dn_number", trunk)
            put("destination_participant_phone_number", dial_no)
        else:
            reached = final_dn or to_dn
            put("destination_entity_type", "extension")
            put("destination_dn_type", "extension")
            put("destination_dn_number", reached)
            put("destination_dn_name", final_name or to_name)
            put("destination_participant_name", final_name or to_name)
            put("destination_participant_phone_number", reached)
        put("creation_method", "transfer" if final_number else "call_init")
        put("creation_forward_reason", "none")
        put("termination_reason", _V20_REASONS[reason])
        put("cdr_started_at", _utc(start, self.random()))
        put("cdr_ended_at", _utc(end, self.random()))
        if talk:
            put("cdr_answered_at", _utc(start + ring, self.random()))
        put("processed", "t")
        put("migrated", "f")
        return ",".join(f'"{value}"' if "," in value else value for value in row)

    def _uuid(self) -> str:
        """An id shaped like V20's (``00000000-01dc-688a-2607-57e500000c10``)."""
        bits = int(self.random() * 2**48)
        return f"00000000-01dc-{bits >> 32:04x}-{bits >> 16 & 0xFFFF:04x}-{bits & 0xFFFF:012x}"


def _utc(seconds: int, fraction: float) -> str:
    """``seconds`` (epoch) as PostgreSQL writes a ``timestamptz`` in UTC, with a fraction
    below the second (so whole-second durations are kept)."""
    moment = dt.datetime.fromtimestamp(seconds, dt.UTC)
    return f"{moment:%Y-%m-%d %H:%M:%S}.{int(fraction * 100_000):05d}+00"
