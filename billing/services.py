"""Writes to the call store: every change to ``Call`` rows goes through a service here
(or ``rerating`` for re-pricing), which applies the rollup differences itself, in the
same transaction, so that the report totals always equal the calls.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import orjson
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from core.bulk import copy_insert
from core.errors import DomainError, NotPermitted
from core.limits import decimal_max
from org.models import Extension, Site, Trunk
from rating.services import calls_price

from .columns import RECORDED_COLUMNS
from .models import Call, ClosedMonth
from .rollups import CallFact, call_facts, rollups_apply

if TYPE_CHECKING:
    from smdr.parsers import ParsedCall

# What Call.cost holds (9,999,999,999.9999): a price above it is returned unrated,
# so the call is stored and counted as not priced instead of refused by the database.
# Not a bound on rollups: their cost (18 digits, 4 decimals) holds 10^14, so 10,000
# calls near this limit in one rollup row would still overflow it.
CALL_COST_MAX = decimal_max(Call._meta.get_field("cost"))


def calls_record(
    *,
    site: Site,
    source_id: int,
    entries: Sequence[tuple[int, ParsedCall]],
    recorded: list[tuple] | None = None,
) -> int:
    """Store one call per ``(raw_record_id, parsed_call)`` entry; return how many.

    Each call is charged to its extension (created on first sight, without a
    department, for an administrator to assign) and to the department that
    extension had when the call started. Segments sharing a PBX call id are
    numbered in order of arrival. Runs in the caller's transaction; a handful of
    queries per batch whatever its size. The rows written (in ``RECORDED_COLUMNS``
    order) are appended to ``recorded`` when given, for the pipeline's observers.
    """
    if not entries:
        return 0
    parsed_calls = [parsed for _, parsed in entries]
    extension_ids = _extension_ids(site, {p.extension for p in parsed_calls if p.extension})
    department_at = _department_history(extension_ids.values())
    trunks = _trunks(site, {p.trunk for p in parsed_calls if p.trunk})
    legs = _leg_counter(source_id, {p.pbx_call_id for p in parsed_calls if p.pbx_call_id})
    prices = calls_price(
        site=site,
        calls=parsed_calls,
        max_cost=CALL_COST_MAX,
        trunks=trunks_with_overrides(trunks),
    )

    rows = []  # in the order of RECORDED_COLUMNS, the model's field order
    for (raw_record_id, parsed), price in zip(entries, prices, strict=True):
        extension_id = extension_ids.get(parsed.extension)
        leg = 1
        if parsed.pbx_call_id:
            legs[parsed.pbx_call_id] += 1
            leg = legs[parsed.pbx_call_id]
        rows.append(
            (
                site.id,
                source_id,
                raw_record_id,
                parsed.start,
                parsed.duration_seconds,
                parsed.ring_seconds,
                parsed.answered if price.answered is None else price.answered,
                parsed.direction,
                extension_id,
                department_at(extension_id, parsed.start) if extension_id else None,
                trunks[parsed.trunk].id if parsed.trunk else None,
                parsed.number[:64],
                price.normalized_number,
                price.destination,
                price.category,
                price.cost,
                price.currency,
                price.plan_id,
                price.rate_id,
                price.unrated_reason[:200],
                parsed.account_code[:32],
                parsed.pbx_call_id[:64],
                min(leg, 32767),
                orjson.dumps(parsed.details).decode(),
            )
        )
    copy_insert(Call._meta.db_table, RECORDED_COLUMNS, rows)
    rollups_apply(added=[_fact(row) for row in rows])
    if recorded is not None:
        recorded.extend(rows)
    return len(rows)


@transaction.atomic
def calls_delete_for_raw_records(*, raw_record_ids: Sequence[int]) -> int:
    """Delete the calls made from these raw records (before they are parsed again);
    return how many. Their facts leave the rollups in the same transaction."""
    calls = Call.objects.filter(raw_record_id__in=raw_record_ids)
    removed = call_facts(calls.select_for_update())
    if removed:
        calls.delete()
        rollups_apply(removed=removed)
    return len(removed)


@transaction.atomic
def calls_department_move(*, extension_id: int, since: dt.datetime, department_id: int) -> int:
    """Charge the extension's calls from ``since`` on to ``department_id`` (a move the
    directory dates in the past), rollups included; return how many moved. Calls of
    closed months stay with the department they were reported under."""
    zone = Extension.objects.select_related("site").get(pk=extension_id).site.zone
    calls = Call.objects.filter(extension_id=extension_id, start__gte=since).exclude(
        department_id=department_id
    )
    first_month = since.astimezone(zone).date().replace(day=1)
    for month in ClosedMonth.objects.filter(month__gte=first_month).values_list("month", flat=True):
        following = (month + dt.timedelta(days=32)).replace(day=1)
        calls = calls.exclude(
            start__gte=dt.datetime.combine(month, dt.time.min, tzinfo=zone),
            start__lt=dt.datetime.combine(following, dt.time.min, tzinfo=zone),
        )
    moved = call_facts(calls.select_for_update())
    if moved:
        calls.update(department_id=department_id)
        rollups_apply(
            removed=moved, added=[fact._replace(department_id=department_id) for fact in moved]
        )
    return len(moved)


_FACT_COLUMNS = [RECORDED_COLUMNS.index(name) for name in CallFact._fields]


def _fact(row: tuple) -> CallFact:
    return CallFact(*(row[index] for index in _FACT_COLUMNS))


def _extension_ids(site: Site, numbers: set[str]) -> dict[str, int]:
    """Map extension numbers to ids, creating the ones the site does not have yet
    (as discovered: the parsers do not count them as known until confirmed)."""
    if not numbers:
        return {}
    known = dict(
        Extension.objects.filter(site=site, number__in=numbers).values_list("number", "id")
    )
    missing = numbers - known.keys()
    if missing:
        Extension.objects.bulk_create(
            [Extension(site=site, number=number, discovered=True) for number in sorted(missing)],
            ignore_conflicts=True,  # another worker may be creating the same ones
        )
        known.update(
            Extension.objects.filter(site=site, number__in=missing).values_list("number", "id")
        )
    return known


def _trunks(site: Site, names: set[str]) -> dict[str, Trunk]:
    """The site's trunks by name, creating the ones it does not have yet."""
    if not names:
        return {}
    known = {trunk.name: trunk for trunk in Trunk.objects.filter(site=site, name__in=names)}
    missing = names - known.keys()
    if missing:
        Trunk.objects.bulk_create(
            [Trunk(site=site, name=name) for name in sorted(missing)], ignore_conflicts=True
        )
        known.update(
            (trunk.name, trunk) for trunk in Trunk.objects.filter(site=site, name__in=missing)
        )
    return known


