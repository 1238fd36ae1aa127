"""Charts drawn on the server as inline SVG with pygal: no JavaScript, nothing fetched.

pygal writes a small ``<script>`` holding its configuration into every chart even with
``js=[]`` (it is only read by pygal's optional tooltip script); it is removed here,
so the pages carry no script at all and work under a strict Content-Security-Policy.
Under that policy the chart's ``<style>`` (its selectors name the chart's random id)
applies only with the request's nonce, and its one ``style`` attribute (the hidden
tooltip's opacity) becomes the SVG attribute ``opacity``, which no policy refuses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

import pygal
from django.utils.dateformat import format as date_text
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from pygal.style import Style

from .dashboard import MonthFigures
from .templatetags.report_format import grouped

SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
STYLE_ELEMENT = re.compile(r"<style\b")
STYLE_ATTRIBUTE = re.compile(r'style="opacity: ?([0-9.]+)"')
COLOURS = ("#1f6f8b", "#e07a1f", "#5b8c3a", "#8b3a62", "#4b5fa8")

STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#2b3440",
    foreground_strong="#1b222b",
    foreground_subtle="#d6dde5",
    opacity=".85",
    opacity_hover="1",
    colors=COLOURS,
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    value_font_size=12,
    legend_font_size=13,
    title_font_size=15,
)


def _svg(chart, nonce: str) -> SafeString:
    svg = COMMENT.sub("", SCRIPT.sub("", chart.render(is_unicode=True)))
    svg = STYLE_ELEMENT.sub(f'<style nonce="{escape(nonce)}"', svg)
    svg = STYLE_ATTRIBUTE.sub(r'opacity="\1"', svg)
    # Trusted: pygal escapes every label and value it writes into the SVG.
    return mark_safe(svg)  # noqa: S308


def _month_label(month) -> str:
    """``Dec 26`` in English, ``dic 26`` in Spanish: the axis's short month names."""
    return date_text(month, "b y").capitalize() if month else ""


def cost_trend_svg(
    trend: Sequence[MonthFigures], currencies: Sequence[str], *, nonce: str = ""
) -> SafeString:
    """Bars of the cost per month (one series per currency), oldest month first;
    ``nonce``: the request's CSP nonce, for the chart's CSS."""
    chart = pygal.Bar(
        js=[],
        style=STYLE,
        disable_xml_declaration=True,
        explicit_size=False,
        width=860,
        height=300,
        show_legend=len(currencies) > 1,
        legend_at_bottom=True,
        show_y_guides=True,
        margin=8,
        spacing=8,
        rounded_bars=2,
        print_values=False,
        x_label_rotation=0,
        truncate_label=-1,
        value_formatter=lambda value: grouped(Decimal(value or 0).quantize(Decimal("0.01")), 2),
        no_data_text=_("No calls"),
    )
    chart.x_labels = [_month_label(figures.month) for figures in trend]
    for currency in currencies or ("",):
        chart.add(
            currency or _("Cost"),
            [float(figures.cost_in(currency)) for figures in trend],
        )
    return _svg(chart, nonce)


def _line_chart(height: int, value_formatter) -> pygal.Line:
    """A line chart in the site's style, its axis from zero (90 and 100 calls are not
    1 to 10), with no script (the Content-Security-Policy)."""
    return pygal.Line(
        js=[],
        style=STYLE,
        disable_xml_declaration=True,
        explicit_size=False,
        width=860,
        height=height,
        legend_at_bottom=True,
        margin=8,
        dots_size=3,
        fill=False,
        include_x_axis=True,
        value_formatter=value_formatter,
        no_data_text=_("No calls"),
    )


def calls_trend_svg(trend: Sequence[MonthFigures], *, nonce: str = "") -> SafeString:
    """Lines of calls and answered calls per month, on an axis from zero; ``nonce`` as
    for the cost chart."""
    chart = _line_chart(260, lambda value: grouped(int(value or 0)))
    chart.x_labels = [_month_label(figures.month) for figures in trend]
    chart.add(_("Calls"), [figures.calls for figures in trend])
    chart.add(_("Answered"), [figures.answered for figures in trend])
    return _svg(chart, nonce)


def trunk_day_svg(hours: Sequence, lines: int | None, *, nonce: str = "") -> SafeString:
    """The busiest day of a trunk hour by hour: the most calls at once and the traffic
    in Erlangs, with the trunk's lines as a flat line when known; ``hours`` are
    ``reports.traffic.HourTraffic`` of one local day."""
    chart = _line_chart(
        280, lambda value: grouped(Decimal(value or 0).quantize(Decimal("0.01")), 2)
    )
    chart.x_labels = [f"{hour.start:%H}" for hour in hours]
    chart.add(_("Most calls at once"), [hour.peak for hour in hours])
    chart.add(_("Traffic (Erlangs)"), [round(hour.erlangs, 2) for hour in hours])
    if lines:
        chart.add(
            _("Lines"),
            [lines for _hour in hours],
            show_dots=False,
            stroke_style={"dasharray": "6, 4"},
        )
    return _svg(chart, nonce)
