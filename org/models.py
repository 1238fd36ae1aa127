"""The organization: the bottom layer every other app builds on.

A ``Site`` is one place with one numbering plan and time zone; ``Department`` is the
cost-centre tree; ``Extension`` and ``Trunk`` are the site's lines.

These models were born in the billing app and keep its tables (``billing_site`` and
so on): they moved here in state only (issue 13), no data copied.
"""

import zoneinfo
from functools import cache

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.validators import currency_validator

digits_validator = RegexValidator(r"^[0-9]*$", "Digits only.")


@cache
def time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError(
            f"{value!r} is not an IANA time zone; use a name such as America/Argentina/Cordoba."
        )


def validate_access_codes(value) -> None:
    if not isinstance(value, list) or not all(
        isinstance(code, str) and code.isdigit() for code in value
    ):
        raise ValidationError('Give the outside-line access codes as a list of digits, e.g. ["0"].')


class Site(models.Model):
    """One location with its PBX(s), time zone, numbering plan and currency."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="IANA name, e.g. America/Argentina/Cordoba. Calls are shown in this zone.",
    )
    country_code = models.CharField(
        max_length=4, validators=[digits_validator], help_text='Country calling code, e.g. "54".'
    )
    area_code = models.CharField(
        max_length=6, blank=True, validators=[digits_validator], help_text='e.g. "351".'
    )
    national_prefix = models.CharField(
        max_length=4, blank=True, default="0", validators=[digits_validator]
    )
    international_prefix = models.CharField(
        max_length=4, blank=True, default="00", validators=[digits_validator]
    )
    access_codes = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_access_codes],
        help_text='Outside-line access codes dialled before external numbers, e.g. ["0"].',
    )
    country = models.CharField(
        max_length=2,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", "An ISO 3166 code such as AR.")],
        help_text="ISO 3166 country for number formats and public holidays; "
        "empty: the country of the calling code (54 gives AR).",
    )
    subdivision = models.CharField(
        max_length=10,
        blank=True,
        help_text="Province or state whose public holidays apply, as the `holidays` "
        "library codes it (e.g. X for Córdoba, Argentina).",
    )
    currency = models.CharField(max_length=3, validators=[currency_validator])
    rate_plan = models.ForeignKey(
        "rating.RatePlan", null=True, blank=True, on_delete=models.PROTECT, related_name="sites"
    )

    class Meta:
        db_table = "billing_site"
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def region(self) -> str:
        """ISO 3166 country for parsing numbers and finding holidays."""
        return self.country or phonenumbers.region_code_for_country_code(
            int(self.country_code or 0)
        )


class Department(models.Model):
    """A cost centre; departments form a tree and managers see their subtree."""

    name = models.CharField(max_length=200)
    code = models.CharField(
        max_length=50, unique=True, help_text="Cost-centre code used in reports and exports."
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="managed_departments"
    )

    class Meta:
        db_table = "billing_department"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk:
                raise ValidationError({"parent": "A department cannot be inside itself."})
            ancestor = ancestor.parent


class Extension(models.Model):
    """An internal line of a site, charged to a department.

    Its history is kept, so a call imported late is charged to the department the
    extension belonged to when the call was made.
    """

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="extensions")
    number = models.CharField(max_length=32)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="extensions"
    )
    holder = models.CharField(max_length=200, blank=True, help_text="Person or place using it.")
    # Created by billing when a call names an extension the site does not have: it may
    # be a wrong guess (a PSTN account taken as the extension), so it tells nothing
    # about inside and outside until an administrator confirms it.
    discovered = models.BooleanField(
        _("discovered"),
        default=False,
        help_text=_(
            "Created from a call record; not used to tell inside from outside until an "
            "administrator confirms it."
        ),
    )

    history = HistoricalRecords(table_name="billing_historicalextension")

    class Meta:
        db_table = "billing_extension"
        ordering = ["site", "number"]
        constraints = [
            models.UniqueConstraint(fields=["site", "number"], name="extension_unique_per_site")
        ]

    def __str__(self):
        return f"{self.number} ({self.site.slug})"


class Trunk(models.Model):
    """An outside line or line group of a site, as the PBX names it."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="trunks")
    name = models.CharField(max_length=64, help_text="The trunk's id in the PBX's records.")
    description = models.CharField(max_length=200, blank=True)
    rate_plan = models.ForeignKey(
        "rating.RatePlan",  # a string: org imports no rating code, only refers to its table
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="trunks",
        help_text="Prices calls on this trunk instead of the site's plan (another carrier).",
    )
    answer_after_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="For analog trunks without answer supervision: calls shorter than this "
        "count as unanswered; longer ones are charged for their whole length.",
    )

    class Meta:
        db_table = "billing_trunk"
        ordering = ["site", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="trunk_unique_per_site")
        ]

    def __str__(self):
        return f"{self.name} ({self.site.slug})"
