"""Rate decks: reading a carrier's price list (CSV or XLSX), checking it line by line,
showing what it would change, and applying it as a new version of the plan's rates.

Columns (contract): ``prefix``, ``destination``, ``category``, ``price_per_minute``,
``connection_fee``, ``initial_seconds``, ``increment_seconds``, ``minimum_charge``,
``valid_from`` (ISO date, optional), ``band`` (a time band name, optional); and,
optionally, ``applies_to`` (outgoing, incoming or internal; outgoing when absent).

A deck is the plan's whole price list from its ``valid_from``: rates it changes or
leaves out end that day, new ones start that day, and older versions stay for the
calls made while they were valid. Where neither the deck nor the importer gives a
``valid_from``, the plan's first deck has always applied (it prices the history
loaded before or after it) and a later one starts today.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format, get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from core.bulk import copy_insert
from core.limits import field_refusal
from core.tables import TableErrors, cell_text, table_records

from .engine import OPEN_START
from .models import Category, Destination, Rate, RatePlan, TimeBand

REQUIRED = ("prefix", "destination", "category", "price_per_minute")
OPTIONAL = (
    "connection_fee",
    "initial_seconds",
    "increment_seconds",
    "minimum_charge",
    "valid_from",
    "band",
    "applies_to",
)
TERMS = (
    "price_per_minute",
    "connection_fee",
    "initial_seconds",
    "increment_seconds",
    "minimum_charge",
)
RATE_COLUMNS = (
    "plan_id",
    "destination_id",
    "band_id",
    "applies_to",
    *TERMS,
    "valid_from",
    "valid_to",
)
BATCH = 5_000


class DeckError(TableErrors):
    """A deck that cannot be applied; ``errors`` names each line and column at fault."""


@dataclass(frozen=True, slots=True)
class DeckRow:
    line: int
    prefix: str
    destination: str
    category: str
    price_per_minute: Decimal
    connection_fee: Decimal
    initial_seconds: int
    increment_seconds: int
    minimum_charge: Decimal
    valid_from: dt.date
    band: str
    applies_to: str
    valid_from_text: str = ""  # as the deck wrote it, for "what was understood"

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.prefix, self.band, self.applies_to)

    @property
    def terms(self) -> tuple:
        return tuple(getattr(self, name) for name in TERMS)


@dataclass
class DeckDiff:
    """What applying a deck changes, against the plan's current (open-ended) rates."""

    added: list[DeckRow] = field(default_factory=list)
    # ((rate id, terms, valid from), new row)
    changed: list[tuple[tuple, DeckRow]] = field(default_factory=list)
    unchanged: int = 0
    # (rate id, valid from, prefix, band, applies_to)
    removed: list[tuple] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def summary(self) -> str:
        return (
            f"{len(self.added):,} new, {len(self.changed):,} changed, "
            f"{len(self.removed):,} ended, {self.unchanged:,} unchanged"
        )

    def lines(self, limit: int = 20) -> Iterator[str]:
        """A readable sample of the changes."""
        for row in self.added[:limit]:
            terms = _terms_text(row.terms)
            yield f"+ {row.prefix} {row.destination}: {terms} {_since_text(row.valid_from)}"
        for (_rate_id, old_terms, _since), row in self.changed[:limit]:
            yield (
                f"~ {row.prefix} {row.destination}: {_terms_text(old_terms)} -> "
                f"{_terms_text(row.terms)} {_since_text(row.valid_from)}"
            )
        for _rate_id, _since, prefix, band, applies_to in self.removed[:limit]:
            yield f"- {prefix}{f' ({band})' if band else ''} {applies_to}: ends"


def _since_text(day: dt.date) -> str:
    return _("always") if day == OPEN_START else _("from %(day)s") % {"day": day}


def _terms_text(terms) -> str:
    price, fee, initial, step, minimum = terms
    text = f"{_amount(price)}/min {initial}/{step}"
    if fee:
        text += f" +{_amount(fee)} fee"
    if minimum:
        text += f" min {_amount(minimum)}"
    return text


