"""Reports: department budgets, their alerts, and the monthly report deliveries.

The totals reports read (rollups) are billing's: derived from the calls and kept
equal to them by billing's write services (``billing.rollups``).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from rating.models import currency_validator


class Budget(models.Model):
    """A monthly spending limit for a department and every department below it.

    A budget covers the department's subtree because that is what its managers see
    and answer for; a sub-department may have a budget of its own as well, and its
    calls then count towards both. The amount applies from ``valid_from`` until the
    department's next budget starts, so changing a budget never rewrites the months
    before it. Only calls of sites in the budget's currency count against it: call
    costs are in their site's currency and are never converted.
    """

    department = models.ForeignKey(
        "org.Department",
        on_delete=models.CASCADE,
        related_name="budgets",
        verbose_name=_("department"),
    )
    amount = models.DecimalField(
        _("amount"),
        max_digits=16,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Monthly limit for the department and its sub-departments."),
    )
    currency = models.CharField(
        _("currency"),
        max_length=3,
        validators=[currency_validator],
        help_text=_("ISO 4217 code; calls of sites in other currencies do not count."),
    )
    valid_from = models.DateField(
        _("valid from"),
        help_text=_("First month this amount applies (the first day of the month)."),
    )

    class Meta:
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        ordering = ["department__code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "valid_from"], name="budget_one_per_department_month"
            )
        ]

    def __str__(self):
        return f"{self.department}: {self.amount} {self.currency} from {self.valid_from:%Y-%m}"

    def clean(self):
        if self.valid_from and self.valid_from.day != 1:
            raise ValidationError({"valid_from": _("Give the first day of the month.")})


class BudgetLevel(models.TextChoices):
    """How far a month's spending has gone into its budget."""

    # xgettext:no-python-format
    WARNING = "warning", _("80% reached")
    EXCEEDED = "exceeded", _("Exceeded")


class BudgetAlert(models.Model):
    """A department's budget reached a level in a month: each level alerts once a month.

    The row is the claim that makes the alert idempotent: it is created (unique per
    department, month and level) before anything is sent, and ``sent_at`` is set in
    the same transaction as the e-mail, so a re-run or a second worker sends nothing.
    """

    department = models.ForeignKey(
        "org.Department",
        on_delete=models.CASCADE,
        related_name="budget_alerts",
        verbose_name=_("department"),
    )
    budget = models.ForeignKey(
        Budget, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("budget")
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    level = models.CharField(_("level"), max_length=8, choices=BudgetLevel.choices)
    amount = models.DecimalField(
        _("amount"), max_digits=16, decimal_places=2, help_text=_("The budget then.")
    )
    spent = models.DecimalField(
        _("spent"), max_digits=18, decimal_places=4, help_text=_("Spent when reached.")
    )
    currency = models.CharField(_("currency"), max_length=3)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(
        _("sent at"), null=True, blank=True, help_text=_("Empty: not sent yet.")
    )
    recipients = models.TextField(
        _("recipients"), blank=True, help_text=_("The addresses it was sent to.")
    )

    class Meta:
        verbose_name = _("budget alert")
        verbose_name_plural = _("budget alerts")
        ordering = ["-month", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "month", "level"], name="budget_alert_once_per_month"
            )
        ]

    def __str__(self):
        return f"{self.department} {self.month:%Y-%m}: {self.get_level_display()}"


class ReportDelivery(models.Model):
    """The monthly report e-mailed to one manager: one row per manager and month.

    A row in state ``sent`` is final, so the scheduled task, the command and a retry
    never send the same month twice; ``failed`` and ``skipped`` rows are tried again
    by the next run.
    """

    class State(models.TextChoices):
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped (no e-mail address)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="report_deliveries",
        verbose_name=_("user"),
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month reported."))
    state = models.CharField(_("state"), max_length=8, choices=State.choices)
    email = models.EmailField(
        _("e-mail address"), blank=True, help_text=_("The address it was sent to.")
    )
    departments = models.TextField(
        _("departments"), blank=True, help_text=_("Codes of the departments reported.")
    )
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-month", "user__username"]
        verbose_name = _("report delivery")
        verbose_name_plural = _("report deliveries")
        constraints = [
            models.UniqueConstraint(fields=["user", "month"], name="report_delivery_once_per_month")
        ]

    def __str__(self):
        return f"{self.user} {self.month:%Y-%m}: {self.state}"