def trunks_with_overrides(trunks: dict[str, Trunk]) -> dict[str, Trunk]:
    """The trunks whose calls are priced differently from the rest of their site."""
    return {
        name: trunk
        for name, trunk in trunks.items()
        if trunk.rate_plan_id or trunk.answer_after_seconds is not None
    }


def _department_history(
    extension_ids: Iterable[int],
) -> Callable[[int, dt.datetime], int | None]:
    """A function giving an extension's department at a moment, from its history.

    Before the first recorded change, the earliest known department applies; an
    extension with no history (created by ingest) has its current department.
    """
    extension_ids = set(extension_ids)
    current = dict(
        Extension.objects.filter(id__in=extension_ids).values_list("id", "department_id")
    )
    changes: dict[int, tuple[list[dt.datetime], list[int | None]]] = {}
    history = (
        Extension.history.filter(id__in=extension_ids)
        .order_by("id", "history_date")
        .values_list("id", "history_date", "department_id")
    )
    for extension_id, changed_at, department_id in history:
        moments, departments = changes.setdefault(extension_id, ([], []))
        moments.append(changed_at)
        departments.append(department_id)

    def department_at(extension_id: int, moment: dt.datetime) -> int | None:
        if extension_id not in changes:
            return current.get(extension_id)
        moments, departments = changes[extension_id]
        index = bisect.bisect_right(moments, moment) - 1
        return departments[max(index, 0)]

    return department_at


