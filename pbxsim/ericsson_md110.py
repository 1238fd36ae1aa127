"""Realistic Ericsson MD110 / MX-ONE CIL records for a site in Argentina, from a seed.

:func:`ericsson_md110_records` yields the 121-character records of Capturador's police
layout (``layout-md110-cil.md`` **[DERIVED]**), without the CR LF and NULs that follow
each on the wire: ``MMDDhhmm`` (the call's start, no year), duration ``MMMT`` (minutes
and tenths), meter pulses, the two-letter condition code, called and calling numbers,
e.g. an outgoing call from extension 2044 to a Córdoba number through the outside
access code ``0``, 3 min 6 s long (``0031``), 2 pulses, started at 13:47 on 12 October
(shown without the blanks padding it to 121 characters)::

    00010121347 0031     2                  04567890          2044

The mix: outgoing calls (blank code, ``DO`` when long, ``M`` least-cost routed, now and
then ``T`` transferred with pulses, ``A`` through the operator with pulses) to local,
national, mobile, toll-free and international numbers, with pulses; incoming calls
(``I``, ``DI`` when long, ``NI`` answered by another extension, ``CI`` abandoned) with the
caller's number; internal calls (``J``, ``DJ``); some not answered (duration ``0000``);
business hours weighted. Records come in order of the start printed. The same arguments
always give the same records; every record parses with
:class:`smdr.parsers.ericsson_md110.EricssonMD110Parser` under its default options when
received after its call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from .common import ACCESS_CODE, CallMaker, checked_range, records_at_instants

NUMBER_WIDTH = 17  # the called and calling columns
RECORD_LENGTH = 121
LONG_SECONDS = 1800  # "D" codes: long calls (the PBX's threshold is programmable)


def ericsson_md110_records(
    *,
    count: int,
    start: dt.datetime,
    end: dt.datetime,
    extensions: Sequence[str],
    time_zone: ZoneInfo,
    seed: int = 0,
) -> Iterator[str]:
    """Yield ``count`` CIL records (no terminators) of calls starting in ``[start, end)``.

    Records come in start order; the start is printed in ``time_zone`` to the minute,
    with the month and day but no year. ``extensions`` are the site's extension numbers
    (digits, at most 17).
    """
    start_ts, end_ts = checked_range(count, start, end, extensions, NUMBER_WIDTH)
    return records_at_instants(_Calls, count, start_ts, end_ts, list(extensions), time_zone, seed)


def duration_text(seconds: int) -> str:
    """``MMMT``: minutes and tenths of a minute, rounded up to the next 6 s."""
    tenths = -(-seconds // 6)
    return f"{tenths // 10:03d}{tenths % 10}"


class _Calls(CallMaker):
    """Makes one call's record at a time, from a shared random stream."""

    def record(self, instant: int, longest: int) -> str:
        local = dt.datetime.fromtimestamp(instant, self.time_zone)
        stamp = f"{local.month:02d}{local.day:02d}{local.hour:02d}{local.minute:02d}"
        kind = self.random()
        if kind < 0.50:
            fields = self._out()
        elif kind < 0.82 or not self.has_colleagues:
            fields = self._in()
        else:
            fields = self._internal_call()
        seconds, pulses, code, called, calling = fields
        return (
            f"000{stamp} {duration_text(seconds)}  {pulses:>4} {code:<2}{'':15}"
            f"{called:<17} {calling:<17}"
        ).ljust(RECORD_LENGTH)

    def _out(self) -> tuple[int, str, str, str, str]:
        random = self.random
        number, median, kind = self.outside_number()
        extension = self.pick(self.extensions)
        if random() < 0.12:  # nobody answered: no time, no pulses
            return 0, "", "", ACCESS_CODE + number, extension
        seconds = self.seconds(median)
        per_pulse = {"local": 120, "national": 30, "mobile": 20, "international": 10}
        pulses = str(seconds // per_pulse[kind] + 1) if kind in per_pulse else ""
        choice = random()
        if seconds >= LONG_SECONDS:
            code = "DO"
        elif choice < 0.10:
            code = "M"
        elif choice < 0.14 and pulses:
            code = "T"
        elif choice < 0.17 and pulses:
            code = "A"
        else:
            code = ""
        return seconds, pulses, code, ACCESS_CODE + number, extension

    def _in(self) -> tuple[int, str, str, str, str]:
        random = self.random
        cli = self.cli(withheld=0.08)
        extension = self.pick(self.extensions)
        if random() < 0.12:
            return 0, "", "CI", extension, cli  # abandoned before an answer
        seconds = self.seconds(100)
        code = "DI" if seconds >= LONG_SECONDS else "NI" if random() < 0.06 else "I"
        return seconds, "", code, extension, cli

    def _internal_call(self) -> tuple[int, str, str, str, str]:
        extension = self.pick(self.extensions)
        callee = self.other_extension(extension)
        if self.random() < 0.15:
            return 0, "", "J", callee, extension
        seconds = self.seconds(45)
        return seconds, "", "DJ" if seconds >= LONG_SECONDS else "J", callee, extension
