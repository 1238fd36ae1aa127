"""Reads of the alerts."""

from __future__ import annotations

from django.db.models import QuerySet

from org.selectors import departments_visible_to

from .models import Alert


def alerts_visible_to(user) -> QuerySet[Alert]:
    """Alerts ``user`` may read: all for administrators; for managers those raised by a
    call of their departments (and those below)."""
    alerts = Alert.objects.select_related("rule", "source", "acknowledged_by")
    visible = departments_visible_to(user)
    if visible is None:
        return alerts
    return alerts.filter(alert_calls__department_id__in=visible).distinct()
