"""Formats for the report pages: money with its currency, durations, changes, in the
active language's separators (``2,229.15 ARS`` in English, ``2.229,15 ARS`` in
Spanish and Portuguese)."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from django import template
from django.utils.dates import WEEKDAYS
from django.utils.formats import number_format
from django.utils.translation import pgettext_lazy

register = template.Library()

CENT = Decimal("0.01")


@register.filter
def money(amount, currency: str = "") -> str:
    """``Decimal("1234.5")|money:"ARS"`` → ``1,234.50 ARS`` (a dash for no amount)."""
    if amount is None or amount == "":
        return "—"
    text = grouped(Decimal(amount).quantize(CENT, rounding=ROUND_HALF_EVEN), 2)
    return f"{text}\u00a0{currency}" if currency else text


@register.filter
def duration(seconds) -> str:
    """Seconds as ``h:mm:ss`` (``m:ss`` under an hour)."""
    if seconds is None or seconds == "":
        return "—"
    hours, rest = divmod(int(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{grouped(hours)}:{minutes:02d}:{seconds:02d}"
    return f"{minutes}:{seconds:02d}"


@register.filter
def signed(value, unit: str = "%") -> str:
    """A change with its sign (a true minus sign when it falls): ``+12.5 %``; a dash
    when there is none."""
    if value is None:
        return "—"
    value = Decimal(value)
    sign = "+" if value > 0 else ("\u2212" if value < 0 else "±")
    places = max(0, -value.as_tuple().exponent) if value.is_finite() else 0
    return f"{sign}{grouped(abs(value), places)}\u00a0{unit}".rstrip()


@register.filter
def number(value) -> str:
    """An integer with thousands separators."""
    if value is None or value == "":
        return "—"
    return grouped(int(value))


def grouped(value, places: int | None = None) -> str:
    """``value`` with the active language's decimal and thousands separators."""
    return number_format(value, decimal_pos=places, force_grouping=True)


@register.filter
def percent(value) -> str:
    """A percentage in the active language's decimal mark: ``85.0 %`` in English,
    ``85,0 %`` in Spanish and Portuguese (a no-break space before the sign); a dash
    when there is none."""
    if value is None or value == "":
        return "—"
    value = Decimal(value)
    places = max(0, -value.as_tuple().exponent) if value.is_finite() else 0
    return f"{grouped(value, places)}\u00a0%"


CATEGORY_LABELS = {
    "local": pgettext_lazy("call category", "local"),
    "national": pgettext_lazy("call category", "national"),
    "mobile": pgettext_lazy("call category", "mobile"),
    "international": pgettext_lazy("call category", "international"),
    "premium": pgettext_lazy("call category", "premium"),
    "toll-free": pgettext_lazy("call category", "toll-free"),
    "emergency": pgettext_lazy("call category", "emergency"),
    "internal": pgettext_lazy("call category", "internal"),
    "unknown": pgettext_lazy("call category", "unknown"),
}


@register.filter
def category(value) -> str:
    """A destination category (``rating.models.Category``'s values) in the active
    language: ``mobile`` → ``celular``; another value is shown as it is."""
    return category_label(value)


def category_label(value) -> str:
    label = CATEGORY_LABELS.get(value)
    return str(label) if label is not None else (value or "")


DIRECTION_LABELS = {
    "incoming": pgettext_lazy("call direction", "Incoming"),
    "outgoing": pgettext_lazy("call direction", "Outgoing"),
    "internal": pgettext_lazy("call direction", "Internal"),
}


@register.filter
def direction(value) -> str:
    """A call's direction (``incoming``, ``outgoing``, ``internal``) in the active
    language: ``Entrante``, ``Recebida``; another value is shown as it is."""
    label = DIRECTION_LABELS.get(value)
    return str(label) if label is not None else (value or "")


@register.filter
def weekday_name(value) -> str:
    """0 → Monday ... 6 → Sunday, in the active language."""
    return str(WEEKDAYS.get(int(value), value))
