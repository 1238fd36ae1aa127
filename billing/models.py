"""The central call store.

``Call`` is one priced call (or call segment), charged to the extension and the
department (``org``) it had when the call was made. The rollups are the calls'
running totals.
"""

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.validators import currency_validator
from org.models import Department, Extension, Site, Trunk
from rating.models import Rate, RatePlan
from smdr.parsers.base import Direction as CallDirection


class Call(models.Model):
    """One call, or one segment of a multi-segment call, priced and charged.

    ``extension`` and ``department`` are those at the time of the call; moving an
    extension later does not rewrite its past calls.
    """

    class Direction(models.TextChoices):
        # The parsers' directions (smdr), which calls are stored with.
        INCOMING = CallDirection.INCOMING, _("Incoming")
        OUTGOING = CallDirection.OUTGOING, _("Outgoing")
        INTERNAL = CallDirection.INTERNAL, _("Internal")

    # Rates are versioned, never deleted in use; a plan's removal leaves the ids
    # behind (DO_NOTHING) rather than scanning millions of calls for references.
    # Calls arrive by the million through COPY, so every index and every database-level
    # foreign-key check (a trigger per row) is paid on each insert. Keys led by a
    # composite index below get no index of their own, and the references to the
    # organization are kept by the application (ingest resolves them in the same
    # transaction; PROTECT still guards deletes through the ORM) rather than by
    # constraint triggers, which took a third of the time of storing a batch. The raw
    # record, the call's provenance, keeps its database constraint.
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        related_name="calls",
        db_index=False,
        db_constraint=False,
        verbose_name=_("site"),
    )
    source = models.ForeignKey(
        "capture.Source",
        on_delete=models.PROTECT,
        related_name="calls",
        db_index=False,
        db_constraint=False,
        verbose_name=_("source"),
    )
    raw_record = models.OneToOneField(
        "capture.RawRecord",
        on_delete=models.PROTECT,
        related_name="call",
        verbose_name=_("raw record"),
    )
    start = models.DateTimeField(
        help_text=_("When the call started (stored in UTC)."), verbose_name=_("start")
    )
    duration_seconds = models.PositiveIntegerField(
        help_text=_("Seconds of conversation."), verbose_name=_("duration seconds")
    )
    ring_seconds = models.PositiveIntegerField(default=0, verbose_name=_("ring seconds"))
    answered = models.BooleanField(
        verbose_name=_("answered"),
    )
    direction = models.CharField(
        max_length=8, choices=Direction.choices, verbose_name=_("direction")
    )
    extension = models.ForeignKey(
        Extension,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="calls",
        db_index=False,
        db_constraint=False,
        verbose_name=_("extension"),
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="calls",
        db_index=False,
        db_constraint=False,
        verbose_name=_("department"),
    )
    trunk = models.ForeignKey(
        Trunk,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="calls",
        db_constraint=False,
        verbose_name=_("trunk"),
    )
    number = models.CharField(
        max_length=64,
        blank=True,
        help_text=_("The other party, as dialled or presented."),
        verbose_name=_("number"),
    )
    normalized_number = models.CharField(
        max_length=32, blank=True, help_text=_("E.164."), verbose_name=_("normalized number")
    )
    destination = models.CharField(max_length=200, blank=True, verbose_name=_("destination"))
    category = models.CharField(max_length=20, blank=True, verbose_name=_("category"))
    cost = models.DecimalField(
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Null until rated."),
        verbose_name=_("cost"),
    )
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    rate_plan = models.ForeignKey(
        RatePlan,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
        verbose_name=_("rate plan"),
    )
    rate = models.ForeignKey(
        Rate,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
        help_text=_("The rate (and so the destination and version) that priced the call."),
        verbose_name=_("rate"),
    )
    unrated_reason = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("Why the call has no price, when it has none."),
        verbose_name=_("unrated reason"),
    )
    account_code = models.CharField(max_length=32, blank=True, verbose_name=_("account code"))
    pbx_call_id = models.CharField(max_length=64, blank=True, verbose_name=_("pbx call id"))
    leg = models.PositiveSmallIntegerField(
        default=1,
        help_text=_("Order of this segment among the segments sharing its PBX call id."),
        verbose_name=_("leg"),
    )
    details = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("The PBX's other fields for this call, by name."),
        verbose_name=_("details"),
    )

    # Marked by the extension's holder (billing.services.call_personal_mark); the
    # database fills them on insert, since calls arrive by COPY without them.
    personal = models.BooleanField(
        default=False,
        db_default=False,
        help_text=_("Marked personal by the extension's holder: charged back to them."),
        verbose_name=_("personal"),
    )
    personal_note = models.TextField(
        blank=True,
        default="",
        db_default="",
        verbose_name=_("personal note"),
    )

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-start", "-id"]
        indexes = [
            models.Index(fields=["site", "start"], name="call_site_start"),
            models.Index(fields=["extension", "start"], name="call_extension_start"),
            models.Index(fields=["department", "start"], name="call_department_start"),
            models.Index(fields=["start"], name="call_start"),
            models.Index(fields=["source", "pbx_call_id"], name="call_source_pbx_call_id"),
            # "Who called this number?": prefix search (the calls API's number filter,
            # LIKE 'prefix%') took 5.6 s at ten million calls without it. The
            # operator class is PostgreSQL's; other databases ignore it.
            models.Index(
                fields=["number"], name="call_number_prefix", opclasses=["text_pattern_ops"]
            ),
            # The personal calls of a month (chargeback, the department report's
            # personal column): a few of all calls, found without reading the month.
            models.Index(
                fields=["start"], condition=models.Q(personal=True), name="call_personal_start"
            ),
        ]

    def __str__(self):
        return f"{self.get_direction_display()} {self.number or '?'} at {self.start:%Y-%m-%d %H:%M}"


