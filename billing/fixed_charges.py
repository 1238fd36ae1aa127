"""What fixed charges cost each department in a month.

A monthly charge is prorated by day in a month it starts or ends in (16 of November's
30 days: 16/30 of the amount), to four decimals, half-even, as call costs are. An
extension's charge goes to the department the extension is in now; a department's to
it; a site's is split across the departments that have extensions at the site:
equally, by their number of extensions there, or by the month's call cost there (all
of it to the first department when nothing was called), the parts adding up to the
prorated amount exactly (the rounding left over goes to the largest part).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from django.db.models import Q, Sum

from org.models import Extension

from .models import FixedCharge, MonthlyRollup

QUANTUM = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class FixedShare:
    """The part of one charge that one department (``None``: no department) bears."""

    charge_id: int
    department_id: int | None
    extension_id: int | None  # for an extension's charge
    currency: str
    amount: Decimal


def fixed_charge_prorated(charge: FixedCharge, month: dt.date) -> Decimal:
    """The charge's amount for ``month`` (its first day): the share of the month's days
    it runs, zero outside its dates."""
    days = calendar.monthrange(month.year, month.month)[1]
    last = month.replace(day=days)
    first_day = max(charge.starts_on, month)
    last_day = min(charge.ends_on or last, last)
    if last_day < first_day:
        return Decimal(0).quantize(QUANTUM)
    charged = (last_day - first_day).days + 1
    return (charge.amount * charged / days).quantize(QUANTUM, rounding=ROUND_HALF_EVEN)


def fixed_shares(month: dt.date) -> list[FixedShare]:
    """Every charge running in ``month``, as the departments' shares of it."""
    following = (month + dt.timedelta(days=32)).replace(day=1)
    charges = (
        FixedCharge.objects.filter(starts_on__lt=following)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=month))
        .select_related("extension")
        .order_by("id")
    )
    shares: list[FixedShare] = []
    site_charges = []
    for charge in charges:
        amount = fixed_charge_prorated(charge, month)
        if charge.extension_id:
            department_id = charge.extension.department_id
            shares.append(
                FixedShare(charge.id, department_id, charge.extension_id, charge.currency, amount)
            )
        elif charge.department_id:
            shares.append(
                FixedShare(charge.id, charge.department_id, None, charge.currency, amount)
            )
        else:
            site_charges.append((charge, amount))
    if site_charges:
        shares += _site_shares(site_charges, month)
    return shares


def _site_shares(charges: list[tuple[FixedCharge, Decimal]], month: dt.date) -> list[FixedShare]:
    site_ids = {charge.site_id for charge, _amount in charges}
    extensions: defaultdict[int, Counter[int]] = defaultdict(Counter)
    for site_id, department_id in Extension.objects.filter(
        site_id__in=site_ids, department__isnull=False, discovered=False
    ).values_list("site_id", "department_id"):
        extensions[site_id][department_id] += 1
    costs: defaultdict[int, dict[int, Decimal]] = defaultdict(dict)
    for site_id, department_id, cost in (
        MonthlyRollup.objects.filter(month=month, site_id__in=site_ids, department_id__gt=0)
        .values("site_id", "department_id")
        .annotate(total=Sum("cost"))
        .values_list("site_id", "department_id", "total")
    ):
        costs[site_id][department_id] = cost or Decimal(0)
    shares = []
    for charge, amount in charges:
        counted = extensions[charge.site_id]
        departments = sorted(counted)
        if not departments:  # a site without departments yet: nobody's, but still shown
            shares.append(FixedShare(charge.id, None, None, charge.currency, amount))
            continue
        if charge.split == FixedCharge.Split.EXTENSIONS:
            weights = {d: Decimal(counted[d]) for d in departments}
        elif charge.split == FixedCharge.Split.CALL_COST:
            weights = {
                d: max(costs[charge.site_id].get(d, Decimal(0)), Decimal(0)) for d in departments
            }
            if not any(weights.values()):
                weights = {departments[0]: Decimal(1)}
        else:
            weights = {d: Decimal(1) for d in departments}
        for department_id, part in _split(amount, weights).items():
            shares.append(FixedShare(charge.id, department_id, None, charge.currency, part))
    return shares


def _split(amount: Decimal, weights: dict[int, Decimal]) -> dict[int, Decimal]:
    """``amount`` in parts proportional to ``weights``, to four decimals, adding up to
    ``amount`` exactly: what rounding leaves goes to the largest part."""
    total = sum(weights.values())
    parts = {
        key: (amount * weight / total).quantize(QUANTUM, rounding=ROUND_HALF_EVEN)
        for key, weight in weights.items()
        if weight
    }
    largest = max(parts, key=lambda key: (parts[key], -key))
    parts[largest] += amount - sum(parts.values())
    return parts


def fixed_by_department(month: dt.date) -> dict[int | None, dict[str, Decimal]]:
    """The month's fixed charges per department and currency."""
    totals: defaultdict[int | None, defaultdict[str, Decimal]] = defaultdict(
        lambda: defaultdict(Decimal)
    )
    for share in fixed_shares(month):
        totals[share.department_id][share.currency] += share.amount
    return {department: dict(amounts) for department, amounts in totals.items()}


def fixed_by_extension(month: dt.date) -> dict[int, dict[str, Decimal]]:
    """The month's fixed charges of extensions (not of departments or sites)."""
    totals: defaultdict[int, defaultdict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for share in fixed_shares(month):
        if share.extension_id is not None:
            totals[share.extension_id][share.currency] += share.amount
    return {extension: dict(amounts) for extension, amounts in totals.items()}
