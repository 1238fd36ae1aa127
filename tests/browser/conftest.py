"""Browser tests: the pages in a real headless Chromium (Debian's ``chromium``) driven
by Playwright's sync API against pytest-django's live server.

Playwright runs an event loop in the test's thread, and Django refuses ORM calls
from a thread with a running loop unless told they are safe: here they are (the test
thread only prepares data between browser steps), hence ``DJANGO_ALLOW_ASYNC_UNSAFE``
during these tests. Playwright's loop lives until the end of the run, so the root
conftest runs these tests last: tests that call ``asyncio.run`` come before.

``pytest tests/browser --screenshots`` (``make screenshots``) also saves the main
pages into ``docs/screenshots/``.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from billing.demo import MANAGER, demo_seed
from org.models import Department
from reports.budgets import subtree_spent
from reports.models import Budget
from tests.conftest import service_unavailable

CHROMIUM = os.environ.get("TARIFICADOR_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
MANAGER_PASSWORD = "a manager's password 2026"


def pytest_addoption(parser):
    parser.addoption(
        "--screenshots",
        action="store_true",
        default=False,
        help="Save screenshots of the main pages into docs/screenshots/.",
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: runs in a real headless Chromium")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
    if not config.getoption("--screenshots"):
        # Taking screenshots writes into docs/: only when asked (make screenshots).
        config.hook.pytest_deselected(items=[i for i in items if "screenshots" in i.name])
        items[:] = [item for item in items if "screenshots" not in item.name]


@pytest.fixture(scope="session", autouse=True)
def _orm_beside_playwright():
    """Allow the ORM in a thread where Playwright runs its loop, from the first browser
    test on (they run last): set for the whole run it would also reach the subprocesses
    of earlier tests, such as ``check --deploy``."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, headless: ``playwright install`` is never needed."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        service_unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "locale": "en-US"}


@dataclass
class Demo:
    """The demo organization with a manager who signs in with ``password``."""

    username: str
    password: str
    now: dt.datetime
    month: dt.date  # last month: whole, with calls whatever day the tests run

    @property
    def month_param(self) -> str:
        return f"{self.month:%Y-%m}"


@pytest.fixture
def demo(transactional_db, live_server) -> Demo:
    """The demo organization (``make run``'s), calls up to now, and a budget for the
    manager's branch so that the dashboard shows one."""
    now = timezone.now()
    demo_seed(calls=4000, now=now, manager_password=MANAGER_PASSWORD)
    department = Department.objects.get(code=MANAGER[1])
    this_month = timezone.localdate().replace(day=1)
    spent = subtree_spent(month=this_month).get((department.pk, "ARS"), Decimal(0))
    Budget.objects.create(  # about 85% spent: the dashboard shows a warning
        department=department,
        amount=max(Decimal(100), (spent / Decimal("0.85")).quantize(Decimal(1))),
        currency="ARS",
        valid_from=(this_month - dt.timedelta(days=400)).replace(day=1),
    )
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    return Demo(username=MANAGER[0], password=MANAGER_PASSWORD, now=now, month=last_month)


def sign_in(page, live_server, demo: Demo, path: str = "/"):
    """Sign in through the login form, landing on ``path``."""
    page.goto(f"{live_server.url}{path}")
    page.get_by_label("User name").fill(demo.username)
    page.get_by_label("Password").fill(demo.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
