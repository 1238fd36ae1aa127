"""The dashboard compares like with like: a month in progress against the same days
of the month before (with the whole month before shown as such), costs coloured by
what their change means, the calls chart on an axis from zero, and a banner when a
source is not sending.

Dates are fixed by passing ``today`` to ``dashboard_data``; the page tests work in
the real current month, whatever day it is.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billing.rollups import rollups_rebuild
from reports.charts import calls_trend_svg
from reports.dashboard import MonthFigures, dashboard_data, month_shift, same_days_through
from tests.factories import AdminFactory, ExtensionFactory, SiteFactory, SourceFactory, UserFactory

from .conftest import call_make

CORDOBA = ZoneInfo("America/Argentina/Cordoba")


@pytest.fixture
def shop(db):
    site = SiteFactory(slug="shop", time_zone="America/Argentina/Cordoba")
    source = SourceFactory(site=site, slug="shop-pbx", name="Shop PBX")
    extension = ExtensionFactory(site=site, number="100")
    return source, extension, AdminFactory(username="admin")


def _calls(source, extension, *days_costs: tuple[dt.date, str, int]) -> None:
    """A call of ``cost`` at ``hour`` local time on each day."""
    for day, cost, hour in days_costs:
        call_make(
            source=source,
            extension=extension,
            start=dt.datetime.combine(day, dt.time(hour), CORDOBA),
            cost=cost,
        )
    months = {month_shift(day.replace(day=1), 0) for day, _, _ in days_costs}
    rollups_rebuild(sorted(months))


def test_the_3rd_of_a_month_is_compared_with_days_1_to_3_of_the_last(shop):
    """On 3 December: 1 to 3 December (2 calls, 30.00) against 1 to 3 November (2
    calls, 20.00, the 3rd at 23:00 local included), not against all of November (4
    calls, 120.00): cost +50 %, not -75 %."""
    source, extension, admin = shop
    _calls(
        source,
        extension,
        (dt.date(2026, 11, 1), "5", 9),
        (dt.date(2026, 11, 3), "15", 23),
        (dt.date(2026, 11, 4), "40", 9),
        (dt.date(2026, 11, 20), "60", 9),
        (dt.date(2026, 12, 1), "10", 9),
        (dt.date(2026, 12, 3), "20", 8),
    )

    data = dashboard_data(user=admin, month=dt.date(2026, 12, 1), today=dt.date(2026, 12, 3))

    assert data.to_date
    assert (data.current.through, data.previous.through) == (
        dt.date(2026, 12, 3),
        dt.date(2026, 11, 3),
    )
    assert (data.current.calls, data.previous.calls, data.previous_full.calls) == (2, 2, 4)
    assert data.previous_full.through is None
    (cost,) = data.costs
    assert (cost.current, cost.previous, cost.previous_whole) == (
        Decimal("30.0000"),
        Decimal("20.0000"),
        Decimal("120.0000"),
    )
    assert cost.change == Decimal("50.0")
    assert data.comparisons["calls"].change == Decimal("0.0")
    assert data.comparisons["calls"].previous_whole == 4


def test_31_march_is_compared_with_all_28_days_of_february(shop):
    source, extension, admin = shop
    _calls(
        source,
        extension,
        (dt.date(2026, 2, 1), "1", 9),
        (dt.date(2026, 2, 28), "2", 22),
        (dt.date(2026, 3, 30), "4", 9),
        (dt.date(2026, 3, 31), "8", 9),
    )

    data = dashboard_data(user=admin, month=dt.date(2026, 3, 1), today=dt.date(2026, 3, 31))

    assert data.previous.through == dt.date(2026, 2, 28)
    assert data.previous.calls == data.previous_full.calls == 2
    assert data.costs[0].previous == Decimal("3.0000")
    assert data.costs[0].change == Decimal("300.0")
    assert same_days_through(dt.date(2026, 2, 1), 30) == dt.date(2026, 2, 28)
    assert same_days_through(dt.date(2028, 2, 1), 31) == dt.date(2028, 2, 29)  # leap year
    assert same_days_through(dt.date(2026, 4, 1), 31) == dt.date(2026, 4, 30)


def test_the_first_of_a_month_is_compared_with_the_first_of_the_last(shop):
    source, extension, admin = shop
    _calls(
        source,
        extension,
        (dt.date(2026, 11, 1), "7", 23),
        (dt.date(2026, 11, 2), "50", 0),
        (dt.date(2026, 12, 1), "14", 9),
    )

    data = dashboard_data(user=admin, month=dt.date(2026, 12, 1), today=dt.date(2026, 12, 1))

    assert data.previous.through == dt.date(2026, 11, 1)
    assert (data.current.calls, data.previous.calls, data.previous_full.calls) == (1, 1, 2)
    assert data.costs[0].change == Decimal("100.0")


def test_after_mid_month_the_same_days_are_the_month_less_the_days_after(shop):
    """On 20 December: 1-20 November is read as all of November less 21-30 November;
    the 20th at 23:00 is in, the 21st at 00:30 out."""
    source, extension, admin = shop
    _calls(
        source,
        extension,
        (dt.date(2026, 11, 2), "1", 9),
        (dt.date(2026, 11, 20), "2", 23),
        (dt.date(2026, 11, 21), "4", 0),
        (dt.date(2026, 11, 30), "8", 12),
        (dt.date(2026, 12, 5), "3", 9),
    )

    data = dashboard_data(user=admin, month=dt.date(2026, 12, 1), today=dt.date(2026, 12, 20))

    assert data.previous.through == dt.date(2026, 11, 20)
    assert (data.previous.calls, data.previous.answered) == (2, 2)
    assert data.costs[0].previous == Decimal("3.0000")
    assert data.costs[0].previous_whole == Decimal("15.0000")
    assert data.costs[0].change == Decimal("0.0")


def test_both_ways_of_reading_the_same_days_agree_on_every_day(shop):
    """Whichever way ``_same_days`` reads them, days 1 to N of November (and all of
    it from the 30th on) are the sum of those days' calls, for N from 1 to 31."""
    from reports.dashboard import _days_figures, _same_days, _trend

    source, extension, _admin = shop
    days = [(dt.date(2026, 11, day), str(day), 9 + day % 12) for day in range(1, 31)]
    _calls(source, extension, *days)
    whole = _trend(dt.date(2026, 11, 1), None, {source.site_id: "ARS"})[-1]

    for day in range(1, 32):
        same = _same_days(whole, day, None, {source.site_id: "ARS"})
        through = dt.date(2026, 11, min(day, 30))
        direct = _days_figures(dt.date(2026, 11, 1), through, None, {source.site_id: "ARS"})
        assert same == direct, day
        assert same.calls == min(day, 30)
        assert same.cost_in("ARS") == Decimal(sum(range(1, min(day, 30) + 1)))


