"""Filters for the apps' FilterSets that refuse, with a message naming the value, what
the database cannot compare: an id beyond 64 bits, a time outside UTC's years 1 to
9999. Both reached the database and answered 500 (OverflowError) before. And a month,
``YYYY-MM``, read as each site's local month by the FilterSet that uses it."""

import datetime as dt
import re

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field

MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A row's id: a whole number from 1 to 2**63 - 1."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time that is still a time once converted to UTC, as the database
    stores it: ``0001-01-01T00:00:00+05:00`` is before year 1 there."""

    default_error_messages = {
        "out_of_range": _("%(value)s is outside the times that can be stored (years 1 to 9999).")
    }

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is not None:
            try:
                moment.astimezone(dt.UTC)
            except OverflowError:
                raise forms.ValidationError(
                    self.error_messages["out_of_range"],
                    code="out_of_range",
                    params={"value": value},
                ) from None
        return moment


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """``IsoDateTimeFilter`` whose value converts to UTC."""

    field_class = UtcIsoDateTimeField


MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# As the reports' months: each month's neighbours and local midnights stay in years 1-9999.
FIRST_MONTH = dt.date(1900, 1, 1)
LAST_MONTH = dt.date(9998, 12, 1)


class MonthField(forms.CharField):
    """``2026-11`` as ``date(2026, 11, 1)``."""

    default_error_messages = {
        "invalid_month": _(
            "%(value)s is not a month: give it as YYYY-MM with a month from 01 to 12, e.g. 2026-10."
        ),
        "out_of_range": _("%(value)s is outside the months covered: %(first)s to %(last)s."),
    }

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        match = MONTH.match(value)
        try:
            if match is None:
                raise ValueError
            month = dt.date(int(match[1]), int(match[2]), 1)
        except ValueError:
            raise forms.ValidationError(
                self.error_messages["invalid_month"], code="invalid_month", params={"value": value}
            ) from None
        if not FIRST_MONTH <= month <= LAST_MONTH:
            raise forms.ValidationError(
                self.error_messages["out_of_range"],
                code="out_of_range",
                params={
                    "value": value,
                    "first": f"{FIRST_MONTH:%Y-%m}",
                    "last": f"{LAST_MONTH:%Y-%m}",
                },
            )
        return month


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-11"})
class MonthFilter(django_filters.Filter):
    """A month, ``YYYY-MM``; give it a ``method`` that says what the month means."""

    field_class = MonthField