def _amount(value: Decimal) -> str:
    """An amount as people write it, whether it came from the deck (``1.80``) or the
    database (``0.900000``): trailing zeros dropped, but at least two decimals."""
    value = value.normalize()
    if value.as_tuple().exponent > -2:
        value = value.quantize(Decimal("0.01"))
    return f"{value:f}"


def deck_default_start(plan: RatePlan, valid_from: dt.date | None = None) -> dt.date:
    """The first day of the rates a deck gives no ``valid_from``: ``valid_from`` when
    the importer chose one; else, for the plan's first version, an open start (those
    rates price every call, past and future); else today."""
    if valid_from is not None:
        return valid_from
    if not Rate.objects.filter(plan=plan).exists():
        return OPEN_START
    return timezone.localdate()


def deck_coverage(
    plan: RatePlan,
    rows: list[DeckRow],
    *,
    calls_before_count: Callable[[RatePlan, dt.date], int],
) -> str:
    """Which stored calls the deck will price and which not, in plain words; read
    before the deck is applied. ``calls_before_count(plan, day)`` counts the stored
    calls of the plan's sites before ``day``: billing's selector, given by the caller
    because the calls sit above rating."""
    start = min(row.valid_from for row in rows)
    latest = max(row.valid_from for row in rows)
    if start == OPEN_START:
        text = _("prices all calls, past and future")
    else:
        count = calls_before_count(plan, start)
        first = not Rate.objects.filter(plan=plan).exists()
        if first:
            text = ngettext(
                "prices calls from %(day)s; %(count)s stored call of this plan's sites is "
                "before that and stays unrated",
                "prices calls from %(day)s; %(count)s stored calls of this plan's sites are "
                "before that and stay unrated",
                count,
            )
        else:
            text = ngettext(
                "prices calls from %(day)s; %(count)s stored call of this plan's sites is "
                "before that and keeps the plan's earlier rates, if any",
                "prices calls from %(day)s; %(count)s stored calls of this plan's sites are "
                "before that and keep the plan's earlier rates, if any",
                count,
            )
        text = text % {"day": start, "count": f"{count:,}"}
    if latest != start:
        text += _(" (some lines start later, the last on %(day)s)") % {"day": latest}
    return text


# --- reading ------------------------------------------------------------------------


def deck_read(
    path: str | Path,
    *,
    default_valid_from: dt.date,
    content: bytes | None = None,
    date_order: str = "iso",
):
    """Read and check every line of a deck; raise :class:`DeckError` listing them all.

    ``valid_from`` dates are ISO (``2026-12-01``) and, with ``date_order`` ``dmy`` or
    ``mdy``, also ``01/12/2026`` or ``12/01/2026`` (:data:`DATE_ORDERS`); dates typed
    as such in an XLSX are read whatever the order. Amounts may have a decimal comma.
    """
    if date_order not in DATE_ORDERS:
        raise DeckError(
            [
                _("date order %(order)r is not one of %(choices)s")
                % {"order": date_order, "choices": ", ".join(DATE_ORDERS)}
            ]
        )
    name = str(path)
    records = table_records(name, content)
    header = next(records, None)
    if header is None:
        raise DeckError([_("%(file)s: the file is empty") % {"file": name}])
    columns = [str(cell or "").strip().lower() for cell in header]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise DeckError(
            [
                _(
                    "line 1: missing column(s) %(missing)s; the header must name "
                    "%(required)s and may add %(optional)s"
                )
                % {
                    "missing": ", ".join(missing),
                    "required": ", ".join(REQUIRED),
                    "optional": ", ".join(OPTIONAL),
                }
            ]
        )
    rows, errors, seen = [], [], {}
    for line, values in enumerate(records, start=2):
        if not any(str(v or "").strip() for v in values):
            continue  # blank lines, common at the end of spreadsheets
        cells = dict(zip(columns, (cell_text(value) for value in values), strict=False))
        row = _row(line, cells, default_valid_from, errors, _DATE_READERS[date_order])
        if row is None:
            continue
        if row.key in seen:
            errors.append(
                _("line %(line)d: prefix %(prefix)s repeats line %(first)d")
                % {"line": line, "prefix": row.prefix, "first": seen[row.key]}
            )
            continue
        seen[row.key] = line
        rows.append(row)
    if errors:
        raise DeckError(errors)
    if not rows:
        raise DeckError([_("%(file)s: no rates in the file") % {"file": name}])
    return rows


