"""Reports: running totals of calls (rollups), department budgets and schedules.

Rollups are derived from calls and kept current in the transaction that stores or
re-prices them (``reports.rollups``); they can always be rebuilt from the calls with
``manage.py rebuild_rollups``. Their dimensions are plain ids, not foreign keys: a
rollup row with no department or extension uses 0, so that the unique key over the
dimensions holds on every database, and deleting an organization record never has
to scan them.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from rating.models import currency_validator

# The dimensions of each rollup, in the order of their unique key.
DAILY_KEYS = ("day", "site_id", "department_id", "extension_id", "direction", "category")
MONTHLY_KEYS = ("month", "site_id", "department_id", "extension_id", "direction", "category")
DESTINATION_KEYS = ("month", "site_id", "department_id", "category", "destination")
HOURLY_KEYS = ("month", "site_id", "department_id", "weekday", "hour", "direction")

MONEY = {"max_digits": 18, "decimal_places": 4, "default": 0}


class Rollup(models.Model):
    """The measures every rollup keeps."""

    # Signed: a re-rating writes its differences, which may be negative, as rows to add.
    calls = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)
    seconds = models.BigIntegerField(default=0, help_text="Seconds of conversation.")
    ring_seconds = models.BigIntegerField(default=0)
    cost = models.DecimalField(**MONEY)

    MEASURES = ("calls", "answered", "seconds", "ring_seconds", "cost")

    class Meta:
        abstract = True

    def __str__(self):
        key = ", ".join(str(getattr(self, name)) for name in self.KEYS)
        return f"{key}: {self.calls} calls, {self.cost}"


class DailyRollup(Rollup):
    """Per local day, site, department, extension, direction and category."""

    day = models.DateField(help_text="The site's local date.")
    site_id = models.IntegerField()
    department_id = models.IntegerField(help_text="0: no department.")
    extension_id = models.IntegerField(help_text="0: no extension.")
    direction = models.CharField(max_length=8)
    category = models.CharField(max_length=20, help_text="Empty: not rated.")

    KEYS = DAILY_KEYS

    class Meta:
        constraints = [models.UniqueConstraint(fields=DAILY_KEYS, name="daily_rollup_key")]
        indexes = [models.Index(fields=["day", "department_id"], name="daily_rollup_day_dept")]


class MonthlyRollup(Rollup):
    """The daily rollup summed per month: what the monthly reports read."""

    month = models.DateField(help_text="The first day of the month (site's local dates).")
    site_id = models.IntegerField()
    department_id = models.IntegerField(help_text="0: no department.")
    extension_id = models.IntegerField(help_text="0: no extension.")
    direction = models.CharField(max_length=8)
    category = models.CharField(max_length=20, help_text="Empty: not rated.")

    KEYS = MONTHLY_KEYS

    class Meta:
        constraints = [models.UniqueConstraint(fields=MONTHLY_KEYS, name="monthly_rollup_key")]


class DestinationRollup(Rollup):
    """Per month, site, department and named destination: the top destinations."""

    month = models.DateField()
    site_id = models.IntegerField()
    department_id = models.IntegerField(help_text="0: no department.")
    category = models.CharField(max_length=20)
    destination = models.CharField(max_length=200)

    KEYS = DESTINATION_KEYS

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=DESTINATION_KEYS, name="destination_rollup_key")
        ]


class HourlyRollup(Rollup):
    """Per month, site, department, weekday and local hour: the busy-hour heat map."""

    month = models.DateField()
    site_id = models.IntegerField()
    department_id = models.IntegerField(help_text="0: no department.")
    weekday = models.PositiveSmallIntegerField(help_text="0 is Monday.")
    hour = models.PositiveSmallIntegerField()
    direction = models.CharField(max_length=8)

    KEYS = HOURLY_KEYS

    class Meta:
        constraints = [models.UniqueConstraint(fields=HOURLY_KEYS, name="hourly_rollup_key")]


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
        "billing.Department", on_delete=models.CASCADE, related_name="budgets"
    )
    amount = models.DecimalField(
        max_digits=16,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Monthly limit for the department and its sub-departments.",
    )
    currency = models.CharField(
        max_length=3,
        validators=[currency_validator],
        help_text="ISO 4217 code; calls of sites in other currencies do not count.",
    )
    valid_from = models.DateField(
        help_text="First month this amount applies (the first day of the month)."
    )

    class Meta:
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
            raise ValidationError({"valid_from": "Give the first day of the month."})


class BudgetLevel(models.TextChoices):
    """How far a month's spending has gone into its budget."""

    WARNING = "warning", "80% reached"
    EXCEEDED = "exceeded", "Exceeded"


class BudgetAlert(models.Model):
    """A department's budget reached a level in a month: each level alerts once a month.

    The row is the claim that makes the alert idempotent: it is created (unique per
    department, month and level) before anything is sent, and ``sent_at`` is set in
    the same transaction as the e-mail, so a re-run or a second worker sends nothing.
    """

    department = models.ForeignKey(
        "billing.Department", on_delete=models.CASCADE, related_name="budget_alerts"
    )
    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="alerts")
    month = models.DateField(help_text="The first day of the month.")
    level = models.CharField(max_length=8, choices=BudgetLevel.choices)
    amount = models.DecimalField(max_digits=16, decimal_places=2, help_text="The budget then.")
    spent = models.DecimalField(max_digits=18, decimal_places=4, help_text="Spent when reached.")
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="Empty: not sent yet.")
    recipients = models.TextField(blank=True, help_text="The addresses it was sent to.")

    class Meta:
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
        SENT = "sent"
        FAILED = "failed"
        SKIPPED = "skipped", "Skipped (no e-mail address)"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_deliveries"
    )
    month = models.DateField(help_text="The first day of the month reported.")
    state = models.CharField(max_length=8, choices=State.choices)
    email = models.EmailField(blank=True, help_text="The address it was sent to.")
    departments = models.TextField(blank=True, help_text="Codes of the departments reported.")
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-month", "user__username"]
        verbose_name_plural = "report deliveries"
        constraints = [
            models.UniqueConstraint(fields=["user", "month"], name="report_delivery_once_per_month")
        ]

    def __str__(self):
        return f"{self.user} {self.month:%Y-%m}: {self.state}"
