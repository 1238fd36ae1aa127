"""The credit admin: balances with low ones flagged, top-ups through an action form,
and the ledger and reservations as read-only logs."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from credit.models import Channel, LedgerEntry
from credit.services import call_authorize, call_settle
from tests.factories import AdminFactory, UserFactory

from .conftest import LOCAL, AccountFactory

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:credit_account_changelist")


@pytest.fixture
def browser(db):
    client = Client()
    client.force_login(AdminFactory(username="cashier"))
    return client


@pytest.fixture
def rich(account):
    """A second account, well above the low-balance threshold (10.00)."""
    rich = AccountFactory(
        code="2002", holder="Call shop", site=account.site, rate_plan=account.rate_plan
    )
    from credit.services import account_top_up

    account_top_up(account_id=rich.pk, amount=Decimal("500"))
    return rich


def test_top_up_action_asks_for_the_amount_then_writes_the_ledger(browser, account):
    selected = {"action": "top_up", "_selected_action": [account.pk]}

    form = browser.post(CHANGELIST, selected)
    done = browser.post(CHANGELIST, {**selected, "apply": "1", "amount": "25.50", "note": "cash"})

    assert form.status_code == 200
    assert b'name="amount"' in form.content and b"1001" in form.content
    assert done.status_code == 302
    entry = account.ledger.latest("id")
    assert (entry.kind, entry.amount, entry.channel, entry.note) == (
        LedgerEntry.Kind.TOP_UP,
        Decimal("25.5000"),
        Channel.WEB,
        "cash",
    )
    assert entry.created_by.username == "cashier"
    account.refresh_from_db()
    assert account.balance == Decimal("35.5000")


def test_a_negative_top_up_is_refused_with_the_reason(browser, account):
    response = browser.post(
        CHANGELIST,
        {"action": "top_up", "_selected_action": [account.pk], "apply": "1", "amount": "-5"},
        follow=True,
    )

    assert b"must be a positive amount" in response.content
    assert account.ledger.count() == 1  # the opening top-up only


def test_low_balances_are_flagged_and_filtered(browser, account, rich):
    everything = browser.get(CHANGELIST)

    assert b"1 active account is under the low-balance threshold of 10.00" not in everything.content
    assert b"(low)" not in everything.content  # 10.00 is not under 10.00
    call_authorize(account_code="1001", number=LOCAL, call_id="c1")
    call_settle(call_id="c1", billsec=30, channel=Channel.AGI)  # 4.00 left
    flagged = browser.get(CHANGELIST)
    low_only = browser.get(CHANGELIST, {"low": "yes"})
    assert b"1 active account is under the low-balance threshold of 10.00" in flagged.content
    assert b"4.00 ARS (low)" in flagged.content
    assert [a.code for a in low_only.context["cl"].result_list] == ["1001"]


def test_top_up_needs_its_permission(account):
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=["view_account"]))
    client = Client()
    client.force_login(clerk)

    page = client.get(CHANGELIST)

    assert page.status_code == 200
    assert b'value="top_up"' not in page.content
    clerk.user_permissions.add(Permission.objects.get(codename="top_up_account"))
    client.force_login(UserFactory._meta.model.objects.get(pk=clerk.pk))
    assert b'value="top_up"' in client.get(CHANGELIST).content


def test_the_ledger_and_reservations_are_read_only(browser, account):
    call_authorize(account_code="1001", number=LOCAL, call_id="c1")

    ledger = browser.get(reverse("admin:credit_ledgerentry_changelist"))
    reservations = browser.get(reverse("admin:credit_reservation_changelist"))
    entry = account.ledger.get()

    assert ledger.status_code == reservations.status_code == 200
    assert b"live calls: 1" in reservations.content
    assert browser.get(reverse("admin:credit_ledgerentry_add")).status_code == 403
    assert (
        browser.post(
            reverse("admin:credit_ledgerentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


def test_the_account_page_names_the_numbering_plan_that_reads_its_numbers(browser, account):
    homeless = AccountFactory(code="3003", site=None, rate_plan=account.rate_plan)

    with_site = browser.get(reverse("admin:credit_account_change", args=[account.pk]))
    without = browser.get(reverse("admin:credit_account_change", args=[homeless.pk]))

    assert with_site.status_code == without.status_code == 200
    assert "Numbering plan" in without.text
    assert f"site {account.site} (+54)" in with_site.text
    assert "TARIFICADOR_COUNTRY = AR (+54), as no site is set" in without.text