class ClosedMonth(models.Model):
    """A billing month whose calls are final: re-rating skips it unless forced."""

    month = models.DateField(
        unique=True, help_text=_("The first day of the month."), verbose_name=_("month")
    )
    closed_at = models.DateTimeField(auto_now_add=True, verbose_name=_("closed at"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("closed by"),
    )

    class Meta:
        verbose_name = _("closed month")
        verbose_name_plural = _("closed months")
        ordering = ["-month"]

    def __str__(self):
        return f"{self.month:%Y-%m}"

    def clean(self):
        if self.month and self.month.day != 1:
            raise ValidationError({"month": _("Give the first day of the month.")})


class FixedCharge(models.Model):
    """A recurring charge that is not calls (a line or E1 rental, a mobile plan, a PBX
    maintenance contract): charged to an extension's department, to a department, or
    to a site (split across its departments by ``split``), prorated by day in the
    months it starts or ends (billing.fixed_charges)."""

    class Kind(models.TextChoices):
        LINE = "line", _("Line rental")
        TRUNK = "trunk", _("Trunk or E1 rental")
        MOBILE = "mobile", _("Mobile plan")
        MAINTENANCE = "maintenance", _("Maintenance contract")
        OTHER = "other", _("Other")

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")

    class Split(models.TextChoices):
        EQUAL = "equal", _("Equally among its departments")
        CALL_COST = "call-cost", _("By the month's call cost")
        EXTENSIONS = "extensions", _("By number of extensions")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.OTHER)
    amount = models.DecimalField(
        _("amount"),
        max_digits=14,
        decimal_places=4,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Per period, before proration."),
    )
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_validator])
    frequency = models.CharField(
        _("frequency"), max_length=8, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(
        _("ends on"), null=True, blank=True, help_text=_("The last day charged; empty: open.")
    )
    extension = models.ForeignKey(
        Extension,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fixed_charges",
        verbose_name=_("extension"),
        help_text=_("Charged to the department the extension is in."),
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fixed_charges",
        verbose_name=_("department"),
    )
    site = models.ForeignKey(
        Site,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fixed_charges",
        verbose_name=_("site"),
        help_text=_("Split across the departments with extensions at the site."),
    )
    split = models.CharField(
        _("split"),
        max_length=10,
        choices=Split.choices,
        default=Split.EQUAL,
        help_text=_("How a site's charge is shared among its departments."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("fixed charge")
        verbose_name_plural = _("fixed charges")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(extension__isnull=False, department__isnull=True, site__isnull=True)
                    | models.Q(extension__isnull=True, department__isnull=False, site__isnull=True)
                    | models.Q(extension__isnull=True, department__isnull=True, site__isnull=False)
                ),
                name="fixed_charge_one_target",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.amount} {self.currency})"

    def clean(self):
        targets = [self.extension_id, self.department_id, self.site_id]
        if sum(target is not None for target in targets) != 1:
            raise ValidationError(_("Charge it to one extension, one department or one site."))
        if self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("It ends before it starts.")})


