"""The monthly report e-mailed to every manager, once per manager and month.

On the 1st of each month beat runs ``reports.tasks.monthly_reports_task``, which calls
``monthly_reports_send`` for the month just ended. Every active user who manages a
department gets one e-mail covering the departments they manage and those below them
(also when they are an administrator: the e-mail is about *their* departments), with
the totals per department in the body and the PDF and XLSX reports attached.

Each (manager, month) has a ``ReportDelivery`` row. The row is locked while the
e-mail goes out and set to ``sent`` in the same transaction, so a re-run, a
redelivered task or the operator's ``send_reports`` command sends nothing twice. A
manager without an e-mail address, or whose e-mail failed, is logged, recorded and
tried again by the next run, and never stops the others. (Should the database fail
to commit right after the mail server accepted a message, the next run sends it
again: a duplicate e-mail is better than a lost report.)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from accounts.selectors import user_language
from org.selectors import department_subtree_ids

from .exports import department_report_file
from .models import ReportDelivery
from .selectors import DepartmentReport, Totals, department_report_for_scope, unrated_calls
from .templatetags.report_format import grouped

logger = logging.getLogger(__name__)

ATTACHMENT_FORMATS = ("pdf", "xlsx")
CENT = Decimal("0.01")


class Outcome:
    """What happened to one manager's report in one run."""

    SENT = "sent"
    ALREADY_SENT = "already sent"
    NO_EMAIL = "no e-mail address"
    FAILED = "failed"
    WOULD_SEND = "would send"  # --dry-run


OUTCOME_LABELS = {
    Outcome.SENT: gettext_lazy("sent"),
    Outcome.ALREADY_SENT: gettext_lazy("already sent"),
    Outcome.NO_EMAIL: gettext_lazy("no e-mail address"),
    Outcome.FAILED: gettext_lazy("failed"),
    Outcome.WOULD_SEND: gettext_lazy("would send"),
}


@dataclasses.dataclass(frozen=True)
class DeliveryResult:
    """One manager's outcome, as the command prints it and the task returns it."""

    username: str
    email: str
    departments: tuple[str, ...]  # codes of the departments reported
    outcome: str
    error: str = ""


@dataclasses.dataclass
class DeliverySummary:
    """Every manager's outcome in one run of ``monthly_reports_send``."""

    month: dt.date
    results: list[DeliveryResult] = dataclasses.field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for result in self.results if result.outcome == outcome)

    def counts(self) -> dict[str, int]:
        """Managers per outcome, for the task's result and the command's summary."""
        return {
            outcome: self.count(outcome)
            for outcome in (
                Outcome.SENT,
                Outcome.ALREADY_SENT,
                Outcome.NO_EMAIL,
                Outcome.FAILED,
                Outcome.WOULD_SEND,
            )
        }


def previous_month(today: dt.date | None = None) -> dt.date:
    """The first day of the month before ``today`` (default: today in ``TIME_ZONE``)."""
    today = today or timezone.localdate()
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def report_managers():
    """Active users who manage at least one department, by username."""
    return (
        get_user_model()
        .objects.filter(is_active=True, managed_departments__isnull=False)
        .distinct()
        .order_by("username")
    )


def manager_scope(user) -> frozenset[int]:
    """The departments ``user`` manages and every department below them."""
    return frozenset(department_subtree_ids(user.managed_departments.values_list("id", flat=True)))


def manager_report(*, user, month: dt.date) -> DepartmentReport:
    """The month's department report over the manager's own departments."""
    return department_report_for_scope(month=month, scope=manager_scope(user))


def manager_report_message(*, user, month: dt.date) -> EmailMultiAlternatives:
    """The e-mail for ``user``: totals per department, the PDF and the XLSX attached,
    all in the user's language (``accounts.selectors.user_language``)."""
    with translation.override(user_language(user)):
        return _manager_report_message(user=user, month=month)