def _row(line: int, cells: dict[str, str], default_valid_from, errors: list[str], read_date):
    problems = []

    def need(column, convert, default=None):
        raw = cells.get(column, "")
        if raw == "":
            if default is None:
                problems.append(
                    _("line %(line)d: %(column)s is empty") % {"line": line, "column": column}
                )
            return default
        try:
            value = convert(raw)
        except (ValueError, ArithmeticError):
            problems.append(
                _("line %(line)d: %(column)s %(value)r is not %(expected)s")
                % {"line": line, "column": column, "value": raw, "expected": _(_EXPECTED[convert])}
            )
            return None
        return _fitting(line, column, value)

    def _fitting(line, column, value):
        """``value`` when its model field can hold it; else None and the limit named."""
        field = FIELDS.get(column)
        why = field_refusal(field, value) if field is not None else ""
        if why:
            problems.append(
                _("line %(line)d, %(column)s: %(why)s")
                % {"line": line, "column": column, "why": why}
            )
            return None
        return int(value) if column in SECONDS else value

    prefix = cells.get("prefix", "").lstrip("+")
    if not prefix.isdigit():
        problems.append(
            _("line %(line)d: prefix %(prefix)r must be digits (E.164 without +)")
            % {"line": line, "prefix": cells.get("prefix")}
        )
    else:
        _fitting(line, "prefix", prefix)
    category = cells.get("category", "").lower()
    if category not in Category.values:
        problems.append(
            _("line %(line)d: category %(category)r is not one of %(choices)s")
            % {"line": line, "category": category, "choices": ", ".join(Category.values)}
        )
    applies_to = cells.get("applies_to", "").lower() or Rate.AppliesTo.OUTGOING
    if applies_to not in Rate.AppliesTo.values:
        choices = ", ".join(Rate.AppliesTo.values)
        problems.append(
            _("line %(line)d: applies_to %(value)r is not one of %(choices)s")
            % {"line": line, "value": applies_to, "choices": choices}
        )
    values = {
        "price_per_minute": need("price_per_minute", _money),
        "connection_fee": need("connection_fee", _money, Decimal(0)),
        "initial_seconds": need("initial_seconds", _seconds, 60),
        "increment_seconds": need("increment_seconds", _seconds, 60),
        "minimum_charge": need("minimum_charge", _money, Decimal(0)),
        "valid_from": need("valid_from", read_date, default_valid_from),
    }
    if not cells.get("destination"):
        problems.append(_("line %(line)d: destination is empty") % {"line": line})
    for column in ("destination", "band"):
        _fitting(line, column, cells.get(column, ""))
    if problems:
        errors.extend(problems)
        return None
    return DeckRow(
        line=line,
        prefix=prefix,
        destination=cells["destination"],
        category=category,
        band=cells.get("band", ""),
        applies_to=applies_to,
        valid_from_text=cells.get("valid_from", ""),
        **values,
    )


def _money(raw: str) -> Decimal:
    value = (
        Decimal(raw.replace(",", ".")) if raw.count(",") == 1 and "." not in raw else Decimal(raw)
    )
    if not value.is_finite() or value < 0:
        raise ValueError(raw)
    return value


def _seconds(raw: str) -> Decimal:
    """A whole number of seconds, still a Decimal (spreadsheets store 60 as 60.0): the
    field's range is checked before it becomes an int, so 1e999999999 is refused, not
    expanded to a billion digits."""
    value = Decimal(raw)
    if not value.is_finite() or value < 1 or value != value.to_integral_value():
        raise ValueError(raw)
    return value


