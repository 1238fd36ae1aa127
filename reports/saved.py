"""Saved reports: a top list (``reports.topn``) kept by name with its filters and
columns, shared with the managers of some departments, and e-mailed on a schedule.

What a scheduled e-mail covers: a monthly one, sent on the 1st, the month just ended;
a daily or weekly one the month so far (the month of the day before it is sent, so
the e-mail of the 1st still covers the whole month before). Each recipient gets the
report over *their* scope (the owner's filters, the recipient's departments), in
their language, with the attachments the report names. One ``SavedReportDelivery``
row per report, person and day due makes a re-run, a redelivered task or a second
beat send nothing twice; a failure is logged and tried again by the next run, and
never stops the others.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.selectors import user_language
from core.errors import DomainError

from .api.serializers import TopQuerySerializer
from .exports import FORMATS, top_report_file
from .models import SavedReport, SavedReportDelivery
from .topn import TopReport, top_report

logger = logging.getLogger(__name__)

# What a saved report keeps of the query: the month is chosen when it is opened or sent.
NOT_SAVED = ("month", "report")


def saved_query(kind: str, params: dict, month: dt.date) -> dict:
    """The top list's query parameters for ``month``."""
    return {**params, "report": kind, "month": f"{month:%Y-%m}"}


def saved_report_check(kind: str, params: dict, formats: str) -> None:
    """Refuses (``ValidationError``, by field) a report, filters or attachments that
    the top list would not take, with its own words."""
    if not isinstance(params, dict):
        raise ValidationError({"params": _("The filters must be an object of parameters.")})
    query = TopQuerySerializer(data=saved_query(kind, params, timezone.localdate().replace(day=1)))
    if not query.is_valid():
        field = "report" if "report" in query.errors else "params"
        raise ValidationError(
            {
                field: [
                    f"{name}: {' '.join(str(message) for message in messages)}"
                    for name, messages in query.errors.items()
                ]
            }
        )
    unknown = [fmt for fmt in formats_of(formats) if fmt not in FORMATS]
    if unknown or not formats_of(formats):
        raise ValidationError(
            {
                "formats": _("Attachments: one or more of %(known)s, comma-separated.")
                % {"known": ", ".join(FORMATS)}
            }
        )


def formats_of(formats: str) -> list[str]:
    return [fmt.strip().lower() for fmt in formats.split(",") if fmt.strip()]


def saved_reports_visible_to(user):
    """The reports ``user`` owns and those shared with a department they manage."""
    return (
        SavedReport.objects.filter(Q(owner=user) | Q(shared_with__managers=user))
        .distinct()
        .select_related("owner")
        .prefetch_related("shared_with")
        .order_by("name", "pk")
    )


def saved_report_url(saved: SavedReport, month: dt.date) -> str:
    query = saved_query(saved.report, saved.params, month)
    return f"{reverse('reports:top')}?{urlencode(query)}"


def saved_report_recipients(saved: SavedReport) -> list:
    """The owner and the managers of the departments it is shared with, active ones,
    each once, by username."""
    users = get_user_model().objects.filter(
        Q(pk=saved.owner_id) | Q(managed_departments__in=saved.shared_with.all()),
        is_active=True,
    )
    return list(users.distinct().order_by("username"))


def saved_report_due(saved: SavedReport, today: dt.date) -> bool:
    if saved.schedule == SavedReport.Schedule.DAILY:
        return True
    if saved.schedule == SavedReport.Schedule.WEEKLY:
        return today.weekday() == saved.weekday
    if saved.schedule == SavedReport.Schedule.MONTHLY:
        return today.day == 1
    return False


def saved_report_month(saved: SavedReport, today: dt.date) -> dt.date:
    """The month a scheduled e-mail of ``today`` covers (the module's docstring)."""
    yesterday = today - dt.timedelta(days=1)
    return yesterday.replace(day=1)


def saved_report_build(saved: SavedReport, *, user, month: dt.date) -> TopReport:
    """The saved report of ``month`` over ``user``'s scope."""
    query = TopQuerySerializer(data=saved_query(saved.report, saved.params, month))
    if not query.is_valid():  # filters valid when saved, since refused (a site deleted...)
        raise SavedReportBroken(
            "; ".join(
                f"{name}: {' '.join(map(str, errors))}" for name, errors in query.errors.items()
            )
        )
    return top_report(kind=saved.report, params=query.params(), user=user)


class SavedReportBroken(DomainError):
    """A saved report whose filters no longer hold."""


def saved_report_message(saved: SavedReport, *, user, month: dt.date) -> EmailMessage:
    """The e-mail of ``saved`` for ``user``: a line of what it is and the files, all in
    the user's language."""
    with translation.override(user_language(user)):
        report = saved_report_build(saved, user=user, month=month)
        files = [top_report_file(report, fmt) for fmt in formats_of(saved.formats)]
        context = {
            "name": user.get_full_name() or user.get_username(),
            "saved": saved,
            "report": report,
            "period": date_format(month, "YEAR_MONTH_FORMAT"),
            "owner": saved.owner.get_full_name() or saved.owner.get_username(),
            "shared": saved.owner_id != user.pk,
            "organization": settings.TARIFICADOR_ORGANIZATION_NAME,
            "attachments": [file.filename for file in files],
        }
        message = EmailMessage(
            subject=render_to_string("reports/email/saved_report_subject.txt", context).strip(),
            body=render_to_string("reports/email/saved_report.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
        )
    for file in files:
        message.attach(file.filename, file.content, file.content_type.split(";")[0])
    return message


def saved_report_send(saved: SavedReport, *, user, today: dt.date) -> str:
    """E-mail ``saved`` to ``user`` for ``today`` unless it was; the outcome's state."""
    with transaction.atomic():
        # A concurrent run waits on this lock, then finds the row sent.
        delivery, _created = SavedReportDelivery.objects.select_for_update().get_or_create(
            saved_report=saved,
            user=user,
            day=today,
            defaults={"state": SavedReportDelivery.State.FAILED},
        )
        if delivery.state == SavedReportDelivery.State.SENT:
            return "already-sent"
        delivery.attempts += 1
        delivery.email = user.email
        if not user.email:
            delivery.state = SavedReportDelivery.State.SKIPPED
            delivery.error = _("No e-mail address.")
            delivery.save()
            return delivery.state
        try:
            saved_report_message(saved, user=user, month=saved_report_month(saved, today)).send()
        except Exception as error:  # SMTP down, filters broken: the next run tries again
            logger.exception("Saved report %s to %s on %s was not sent", saved.pk, user, today)
            delivery.state = SavedReportDelivery.State.FAILED
            delivery.error = str(error) or repr(error)
            delivery.save()
            return delivery.state
        delivery.state = SavedReportDelivery.State.SENT
        delivery.error = ""
        delivery.sent_at = timezone.now()
        delivery.save()
        return delivery.state


def saved_reports_send(today: dt.date | None = None) -> dict[str, int]:
    """Send every saved report due ``today`` (default: today in ``TIME_ZONE``) to each
    of its recipients; counts of the outcomes."""
    today = today or timezone.localdate()
    outcomes: Counter[str] = Counter()
    scheduled = SavedReport.objects.exclude(schedule="").select_related("owner")
    for saved in scheduled.prefetch_related("shared_with"):
        if not saved_report_due(saved, today):
            continue
        for user in saved_report_recipients(saved):
            outcomes[saved_report_send(saved, user=user, today=today)] += 1
    logger.info("Saved reports of %s: %s", today, dict(outcomes))
    return dict(outcomes)
