"""The pages hold under the Content-Security-Policy in a real Chromium: nothing is
refused (no ``securitypolicyviolation`` event, no console error), and what the
policy could have broken still shows (styled charts, the bars, the API docs)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule
from playwright.sync_api import expect

from billing.models import Call
from capture.models import CaptureState, Transport
from capture.services import IncomingRecord, raw_records_store
from credit.models import Account
from org.models import Department, Extension
from rating.models import RatePlan
from reports.budgets import level_for, subtree_spent
from reports.models import Budget, BudgetLevel
from tests.factories import AdminFactory, SourceFactory

from .conftest import sign_in

WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"}: ${event.sample}`
  );
});
"""
ADMIN_PASSWORD = "an administrator's password 2026"


@pytest.fixture
def watched(page):
    """The page, recording CSP violations and console errors of every document."""
    problems: list[str] = []
    page.add_init_script(WATCH_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text[:160]}")
            if message.type in ("error", "warning")
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.problems = problems
    return page


def visit(page, url) -> list[str]:
    """Open ``url``, wait for it to settle, and return what the policy refused."""
    response = page.goto(url)
    assert response.status == 200, url
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__violations") + page.problems


def test_the_report_pages_hold_under_the_policy(watched, live_server, demo):
    sign_in(watched, live_server, demo)
    finance = Department.objects.get(code="DEMO-FIN")
    month = demo.month_param
    for path in [
        f"/reports/?month={month}",
        f"/reports/departments/?month={month}",
        f"/reports/extensions/?month={month}&department={finance.pk}",
        f"/reports/calls/?month={month}",
        f"/reports/top/?month={month}&report=expensive",
        f"/reports/top/?month={month}&report=missed",
    ]:
        problems = visit(watched, f"{live_server.url}{path}")
        assert problems == [], "\n".join([path, *sorted(set(problems))])

    # What a refused style would have broken: the charts' colours and the share bars.
    visit(watched, f"{live_server.url}/reports/?month={month}")
    bar = watched.locator("figure.chart svg .rect, figure.chart svg rect.rect").first
    assert bar.evaluate("e => getComputedStyle(e).fill") != "rgb(0, 0, 0)"
    share = watched.locator(".bar rect").first
    assert share.evaluate("e => e.getBoundingClientRect().width") > 0


def test_my_calls_marks_a_call_under_the_policy(watched, live_server, demo):
    """The header links "My calls" for a holder; marking a call personal is a plain
    form post that the policy lets through, and the page then shows it marked."""
    manager = get_user_model().objects.get(username=demo.username)
    extension = Extension.objects.filter(calls__isnull=False).order_by("number").first()
    extension.user = manager
    extension.save()
    sign_in(watched, live_server, demo)
    watched.get_by_role("link", name="My calls").click()
    watched.wait_for_load_state("networkidle")
    problems = visit(watched, f"{live_server.url}/reports/mine/?month={demo.month_param}")
    assert problems == [], "\n".join(sorted(set(problems)))
    form = watched.locator("form.mark-form").first
    form.get_by_label("Note (optional)").fill("dentist")
    form.get_by_role("button", name="Mark personal").click()
    watched.wait_for_load_state("networkidle")
    expect(watched.locator("[data-message=success]")).to_contain_text("marked personal")
    expect(watched.locator("tr[data-personal]").first).to_contain_text("dentist")
    assert watched.evaluate("window.__violations") + watched.problems == []
    assert Call.objects.filter(extension=extension, personal=True, personal_note="dentist")


def admin_sign_in(page, live_server):
    admin = AdminFactory(username="root", password=ADMIN_PASSWORD)
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill(admin.username)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def colour(locator) -> str:
    """The computed text colour of the first element ``locator`` finds."""
    return locator.first.evaluate("e => getComputedStyle(e).color")


def test_the_admin_and_the_api_docs_hold_under_the_policy(watched, live_server, demo):
    admin_sign_in(watched, live_server)
    crontab = CrontabSchedule.objects.create(minute="0", hour="6", day_of_month="1")
    call = Call.objects.first()
    for path in [
        "/admin/",
        "/admin/billing/call/",
        f"/admin/billing/call/{call.pk}/change/",
        "/admin/org/site/add/",
        "/admin/credit/account/add/",
        "/admin/axes/accessattempt/",
        "/admin/django_celery_beat/periodictask/add/",
    ]:
        problems = visit(watched, f"{live_server.url}{path}")
        assert problems == [], "\n".join([path, *sorted(set(problems))])
    # django-celery-beat's script, served from here, still puts the crontab in words.
    watched.locator("#id_crontab").select_option(str(crontab.pk))
    expect(watched.locator(".field-crontab .help")).to_contain_text(
        f"Translation: {crontab.human_readable}"
    )

    problems = visit(watched, f"{live_server.url}/api/docs/")
    assert problems == [], "\n".join(sorted(set(problems)))
    expect(watched.locator(".swagger-ui .info .title").first).to_contain_text("Tarificador API")
    expect(watched.locator(".opblock").first).to_be_visible()


RED = "rgb(207, 34, 46)"  # #cf222e: a source failed, a gap in its records
GREEN = "rgb(26, 127, 55)"  # #1a7f37: connected
GREY = "rgb(87, 96, 106)"  # #57606a: idle
LOW = "rgb(176, 0, 32)"  # #b00020: a low balance, an exceeded budget
WARNING = "rgb(161, 92, 0)"  # #a15c00: a budget nearly spent