def _iso_date(raw: str) -> dt.date:
    return dt.date.fromisoformat(raw)


def _dmy_date(raw: str) -> dt.date:
    return _iso_date(raw) if "-" in raw[:5] else dt.datetime.strptime(raw, "%d/%m/%Y").date()  # noqa: DTZ007 - a date


def _mdy_date(raw: str) -> dt.date:
    return _iso_date(raw) if "-" in raw[:5] else dt.datetime.strptime(raw, "%m/%d/%Y").date()  # noqa: DTZ007 - a date


# How a deck may write its dates: --date-format of import_rates, the admin's choice.
DATE_ORDERS = {
    "iso": gettext_noop("year-month-day (2026-12-01)"),
    "dmy": gettext_noop("day/month/year (01/12/2026), or year-month-day"),
    "mdy": gettext_noop("month/day/year (12/01/2026), or year-month-day"),
}
_DATE_READERS = {"iso": _iso_date, "dmy": _dmy_date, "mdy": _mdy_date}


def date_order_for_language() -> str:
    """The date order the active language writes (``dmy`` in Spanish and Portuguese)."""
    first = str(get_format("DATE_INPUT_FORMATS")[0])
    return "dmy" if first.startswith("%d") else "mdy" if first.startswith("%m") else "iso"


def deck_dates_understood(rows: Iterable[DeckRow], date_order: str) -> str:
    """How the deck's dates were read, with its first one as the example (a dry run says
    it before anything is written); empty when the deck gives no date."""
    example = next((row for row in rows if row.valid_from_text), None)
    if example is None:
        return ""
    return _("Dates read as %(order)s: line %(line)d says %(text)s, read as %(date)s.") % {
        "order": _(DATE_ORDERS[date_order]),
        "line": example.line,
        "text": example.valid_from_text,
        "date": date_format(example.valid_from, "DATE_FORMAT"),
    }


_EXPECTED = {
    _money: gettext_noop("an amount of money (a non-negative decimal, e.g. 12.50)"),
    _seconds: gettext_noop("a whole number of seconds (1 or more)"),
    _iso_date: gettext_noop("an ISO date (YYYY-MM-DD)"),
    _dmy_date: gettext_noop("a date (DD/MM/YYYY or YYYY-MM-DD)"),
    _mdy_date: gettext_noop("a date (MM/DD/YYYY or YYYY-MM-DD)"),
}
SECONDS = ("initial_seconds", "increment_seconds")
# The model field that stores each column: what it holds is what a deck may say.
FIELDS = {
    **{name: Rate._meta.get_field(name) for name in TERMS},
    "prefix": Destination._meta.get_field("prefix"),
    "destination": Destination._meta.get_field("name"),
    "band": TimeBand._meta.get_field("name"),
}


# --- comparing and applying ---------------------------------------------------------


def deck_diff(plan: RatePlan, rows: Iterable[DeckRow]) -> DeckDiff:
    """Compare a deck with the plan's current rates; raise for unknown band names."""
    rows = list(rows)
    bands = dict(TimeBand.objects.filter(plan=plan).values_list("name", "id"))
    unknown = sorted({row.band for row in rows if row.band and row.band not in bands})
    if unknown:
        raise DeckError(
            [
                _("band %(band)r is not a time band of plan %(plan)s (known: %(known)s)")
                % {"band": name, "plan": plan.slug, "known": ", ".join(sorted(bands)) or _("none")}
                for name in unknown
            ]
        )
    current = {
        (prefix, band or "", applies_to): (rate_id, tuple(terms), since)
        for rate_id, prefix, band, applies_to, since, *terms in (
            Rate.objects.filter(plan=plan, valid_to=None).values_list(
                "id", "destination__prefix", "band__name", "applies_to", "valid_from", *TERMS
            )
        )
    }
    diff = DeckDiff()
    for row in rows:
        existing = current.pop(row.key, None)
        if existing is None:
            diff.added.append(row)
        elif existing[1] != row.terms:
            diff.changed.append((existing, row))
        else:
            diff.unchanged += 1
    diff.removed = [(rate_id, since, *key) for key, (rate_id, _terms, since) in current.items()]
    return diff


