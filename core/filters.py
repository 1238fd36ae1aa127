"""Filters for the apps' FilterSets that refuse, with a message naming the value, what
the database cannot compare: an id beyond 64 bits, a time outside UTC's years 1 to
9999. Both reached the database and answered 500 (OverflowError) before."""

import datetime as dt

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

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