class RerateJob(models.Model):
    """One re-rating run, with its progress, as the admin and ``rerate`` show it."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    date_from = models.DateField(
        verbose_name=_("date from"),
    )
    date_to = models.DateField(help_text=_("Inclusive."), verbose_name=_("date to"))
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("site")
    )
    force = models.BooleanField(
        default=False, help_text=_("Re-rate closed months too."), verbose_name=_("force")
    )
    state = models.CharField(
        max_length=8, choices=State.choices, default=State.QUEUED, verbose_name=_("state")
    )
    total = models.PositiveIntegerField(default=0, verbose_name=_("total"))
    done = models.PositiveIntegerField(default=0, verbose_name=_("done"))
    changed = models.PositiveIntegerField(
        default=0, help_text=_("Calls whose price changed."), verbose_name=_("changed")
    )
    message = models.TextField(
        blank=True, help_text=_("The error, or what was skipped."), verbose_name=_("message")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("rerate job")
        verbose_name_plural = _("rerate jobs")
        ordering = ["-created_at"]

    def __str__(self):
        return f"re-rate {self.date_from}..{self.date_to} ({self.state})"


# Rollups: running totals of the calls, what the reports read. They are derived data
# of ``Call`` and kept equal to it by billing's write services (``billing.rollups``),
# in the transaction that changes the calls; ``manage.py rebuild_rollups`` recomputes
# them. Their dimensions are plain ids, not foreign keys: a row with no department or
# extension uses 0, so that the unique key holds on every database, and deleting an
# organization record never has to scan them.

# The dimensions of each rollup, in the order of their unique key.
DAILY_KEYS = ("day", "site_id", "department_id", "extension_id", "direction", "category")
MONTHLY_KEYS = ("month", "site_id", "department_id", "extension_id", "direction", "category")
DESTINATION_KEYS = ("month", "site_id", "department_id", "category", "destination")
HOURLY_KEYS = ("month", "site_id", "department_id", "weekday", "hour", "direction")

MONEY = {"max_digits": 18, "decimal_places": 4, "default": 0}


class Rollup(models.Model):
    """The measures every rollup keeps."""

    # Signed: a re-rating writes its differences, which may be negative, as rows to add.
    calls = models.IntegerField(default=0, verbose_name=_("calls"))
    answered = models.IntegerField(default=0, verbose_name=_("answered"))
    seconds = models.BigIntegerField(
        default=0, help_text=_("Seconds of conversation."), verbose_name=_("seconds")
    )
    ring_seconds = models.BigIntegerField(default=0, verbose_name=_("ring seconds"))
    unrated = models.IntegerField(
        default=0, help_text=_("Calls without a price (cost empty)."), verbose_name=_("unrated")
    )
    cost = models.DecimalField(**MONEY, verbose_name=_("cost"))

    MEASURES = ("calls", "answered", "seconds", "ring_seconds", "unrated", "cost")
    KEYS: ClassVar[tuple[str, ...]]  # each rollup's dimensions, its period first

    class Meta:
        abstract = True

    def __str__(self):
        key = ", ".join(str(getattr(self, name)) for name in self.KEYS)
        return f"{key}: {self.calls} calls, {self.cost}"


class DailyRollup(Rollup):
    """Per local day, site, department, extension, direction and category."""

    day = models.DateField(help_text=_("The site's local date."), verbose_name=_("day"))
    site_id = models.IntegerField(
        verbose_name=_("site id"),
    )
    department_id = models.IntegerField(
        help_text=_("0: no department."), verbose_name=_("department id")
    )
    extension_id = models.IntegerField(
        help_text=_("0: no extension."), verbose_name=_("extension id")
    )
    direction = models.CharField(max_length=8, verbose_name=_("direction"))
    category = models.CharField(
        max_length=20, help_text=_("Empty: not rated."), verbose_name=_("category")
    )

    KEYS = DAILY_KEYS

    class Meta:
        verbose_name = _("daily rollup")
        verbose_name_plural = _("daily rollups")
        db_table = "reports_dailyrollup"  # made by the reports app, which held them first
        constraints = [models.UniqueConstraint(fields=DAILY_KEYS, name="daily_rollup_key")]
        indexes = [models.Index(fields=["day", "department_id"], name="daily_rollup_day_dept")]


class MonthlyRollup(Rollup):
    """The daily rollup summed per month: what the monthly reports read."""

    month = models.DateField(
        help_text=_("The first day of the month (site's local dates)."), verbose_name=_("month")
    )
    site_id = models.IntegerField(
        verbose_name=_("site id"),
    )
    department_id = models.IntegerField(
        help_text=_("0: no department."), verbose_name=_("department id")
    )
    extension_id = models.IntegerField(
        help_text=_("0: no extension."), verbose_name=_("extension id")
    )
    direction = models.CharField(max_length=8, verbose_name=_("direction"))
    category = models.CharField(
        max_length=20, help_text=_("Empty: not rated."), verbose_name=_("category")
    )

    KEYS = MONTHLY_KEYS

    class Meta:
        verbose_name = _("monthly rollup")
        verbose_name_plural = _("monthly rollups")
        db_table = "reports_monthlyrollup"  # made by the reports app, which held them first
        constraints = [models.UniqueConstraint(fields=MONTHLY_KEYS, name="monthly_rollup_key")]


class DestinationRollup(Rollup):
    """Per month, site, department and named destination: the top destinations."""

    month = models.DateField(
        verbose_name=_("month"),
    )
    site_id = models.IntegerField(
        verbose_name=_("site id"),
    )
    department_id = models.IntegerField(
        help_text=_("0: no department."), verbose_name=_("department id")
    )
    category = models.CharField(max_length=20, verbose_name=_("category"))
    destination = models.CharField(max_length=200, verbose_name=_("destination"))

    KEYS = DESTINATION_KEYS

    class Meta:
        verbose_name = _("destination rollup")
        verbose_name_plural = _("destination rollups")
        db_table = "reports_destinationrollup"  # made by the reports app, which held them first
        constraints = [
            models.UniqueConstraint(fields=DESTINATION_KEYS, name="destination_rollup_key")
        ]


class HourlyRollup(Rollup):
    """Per month, site, department, weekday and local hour: the busy-hour heat map."""

    month = models.DateField(
        verbose_name=_("month"),
    )
    site_id = models.IntegerField(
        verbose_name=_("site id"),
    )
    department_id = models.IntegerField(
        help_text=_("0: no department."), verbose_name=_("department id")
    )
    weekday = models.PositiveSmallIntegerField(
        help_text=_("0 is Monday."), verbose_name=_("weekday")
    )
    hour = models.PositiveSmallIntegerField(
        verbose_name=_("hour"),
    )
    direction = models.CharField(max_length=8, verbose_name=_("direction"))

    KEYS = HOURLY_KEYS

    class Meta:
        verbose_name = _("hourly rollup")
        verbose_name_plural = _("hourly rollups")
        db_table = "reports_hourlyrollup"  # made by the reports app, which held them first
        constraints = [models.UniqueConstraint(fields=HOURLY_KEYS, name="hourly_rollup_key")]