@transaction.atomic
def deck_apply(plan: RatePlan, rows: list[DeckRow], diff: DeckDiff, *, ends_on: dt.date) -> None:
    """Write the deck as a new version of the plan's rates and bump the plan's version.

    A changed rate ends the day its successor starts; a rate the deck leaves out ends
    on ``ends_on``. A rate replaced on or before the day it started never applied on
    its own, so it is corrected in place (or, when dropped, deleted) instead.
    """
    destinations = _destinations_upsert(plan, rows)
    bands = dict(TimeBand.objects.filter(plan=plan).values_list("name", "id"))
    ending: dict[dt.date, list[int]] = {}
    corrected, dropped, new_rows = [], [], list(diff.added)
    for (rate_id, _terms, since), row in diff.changed:
        if since >= row.valid_from:
            corrected.append(_rate(plan, row, destinations, bands, pk=rate_id))
        else:
            ending.setdefault(row.valid_from, []).append(rate_id)
            new_rows.append(row)
    for rate_id, since, *_key in diff.removed:
        if since >= ends_on:
            dropped.append(rate_id)
        else:
            ending.setdefault(ends_on, []).append(rate_id)

    Rate.objects.filter(id__in=dropped).delete()
    for day, rate_ids in ending.items():
        for start in range(0, len(rate_ids), BATCH):
            Rate.objects.filter(id__in=rate_ids[start : start + BATCH]).update(valid_to=day)
    Rate.objects.bulk_update(corrected, [*TERMS, "valid_from"], batch_size=BATCH)
    # COPY on PostgreSQL: a whole carrier deck (170,000 prefixes) is one statement.
    copy_insert(
        Rate._meta.db_table,
        RATE_COLUMNS,
        (
            (
                plan.pk,
                destinations[row.prefix],
                bands.get(row.band),
                row.applies_to,
                *row.terms,
                row.valid_from,
                None,
            )
            for row in new_rows
        ),
    )
    RatePlan.bump_version(plan.pk)


def _rate(plan, row: DeckRow, destinations, bands, pk=None) -> Rate:
    return Rate(
        pk=pk,
        plan=plan,
        destination_id=destinations[row.prefix],
        band_id=bands.get(row.band),
        applies_to=row.applies_to,
        price_per_minute=row.price_per_minute,
        connection_fee=row.connection_fee,
        initial_seconds=row.initial_seconds,
        increment_seconds=row.increment_seconds,
        minimum_charge=row.minimum_charge,
        valid_from=row.valid_from,
    )


def _destinations_upsert(plan: RatePlan, rows: list[DeckRow]) -> dict[str, int]:
    """Destination ids by prefix, creating new prefixes and renaming changed ones."""
    existing = {
        prefix: (pk, name, category)
        for pk, prefix, name, category in Destination.objects.filter(plan=plan).values_list(
            "pk", "prefix", "name", "category"
        )
    }
    wanted = {row.prefix: (row.destination, row.category) for row in rows}
    renamed = [
        Destination(pk=existing[prefix][0], name=name, category=category)
        for prefix, (name, category) in wanted.items()
        if prefix in existing and existing[prefix][1:] != (name, category)
    ]
    Destination.objects.bulk_update(renamed, ["name", "category"], batch_size=BATCH)
    copy_insert(
        Destination._meta.db_table,
        ("plan_id", "prefix", "name", "category"),
        (
            (plan.pk, prefix, name, category)
            for prefix, (name, category) in wanted.items()
            if prefix not in existing
        ),
    )
    return dict(Destination.objects.filter(plan=plan).values_list("prefix", "pk"))
