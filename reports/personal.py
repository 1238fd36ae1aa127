"""Employee self-service reads: a person's calls of a month ("My calls"), the
personal-calls chargeback per person, and the personal cost per department.

Personal marks are read from the calls, not the rollups (which do not key on them):
each reader here is one grouped query over the month's personal calls, a small share
of all calls, found through their partial index (``call_personal_start``): 2 ms at
300,000 calls of a month with 300 personal on PostgreSQL, 66 ms without it. Marks are written by
``billing.services.call_personal_mark``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from billing.filters import calls_in_month
from billing.models import Call, ClosedMonth
from org.models import Extension

from .selectors import COST_QUANTUM, ZERO, _check_month

MY_CALLS_SHOWN = 1000  # calls listed on the page; the totals count them all


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(COST_QUANTUM)


@dataclass(frozen=True)
class MyMonth:
    """A person's month: their extensions, their calls (newest first, at most
    ``MY_CALLS_SHOWN``), the cost per currency, the personal part of it, and whether
    the month is closed (marks can no longer change)."""

    month: dt.date
    extensions: tuple[Extension, ...]
    calls: tuple[Call, ...]
    count: int
    personal_count: int
    costs: tuple[tuple[str, Decimal], ...]
    personal_costs: tuple[tuple[str, Decimal], ...]
    unrated: int
    closed: bool

    @property
    def truncated(self) -> bool:
        return self.count > len(self.calls)


def user_extensions(user) -> QuerySet[Extension]:
    """The extensions linked to ``user`` (``Extension.user``)."""
    if not getattr(user, "pk", None):
        return Extension.objects.none()
    return Extension.objects.filter(user_id=user.pk).select_related("site").order_by("number")


def my_month(*, user, month: dt.date) -> MyMonth:
    """The calls of ``month`` (each site's local month) made on ``user``'s extensions."""
    _check_month(month)
    extensions = tuple(user_extensions(user))
    calls = Call.objects.filter(extension__in=[e.pk for e in extensions]).filter(
        calls_in_month(month)
    )
    costs: defaultdict[str, Decimal] = defaultdict(Decimal)
    personal: defaultdict[str, Decimal] = defaultdict(Decimal)
    count = personal_count = unrated = 0
    rows = (
        calls.order_by()
        .values_list("currency", "personal")
        .annotate(
            calls_count=Count("id"), cost_sum=Sum("cost"), unpriced=Count("id", filter=Q(cost=None))
        )
    )
    for currency, is_personal, n, cost, unpriced in rows if extensions else ():
        costs[currency] += cost or ZERO
        count += n
        unrated += unpriced
        if is_personal:
            personal[currency] += cost or ZERO
            personal_count += n
    listed = (
        tuple(calls.select_related("site", "extension", "trunk")[:MY_CALLS_SHOWN])
        if extensions
        else ()
    )
    return MyMonth(
        month=month,
        extensions=extensions,
        calls=listed,
        count=count,
        personal_count=personal_count,
        costs=tuple(sorted((c, _money(a)) for c, a in costs.items())),
        personal_costs=tuple(sorted((c, _money(a)) for c, a in personal.items())),
        unrated=unrated,
        closed=ClosedMonth.objects.filter(month=month).exists(),
    )


def _personal_calls(month: dt.date, scope: frozenset[int] | None) -> QuerySet[Call]:
    calls = Call.objects.filter(personal=True).filter(calls_in_month(month))
    if scope is not None:
        calls = calls.filter(department_id__in=scope)
    return calls.order_by()


@dataclass(frozen=True)
class ChargebackLine:
    """What one person is charged back for a month: their personal calls' count,
    seconds and cost in one currency. ``person`` is the linked account's name, else
    the extensions' holder; ``email`` the account's (else the extension's)."""

    person: str
    email: str
    extensions: tuple[str, ...]
    departments: tuple[str, ...]
    calls: int
    seconds: int
    cost: Decimal
    currency: str
    unrated: int


def personal_chargeback(*, month: dt.date, scope: frozenset[int] | None) -> list[ChargebackLine]:
    """The month's personal calls in ``scope`` (department ids; ``None``: all) per
    person and currency, sorted by person. One query."""
    _check_month(month)
    rows = (
        _personal_calls(month, scope)
        .values_list(
            "extension__user_id",
            "extension__user__first_name",
            "extension__user__last_name",
            "extension__user__username",
            "extension__user__email",
            "extension__number",
            "extension__holder",
            "extension__email",
            "department__code",
            "currency",
        )
        .annotate(
            calls_count=Count("id"),
            seconds_sum=Sum("duration_seconds"),
            cost_sum=Sum("cost"),
            unpriced=Count("id", filter=Q(cost=None)),
        )
    )
    people: dict[tuple, dict] = {}
    for (
        user_id,
        first_name,
        last_name,
        username,
        user_email,
        number,
        holder,
        extension_email,
        department_code,
        currency,
        n,
        seconds,
        cost,
        unpriced,
    ) in rows:
        if user_id is not None:
            key: tuple = ("user", user_id, currency)
            name = f"{first_name} {last_name}".strip() or username
            email = user_email
        else:  # no account linked: the extension answers for itself
            key = ("extension", number, holder, currency)
            name, email = holder or number or "", extension_email
        line = people.setdefault(
            key,
            {
                "person": name,
                "email": email or "",
                "extensions": set(),
                "departments": set(),
                "calls": 0,
                "seconds": 0,
                "cost": ZERO,
                "currency": currency,
                "unrated": 0,
            },
        )
        if number:
            line["extensions"].add(number)
        if department_code:
            line["departments"].add(department_code)
        line["calls"] += n
        line["seconds"] += seconds or 0
        line["cost"] += cost or ZERO
        line["unrated"] += unpriced
    lines = [
        ChargebackLine(
            person=line["person"],
            email=line["email"],
            extensions=tuple(sorted(line["extensions"])),
            departments=tuple(sorted(line["departments"])),
            calls=line["calls"],
            seconds=line["seconds"],
            cost=_money(line["cost"]),
            currency=line["currency"],
            unrated=line["unrated"],
        )
        for line in people.values()
    ]
    return sorted(lines, key=lambda line: (line.person.casefold(), line.email, line.currency))


PersonalCosts = dict[int | None, dict[str, Decimal]]


def personal_costs_by_department(*, month: dt.date, scope: frozenset[int] | None) -> PersonalCosts:
    """The month's personal cost per department id (``None``: no department) and
    currency, from the calls. One query."""
    _check_month(month)
    found: PersonalCosts = {}
    for department_id, currency, cost in (
        _personal_calls(month, scope)
        .values_list("department_id", "currency")
        .annotate(cost_sum=Sum("cost"))
    ):
        found.setdefault(department_id, {})[currency] = _money(cost)
    return found


def personal_cost_of(
    costs: PersonalCosts, department_ids: Iterable[int | None], currency: str
) -> Decimal:
    """The personal cost of ``department_ids`` (a node, or a branch) in ``currency``."""
    return _money(sum((costs.get(d, {}).get(currency, ZERO) for d in department_ids), ZERO))
