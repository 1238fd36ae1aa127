"""Money beyond what an account's columns hold is refused with the numbers, not a 500.

Two top-ups of 9,999,999,999.9999 (the most one amount may be) made the second a 500;
on SQLite the balance of 19,999,999,999.9998 was stored past the column's 14 digits
and every later ``GET /api/v1/credit/accounts/`` answered 500.
"""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.text import capfirst

from credit.models import Account, LedgerEntry
from tests.factories import AdminFactory

from .conftest import AccountFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/credit"
MOST = "9999999999.9999"


def test_a_top_up_past_the_balance_column_is_refused_naming_amount(account, admin_client):
    first = admin_client.post(
        f"{BASE}/accounts/{account.pk}/topups/", {"amount": MOST}, format="json"
    )
    assert first.status_code == 400  # 10.00 + the most: past the column already
    assert first.json() == {
        "amount": [
            "the balance would be 10,000,000,009.9999, more than the 9,999,999,999.9999 an "
            "account can hold"
        ]
    }

    fits = "9999999989.9999"
    assert (
        admin_client.post(
            f"{BASE}/accounts/{account.pk}/topups/", {"amount": fits}, format="json"
        ).status_code
        == 201
    )
    again = admin_client.post(
        f"{BASE}/accounts/{account.pk}/topups/", {"amount": MOST}, format="json"
    )

    assert again.status_code == 400
    assert again.json()["amount"] == [
        "the balance would be 19,999,999,999.9998, more than the 9,999,999,999.9999 an "
        "account can hold"
    ]
    account.refresh_from_db()
    assert account.balance == Decimal(MOST)
    assert LedgerEntry.objects.filter(account=account).count() == 2  # opening + the one


def test_an_adjustment_below_the_column_is_refused_and_the_list_still_reads(account, admin_client):
    url = f"{BASE}/accounts/{account.pk}/adjustments/"
    down = {"amount": "-" + MOST, "note": "write-off"}
    assert admin_client.post(url, down, format="json").status_code == 201

    refused = admin_client.post(url, down, format="json")

    assert refused.status_code == 400
    assert refused.json()["amount"] == [
        "the balance would be -19,999,999,989.9998, less than the -9,999,999,999.9999 an "
        "account can hold"
    ]
    assert admin_client.get(f"{BASE}/accounts/").status_code == 200


def test_the_largest_balance_and_credit_limit_are_listed(plan, site, admin_client):
    created = admin_client.post(
        f"{BASE}/accounts/",
        {"code": "big", "rate_plan": plan.slug, "credit_limit": MOST},
        format="json",
    )
    assert created.status_code == 201
    account_id = created.json()["id"]
    admin_client.post(f"{BASE}/accounts/{account_id}/topups/", {"amount": MOST}, format="json")
    too_many_digits = admin_client.patch(
        f"{BASE}/accounts/{account_id}/", {"credit_limit": "99999999999"}, format="json"
    )

    listed = admin_client.get(f"{BASE}/accounts/")

    assert too_many_digits.status_code == 400 and "credit_limit" in too_many_digits.json()
    assert listed.status_code == 200
    [row] = [row for row in listed.json()["results"] if row["id"] == account_id]
    assert row["balance"] == MOST
    assert row["available"] == "19999999999.9998"
    assert Account.objects.get(pk=account_id).credit_limit == Decimal(MOST)


def test_the_admin_top_up_refuses_it_for_every_selected_account(account):
    full = AccountFactory(code="full", site=account.site, rate_plan=account.rate_plan)
    from credit.services import account_top_up

    account_top_up(account_id=full.pk, amount=Decimal("9999999999"))
    browser = Client()
    browser.force_login(AdminFactory(username="cashier"))
    selected = {"action": "top_up", "_selected_action": [account.pk, full.pk], "apply": "1"}

    refused = browser.post(
        reverse("admin:credit_account_changelist"), {**selected, "amount": "1", "note": "x"}
    )
    too_long = browser.post(
        reverse("admin:credit_account_changelist"), {**selected, "amount": "1" * 11}
    )

    assert refused.status_code == 200
    assert (
        capfirst(
            f"{full}: the balance would be 10,000,000,000.0000, more than the "
            "9,999,999,999.9999 an account can hold"
        )
    ) in refused.content.decode()
    assert too_long.status_code == 200
    assert "Ensure that there are no more than 10 digits before the decimal point" in (
        too_long.content.decode()
    )
    account.refresh_from_db()
    assert account.balance == Decimal("10.00")  # all or none: the first was not topped up
    assert LedgerEntry.objects.filter(account=account).count() == 1


def test_rest_settle_echoes_the_billsec_sent(account, asterisk_token):
    from tests.conftest import token_client

    answer = token_client(asterisk_token).post(
        f"{BASE}/settle", {"call_id": "c1", "billsec": 10**30}, format="json"
    )

    assert answer.status_code == 400
    assert answer.json()["billsec"] == [
        "billsec must be a whole number of seconds from 0 to 864000, not "
        "1000000000000000000000000000000."
    ]
