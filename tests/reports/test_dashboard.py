"""The dashboard's figures (``reports.dashboard``) against sums of the calls themselves,
and its charts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q, Sum

from billing.models import Call
from billing.rollups import rollups_rebuild
from reports.charts import cost_trend_svg
from reports.dashboard import change, dashboard_data, month_shift, percent
from reports.models import Budget

from .conftest import NOVEMBER, OCTOBER, SEPTEMBER, call_make, local, month_call_sums


def test_month_shift_crosses_years_both_ways():
    assert month_shift(dt.date(2026, 1, 1), -1) == dt.date(2025, 12, 1)
    assert month_shift(dt.date(2026, 11, 1), 2) == dt.date(2027, 1, 1)
    assert month_shift(dt.date(2026, 10, 1), -11) == dt.date(2025, 11, 1)


def test_change_and_percent_have_no_value_without_a_base():
    assert change(Decimal("150"), Decimal("100")) == Decimal("50.0")
    assert change(5, 0) is None
    assert percent(1, 3) == Decimal("33.3")
    assert percent(1, 0) is None


def test_this_month_and_the_last_equal_the_calls(org):
    """Calls, answered calls and cost of October and September, for the whole
    organization, straight from the calls."""
    data = dashboard_data(user=org.admin, month=OCTOBER)

    october, september = month_call_sums(OCTOBER), month_call_sums(SEPTEMBER)
    assert (data.current.calls, data.current.answered) == (october["calls"], october["answered"])
    assert data.current.cost == (("ARS", october["cost"]),)
    assert data.previous.month == SEPTEMBER
    assert data.previous.cost == (("ARS", september["cost"]),)
    (cost,) = data.costs
    assert cost.currency == "ARS"
    assert cost.change == change(october["cost"], september["cost"])
    assert data.comparisons["calls"].change == change(october["calls"], september["calls"])


def test_a_manager_sees_only_their_branch(org):
    data = dashboard_data(user=org.finance, month=OCTOBER)

    mine = month_call_sums(OCTOBER, org.ids("FIN", "PAY"))
    assert data.current.calls == mine["calls"]
    assert data.current.cost_in("ARS") == mine["cost"]
    assert {line.label for line in data.top_departments} == {"Finance", "Payroll"}
    assert {line.label for line in data.top_extensions} == {"4002", "4003"}


def test_someone_who_manages_nothing_sees_no_figures(org):
    data = dashboard_data(user=org.nobody, month=OCTOBER)

    assert data.current.calls == 0
    assert not data.top_departments and not data.top_extensions and not data.top_destinations
    assert data.busiest is None
    assert not data.has_calls


def test_the_trend_is_twelve_months_ending_with_the_month(org):
    data = dashboard_data(user=org.admin, month=NOVEMBER)

    assert [figures.month for figures in data.trend] == [
        month_shift(NOVEMBER, offset) for offset in range(-11, 1)
    ]
    by_month = {figures.month: figures for figures in data.trend}
    for month in (SEPTEMBER, OCTOBER, NOVEMBER):
        assert by_month[month].calls == month_call_sums(month)["calls"]
        assert by_month[month].cost_in("ARS") == month_call_sums(month)["cost"]
    assert by_month[dt.date(2026, 1, 1)].calls == 0


def test_top_lists_are_ordered_by_cost(org):
    data = dashboard_data(user=org.admin, month=OCTOBER)

    assert [line.label for line in data.top_departments][:2] == ["Support", "Finance"]
    assert data.top_departments[0].cost == Decimal("100.0000")
    assert [line.label for line in data.top_extensions][:2] == ["4006", "4002"]
    assert all(line.extension_number for line in data.top_extensions)  # no "no extension"
    costs = [line.cost for line in data.top_destinations]
    assert costs == sorted(costs, reverse=True)
    assert "internal" not in {line.detail for line in data.top_destinations}
    # The biggest destination's share of the month's cost.
    total = month_call_sums(OCTOBER)["cost"]
    assert data.top_destinations[0].share == percent(data.top_destinations[0].cost, total)


def test_missed_calls_and_ring_times_are_those_of_incoming_calls(org):
    """Two unanswered incoming calls ringing 20 s and 40 s join October's answered
    one (5 s): 2 missed of 3, 21.7 s of ring on average."""
    for ring in (20, 40):
        call = call_make(
            source=org.source,
            extension=org.extensions["4006"],
            start=local(14, 11),
            cost="0",
            answered=False,
            direction="incoming",
            duration=0,
        )
        Call.objects.filter(pk=call.pk).update(ring_seconds=ring)
    rollups_rebuild([OCTOBER])

    data = dashboard_data(user=org.admin, month=OCTOBER)

    incoming = Call.objects.filter(
        direction="incoming", start__gte=local(1, 0), start__lt=local(1, 0, month=11)
    ).aggregate(
        calls=Count("id"), missed=Count("id", filter=Q(answered=False)), ring=Sum("ring_seconds")
    )
    assert (incoming["calls"], incoming["missed"]) == (3, 2)
    assert data.current.incoming == 3
    assert data.current.missed == 2
    assert data.current.average_ring_seconds == Decimal("21.7")
    assert data.current.missed_percent == Decimal("66.7")


def test_the_heat_map_counts_every_call_at_its_local_hour(org):
    data = dashboard_data(user=org.admin, month=OCTOBER)

    cells = {(row.weekday, cell.hour): cell for row in data.heat_map for cell in row.cells}
    assert len(cells) == 7 * 24
    assert sum(cell.calls for cell in cells.values()) == month_call_sums(OCTOBER)["calls"]
    # 23:30 local on Saturday 31 October (02:30 on Sunday in UTC).
    assert cells[("Saturday", 23)].calls == 1
    assert max(cell.level for cell in cells.values()) == 5
    assert {cell.level for cell in cells.values() if cell.calls == 0} == {0}
    weekday, hour, calls = data.busiest
    assert cells[(weekday, hour)].calls == calls == max(c.calls for c in cells.values())


def test_budgets_appear_for_the_managers_who_see_them(org):
    fin = org.departments["FIN"]
    Budget.objects.create(
        department=fin, amount=Decimal("25.00"), currency="ARS", valid_from=OCTOBER
    )

    finance = dashboard_data(user=org.finance, month=OCTOBER)
    sales = dashboard_data(user=org.sales, month=OCTOBER)

    (status,) = finance.budgets
    spent = month_call_sums(OCTOBER, org.ids("FIN", "PAY"))["cost"]
    assert status.department_id == fin.pk
    assert status.spent.quantize(Decimal("0.0001")) == spent
    assert spent == Decimal("21.2778")  # 85% of 25.00
    assert status.level == "warning"
    assert sales.budgets == ()


def test_the_cost_chart_is_inline_svg_without_script(org):
    data = dashboard_data(user=org.admin, month=OCTOBER)

    svg = cost_trend_svg(data.trend, data.currencies)

    assert svg.startswith("<svg")
    assert "<script" not in svg and "<!--" not in svg
    assert "Oct 26" in svg and "Nov 25" in svg
    assert svg.count('class="rect reactive tooltip-trigger"') == 12
