"""``{% alerts_panel %}``: the dashboard's list of recent unacknowledged alerts.

A template tag rather than the dashboard view's context: ``reports`` and ``alerts``
sit side by side in DESIGN.md's layers and import nothing of each other; the
dashboard's template names the tag.
"""

from django import template
from django.utils import timezone

from alerts.selectors import alerts_visible_to

register = template.Library()

PANEL_SIZE = 10


@register.inclusion_tag("alerts/_panel.html", takes_context=True)
def alerts_panel(context):
    """The newest unacknowledged alerts the signed-in person may see (the scope of
    ``GET /api/v1/alerts/``), each at its site's local time; nothing without any."""
    request = context["request"]
    unacknowledged = alerts_visible_to(request.user).filter(acknowledged_at__isnull=True)
    recent = list(unacknowledged.select_related("source__site")[:PANEL_SIZE])
    total = unacknowledged.count() if len(recent) == PANEL_SIZE else len(recent)
    rows = [
        (
            alert,
            timezone.localtime(alert.raised_at, alert.source.site.zone if alert.source else None),
        )
        for alert in recent
    ]
    return {
        "rows": rows,
        "more": total - len(recent),
        "is_staff": request.user.is_staff,
        "csrf_token": context.get("csrf_token"),
        "next": request.get_full_path(),
    }
