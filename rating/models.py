"""Tariffs: rate plans, their destinations (E.164 prefixes), rates and time bands.

A plan's rates are versioned by validity dates rather than overwritten: importing a
new deck ends the rates it replaces on the day the new ones start, so calls are
always priced (and re-priced) by the rate that was valid when they were made.
Every change bumps ``RatePlan.version``, which is how rating knows to rebuild the
in-memory tariff it caches per plan.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.validators import currency_validator

prefix_validator = RegexValidator(
    r"^[0-9]*$", _("Digits of the E.164 number without '+', e.g. 549351 for Córdoba mobiles.")
)
weekdays_validator = RegexValidator(
    r"^[1-7]{1,7}$", _("ISO weekdays as digits, 1 = Monday ... 7 = Sunday, e.g. 12345.")
)


class Category(models.TextChoices):
    LOCAL = "local", _("Local")
    NATIONAL = "national", _("National")
    MOBILE = "mobile", _("Mobile")
    INTERNATIONAL = "international", _("International")
    PREMIUM = "premium", _("Premium")
    TOLL_FREE = "toll-free", _("Toll Free")
    EMERGENCY = "emergency", _("Emergency")
    INTERNAL = "internal", _("Internal")
    UNKNOWN = "unknown", _("Unknown")


class RatePlan(models.Model):
    """A carrier contract's price list; sites and prepaid accounts are priced by one."""

    slug = models.SlugField(unique=True, verbose_name=_("slug"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    currency = models.CharField(
        max_length=3,
        validators=[currency_validator],
        help_text=_("ISO 4217 code, e.g. ARS."),
        verbose_name=_("currency"),
    )
    holiday_band = models.ForeignKey(
        "TimeBand",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "The band that applies all day on public holidays of the site's "
            "country and province (leave empty to treat holidays as ordinary days)."
        ),
        verbose_name=_("holiday band"),
    )
    version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text=_("Bumped by every change to the plan's tariff."),
        verbose_name=_("version"),
    )

    class Meta:
        verbose_name = _("rate plan")
        verbose_name_plural = _("rate plans")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.holiday_band_id and self.holiday_band.plan_id != self.pk:
            raise ValidationError({"holiday_band": _("Choose a band of this plan.")})

    @classmethod
    def bump_version(cls, plan_id: int) -> None:
        """Mark the plan's tariff as changed, so cached copies are rebuilt."""
        cls.objects.filter(pk=plan_id).update(version=F("version") + 1)


class TimeBand(models.Model):
    """A named part of the week (e.g. peak: Monday to Friday 08:00-20:00), in the
    site's local time. A band whose end is not after its start runs past midnight."""

    plan = models.ForeignKey(
        RatePlan, on_delete=models.CASCADE, related_name="bands", verbose_name=_("plan")
    )
    name = models.CharField(
        max_length=50,
        help_text=_("As the rate deck's `band` column names it."),
        verbose_name=_("name"),
    )
    weekdays = models.CharField(
        max_length=7,
        default="1234567",
        validators=[weekdays_validator],
        help_text=_("e.g. 12345"),
        verbose_name=_("weekdays"),
    )
    start = models.TimeField(help_text=_("Local time the band starts."), verbose_name=_("start"))
    end = models.TimeField(
        help_text=_("Local time it ends (exclusive); 00:00 for midnight."), verbose_name=_("end")
    )
    priority = models.PositiveSmallIntegerField(
        default=100,
        help_text=_("Where bands overlap, the lowest number wins."),
        verbose_name=_("priority"),
    )

    class Meta:
        verbose_name = _("time band")
        verbose_name_plural = _("time bands")
        ordering = ["plan", "priority", "name"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "name"], name="band_unique_per_plan")
        ]

    def __str__(self):
        return f"{self.name} ({self.weekdays} {self.start:%H:%M}-{self.end:%H:%M})"