def _manager_report_message(*, user, month: dt.date) -> EmailMultiAlternatives:
    report = manager_report(user=user, month=month)
    context = {
        "user": user,
        "name": user.get_full_name() or user.get_username(),
        "month": month,
        "organization": settings.TARIFICADOR_ORGANIZATION_NAME,
        "lines": report_lines(report),
        "total": _totals_line(report.total),
        "unrated": unrated_calls(month=month, scope=report.scope, count=report.total.unrated),
        "attachments": [],
    }
    files = [department_report_file(report, fmt) for fmt in ATTACHMENT_FORMATS]
    context["attachments"] = [file.filename for file in files]
    message = EmailMultiAlternatives(
        subject=render_to_string("reports/email/monthly_report_subject.txt", context).strip(),
        body=render_to_string("reports/email/monthly_report.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    message.attach_alternative(
        render_to_string("reports/email/monthly_report.html", context), "text/html"
    )
    for file in files:
        message.attach(file.filename, file.content, file.content_type.split(";")[0])
    return message


def report_lines(report: DepartmentReport) -> list[dict]:
    """The body's table: each department with the totals of its subtree."""
    return [
        {
            "depth": node.depth,
            "indent": "  " * node.depth,
            "code": node.code,
            "name": node.name,
            **_totals_line(node.subtotal),
        }
        for node in report.nodes()
    ]


def _totals_line(totals: Totals) -> dict:
    return {
        "calls": grouped(totals.calls),
        "calls_count": totals.calls,
        "answered": grouped(totals.answered),
        "time": _duration_text(totals.seconds),
        "cost": _costs_text(totals),
        "unrated": totals.unrated,
    }


def _costs_text(totals: Totals) -> str:
    """Each currency's amount to two decimals, rounded half-even as in the PDF."""
    costs = totals.costs or (("", Decimal(0)),)
    return "; ".join(
        f"{grouped(amount.quantize(CENT, rounding=ROUND_HALF_EVEN), 2)} {currency}".strip()
        for currency, amount in costs
    )


def _duration_text(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{grouped(hours)}:{rest // 60:02d}:{rest % 60:02d}"


def manager_report_send(*, user, month: dt.date, force: bool = False) -> DeliveryResult:
    """E-mail ``user`` their report for ``month`` unless it was sent already.

    ``force`` sends it again (the admin's "send again"). Never raises for a failure
    of this manager's e-mail: the result and the delivery row say what went wrong.
    """
    codes = tuple(
        user.managed_departments.order_by("code").values_list("code", flat=True)
    )  # what the row records: the departments managed (their subtrees are included)

    def result(outcome: str, error: str = "") -> DeliveryResult:
        return DeliveryResult(user.get_username(), user.email, codes, outcome, error)

    if not force and _already_sent(user, month):
        return result(Outcome.ALREADY_SENT)
    if not user.email:
        logger.warning(
            "Manager %s has no e-mail address: their report for %s is not sent. "
            "Add an address to the user in the admin; the next run sends it.",
            user.get_username(),
            f"{month:%Y-%m}",
        )
        _record(user, month, ReportDelivery.State.SKIPPED, codes, error="No e-mail address.")
        return result(Outcome.NO_EMAIL)
    try:
        # Built before the row is locked: the PDF may take a while, the lock should not.
        message = manager_report_message(user=user, month=month)
    except Exception as error:
        logger.exception("The report of %s for %s could not be built", user, f"{month:%Y-%m}")
        _record(user, month, ReportDelivery.State.FAILED, codes, error=repr(error))
        return result(Outcome.FAILED, repr(error))
    return _send_once(user, month, message, codes, force=force, result=result)


def _already_sent(user, month: dt.date) -> bool:
    return ReportDelivery.objects.filter(
        user=user, month=month, state=ReportDelivery.State.SENT
    ).exists()


@transaction.atomic
def _send_once(
    user,
    month: dt.date,
    message: EmailMultiAlternatives,
    codes: tuple[str, ...],
    *,
    force: bool,
    result: Callable[..., DeliveryResult],
) -> DeliveryResult:
    # A concurrent run waits on this lock, then finds the row sent.
    delivery, _ = ReportDelivery.objects.select_for_update().get_or_create(
        user=user, month=month, defaults={"state": ReportDelivery.State.FAILED}
    )
    if delivery.state == ReportDelivery.State.SENT and not force:
        return result(Outcome.ALREADY_SENT)
    delivery.attempts += 1
    delivery.email = user.email
    delivery.departments = ", ".join(codes)
    try:
        message.send()
    except Exception as error:  # SMTP refused, server down: the next run tries again
        logger.exception("The report of %s for %s was not sent", user, f"{month:%Y-%m}")
        delivery.state = ReportDelivery.State.FAILED
        delivery.error = repr(error)
        delivery.save()
        return result(Outcome.FAILED, repr(error))
    delivery.state = ReportDelivery.State.SENT
    delivery.error = ""
    delivery.sent_at = timezone.now()
    delivery.save()
    return result(Outcome.SENT)


@transaction.atomic
def _record(user, month: dt.date, state: str, codes: tuple[str, ...], *, error: str) -> None:
    delivery, _ = ReportDelivery.objects.select_for_update().get_or_create(
        user=user, month=month, defaults={"state": state}
    )
    if delivery.state == ReportDelivery.State.SENT:
        return  # a forced re-send failed: the month was delivered all the same
    delivery.state = state
    delivery.attempts += 1
    delivery.email = user.email
    delivery.departments = ", ".join(codes)
    delivery.error = error
    delivery.save()


def monthly_reports_send(
    month: dt.date,
    *,
    dry_run: bool = False,
    force: bool = False,
    on_result: Callable[[DeliveryResult], None] | None = None,
) -> DeliverySummary:
    """E-mail every manager their report for ``month`` (first day); return what happened.

    ``dry_run`` sends and records nothing and reports what would be sent.
    ``on_result`` is told of each manager as they are done (the command's progress).
    """
    summary = DeliverySummary(month=month)
    for user in report_managers():
        try:
            if dry_run:
                outcome = delivery_preview(user=user, month=month)
            else:
                outcome = manager_report_send(user=user, month=month, force=force)
        except Exception as error:  # one manager's failure never stops the others
            logger.exception("The report of %s for %s failed", user, f"{month:%Y-%m}")
            outcome = DeliveryResult(
                user.get_username(), user.email, (), Outcome.FAILED, repr(error)
            )
        summary.results.append(outcome)
        if on_result:
            on_result(outcome)
    if not dry_run:
        logger.info(
            "Monthly reports for %s: %s sent, %s already sent, %s without e-mail, %s failed",
            f"{month:%Y-%m}",
            summary.count(Outcome.SENT),
            summary.count(Outcome.ALREADY_SENT),
            summary.count(Outcome.NO_EMAIL),
            summary.count(Outcome.FAILED),
        )
    return summary


def delivery_preview(*, user, month: dt.date) -> DeliveryResult:
    """What ``manager_report_send`` would do for ``user``, without doing it."""
    codes = tuple(user.managed_departments.order_by("code").values_list("code", flat=True))
    if _already_sent(user, month):
        outcome = Outcome.ALREADY_SENT
    elif not user.email:
        outcome = Outcome.NO_EMAIL
    else:
        outcome = Outcome.WOULD_SEND
    return DeliveryResult(user.get_username(), user.email, codes, outcome)
