"""The pages hold under the Content-Security-Policy in a real Chromium: nothing is
refused (no ``securitypolicyviolation`` event, no console error), and what the
policy could have broken still shows (styled charts, the bars, the API docs)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from billing.models import Call
from org.models import Department
from tests.factories import AdminFactory

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
    ]:
        problems = visit(watched, f"{live_server.url}{path}")
        assert problems == [], "\n".join([path, *sorted(set(problems))])

    # What a refused style would have broken: the charts' colours and the share bars.
    visit(watched, f"{live_server.url}/reports/?month={month}")
    bar = watched.locator("figure.chart svg .rect, figure.chart svg rect.rect").first
    assert bar.evaluate("e => getComputedStyle(e).fill") != "rgb(0, 0, 0)"
    share = watched.locator(".bar rect").first
    assert share.evaluate("e => e.getBoundingClientRect().width") > 0


def test_the_admin_and_the_api_docs_hold_under_the_policy(watched, live_server, demo):
    admin = AdminFactory(username="root", password=ADMIN_PASSWORD)
    watched.goto(f"{live_server.url}/admin/login/")
    watched.get_by_label("Username").fill(admin.username)
    watched.get_by_label("Password").fill(ADMIN_PASSWORD)
    watched.get_by_role("button", name="Log in").click()
    watched.wait_for_load_state()
    call = Call.objects.first()
    for path in [
        "/admin/",
        "/admin/billing/call/",
        f"/admin/billing/call/{call.pk}/change/",
        "/admin/org/site/add/",
        "/admin/credit/account/add/",
        "/admin/axes/accessattempt/",
    ]:
        problems = visit(watched, f"{live_server.url}{path}")
        assert problems == [], "\n".join([path, *sorted(set(problems))])

    problems = visit(watched, f"{live_server.url}/api/docs/")
    assert problems == [], "\n".join(sorted(set(problems)))
    expect(watched.locator(".swagger-ui .info .title").first).to_contain_text("Tarificador API")
    expect(watched.locator(".opblock").first).to_be_visible()
