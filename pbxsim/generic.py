"""Realistic records for the generic parser's documented column map, from a seed.

The generic parser reads whatever layout a source's settings describe; these records
match the example its docstring documents (:data:`EXAMPLE_SETTINGS`): the SX-200 /
MiVoice Business fixed columns (``pbx-formats.md`` section 2.2), a date ``MM/DD`` with
no year, the start ``HH:MM``, the duration ``hh:mm:ss``, the calling extension (at most
4 digits), the digits dialled, a completion flag and an account code. For example
extension 2033 calling a Buenos Aires number through the outside access code ``0``,
2 min 41 s from 10:12 on 14 October (trailing blanks stripped)::

    " 10/14 10:12  00:02:41 2033      001143215678              A"

The map has no direction column: a call is outgoing, or internal when the number is an
extension (4 digits at most, ``internal_max_digits``); so the mix is outgoing calls
(local Córdoba, national, mobile, toll-free and international numbers, now and then an
account code, some unanswered) and calls to colleagues, business hours weighted.
Records come in start order; the same arguments always give the same records, and every
record parses with :class:`smdr.parsers.generic.GenericParser` under
:data:`EXAMPLE_SETTINGS` when received after its call.
"""

from __future__ import annotations

import datetime as dt
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

EXTENSION_WIDTH = 4  # columns 24-27
# The column map of the generic parser's docstring (an SX-200 record, no year).
EXAMPLE_SETTINGS = {
    "column_map": {
        "format": "fixed",
        "fields": {
            "date": [2, 6],
            "time": [8, 12],
            "duration": [15, 22],
            "extension": [24, 27],
            "number": [34, 59],
            "account_code": [73, 84],
        },
        "details": {"completion": [60, 60]},
    },
    "date_format": "%m/%d",
    "time_format": "%H:%M",
    "duration_format": "hh:mm:ss",
    "direction": {"default": "outgoing", "internal_max_digits": EXTENSION_WIDTH},
}
ANSWERED = "A"  # completion: answer supervision received


def generic_records(
    *,
    count: int,
    start: dt.datetime,
    end: dt.datetime,
    extensions: Sequence[str],
    time_zone: ZoneInfo,
    seed: int = 0,
) -> Iterator[str]:
    """Yield ``count`` records (no line terminators) of calls starting in ``[start, end)``.

    The start is printed in ``time_zone`` to the minute, with the month and day but no
    year. ``extensions`` are the site's extension numbers (at most 4 digits).
    """
    start_ts, end_ts = checked_range(count, start, end, extensions, EXTENSION_WIDTH)
    # Checked above, when called; the records come lazily from here.
    return records_at_instants(_Calls, count, start_ts, end_ts, list(extensions), time_zone, seed)


class _Calls(CallMaker):
    """One record per call: outgoing, or to a colleague."""

    def record(self, instant: int, longest: int) -> str:
        local = dt.datetime.fromtimestamp(instant, self.time_zone)
        when = f"{local.month:02d}/{local.day:02d} {local.hour:02d}:{local.minute:02d}"
        extension = self.pick(self.extensions)
        if self.random() < 0.25 and self.has_colleagues:
            number, median = self.other_extension(extension), 45
            account = ""
        else:
            dialled, median, _ = self.outside_number()
            number = ACCESS_CODE + dialled
            account = self.pick(ACCOUNT_CODES) if self.random() < 0.05 else ""
        if self.random() < 0.15:  # nobody answered
            seconds, completion = 0, " "
        else:
            seconds, completion = self.seconds(median), ANSWERED
        return (
            f" {when}  {clock_text(seconds)} {extension:<4}      {number:<26}{completion}"
            f"{'':12}{account:<12}"
        ).rstrip()