def test_a_past_month_is_compared_with_the_whole_month_before(shop):
    source, extension, admin = shop
    _calls(source, extension, (dt.date(2026, 11, 20), "10", 9), (dt.date(2026, 12, 2), "5", 9))

    data = dashboard_data(user=admin, month=dt.date(2026, 12, 1), today=dt.date(2027, 1, 3))

    assert not data.to_date
    assert data.current.through is None and data.previous == data.previous_full
    assert data.costs[0].change == Decimal("-50.0")


def _page(user, **params) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("reports:dashboard"), params)
    assert response.status_code == 200
    return unescape(response.content.decode())


def test_the_page_labels_the_days_compared_and_the_whole_month_before(shop):
    """This month so far against the same days of the last, and all of last month
    labelled as such; a cost that rose is marked bad (red)."""
    source, extension, admin = shop
    today = timezone.localdate()
    last_month = month_shift(today.replace(day=1), -1)
    _calls(source, extension, (last_month, "1", 12), (today.replace(day=1), "3", 0))

    page = _page(admin)

    through = same_days_through(last_month, today.day).day
    before = "day 1" if through == 1 else f"days 1\u2013{through}"
    assert f"{before} of {last_month:%B %Y}" in page
    assert "(so far)" in page
    assert f"All of {last_month:%B}: 1.00" in page
    kpi = re.search(r'data-kpi="cost">.*?</div>', page, re.DOTALL).group(0)
    assert 'class="change change--up"' in kpi  # up is bad: red
    assert "+200" in kpi


def test_a_past_month_page_has_no_so_far_and_a_fall_in_cost_is_good(shop):
    source, extension, admin = shop
    _calls(source, extension, (dt.date(2026, 9, 20), "10", 9), (dt.date(2026, 10, 2), "5", 9))

    page = _page(admin, month="2026-10")

    assert "October 2026 compared with September 2026" in page
    assert "so far" not in page and "All of" not in page
    kpi = re.search(r'data-kpi="cost">.*?</div>', page, re.DOTALL).group(0)
    assert 'class="change change--down"' in kpi  # down is good: green


def test_a_silent_source_puts_a_banner_on_this_months_dashboard(shop):
    """Administrators get a link to capture health; managers are told where it is; a
    past month has no banner (sources are judged now)."""
    source, _extension, admin = shop
    source.last_seen_at = timezone.now() - dt.timedelta(days=3)
    source.save(update_fields=["last_seen_at"])
    manager = UserFactory(username="manager")

    admin_page = _page(admin)
    manager_page = _page(manager)
    past_page = _page(admin, month="2020-01")

    assert 'data-alarming-sources="1"' in admin_page
    assert "A source is not sending calls" in admin_page
    assert "Shop PBX" in admin_page and "silent" in admin_page
    assert reverse("admin:capture_source_changelist") in admin_page
    assert 'data-alarming-sources="1"' in manager_page
    assert reverse("admin:capture_source_changelist") not in manager_page
    assert "An administrator can see why in capture health." in manager_page
    assert "data-alarming-sources" not in past_page


def test_a_healthy_source_puts_no_banner(shop):
    source, _extension, admin = shop
    source.last_seen_at = timezone.now()
    source.save(update_fields=["last_seen_at"])

    assert "data-alarming-sources" not in _page(admin)


def test_the_calls_chart_axis_starts_at_zero():
    """100 to 120 calls a month: the lowest label of the calls axis is 0."""
    trend = [
        MonthFigures(month=month_shift(dt.date(2026, 1, 1), index), calls=100 + index, answered=90)
        for index in range(12)
    ]

    svg = calls_trend_svg(trend)

    axis = re.search(r'<g class="axis y[^"]*">(.*?)</g>\s*</g>', svg, re.DOTALL).group(1)
    labels = [int(label.replace(",", "")) for label in re.findall(r">([\d,]+)</text>", axis)]
    assert min(labels) == 0


def test_this_months_page_reads_a_handful_of_queries(shop, django_assert_max_num_queries):
    """The month to date adds at most one query of daily rollups and one of the
    sources to the past month's page (16, the reader's saved language, and the Alerts
    panel's unacknowledged alerts)."""
    source, extension, admin = shop
    today = timezone.localdate()
    _calls(source, extension, (today.replace(day=1), "1", 12))
    client = Client()
    client.force_login(admin)

    with django_assert_max_num_queries(20):
        response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 200
