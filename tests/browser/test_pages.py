"""A manager's visit in a real browser: sign in, read the dashboard, drill down from a
department to an extension to its calls, and download the monthly report."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db.models import Sum
from playwright.sync_api import expect

from alerts.models import Alert, AlertCall, AlertRule
from billing.models import Call, MonthlyRollup
from org.models import Department
from org.selectors import departments_visible_to

from .conftest import SCREENSHOTS, sign_in


def month_sums(user, month) -> dict:
    rows = MonthlyRollup.objects.filter(month=month, department_id__in=departments_visible_to(user))
    return rows.aggregate(calls=Sum("calls"), cost=Sum("cost"))


def figure(text: str) -> int:
    return int(text.replace(",", "").strip())


def test_manager_signs_in_through_the_form_and_sees_the_dashboard(page, live_server, demo):
    """Anonymous visitors go to the login form; after it, the dashboard shows the
    manager's figures of this month and the cost chart as inline SVG."""
    sign_in(page, live_server, demo, f"/reports/?month={demo.month_param}")

    assert page.url.startswith(f"{live_server.url}/reports/")
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    manager = get_user_model().objects.get(username=demo.username)
    sums = month_sums(manager, demo.month)
    assert sums["calls"] > 0
    calls_shown = page.locator("[data-kpi=calls] .kpi__value").inner_text()
    assert figure(calls_shown) == sums["calls"]
    chart = page.locator("figure.chart svg").first
    expect(chart).to_be_visible()
    assert chart.locator("rect.rect, path.rect, .bar").count() > 0  # bars drawn
    assert page.locator("script").count() == 0
    # The manager's branch only: another branch's name is nowhere on the page.
    assert "Information Technology" not in page.content()
    expect(page.get_by_role("link", name="Admin", exact=True)).to_have_count(0)


def test_drill_down_from_department_to_extension_to_its_calls(page, live_server, demo):
    """Departments → the Finance row's extensions → one extension → its calls, all of
    them that extension's, in the month."""
    sign_in(page, live_server, demo, f"/reports/?month={demo.month_param}")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Departments").click()
    expect(page.get_by_role("heading", name="Departments", exact=True)).to_be_visible()
    rows = page.locator("table[data-report=departments] tbody tr")
    expect(rows).to_have_count(3)  # Administration, Finance, Human Resources

    page.get_by_role("link", name="Extensions of Finance").click()
    expect(page.get_by_role("heading", name="Extensions of Finance")).to_be_visible()
    first = page.locator("table[data-report=extensions] tbody tr").first
    number = first.get_attribute("data-extension")
    calls_in_row = figure(first.locator("td.num").first.inner_text())
    first.get_by_role("link", name=f"Calls of extension {number}").click()

    expect(page.get_by_role("heading", name="Calls", exact=True)).to_be_visible()
    assert page.get_by_label("Extension").input_value() == number
    shown = page.locator("table[data-report=calls] tbody tr")
    expect(shown).to_have_count(min(calls_in_row, 50))
    extensions = set(shown.locator("td:nth-child(2)").all_inner_texts())
    assert extensions == {number}


def test_department_report_downloads_as_csv_with_the_pages_total(page, live_server, demo):
    """The CSV button downloads the contract file; its total equals the page's."""
    sign_in(page, live_server, demo, f"/reports/departments/?month={demo.month_param}")
    page_total = figure(page.locator("tfoot [data-total=calls]").inner_text())

    with page.expect_download() as download_info:
        page.get_by_role("group", name="Download this report").get_by_role(
            "link", name="CSV", exact=True
        ).click()
    download = download_info.value

    month = demo.month
    assert download.suggested_filename.endswith(".csv")
    assert f"{month:%Y-%m}" in download.suggested_filename
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    total = next(row for row in rows if row["Department"] == "Total")
    assert int(total["Subtotal calls"]) == page_total
    manager = get_user_model().objects.get(username=demo.username)
    assert page_total == month_sums(manager, month)["calls"]
    assert {row["Department"] for row in rows} == {
        "Administration",
        "Finance",
        "Human Resources",
        "Total",
    }


def test_another_departments_page_is_not_found_for_the_manager(page, live_server, demo):
    """Typing another branch's id into the address bar shows "not found"."""
    other = Department.objects.get(code="DEMO-IT")
    sign_in(page, live_server, demo)

    response = page.goto(f"{live_server.url}/reports/extensions/?department={other.pk}")

    assert response.status == 404
    response = page.goto(f"{live_server.url}/reports/calls/?department={other.pk}")
    assert response.status == 404


def test_screenshots_of_the_main_pages(page, live_server, demo):
    """With ``--screenshots``: the dashboard, both reports and the call search, as the
    demo manager sees them, saved into docs/screenshots/ for the user guide."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    sign_in(page, live_server, demo)
    finance = Department.objects.get(code="DEMO-FIN")
    month = demo.month_param
    extension = (
        Call.objects.filter(department=finance, start__gte=demo.now - dt.timedelta(days=62))
        .values_list("extension__number", flat=True)
        .first()
    )
    pages = {
        "dashboard": f"/reports/?month={month}",
        "departments": f"/reports/departments/?month={month}",
        "extensions": f"/reports/extensions/?month={month}&department={finance.pk}",
        "calls": f"/reports/calls/?month={month}&extension={extension}",
    }
    for name, path in pages.items():
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200
        target = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000


def test_manager_acknowledges_an_alert_from_the_dashboards_panel(page, live_server, demo):
    """An emergency call of the manager's branch is on the dashboard's Alerts panel;
    Acknowledge takes it off, and the alert records who did."""
    manager = get_user_model().objects.get(username=demo.username)
    call = Call.objects.filter(department_id__in=departments_visible_to(manager)).first()
    rule = AlertRule.objects.create(name="Security desk", kind="emergency", channels=[])
    alert = Alert.objects.create(
        rule=rule, raised_at=call.start, summary="Emergency number 911 dialled", source=call.source
    )
    AlertCall.objects.create(
        alert=alert, rule=rule, raw_record_id=call.raw_record_id, department_id=call.department_id
    )
    sign_in(page, live_server, demo, f"/reports/?month={demo.month_param}")

    panel = page.locator("[data-alerts-panel]")
    expect(panel.get_by_text("Emergency number 911 dialled")).to_be_visible()
    panel.get_by_role("button", name="Acknowledge").click()
    page.wait_for_load_state()

    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    expect(page.locator("[data-alerts-panel]")).to_have_count(0)
    alert.refresh_from_db()
    assert alert.acknowledged_by == manager
