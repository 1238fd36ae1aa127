"""Celery tasks of reports: they translate their arguments and call one service.

Beat runs them from ``django_celery_beat`` rows created by migrations 0004 and 0009
(editable in the admin under Periodic tasks), not from ``CELERY_BEAT_SCHEDULE``. All
are idempotent, so a redelivered or doubled run sends nothing twice.
"""

import datetime as dt

from celery import shared_task

from .budgets import budget_alerts_send, budget_check_months
from .mail import monthly_reports_send, previous_month
from .saved import saved_reports_send
from .selectors import month_parse


@shared_task(time_limit=3600, soft_time_limit=3500)
def monthly_reports_task(month: str | None = None) -> dict:
    """E-mail every manager their departments' report for ``month`` (``YYYY-MM``;
    default: the month just ended, in ``TIME_ZONE``)."""
    target = month_parse(month) if month else previous_month()
    return {"month": f"{target:%Y-%m}", **monthly_reports_send(target).counts()}


@shared_task(time_limit=600, soft_time_limit=570)
def budget_alerts_task() -> dict:
    """E-mail the managers of every budget that has just reached 80% or 100%."""
    sent = failed = 0
    for month in budget_check_months():
        summary = budget_alerts_send(month)
        sent += len(summary.sent)
        failed += len(summary.failed)
    return {"sent": sent, "failed": failed}


@shared_task(time_limit=3600, soft_time_limit=3500)
def saved_reports_task(day: str | None = None) -> dict:
    """E-mail the saved reports due on ``day`` (ISO date; default today in
    ``TIME_ZONE``) to their owners and the managers they are shared with."""
    return saved_reports_send(dt.date.fromisoformat(day) if day else None)