class InvoiceMapping(models.Model):
    """How one carrier's itemized bill is laid out: the header of each column the
    reconciliation reads (reports.reconcile), how it writes dates, and how close a
    line and a call must be to be the same call."""

    class DateOrder(models.TextChoices):
        DMY = "dmy", _("day/month/year (31/12/2026)")
        MDY = "mdy", _("month/day/year (12/31/2026)")
        ISO = "iso", _("year-month-day (2026-12-31)")

    name = models.SlugField(
        _("name"), unique=True, help_text=_("What the command's --mapping names, e.g. telecom.")
    )
    carrier = models.CharField(_("carrier"), max_length=100)
    start_column = models.CharField(
        _("start column"),
        max_length=100,
        blank=True,
        help_text=_("Header of the column with the date and time; or give both below."),
    )
    date_column = models.CharField(_("date column"), max_length=100, blank=True)
    time_column = models.CharField(_("time column"), max_length=100, blank=True)
    number_column = models.CharField(
        _("number column"), max_length=100, help_text=_("The number called.")
    )
    duration_column = models.CharField(
        _("duration column"),
        max_length=100,
        help_text=_("Seconds (125), or minutes and seconds (2:05, 0:02:05)."),
    )
    cost_column = models.CharField(
        _("cost column"),
        max_length=100,
        help_text=_("Amounts with a decimal point or comma (1.234,56 and 1,234.56 are read)."),
    )
    date_order = models.CharField(
        _("dates"), max_length=3, choices=DateOrder.choices, default=DateOrder.DMY
    )
    start_tolerance_seconds = models.PositiveIntegerField(
        _("start tolerance (seconds)"),
        default=120,
        help_text=_("The carrier's clock and the PBX's may differ by this much."),
    )
    duration_tolerance_seconds = models.PositiveIntegerField(
        _("duration tolerance (seconds)"),
        default=5,
        help_text=_("Carriers often count from the answer, the PBX from the seizure."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("invoice mapping")
        verbose_name_plural = _("invoice mappings")

    def __str__(self):
        return f"{self.name} ({self.carrier})"

    def clean(self):
        if not self.start_column and not (self.date_column and self.time_column):
            raise ValidationError(
                _("Give the start column, or both the date column and the time column.")
            )


class SavedReport(models.Model):
    """A top list (``reports.topn``) saved by its owner with its filters and chosen
    columns, shared with the managers of some departments, and e-mailed on a schedule
    to the owner and those managers, each seeing only their own scope."""

    class Schedule(models.TextChoices):
        NONE = "", _("Not e-mailed")
        DAILY = "daily", _("Every day")
        WEEKLY = "weekly", _("Every week")
        MONTHLY = "monthly", _("Every month, on the 1st")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_reports",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=100)
    report = models.CharField(
        _("report"), max_length=20, help_text=_("Which top list: numbers, after-hours, ...")
    )
    params = models.JSONField(
        _("filters"),
        default=dict,
        blank=True,
        help_text=_("The report's query parameters but the month (department, category, ...)."),
    )
    shared_with = models.ManyToManyField(
        "org.Department",
        blank=True,
        related_name="+",
        verbose_name=_("shared with"),
        help_text=_("The managers of these departments may open it and get it by e-mail."),
    )
    schedule = models.CharField(
        _("e-mailed"), max_length=8, choices=Schedule.choices, blank=True, default=""
    )
    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        default=0,
        validators=[MaxValueValidator(6)],
        help_text=_("For a weekly report: 0 is Monday, 6 Sunday."),
    )
    formats = models.CharField(
        _("attachments"),
        max_length=20,
        default="xlsx",
        help_text=_("Comma-separated: xlsx, pdf, csv."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["owner__username", "name"]
        verbose_name = _("saved report")
        verbose_name_plural = _("saved reports")
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_report_name_per_owner")
        ]

    def __str__(self):
        return self.name

    def clean(self):
        from .saved import saved_report_check  # the top lists' own checks

        saved_report_check(self.report, self.params, self.formats)


class SavedReportDelivery(models.Model):
    """One scheduled e-mail of a saved report to one person: sent once per day due."""

    class State(models.TextChoices):
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    saved_report = models.ForeignKey(
        SavedReport,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("saved report"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    day = models.DateField(_("day"), help_text=_("The day it was due."))
    state = models.CharField(_("state"), max_length=8, choices=State.choices)
    email = models.EmailField(_("e-mail address"), blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-day", "saved_report__name"]
        verbose_name = _("saved report delivery")
        verbose_name_plural = _("saved report deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["saved_report", "user", "day"], name="saved_report_delivery_once_a_day"
            )
        ]

    def __str__(self):
        return f"{self.saved_report} → {self.user} {self.day}: {self.state}"
