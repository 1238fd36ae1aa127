"""Sending an alert: the webhook body of the contract (DESIGN.md "Alerts"), its
Slack- and Teams-compatible ``text``, the signature, and the e-mails (to fixed
addresses, and to the managers of the calls' departments, each in their language)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Sequence
from typing import Any

import orjson
import requests
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.mail import send_mail
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.selectors import user_language
from billing.api.serializers import CallSerializer
from billing.models import Call
from org.models import Department

from .models import Alert

WEBHOOK_TIMEOUT_SECONDS = 5.0
TEXT_MAX_CALLS = 40  # a grouped alert's text lists this many calls, then says how many more
SIGNATURE_HEADER = "X-Tarificador-Signature"


class DeliveryFailed(Exception):
    """The channel did not take the alert; ``status`` is what it answered, if anything."""

    def __init__(self, message: str, status: str = ""):
        super().__init__(message)
        self.status = status


def alert_calls(alert: Alert) -> list[Call]:
    """The calls of an alert as they are now (a re-parse replaces a call, not its record)."""
    record_ids = alert.alert_calls.values_list("raw_record_id", flat=True)
    return list(
        Call.objects.filter(raw_record_id__in=record_ids)
        .select_related("site", "source", "extension", "trunk", "department")
        .order_by("start", "id")
    )


def call_line(call: Call) -> str:
    """One call for a person: local time in the site's zone, extension, holder,
    department, site, number."""
    local = timezone.localtime(call.start, call.site.zone)
    extension = call.extension.number if call.extension else "?"
    holder = call.extension.holder if call.extension and call.extension.holder else ""
    return _(
        "%(time)s (%(zone)s) · extension %(extension)s%(holder)s · %(department)s · "
        "%(site)s · %(number)s"
    ) % {
        "time": local.strftime("%Y-%m-%d %H:%M:%S"),
        "zone": call.site.time_zone,
        "extension": extension,
        "holder": f" ({holder})" if holder else "",
        "department": call.department.name if call.department else _("no department"),
        "site": call.site.name,
        "number": call.normalized_number or call.number,
    }


def alert_summary(kind: str, rule_name: str, numbers: Sequence[str]) -> str:
    """An alert's title in the active language: the number of an emergency call, how
    many calls for the other kinds (``numbers``: the calls' numbers as dialled)."""
    if kind == "emergency":
        return _("Emergency number %(number)s dialled (%(rule)s)") % {
            "number": numbers[0] if numbers else "?",
            "rule": rule_name,
        }
    return (_("%(rule)s: %(count)s calls") % {"rule": rule_name, "count": len(numbers)})[:500]


def alert_text(alert: Alert, calls: list[Call], summary: str | None = None) -> str:
    """The message: a bold title (Slack's and Teams' markdown; ``summary``, else the
    alert's), then a line per call (or, with no call recorded, the alert's ``detail``)."""
    lines = [f"*{summary or alert.summary}*", _("Rule: %(rule)s") % {"rule": alert.rule.name}]
    if not calls and alert.detail:  # a source's silence, or a call not recorded yet
        lines += [f"• {line}" for line in alert.detail.splitlines()]
    lines += [f"• {call_line(call)}" for call in calls[:TEXT_MAX_CALLS]]
    if len(calls) > TEXT_MAX_CALLS:
        lines.append(_("… and %(count)s more calls") % {"count": len(calls) - TEXT_MAX_CALLS})
    return "\n".join(lines)


def alert_payload(alert: Alert) -> dict[str, Any]:
    """The webhook's JSON body, as the contract names it."""
    calls = alert_calls(alert)
    return {
        "alert": {
            "id": alert.id,
            "rule": alert.rule_id,
            "rule_name": alert.rule.name,
            "kind": alert.rule.kind,
            "raised_at": alert.raised_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
            "summary": alert.summary,
        },
        "text": alert_text(alert, calls),
        "calls": CallSerializer(calls, many=True).data,
        "source": alert.source.slug if alert.source else None,
    }


def signature(secret: str, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of the body>``, the value of X-Tarificador-Signature."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_post(channel: dict[str, Any], payload: dict[str, Any]) -> str:
    """POST the payload; return the HTTP status; raise :class:`DeliveryFailed` unless 2xx."""
    body = orjson.dumps(payload)
    headers = {"Content-Type": "application/json", "User-Agent": "Tarificador alerts"}
    if channel.get("secret"):
        headers[SIGNATURE_HEADER] = signature(channel["secret"], body)
    try:
        response = requests.post(
            channel["url"], data=body, headers=headers, timeout=WEBHOOK_TIMEOUT_SECONDS
        )
    except requests.RequestException as error:
        raise DeliveryFailed(f"{type(error).__name__}: {error}") from error
    status = f"HTTP {response.status_code}"
    if not 200 <= response.status_code < 300:
        raise DeliveryFailed(response.text[:500], status)
    return status


def email_send(channel: dict[str, Any], alert: Alert) -> str:
    """Send the alert by e-mail through Django's backend (EMAIL_URL): the whole alert
    to ``to``; with ``managers``, to each manager of the calls' departments (or of a
    department above them) the calls in their scope, in their language. Raises
    :class:`DeliveryFailed` when any message fails (the retry sends them all again)."""
    calls = alert_calls(alert)
    messages = []
    if channel.get("to"):
        messages.append((alert.summary, alert_text(alert, calls), list(channel["to"])))
    if channel.get("managers"):
        for manager, record_ids in alert_managers(alert).items():
            mine = [call for call in calls if call.raw_record_id in record_ids]
            with translation.override(user_language(manager)):
                summary = alert.summary  # their calls are not recorded yet: the alert's
                if mine:
                    numbers = [call.number for call in mine]
                    summary = alert_summary(alert.rule.kind, alert.rule.name, numbers)
                messages.append((summary, alert_text(alert, mine, summary), [manager.email]))
    try:
        for subject, body, recipients in messages:
            send_mail(
                subject=subject[:200],
                message=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=recipients,
            )
    except Exception as error:  # SMTP errors, refused recipients, a lost connection
        raise DeliveryFailed(f"{type(error).__name__}: {error}") from error
    return _("sent to %(count)s") % {"count": sum(len(message[2]) for message in messages)}


def alert_managers(alert: Alert) -> dict[AbstractBaseUser, set[int]]:
    """The managers to write to about an alert's calls, each with the raw records of
    the calls in their scope: the managers of each call's department and of every
    department above it (whoever sees the call in the reports and the API). Active
    users with an e-mail address only; the whole tree is read in one query."""
    departments = dict(alert.alert_calls.values_list("raw_record_id", "department_id"))
    if not any(departments.values()):
        return {}
    parents = dict(Department.objects.values_list("id", "parent_id"))
    managed: dict[int, list[AbstractBaseUser]] = {}
    for link in Department.managers.through.objects.filter(user__is_active=True).select_related(
        "user"
    ):
        if link.user.email:
            managed.setdefault(link.department_id, []).append(link.user)
    found: dict[AbstractBaseUser, set[int]] = {}
    for record_id, department_id in departments.items():
        seen: set[int] = set()
        while department_id is not None and department_id not in seen:
            seen.add(department_id)
            for manager in managed.get(department_id, []):
                found.setdefault(manager, set()).add(record_id)
            department_id = parents.get(department_id)
    return found


def channel_send(channel: dict[str, Any], alert: Alert) -> str:
    """Send ``alert`` to one channel; return what it answered, or raise DeliveryFailed."""
    if channel.get("type") == "webhook":
        return webhook_post(channel, alert_payload(alert))
    return email_send(channel, alert)
