"""Department budgets: what each department has spent this month, and the alerts.

A budget covers its department and every department below it (see ``Budget``), so
what a department has spent is the cost of its whole subtree, read from the monthly
rollups in one query and summed up the tree in memory: organizations have hundreds
of departments, and this never needs a query per department.

A budget alerts at two levels, ``warning`` at 80% and ``exceeded`` at 100%, each once
per department and month. ``budget_alerts_send`` is run by beat every 15 minutes
(``reports.tasks.budget_alerts_task``); the dashboard shows ``budget_statuses``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.selectors import user_language
from billing.selectors import fixed_by_department, monthly_rollups
from org.models import Department, Site
from org.selectors import departments_visible_to

from .models import Budget, BudgetAlert, BudgetLevel

logger = logging.getLogger(__name__)

ZERO = Decimal(0)
RATIO_QUANTUM = Decimal("0.0001")
# The share of the budget at which each level is reached, lowest first.
THRESHOLDS: tuple[tuple[str, Decimal], ...] = (
    (BudgetLevel.WARNING, Decimal("0.80")),
    (BudgetLevel.EXCEEDED, Decimal("1.00")),
)


@dataclasses.dataclass(frozen=True)
class BudgetStatus:
    """One department's budget in one month, as the dashboard and the alerts show it."""

    department_id: int
    department_name: str
    department_code: str
    budget_id: int
    amount: Decimal
    currency: str
    spent: Decimal  # the cost of the department's subtree, 4 decimal places
    ratio: Decimal  # spent / amount, rounded half up to 4 places: 0.8125 is 81.25%
    level: str | None  # None, "warning" (at 80% or more) or "exceeded" (at 100% or more)

    @property
    def percent(self) -> Decimal:
        """The ratio as a percentage with one decimal, for display."""
        return (self.ratio * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def remaining(self) -> Decimal:
        """What is left of the budget; negative once it is exceeded."""
        return self.amount - self.spent


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def level_for(spent: Decimal, amount: Decimal) -> str | None:
    """The highest level ``spent`` has reached; compared exactly, not on a rounded ratio."""
    reached = None
    for level, share in THRESHOLDS:
        if spent >= amount * share:
            reached = level
    return reached


def budgets_in_effect(month: dt.date) -> list[Budget]:
    """For each department with a budget, the one that applies to ``month``."""
    budgets = (
        Budget.objects.filter(valid_from__lte=month_start(month))
        .select_related("department")
        .order_by("department_id", "-valid_from")
    )
    latest: dict[int, Budget] = {}
    for budget in budgets:
        latest.setdefault(budget.department_id, budget)
    return list(latest.values())


def subtree_spent(*, month: dt.date) -> dict[tuple[int, str], Decimal]:
    """The cost of every department's subtree in ``month``, per currency: its calls
    and its fixed charges.

    Keys are ``(department_id, currency)``. Three queries and one read of the tree:
    the month's cost per department and site, the sites' currencies, the fixed
    charges (one more when a site's charge is split), and the tree.
    """
    own: defaultdict[tuple[int, str], Decimal] = defaultdict(Decimal)
    currencies = dict(Site.objects.values_list("id", "currency"))
    rows = (
        monthly_rollups(first=month_start(month))
        .exclude(department_id=0)
        .values_list("department_id", "site_id")
        .annotate(total=Sum("cost"))
    )
    for department_id, site_id, total in rows:
        own[department_id, currencies.get(site_id, "")] += total or ZERO
    for department_id, amounts in fixed_by_department(month_start(month)).items():
        for currency, amount in amounts.items():  # a budget is for the whole phone bill
            if department_id is not None:
                own[department_id, currency] += amount
    parents = dict(Department.objects.values_list("id", "parent_id"))
    spent: defaultdict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for (department_id, currency), cost in own.items():
        # Add the department's own cost to itself and to every department above it.
        seen: set[int] = set()
        ancestor = department_id
        while ancestor is not None and ancestor not in seen:  # `seen` guards a bad cycle
            seen.add(ancestor)
            spent[ancestor, currency] += cost
            ancestor = parents.get(ancestor)
    return dict(spent)


def statuses_for(month: dt.date, department_ids: set[int] | None = None) -> list[BudgetStatus]:
    """Every budget in effect in ``month`` (of ``department_ids`` only, when given)."""
    spent = subtree_spent(month=month)
    statuses = []
    for budget in budgets_in_effect(month):
        if department_ids is not None and budget.department_id not in department_ids:
            continue
        cost = spent.get((budget.department_id, budget.currency), ZERO)
        statuses.append(
            BudgetStatus(
                department_id=budget.department_id,
                department_name=budget.department.name,
                department_code=budget.department.code,
                budget_id=budget.pk,
                amount=budget.amount,
                currency=budget.currency,
                spent=cost,
                ratio=(cost / budget.amount).quantize(RATIO_QUANTUM, ROUND_HALF_UP),
                level=level_for(cost, budget.amount),
            )
        )
    statuses.sort(key=lambda status: (-status.ratio, status.department_code))
    return statuses


def budget_statuses(*, user, month: dt.date) -> list[BudgetStatus]:
    """The budgets ``user`` may see in ``month``, the most spent first.

    Scoped like the reports: a manager sees the budgets of the departments they
    manage and of those below them; administrators see all.
    """
    return statuses_for(month, departments_visible_to(user))


@dataclasses.dataclass
class AlertsSummary:
    """What one run of ``budget_alerts_send`` did."""

    sent: list[BudgetAlert] = dataclasses.field(default_factory=list)
    failed: list[tuple[BudgetStatus, str]] = dataclasses.field(default_factory=list)


def budget_alerts_send(month: dt.date) -> AlertsSummary:
    """E-mail the managers of every budget that reached 80% or 100% in ``month``.

    Each level alerts once per department and month: the ``BudgetAlert`` row is
    created before sending and marked sent in the same transaction as the e-mail,
    so re-runs and concurrent workers send nothing twice, and an alert whose e-mail
    failed is tried again by the next run. A budget that jumps past 100% in one step
    sends only the "exceeded" e-mail (the warning is recorded as part of it).
    """
    month = month_start(month)
    summary = AlertsSummary()
    # Alerts already on record, read once: a steady run (nothing new) costs a few
    # queries whatever the number of departments over their budget.
    recorded = {
        (department_id, level): sent_at is not None
        for department_id, level, sent_at in BudgetAlert.objects.filter(month=month).values_list(
            "department_id", "level", "sent_at"
        )
    }
    for status in statuses_for(month):
        reached = [level for level, share in THRESHOLDS if status.spent >= status.amount * share]
        if all(recorded.get((status.department_id, level)) for level in reached):
            continue  # below 80%, or every level reached already sent
        for level in reached:
            BudgetAlert.objects.get_or_create(
                department_id=status.department_id,
                month=month,
                level=level,
                defaults={
                    "budget_id": status.budget_id,
                    "amount": status.amount,
                    "spent": status.spent,
                    "currency": status.currency,
                },
            )
        try:
            alert = _alert_send(status, month)
        except Exception as error:  # one department's failure must not stop the others
            logger.exception("Budget alert for %s (%s) failed", status.department_code, month)
            summary.failed.append((status, str(error)))
            continue
        if alert is not None:
            summary.sent.append(alert)
    return summary


@transaction.atomic
def _alert_send(status: BudgetStatus, month: dt.date) -> BudgetAlert | None:
    """Send the highest unsent alert of ``status``'s department; mark lower ones sent."""
    # Locked so that a second worker waits here and then finds them sent.
    unsent = list(
        BudgetAlert.objects.select_for_update(of=("self",))
        .filter(department_id=status.department_id, month=month, sent_at=None)
        .select_related("department")
    )
    if not unsent:
        return None
    order = [level for level, _ in THRESHOLDS]
    unsent.sort(key=lambda alert: order.index(alert.level))
    alert = unsent[-1]
    by_language = alert_recipients_by_language(alert.department)
    recipients = sorted(address for group in by_language.values() for address in group)
    if recipients:
        context = {"alert": alert, "status": status, "month": month}
        for language, addresses in sorted(by_language.items()):
            # One e-mail per language, written once for everybody who reads it.
            with translation.override(language):
                message = EmailMultiAlternatives(
                    subject=render_to_string(
                        "reports/email/budget_alert_subject.txt", context
                    ).strip(),
                    body=render_to_string("reports/email/budget_alert.txt", context),
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=addresses,
                )
                message.attach_alternative(
                    render_to_string("reports/email/budget_alert.html", context), "text/html"
                )
            message.send()
    else:
        logger.warning(
            "Budget alert for %s (%s, %s) has nobody to go to: the department and those "
            "above it have no manager with an e-mail address; it shows on the dashboard only.",
            alert.department.code,
            f"{month:%Y-%m}",
            alert.level,
        )
    now = timezone.now()
    for each in unsent:
        each.sent_at = now
        each.recipients = ", ".join(recipients)
        each.save(update_fields=["sent_at", "recipients"])
    return alert


def alert_recipients(department: Department) -> list[str]:
    """The e-mail addresses of the department's managers (``alert_recipients_by_language``)."""
    by_language = alert_recipients_by_language(department)
    return sorted(address for group in by_language.values() for address in group)


def alert_recipients_by_language(department: Department) -> dict[str, list[str]]:
    """The e-mail addresses of the department's managers, by the language each reads
    (``accounts.selectors.user_language``), so that one e-mail serves each language.

    When the department has no manager with an address, the nearest department above
    it that has one is told instead: someone answers for every budget. Administrators
    are not copied; they see every alert on the dashboard.
    """
    parents = dict(Department.objects.values_list("id", "parent_id"))
    department_id: int | None = department.pk
    seen: set[int] = set()
    while department_id is not None and department_id not in seen:
        seen.add(department_id)
        managers = (
            get_user_model()
            .objects.filter(managed_departments=department_id, is_active=True)
            .exclude(email="")
            .distinct()
        )
        by_language: dict[str, set[str]] = {}
        for manager in managers:
            by_language.setdefault(user_language(manager), set()).add(manager.email)
        if by_language:
            return {language: sorted(group) for language, group in by_language.items()}
        department_id = parents.get(department_id)
    return {}


def budget_check_months(today: dt.date | None = None) -> list[dt.date]:
    """The months the periodic check looks at: this one, and on the 1st the month just
    ended too, so calls uploaded late by a remote agent still alert."""
    today = today or timezone.localdate()
    months = [month_start(today)]
    if today.day == 1:
        months.insert(0, month_start(today - dt.timedelta(days=1)))
    return months
