"""Formats for the report pages: money with its currency, durations, changes."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from django import template

register = template.Library()

CENT = Decimal("0.01")


@register.filter
def money(amount, currency: str = "") -> str:
    """``Decimal("1234.5")|money:"ARS"`` → ``1,234.50 ARS`` (a dash for no amount)."""
    if amount is None or amount == "":
        return "—"
    text = f"{Decimal(amount).quantize(CENT, rounding=ROUND_HALF_EVEN):,.2f}"
    return f"{text}\u00a0{currency}" if currency else text


@register.filter
def duration(seconds) -> str:
    """Seconds as ``h:mm:ss`` (``m:ss`` under an hour)."""
    if seconds is None or seconds == "":
        return "—"
    hours, rest = divmod(int(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours:,}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


@register.filter
def signed(value, unit: str = "%") -> str:
    """A change with its sign (a true minus sign when it falls): ``+12.5 %``; a dash
    when there is none."""
    if value is None:
        return "—"
    value = Decimal(value)
    sign = "+" if value > 0 else ("\u2212" if value < 0 else "±")
    return f"{sign}{abs(value):,}\u00a0{unit}".rstrip()


@register.filter
def number(value) -> str:
    """An integer with thousands separators."""
    if value is None or value == "":
        return "—"
    return f"{int(value):,}"
