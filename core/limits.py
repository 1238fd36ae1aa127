"""What a model field can hold, read from the field itself.

SQLite stores a number with more digits than a ``DecimalField`` allows, or text longer
than a ``CharField``'s ``max_length``, and then fails to read it back (Django quantizes
decimals to the field's digits on the way out); PostgreSQL refuses the whole write. So
values that come from outside (rate decks, money sent to the API) are checked here
first, against the field's own ``max_digits``, ``decimal_places``, ``max_length`` and
the integer range every supported database holds, and the answer says which limit.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils.translation import gettext as _


def decimal_max(field: models.DecimalField) -> Decimal:
    """The largest value ``field`` holds, e.g. 9999999999.9999 for 14 digits, 4 decimals."""
    places = field.decimal_places
    return Decimal(10 ** (field.max_digits - places)) - Decimal(1).scaleb(-places)


def decimal_text(value: Decimal) -> str:
    """A decimal with thousands separators as the messages show limits: 9,999,999,999.9999."""
    return f"{value:,f}"


def integer_range(field: models.Field) -> tuple[int, int]:
    """The values an integer field holds on every supported database: Django's portable
    ranges (a 4-byte ``integer`` for ``PositiveIntegerField``), not SQLite's 8 bytes."""
    return BaseDatabaseOperations.integer_field_ranges[field.get_internal_type()]


def field_refusal(field: models.Field, value) -> str:
    """Why ``value`` cannot be stored in ``field`` ("... has more than 8 digits before
    the point"), or "" when it can. Checks digits and decimals of decimal fields, the
    range of integer fields and the length of text fields."""
    if isinstance(field, models.DecimalField):
        return decimal_refusal(field, value)
    if isinstance(field, models.IntegerField):
        low, high = integer_range(field)
        if value < low:
            return _("%(value)s is less than %(low)s") % {"value": value, "low": f"{low:,}"}
        if value > high:
            return _("%(value)s is more than %(high)s") % {"value": value, "high": f"{high:,}"}
        return ""
    limit = field.max_length if isinstance(field, models.CharField) else None
    if limit is not None and len(value) > limit:
        return _("%(value)s is longer than %(limit)s characters") % {
            "value": _shortened(value),
            "limit": limit,
        }
    return ""


def decimal_refusal(field: models.DecimalField, value: Decimal) -> str:
    """Why the decimal ``value`` does not fit ``field``'s digits and decimals, or ""."""
    if not value.is_finite():
        return _("%(value)s is not a finite number") % {"value": value}
    whole = field.max_digits - field.decimal_places
    # From the digits themselves: normalize() would round past 28 digits and
    # overflow on exponents like 1e999999999.
    _sign, digits, exponent = value.as_tuple()
    while len(digits) > 1 and digits[-1] == 0:
        digits, exponent = digits[:-1], exponent + 1
    if any(digits):
        before_point = len(digits) + exponent  # digits left of the point
        if before_point > whole:
            return _("%(value)s has more than %(whole)s digits before the point") % {
                "value": _shortened(str(value)),
                "whole": whole,
            }
        if -exponent > field.decimal_places:
            return _("%(value)s has more than %(places)s decimals") % {
                "value": _shortened(str(value)),
                "places": field.decimal_places,
            }
    return ""


def _shortened(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else f"{text[: limit - 3]}..."
