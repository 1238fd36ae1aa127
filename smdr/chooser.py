"""Which family is this? Sample lines in, the families (and options) that read them
best out, ranked: a proposal for an administrator with an unknown PBX.

Django-free, like :mod:`smdr.preview`, whose per-line outcome it counts. The
candidates come from the registry (:data:`smdr.parsers.PARSERS`) alone: each family
with its default options, then once with each other value of each of its choice
settings (a layout, a preset, a date order...), one setting at a time. A family added
to the registry is a candidate with no change here; a candidate whose parser refuses
its options (the generic parser without a column map) is left out.

A candidate's score is in [-1, 1]: the share of lines read as a *plausible* call, less
the share of errors and a quarter of the share of noise. A call is plausible on four
counts, each a quarter: its start is within :data:`PLAUSIBLE_PAST` before the lines
arrived (and not more than a day after: later is an error already, as the pipeline
refuses it); its duration is at most :data:`PLAUSIBLE_DURATION`; its extension looks
like one (1 to 8 letters or digits, with a digit); its number is a dialled number
(digits, with ``+ * #`` and blanks) or empty on an internal call. Equal scores go to
the candidate with fewer errors, then to the one with fewer settings (the defaults
first), then by family id, so the order is stable.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from smdr.parsers import PARSERS, ParserSettings, RecordError
from smdr.preview import Entry, lines_preview
from smdr.schema import Kind

PLAUSIBLE_PAST = dt.timedelta(days=400)  # a sample may be a year-old file
PLAUSIBLE_DURATION = 12 * 3600  # seconds: longer calls exist, but rarely
_EXTENSION_RE = re.compile(r"(?=.*[0-9])[0-9A-Za-z]{1,8}", re.ASCII)
_NUMBER_RE = re.compile(r"[0-9+*# ]*[0-9][0-9+*# ]*", re.ASCII)


@dataclasses.dataclass(frozen=True, slots=True)
class Candidate:
    """A family and the options that differ from its defaults (empty: the defaults)."""

    family: str
    settings: Mapping[str, object]


@dataclasses.dataclass(slots=True)
class Ranked:
    """How a candidate read the lines: counts, score and what to show of it."""

    family: str
    settings: dict[str, object]
    calls: int
    noise: int
    errors: int
    score: float
    first_error: str  # "line n: message", or "" with none
    sample_call: Entry | None  # the first call read, as the preview shows it

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def candidates(families: Iterable[str] | None = None) -> list[Candidate]:
    """Every family of the registry (or of ``families``) with its default options, then
    with each other value of each of its choice settings."""
    found: list[Candidate] = []
    for family in families if families is not None else PARSERS:
        found.append(Candidate(family, {}))
        for setting in PARSERS[family].options.settings:
            if setting.kind != Kind.CHOICE:
                continue
            for choice in setting.choices:
                if choice != setting.default:
                    found.append(Candidate(family, {setting.key: choice}))
    return found


def rank(
    lines: Sequence[str],
    *,
    zone: ZoneInfo,
    received_at: dt.datetime,
    extensions: frozenset[str] = frozenset(),
    families: Iterable[str] | None = None,
) -> list[Ranked]:
    """The candidates that read at least one of ``lines`` as a call, best first.

    ``zone`` is the site's (the PBX clock's); ``received_at`` (aware) stands for when
    the lines arrived, as in :func:`smdr.preview.lines_preview`. An empty answer means
    no family parses these lines.
    """
    ranked: list[Ranked] = []
    seen: set[tuple[str, tuple[object, ...]]] = set()
    for candidate in candidates(families):
        try:
            parser = PARSERS[candidate.family](
                ParserSettings(
                    time_zone=zone, options=dict(candidate.settings), extensions=extensions
                )
            )
        except (RecordError, ValueError):
            continue  # options the family cannot run on alone (a column map needed)
        entries = lines_preview(parser, lines, zone=zone, received_at=received_at)
        result = _scored(candidate, entries, received_at)
        if result.calls == 0:
            continue
        # A variant reading every line as its family's defaults do adds nothing.
        outcome = (candidate.family, tuple(_outcome_key(entry) for entry in entries))
        if outcome in seen:
            continue
        seen.add(outcome)
        ranked.append(result)
    ranked.sort(key=lambda item: (-item.score, item.errors, len(item.settings), item.family))
    return ranked


def _outcome_key(entry: Entry) -> object:
    call = entry["call"]
    return (entry["outcome"], entry["error"], None if call is None else tuple(call.items())[:9])


def _scored(candidate: Candidate, entries: list[Entry], received_at: dt.datetime) -> Ranked:
    calls = noise = errors = 0
    plausible = 0.0
    first_error = ""
    sample: Entry | None = None
    earliest = received_at - PLAUSIBLE_PAST
    for entry in entries:
        outcome = entry["outcome"]
        if outcome == "noise":
            noise += 1
        elif outcome == "error":
            errors += 1
            if not first_error:
                first_error = f"line {entry['line']}: {entry['error']}"
        else:
            calls += 1
            call = entry["call"]
            if sample is None:
                sample = call
            plausible += _plausibility(call, earliest)
    total = len(entries) or 1
    score = (plausible - errors - noise / 4) / total
    return Ranked(
        family=candidate.family,
        settings=dict(candidate.settings),
        calls=calls,
        noise=noise,
        errors=errors,
        score=round(score, 3),
        first_error=first_error,
        sample_call=sample,
    )


def _plausibility(call: Entry, earliest: dt.datetime) -> float:
    """0 to 1: a quarter for each of start, duration, extension and number."""
    points = 0
    if dt.datetime.fromisoformat(call["start"]) >= earliest:
        points += 1  # not later than a day after receipt: call_check refuses that
    if call["duration"] <= PLAUSIBLE_DURATION:
        points += 1
    if _EXTENSION_RE.fullmatch(call["extension"]):
        points += 1
    number = call["number"]
    if _NUMBER_RE.fullmatch(number) or (not number and call["direction"] == "internal"):
        points += 1
    return points / 4
