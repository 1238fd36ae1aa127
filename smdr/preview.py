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
    entries: list[Entry] = []
    for number, text in enumerate(lines, start=1):
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
        entries.append(entry)
    return entries


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
    return shown
