"""Realistic Alcatel-Lucent OmniPCX tickets for a site in Argentina, from a seed.

:func:`alcatel_omnipcx_records` yields OmniPCX Office metering tickets in the default
statement's fields (``smdr.parsers.alcatel_omnipcx``, **[DERIVED]** from the OXO manual):
charged user, type, line, date, time (the call's start), duration, units, services,
facilities and the number, one blank between two, trailing blanks dropped, e.g. an
outgoing call of extension 2044 on line L01 to a Córdoba number::

    2044  --> L01 14/10/26 13:05:07 00:03:06     2 ST      0451478965

The mix: outgoing calls (``-->``, with metering units, on analog lines ``L01``-``L04``
or the T2 ``P01``) to local, national, mobile, toll-free and international numbers;
incoming calls (``<--``) with the caller's number, some not answered (duration
``00:00:00``), some forwarded (facility ``X``). An OXO tickets only public-network calls:
there are no internal ones. Records come in order of start.

:func:`alcatel_omnipcx_enterprise_records` yields OmniPCX Enterprise tickets of the ED5.2
layout (fixed width, 525 characters), with internal calls too. Both parse with
:class:`smdr.parsers.alcatel_omnipcx.AlcatelOmniPCXParser` under its default options
(``variant`` auto); the same arguments always give the same records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from smdr.parsers.alcatel_omnipcx import ENTERPRISE_FIELDS

from .common import (
    ACCESS_CODE,
    ACCOUNT_CODES,
    CallMaker,
    checked_range,
    clock_text,
    records_at_instants,
)

USER_WIDTH = 5
ENTERPRISE_WIDTH = 525
LINES = ("L01", "L02", "L03", "L04", "P01")
TRUNK_GROUPS = ("12", "13", "20")
_PER_UNIT = {"local": 120, "national": 30, "mobile": 20, "international": 10}


def alcatel_omnipcx_records(
    *,
    count: int,
    start: dt.datetime,
    end: dt.datetime,
    extensions: Sequence[str],
    time_zone: ZoneInfo,
    seed: int = 0,
) -> Iterator[str]:
    """Yield ``count`` OmniPCX Office tickets (no terminators) of calls starting in
    ``[start, end)``, in start order, dated in ``time_zone``. ``extensions`` are the
    site's extension numbers (digits, at most 5)."""
    start_ts, end_ts = checked_range(count, start, end, extensions, USER_WIDTH)
    return records_at_instants(_Office, count, start_ts, end_ts, list(extensions), time_zone, seed)


def alcatel_omnipcx_enterprise_records(
    *,
    count: int,
    start: dt.datetime,
    end: dt.datetime,
    extensions: Sequence[str],
    time_zone: ZoneInfo,
    seed: int = 0,
) -> Iterator[str]:
    """Yield ``count`` OmniPCX Enterprise tickets (ED5.2, 525 characters) of calls
    starting in ``[start, end)``, in start order."""
    start_ts, end_ts = checked_range(count, start, end, extensions, 30)
    return records_at_instants(
        _Enterprise, count, start_ts, end_ts, list(extensions), time_zone, seed
    )


class _Office(CallMaker):
    """Makes one Office ticket at a time, from a shared random stream."""

    def record(self, instant: int, longest: int) -> str:
        local = dt.datetime.fromtimestamp(instant, self.time_zone)
        stamp = f"{local.day:02d}/{local.month:02d}/{local.year % 100:02d} {local:%H:%M:%S}"
        random = self.random
        extension = self.pick(self.extensions)
        line = self.pick(LINES)
        if random() < 0.55:
            number, median, kind = self.outside_number()
            seconds = self.seconds(median)
            units = str(seconds // _PER_UNIT[kind] + 1) if kind in _PER_UNIT else ""
            kind_mark, facilities, number = "-->", "", ACCESS_CODE + number
        else:
            number = self.cli(withheld=0.08)
            seconds = 0 if random() < 0.3 else self.seconds(100)
            units, kind_mark = "", "<--"
            facilities = "X" if random() < 0.05 else ""
        ticket = (
            f"{extension:<5} {kind_mark} {line:<3} {stamp} {clock_text(seconds)} {units:>5} "
            f"ST {facilities:<4} {number}"
        )
        return ticket.rstrip()


def _place(fields: dict[str, str]) -> str:
    """An ED5.2 ticket: each field left-justified in its columns."""
    characters = [" "] * ENTERPRISE_WIDTH
    for key, text in fields.items():
        _, first, last = ENTERPRISE_FIELDS[key]
        characters[first - 1 : first - 1 + len(text)] = text[: last - first + 1]
    return "".join(characters)


def _stamp(moment: int, time_zone: ZoneInfo) -> str:
    return dt.datetime.fromtimestamp(moment, time_zone).strftime("%Y%m%d %H:%M:%S")


class _Enterprise(CallMaker):
    """Makes one Enterprise ticket at a time, from a shared random stream."""

    serial = 0

    def record(self, instant: int, longest: int) -> str:
        random = self.random
        extension = self.pick(self.extensions)
        fields = {"version": "ED5.2", "charged": extension}
        kind = random()
        ring = self.ring()
        if kind < 0.5:
            number, median, outside = self.outside_number()
            seconds = 0 if random() < 0.1 else self.seconds(median)
            fields |= {"called": ACCESS_CODE + number, "calling": extension, "call_type": "0"}
            fields["trunk_group"] = self.pick(TRUNK_GROUPS)
            if seconds and outside in _PER_UNIT:
                fields["units"] = str(seconds // _PER_UNIT[outside] + 1)
            if random() < 0.2:
                fields["access_code"] = self.pick(ACCOUNT_CODES)
        elif kind < 0.82 or not self.has_colleagues:
            seconds = 0 if random() < 0.25 else self.seconds(100)
            fields |= {"called": extension, "calling": self.cli(withheld=0.08), "call_type": "4"}
            fields["trunk_group"] = self.pick(TRUNK_GROUPS)
        else:
            seconds = 0 if random() < 0.15 else self.seconds(45)
            fields |= {"called": self.other_extension(extension), "calling": extension}
            fields["call_type"] = "14"
        self.serial += 1
        end = instant + ring + seconds
        fields |= {
            "end": _stamp(end, self.time_zone),
            "start": _stamp(instant, self.time_zone),
            "duration": str(seconds),
            "waiting": str(ring),
            "effective": str(seconds),
            "call_reference": str(self.serial),
        }
        return _place(fields)
