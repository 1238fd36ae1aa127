"""How sample lines parse, before a source is saved: one entry per line, nothing stored.

Django-free, so the agent (or a test) can preview as the centre does. Each line is
parsed as the pipeline parses a raw record (the parser, then the storage limits of
:func:`~smdr.parsers.limits.call_check`), by one parser in order, as lines arrive.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from smdr.framing import Framer
from smdr.parsers import ParsedCall, Parser, RecordError
from smdr.parsers.limits import call_check

# What a preview entry holds: JSON, as the API answers it.
Entry = dict[str, Any]


def lines_preview(
    parser: Parser, lines: Iterable[str], *, zone: ZoneInfo, received_at: dt.datetime
) -> list[Entry]:
    """``{"line": n, "outcome": "call"|"noise"|"error", "error": "...", "call": {...}}``
    for each of ``lines`` (numbered from 1); starts are shown in ``zone``.

    ``received_at`` stands for when the lines arrived: formats without a date (or a
    year) are dated from it, as live records are.
    """
    return [
        _entry(parser, number, text, zone, received_at)
        for number, text in enumerate(lines, start=1)
    ]


def framed_preview(
    parser: Parser,
    framer: Framer,
    lines: Iterable[str],
    *,
    zone: ZoneInfo,
    received_at: dt.datetime,
) -> list[Entry]:
    """As :func:`lines_preview`, for a source whose framer makes its records (STX/ETX or
    NUL framing, two-record joins): the lines, each ended by CR LF, go through
    ``framer`` as a stream would, and each record framed is an entry numbered by the
    line it starts on (a joined record: its first line). Bytes the framer cannot place
    are an entry too, as they are a raw record when captured.
    """
    entries: list[Entry] = []
    started: int | None = None  # the line where the record the framer keeps began
    number = 0
    for number, text in enumerate(lines, start=1):
        records = framer.feed(text.encode("utf-8", errors="replace") + b"\r\n")
        for index, record in enumerate(records):
            first = started if index == 0 and started is not None else number
            entries.append(_entry(parser, first, _text(record), zone, received_at))
        if getattr(framer, "pending", False):
            started = started if not records and started is not None else number
        else:
            started = None
    for record in framer.flush():
        first = started if started is not None else number
        entries.append(_entry(parser, first, _text(record), zone, received_at))
    return entries


def _text(record: bytes) -> str:
    return record.decode("utf-8", errors="replace")


def _entry(
    parser: Parser, number: int, text: str, zone: ZoneInfo, received_at: dt.datetime
) -> Entry:
    entry: Entry = {"line": number, "outcome": "noise", "error": "", "call": None}
    try:
        parsed = parser.parse(text, received_at)
        if parsed is not None:
            call_check(parsed, received_at=received_at, record=text)
    except RecordError as error:
        entry.update(outcome="error", error=str(error))
    except Exception as error:
        entry.update(
            outcome="error",
            error=f"internal parser error ({type(error).__name__}: {error}); please report",
        )
    else:
        if parsed is not None:
            entry.update(outcome="call", call=call_shown(parsed, zone))
    return entry


def call_shown(call: ParsedCall, zone: ZoneInfo) -> Entry:
    """The call as the preview shows it: start in ``zone`` (ISO 8601 with its offset)."""
    shown: Entry = {
        "start": call.start.astimezone(zone).isoformat(),
        "duration": call.duration_seconds,
        "ring": call.ring_seconds,
        "direction": call.direction,
        "extension": call.extension,
        "number": call.number,
        "trunk": call.trunk,
        "account_code": call.account_code,
        "pbx_call_id": call.pbx_call_id,
        "answered": call.answered,
        "details": {},
    }
    rule = call.details.get("direction_rule")
    if rule is not None:  # which rule decided the direction, when the parser says
        shown["details"]["direction_rule"] = rule
    if call.details.get("join_missing"):  # a generic join's second record never came
        shown["details"]["join_missing"] = True
    return shown