def test_the_admin_warnings_keep_their_colours_under_the_policy(watched, live_server, demo):
    """The health dots, the gap warning, the low balance and the budget ratio are
    coloured by classes of a stylesheet: a style attribute would be refused."""
    SourceFactory(
        name="Broken PBX",
        transport=Transport.TCP_CLIENT,
        capture_state=CaptureState.ERROR,
        capture_error="refused",
    )
    SourceFactory(name="Quiet PBX", transport=Transport.TCP_CLIENT, enabled=False)
    SourceFactory(
        name="Live PBX", transport=Transport.TCP_CLIENT, capture_state=CaptureState.CAPTURING
    )
    SourceFactory(
        name="Hushed PBX",
        transport=Transport.TCP_CLIENT,
        capture_state=CaptureState.CAPTURING,
        last_seen_at=timezone.now() - dt.timedelta(days=2),
    )
    gappy = SourceFactory(name="Gappy agent")
    raw_records_store(
        source=gappy,
        records=[
            IncomingRecord(
                seq=seq, received_at=timezone.now() - dt.timedelta(seconds=5), line=f"r{seq}"
            )
            for seq in [1, 2, 3, 7]
        ],
    )
    plan = RatePlan.objects.first()
    Account.objects.create(code="7001", holder="Empty booth", rate_plan=plan)
    Account.objects.create(code="7002", holder="Full booth", rate_plan=plan, balance=Decimal(500))
    # The demo's budget, half of what its department spent this month: exceeded (or,
    # on a month's first minutes without calls yet, within bounds).
    budget = Budget.objects.get()
    spent = subtree_spent(month=timezone.localdate().replace(day=1)).get(
        (budget.department_id, budget.currency), Decimal(0)
    )
    budget.amount = max(spent / 2, Decimal(1))
    budget.save()
    budget_colour = {None: GREEN, BudgetLevel.WARNING: WARNING, BudgetLevel.EXCEEDED: LOW}
    admin_sign_in(watched, live_server)

    for path in ["/admin/capture/source/", "/admin/credit/account/", "/admin/reports/budget/"]:
        problems = visit(watched, f"{live_server.url}{path}")
        assert problems == [], "\n".join([path, *sorted(set(problems))])
        if path == "/admin/capture/source/":
            rows = watched.locator("#result_list tbody tr")
            gap = rows.filter(has_text="Gappy agent").get_by_text("3 missing: 4..6")
            assert colour(gap) == RED
            assert colour(rows.filter(has_text="Broken PBX").get_by_text("Error")) == RED
            assert colour(rows.filter(has_text="Quiet PBX").get_by_text("Disabled")) == GREY
            assert colour(rows.filter(has_text="Live PBX").get_by_text("Capturing")) == GREEN
            assert colour(rows.filter(has_text="Hushed PBX").get_by_text("Silent")) == RED
        elif path == "/admin/credit/account/":
            rows = watched.locator("#result_list tbody tr")
            low = rows.filter(has_text="Empty booth").get_by_text("(low)")
            assert colour(low) == LOW
            assert rows.filter(has_text="Full booth").get_by_text("(low)").count() == 0
        else:
            ratio = watched.locator("#result_list td.field-ratio_this_month strong")
            assert colour(ratio) == budget_colour[level_for(spent, budget.amount)]


def test_the_browsable_api_holds_under_the_policy(watched, live_server, demo):
    admin_sign_in(watched, live_server)

    problems = visit(watched, f"{live_server.url}/api/v1/calls/")

    assert problems == [], "\n".join(sorted(set(problems)))
    # What the refused bits styled: Pygments' sheet applies, the buttons float right.
    expect(watched.locator(".response-info pre")).to_contain_text('"results"')
    highlighting = watched.locator("head style").evaluate("e => e.sheet.cssRules.length")
    assert highlighting > 0
    filters = watched.get_by_role("button", name="Filters")
    assert filters.evaluate("e => getComputedStyle(e).float") == "right"
    assert filters.evaluate("e => getComputedStyle(e).marginRight") == "10px"


def test_picking_a_transport_on_a_new_source_shows_its_settings(watched, live_server, demo):
    """The Source form's script (no inline script: the policy would refuse it) reloads
    the form with the typed settings of the transport and family picked."""
    admin_sign_in(watched, live_server)
    assert visit(watched, f"{live_server.url}/admin/capture/source/add/") == []
    watched.fill("#id_slug", "second-pbx")
    with watched.expect_navigation():
        watched.select_option("#id_family", "mitel-5000")
    with watched.expect_navigation():
        watched.select_option("#id_transport", "tcp-client")

    expect(watched.locator("#id_setting_port")).to_be_visible()
    expect(watched.locator("#id_setting_host")).to_be_visible()
    expect(watched.locator("#id_slug")).to_have_value("second-pbx")
    with watched.expect_navigation():
        watched.select_option("#id_transport", "serial")
    expect(watched.locator("#id_setting_device")).to_be_visible()
    expect(watched.locator("#id_setting_host")).to_have_count(0)
    assert watched.evaluate("window.__violations") + watched.problems == []
