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
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.validators import currency_validator

digits_validator = RegexValidator(r"^[0-9]*$", _("Digits only."))


@cache
def time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError(
            _("%(value)r is not an IANA time zone; use a name such as America/Argentina/Cordoba.")
            % {"value": value}
        )


def validate_access_codes(value) -> None:
    if not isinstance(value, list) or not all(
        isinstance(code, str) and code.isdigit() for code in value
    ):
        raise ValidationError(
            _('Give the outside-line access codes as a list of digits, e.g. ["0"].')
        )


class Site(models.Model):
    """One location with its PBX(s), time zone, numbering plan and currency."""

    name = models.CharField(max_length=200, verbose_name=_("name"))
    slug = models.SlugField(unique=True, verbose_name=_("slug"))
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text=_("IANA name, e.g. America/Argentina/Cordoba. Calls are shown in this zone."),
        verbose_name=_("time zone"),
    )
    country_code = models.CharField(
        max_length=4,
        validators=[digits_validator],
        help_text=_('Country calling code, e.g. "54".'),
        verbose_name=_("country code"),
    )
    area_code = models.CharField(
        max_length=6,
        blank=True,
        validators=[digits_validator],
        help_text=_('e.g. "351".'),
        verbose_name=_("area code"),
    )
    national_prefix = models.CharField(
        max_length=4,
        blank=True,
        default="0",
        validators=[digits_validator],
        verbose_name=_("national prefix"),
    )
    international_prefix = models.CharField(
        max_length=4,
        blank=True,
        default="00",
        validators=[digits_validator],
        verbose_name=_("international prefix"),
    )
    access_codes = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_access_codes],
        help_text=_('Outside-line access codes dialled before external numbers, e.g. ["0"].'),
        verbose_name=_("access codes"),
    )
    country = models.CharField(
        max_length=2,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", _("An ISO 3166 code such as AR."))],
        help_text=_(
            "ISO 3166 country for number formats and public holidays; "
            "empty: the country of the calling code (54 gives AR)."
        ),
        verbose_name=_("country"),
    )
    subdivision = models.CharField(
        max_length=10,
        blank=True,
        help_text=_(
            "Province or state whose public holidays apply, as the `holidays` "
            "library codes it (e.g. X for Córdoba, Argentina)."
        ),
        verbose_name=_("subdivision"),
    )
    currency = models.CharField(
        max_length=3, validators=[currency_validator], verbose_name=_("currency")
    )
    rate_plan = models.ForeignKey(
        "rating.RatePlan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sites",
        verbose_name=_("rate plan"),
    )

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
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

    name = models.CharField(max_length=200, verbose_name=_("name"))
    code = models.CharField(
        max_length=50,
        unique=True,
        help_text=_("Cost-centre code used in reports and exports."),
        verbose_name=_("code"),
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
    )
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="managed_departments",
        verbose_name=_("managers"),
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        db_table = "billing_department"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk:
                raise ValidationError({"parent": _("A department cannot be inside itself.")})
            ancestor = ancestor.parent


class Extension(models.Model):
    """An internal line of a site, charged to a department.

    Its history is kept, so a call imported late is charged to the department the
    extension belonged to when the call was made.
    """

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="extensions", verbose_name=_("site")
    )
    number = models.CharField(max_length=32, verbose_name=_("number"))
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="extensions",
        verbose_name=_("department"),
    )
    holder = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("Person or place using it."),
        verbose_name=_("holder"),
    )
    email = models.EmailField(
        blank=True,
        help_text=_("The holder's e-mail address (the directory import sets it)."),
        verbose_name=_("holder's e-mail"),
    )
    # The person who answers for the extension's calls (and may mark them personal):
    # set in the admin, or by the directory import when an account has the holder's
    # e-mail. One person may hold several extensions.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="extensions",
        help_text=_(
            "The account of the person using it: they see its calls under My calls and "
            "may mark them personal."
        ),
        verbose_name=_("holder's account"),
    )
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
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        db_table = "billing_extension"
        ordering = ["site", "number"]
        constraints = [
            models.UniqueConstraint(fields=["site", "number"], name="extension_unique_per_site")
        ]

    def __str__(self):
        return f"{self.number} ({self.site.slug})"


class TrunkGroup(models.Model):
    """Trunks of a site that carry the same calls, sized together (two E1 to one
    carrier): the trunk report gives the group's figures with its calls at once."""

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="trunk_groups", verbose_name=_("site")
    )
    name = models.CharField(max_length=64, verbose_name=_("name"))
    description = models.CharField(max_length=200, blank=True, verbose_name=_("description"))

    class Meta:
        verbose_name = _("trunk group")
        verbose_name_plural = _("trunk groups")
        ordering = ["site", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="trunk_group_unique_per_site")
        ]

    def __str__(self):
        return f"{self.name} ({self.site.slug})"


class Trunk(models.Model):
    """An outside line or line group of a site, as the PBX names it."""

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="trunks", verbose_name=_("site")
    )
    name = models.CharField(
        max_length=64, help_text=_("The trunk's id in the PBX's records."), verbose_name=_("name")
    )
    description = models.CharField(max_length=200, blank=True, verbose_name=_("description"))
    rate_plan = models.ForeignKey(
        "rating.RatePlan",  # a string: org imports no rating code, only refers to its table
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="trunks",
        help_text=_("Prices calls on this trunk instead of the site's plan (another carrier)."),
        verbose_name=_("rate plan"),
    )
    answer_after_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_(
            "For analog trunks without answer supervision: calls shorter than this "
            "count as unanswered; longer ones are charged for their whole length."
        ),
        verbose_name=_("answer after seconds"),
    )
    lines = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "How many calls the trunk carries at once (channels: 30 on an E1, 23 on a T1, "
            "2 on a BRI). Empty: unknown; the trunk report then shows no blocking."
        ),
        verbose_name=_("lines"),
    )
    group = models.ForeignKey(
        TrunkGroup,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="trunks",
        help_text=_(
            "The group it belongs to, if any: the trunk report also gives the group's "
            "figures, its trunks' calls taken together. A group of the trunk's site."
        ),
        verbose_name=_("group"),
    )

    class Meta:
        verbose_name = _("trunk")
        verbose_name_plural = _("trunks")
        db_table = "billing_trunk"
        ordering = ["site", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="trunk_unique_per_site")
        ]

    def __str__(self):
        return f"{self.name} ({self.site.slug})"

    def clean(self):
        super().clean()
        group, site = self.group_id, self.site_id
        if group is not None and site is not None and self.group.site_id != site:
            raise ValidationError(
                {
                    "group": _(
                        "Trunk %(trunk)s is of site %(site)s, and group %(group)s of "
                        "another site: pick a group of the trunk's site."
                    )
                    % {"trunk": self.name, "site": self.site.slug, "group": self.group.name}
                }
            )
