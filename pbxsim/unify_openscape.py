"""Realistic Unify OpenScape Voice CDRs for a site in Argentina, from a seed.

:func:`unify_openscape_records` yields full CDRs (record type ``00000000``) as an
OpenScape Voice billing file holds them, without the file's header lines and sequence
numbers: 130 comma-separated fields of which the parser
(``smdr.parsers.unify_openscape``) reads the timestamp (2, the call's start, with its
UTC offset), duration (3), global call ID (5), terminating and calling numbers (11,
12), attempt indicator and release cause (18, 19), party identifiers (40, 41), answer
and release times (48, 49), dialed number (101), SIP endpoints (126, 127) and the
destination party (128). E.g. the start of an outgoing call of extension 2044::

    00000000,2026-10-14T13:05:07.0-0300,93,,OSV01-0000000001,,,,,,04514789653,2044,

The mix: outgoing calls (party identifiers 900 to 903) to local, national, mobile,
toll-free and international numbers through the SIP trunk ``10.0.172.17``; incoming
calls (901 to 902) from ``10.0.172.18`` with the caller's number, now and then withheld;
internal calls (900 to 902); some not answered (attempt indicator 1 busy or 5 no
answer, duration 0). Records come in order of start.

:func:`unify_openscape_hipath4000_records` yields HiPath 4000 records in the parser's
default columns (``date;time;duration;extension;number;trunk;units;account;direction``,
the time being the call's end). Both parse with
:class:`smdr.parsers.unify_openscape.UnifyOpenScapeParser` under its default options
(``variant`` auto); the same arguments always give the same records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from .common import ACCESS_CODE, ACCOUNT_CODES, CallMaker, checked_range, records_at_instants

FIELDS = 130
OUTGOING_TRUNK = "10.0.172.17"
INCOMING_TRUNK = "10.0.172.18"
TRUNK_GROUPS = ("12", "13", "20")
_PER_UNIT = {"local": 120, "national": 30, "mobile": 20, "international": 10}


def unify_openscape_records(
    *,
    count: int,
    start: dt.datetime,
    end: dt.datetime,
    extensions: Sequence[str],
    time_zone: ZoneInfo,
    seed: int = 0,
) -> Iterator[str]:
    """Yield ``count`` OpenScape Voice full CDRs (no terminators) of calls starting in
    ``[start, end)``, in start order, their times in ``time_zone`` with its offset.
    ``extensions`` are the site's extension numbers (digits)."""
    start_ts, end_ts = checked_range(count, start, end, extensions, 30)
    return records_at_instants(_Voice, count, start_ts, end_ts, list(extensions), time_zone, seed)


def unify_openscape_hipath4000_records(
    *,
    count: int,
    start: dt.datetime,
    end: dt.datetime,
    extensions: Sequence[str],
    time_zone: ZoneInfo,
    seed: int = 0,
) -> Iterator[str]:
    """Yield ``count`` HiPath 4000 records in the default columns, of calls starting in
    ``[start, end)``, in start order, dated (at their end) in ``time_zone``."""
    start_ts, end_ts = checked_range(count, start, end, extensions, 30)
    return records_at_instants(
        _HiPath4000, count, start_ts, end_ts, list(extensions), time_zone, seed
    )


class _Voice(CallMaker):
    """Makes one full CDR at a time, from a shared random stream."""

    serial = 0

    def _time(self, moment: int) -> str:
        local = dt.datetime.fromtimestamp(moment, self.time_zone)
        return local.strftime("%Y-%m-%dT%H:%M:%S.0%z")

    def _cdr(self, instant: int, seconds: int, ring: int, attempt: str, fields: dict[int, str]):
        self.serial += 1
        values = [""] * FIELDS
        values[0] = "00000000"
        values[1] = self._time(instant)
        values[2] = str(seconds)
        values[4] = f"OSV01-{self.serial:010d}"
        values[17] = attempt
        values[18] = "16" if attempt == "0" else "17" if attempt == "1" else "19"
        if seconds:
            values[47] = self._time(instant + ring)
        values[48] = self._time(instant + ring + seconds)
        for number, text in fields.items():
            values[number - 1] = text
        return ",".join(values)

    def _unanswered(self, share: float) -> tuple[int, str]:
        """(0, attempt indicator) for a call not answered, else (1, "0")."""
        if self.random() >= share:
            return 1, "0"
        return 0, "1" if self.random() < 0.3 else "5"

    def _outgoing(self, instant: int, longest: int) -> str:
        number, median, _ = self.outside_number()
        extension = self.pick(self.extensions)
        answered, attempt = self._unanswered(0.12)
        ring = self.ring()
        seconds = self.seconds(median) if answered else 0
        dialed = ACCESS_CODE + number
        fields = {11: dialed, 12: extension, 40: "900", 41: "903", 101: dialed}
        fields |= {127: OUTGOING_TRUNK, 128: dialed}
        return self._cdr(instant, seconds, ring, attempt, fields)

    def _incoming(self, instant: int, longest: int) -> str:
        extension = self.pick(self.extensions)
        answered, attempt = self._unanswered(0.2)
        ring = self.ring()
        seconds = self.seconds(100) if answered else 0
        fields = {11: extension, 12: self.cli(withheld=0.08), 40: "901", 41: "902"}
        fields |= {126: INCOMING_TRUNK, 128: extension}
        return self._cdr(instant, seconds, ring, attempt, fields)

    def _internal(self, instant: int, longest: int) -> str:
        extension = self.pick(self.extensions)
        callee = self.other_extension(extension)
        answered, attempt = self._unanswered(0.15)
        ring = self.ring()
        seconds = self.seconds(45) if answered else 0
        fields = {11: callee, 12: extension, 40: "900", 41: "902", 101: callee, 128: callee}
        return self._cdr(instant, seconds, ring, attempt, fields)


class _HiPath4000(CallMaker):
    """Makes one HiPath 4000 record (default columns) at a time."""

    def record(self, instant: int, longest: int) -> str:
        random = self.random
        extension = self.pick(self.extensions)
        trunk, units, account = self.pick(TRUNK_GROUPS), "", ""
        kind = random()
        if kind < 0.5:
            number, median, outside = self.outside_number()
            number = ACCESS_CODE + number
            seconds = 0 if random() < 0.1 else self.seconds(median)
            if seconds and outside in _PER_UNIT:
                units = str(seconds // _PER_UNIT[outside] + 1)
            if random() < 0.2:
                account = self.pick(ACCOUNT_CODES)
            direction = "O"
        elif kind < 0.82 or not self.has_colleagues:
            number = self.cli(withheld=0.08)
            seconds = 0 if random() < 0.25 else self.seconds(100)
            direction = "I"
        else:
            number, trunk = self.other_extension(extension), ""
            seconds = 0 if random() < 0.15 else self.seconds(45)
            direction = "N"
        local = dt.datetime.fromtimestamp(instant + seconds, self.time_zone)
        stamp = f"{local.day:02d}.{local.month:02d}.{local.year % 100:02d};{local:%H:%M:%S}"
        return f"{stamp};{seconds};{extension};{number};{trunk};{units};{account};{direction}"