class Destination(models.Model):
    """A prefix of E.164 digits and what the carrier calls it."""

    plan = models.ForeignKey(
        RatePlan, on_delete=models.CASCADE, related_name="destinations", verbose_name=_("plan")
    )
    prefix = models.CharField(
        max_length=20, validators=[prefix_validator], verbose_name=_("prefix")
    )
    name = models.CharField(max_length=200, verbose_name=_("name"))
    category = models.CharField(max_length=20, choices=Category.choices, verbose_name=_("category"))

    class Meta:
        verbose_name = _("destination")
        verbose_name_plural = _("destinations")
        ordering = ["plan", "prefix"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "prefix"], name="destination_unique_prefix")
        ]

    def __str__(self):
        return f"{self.prefix} {self.name}"


class Rate(models.Model):
    """The price of a destination from ``valid_from`` (local date, inclusive) until
    ``valid_to`` (exclusive; open-ended when empty), in one band or at any time.
    A ``valid_from`` of 0001-01-01 (``rating.engine.OPEN_START``) has always applied:
    a plan's first deck loaded without dates prices every earlier call."""

    class AppliesTo(models.TextChoices):
        OUTGOING = "outgoing", _("Outgoing")
        INCOMING = "incoming", _("incoming (e.g. toll-free numbers the organization pays for)")
        INTERNAL = "internal", _("Internal")

    plan = models.ForeignKey(
        RatePlan, on_delete=models.CASCADE, related_name="rates", verbose_name=_("plan")
    )
    destination = models.ForeignKey(
        Destination, on_delete=models.CASCADE, related_name="rates", verbose_name=_("destination")
    )
    band = models.ForeignKey(
        TimeBand,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rates",
        help_text=_("Empty: at any time not covered by a banded rate of the same destination."),
        verbose_name=_("band"),
    )
    applies_to = models.CharField(
        max_length=8,
        choices=AppliesTo.choices,
        default=AppliesTo.OUTGOING,
        verbose_name=_("applies to"),
    )
    price_per_minute = models.DecimalField(
        max_digits=14,
        decimal_places=6,
        validators=[MinValueValidator(0)],
        verbose_name=_("price per minute"),
    )
    connection_fee = models.DecimalField(
        max_digits=14,
        decimal_places=4,
        default=0,
        validators=[MinValueValidator(0)],
        verbose_name=_("connection fee"),
    )
    initial_seconds = models.PositiveIntegerField(
        default=60,
        validators=[MinValueValidator(1)],
        help_text=_("First billing block."),
        verbose_name=_("initial seconds"),
    )
    increment_seconds = models.PositiveIntegerField(
        default=60,
        validators=[MinValueValidator(1)],
        help_text=_("Each block after the first."),
        verbose_name=_("increment seconds"),
    )
    minimum_charge = models.DecimalField(
        max_digits=14,
        decimal_places=4,
        default=0,
        validators=[MinValueValidator(0)],
        verbose_name=_("minimum charge"),
    )
    valid_from = models.DateField(
        verbose_name=_("valid from"),
    )
    valid_to = models.DateField(null=True, blank=True, verbose_name=_("valid to"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rate")
        verbose_name_plural = _("rates")
        ordering = ["plan", "destination", "valid_from"]
        indexes = [models.Index(fields=["plan", "valid_to"], name="rate_plan_valid_to")]

    def __str__(self):
        return f"{self.destination} {self.price_per_minute}/min from {self.valid_from}"

    def clean(self):
        if self.valid_to and self.valid_to <= self.valid_from:
            raise ValidationError({"valid_to": _("Must be after valid from.")})
        if self.destination_id and self.plan_id and self.destination.plan_id != self.plan_id:
            raise ValidationError({"destination": _("Choose a destination of this plan.")})
        if self.band_id and self.plan_id and self.band.plan_id != self.plan_id:
            raise ValidationError({"band": _("Choose a band of this plan.")})