def _leg_counter(source_id: int, pbx_call_ids: set[str]) -> defaultdict[str, int]:
    """How many segments of each PBX call id this source already stored."""
    counts: defaultdict[str, int] = defaultdict(int)
    if pbx_call_ids:
        counts.update(
            Call.objects.filter(source_id=source_id, pbx_call_id__in=pbx_call_ids)
            .values("pbx_call_id")
            .annotate(n=Count("id"))
            .values_list("pbx_call_id", "n")
        )
    return counts


# ---------------------------------------------------------------- personal calls

PERSONAL_NOTE_MAX = 500  # characters of a personal call's note


class PersonalMarkRefused(DomainError):
    """A personal mark the rules refuse (a closed month, a note too long): 400."""


class PersonalMarkNotPermitted(NotPermitted):
    """Only the extension's holder and administrators mark a call personal: 403."""


def call_month(call: Call) -> dt.date:
    """The month ``call`` is reported in: its start's month in its site's zone."""
    return call.start.astimezone(call.site.zone).date().replace(day=1)


def call_personal_may_mark(*, call: Call, user: Any) -> bool:
    """Whether ``user`` may mark ``call``: the holder of its extension (the account
    linked to it) or an administrator."""
    if user.is_staff or user.is_superuser:
        return True
    return (
        call.extension_id is not None
        and Extension.objects.filter(pk=call.extension_id, user_id=user.pk).exists()
    )


@transaction.atomic
def call_personal_mark(*, call: Call, user: Any, personal: bool, note: str | None = None) -> Call:
    """Mark ``call`` personal (or business again) for ``user``, with ``note`` (kept as
    it was when ``None``; cleared when unmarked). Refused for anyone but the holder
    of the call's extension and administrators, and once the call's month is closed.
    Totals and rollups do not change: a personal call still costs what it costs."""
    if not call_personal_may_mark(call=call, user=user):
        raise PersonalMarkNotPermitted(
            _("Only the holder of the call's extension or an administrator may mark it.")
        )
    month = call_month(call)
    if ClosedMonth.objects.filter(month=month).exists():
        raise PersonalMarkRefused(
            _("%(month)s is closed: its calls can no longer be marked personal or business.")
            % {"month": f"{month:%Y-%m}"}
        )
    if note is not None and len(note) > PERSONAL_NOTE_MAX:
        raise PersonalMarkRefused(
            _("The note is too long: at most %(max)d characters.") % {"max": PERSONAL_NOTE_MAX}
        )
    call.personal = personal
    if not personal:
        call.personal_note = ""
    elif note is not None:
        call.personal_note = note.strip()
    Call.objects.filter(pk=call.pk).update(personal=call.personal, personal_note=call.personal_note)
    return call


PersonalMarks = dict[int, str]  # raw record id -> the note of its personal call


def personal_marks_read(*, raw_record_ids: Sequence[int]) -> PersonalMarks:
    """The personal marks of the calls made from these raw records, by raw record id:
    what a re-parse must put back on the calls it makes again."""
    return dict(
        Call.objects.filter(raw_record_id__in=raw_record_ids, personal=True).values_list(
            "raw_record_id", "personal_note"
        )
    )


def personal_marks_restore(marks: PersonalMarks) -> int:
    """Put ``marks`` (from :func:`personal_marks_read`) back on the calls of their raw
    records; return how many calls got theirs back. A record that no longer makes a
    call (noise or an error now) has nowhere to keep its mark: it is dropped."""
    if not marks:
        return 0
    restored = 0
    by_note: defaultdict[str, list[int]] = defaultdict(list)
    for raw_record_id, note in marks.items():
        by_note[note].append(raw_record_id)
    for note, raw_record_ids in by_note.items():
        restored += Call.objects.filter(raw_record_id__in=raw_record_ids).update(
            personal=True, personal_note=note
        )
    return restored
