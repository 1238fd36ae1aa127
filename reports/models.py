"""Reports: running totals of calls (rollups), department budgets and schedules.

Rollups are derived from calls and kept current in the transaction that stores or
re-prices them (``reports.rollups``); they can always be rebuilt from the calls with
``manage.py rebuild_rollups``. Their dimensions are plain ids, not foreign keys: a
rollup row with no department or extension uses 0, so that the unique key over the
dimensions holds on every database, and deleting an organization record never has
to scan them.
"""

from __future__ import annotations

from django.db import models

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
