"""The credit API: the contract's shapes, and who may call what."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from credit.models import LedgerEntry, Reservation
from tests.conftest import token_client
from tests.factories import SiteFactory, UserFactory

from .conftest import LOCAL, AccountFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/credit"


def user_with(*codenames) -> APIClient:
    user = UserFactory()
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_authorize_and_settle_follow_the_contract(account, asterisk_token):
    asterisk = token_client(asterisk_token)

    authorized = asterisk.post(
        f"{BASE}/authorize", {"account": "1001", "number": LOCAL, "call_id": "c1"}, format="json"
    )
    settled = asterisk.post(f"{BASE}/settle", {"call_id": "c1", "billsec": 59}, format="json")

    assert authorized.status_code == 200, authorized.content
    assert {k: authorized.json()[k] for k in ("allowed", "max_seconds", "reason")} == {
        "allowed": True,
        "max_seconds": 60,
        "reason": "",
    }
    assert settled.status_code == 200, settled.content
    assert settled.json()["cost"] == "6.0000" and settled.json()["balance"] == "4.0000"


def test_a_refusal_is_an_answer_with_its_reason(account, asterisk_token):
    response = token_client(asterisk_token).post(
        f"{BASE}/authorize/", {"account": "9999", "number": LOCAL, "call_id": "c"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["allowed"] is False
    assert response.json()["reason"] == "unknown-account"


def test_settle_errors_map_to_statuses_with_their_message(account, asterisk_token):
    asterisk = token_client(asterisk_token)
    asterisk.post(
        f"{BASE}/authorize", {"account": "1001", "number": LOCAL, "call_id": "c1"}, format="json"
    )
    asterisk.post(f"{BASE}/settle", {"call_id": "c1", "billsec": 10}, format="json")

    unknown = asterisk.post(f"{BASE}/settle", {"call_id": "zz", "billsec": 1}, format="json")
    conflict = asterisk.post(f"{BASE}/settle", {"call_id": "c1", "billsec": 11}, format="json")
    invalid = asterisk.post(f"{BASE}/settle", {"call_id": "c1", "billsec": -1}, format="json")

    assert unknown.status_code == 404 and "'zz'" in unknown.json()["detail"]
    assert conflict.status_code == 409 and "10 s" in conflict.json()["detail"]
    assert invalid.status_code == 400 and "billsec" in invalid.json()


def test_an_asterisk_token_can_do_nothing_else(account, asterisk_token):
    asterisk = token_client(asterisk_token)

    assert asterisk.get(f"{BASE}/accounts/").status_code == 403
    assert asterisk.get(f"{BASE}/live/").status_code == 403
    topup = asterisk.post(f"{BASE}/accounts/{account.pk}/topups/", {"amount": "5"}, format="json")
    assert topup.status_code == 403
    assert "credit.top_up_account" in topup.json()["detail"]
    # The calls API answers every user with their departments' calls: none here.
    assert asterisk.get("/api/v1/calls/").json()["results"] == []


def test_authorize_needs_the_permission(account, user_token, source_key):
    body = {"account": "1001", "number": LOCAL, "call_id": "c1"}

    assert APIClient().post(f"{BASE}/authorize", body, format="json").status_code == 401
    assert token_client(user_token).post(f"{BASE}/authorize", body).status_code == 403
    # A source key is no user token: not even recognised here.
    assert token_client(source_key).post(f"{BASE}/authorize", body).status_code == 401
    assert not Reservation.objects.exists()


def test_accounts_have_the_contract_fields_and_a_read_only_balance(account, admin_client):
    listed = admin_client.get(f"{BASE}/accounts/").json()["results"]
    changed = admin_client.patch(
        f"{BASE}/accounts/{account.pk}/",
        {"balance": "1000000.00", "credit_limit": "5.00"},
        format="json",
    )

    assert set(listed[0]) >= {
        "id",
        "code",
        "holder",
        "rate_plan",
        "balance",
        "credit_limit",
        "active",
    }
    assert listed[0]["rate_plan"] == "prepaid-retail"
    assert listed[0]["balance"] == "10.0000" and listed[0]["available"] == "10.0000"
    assert changed.status_code == 200
    account.refresh_from_db()
    assert (account.balance, account.credit_limit) == (Decimal("10.0000"), Decimal("5.0000"))


def test_a_client_sending_only_the_contract_fields_creates_an_account(
    plan, site, admin_client, asterisk_token
):
    """No site (DESIGN.md lists none): 201, and numbers are read with the home plan of
    TARIFICADOR_COUNTRY (AR: national prefix 0, international 00), whatever sites exist."""
    SiteFactory(slug="another")
    body = {"code": "555", "holder": "Kiosk", "rate_plan": plan.slug}
    body |= {"credit_limit": "0.00", "active": True}

    created = admin_client.post(f"{BASE}/accounts/", body, format="json")
    admin_client.post(f"{BASE}/accounts/{created.json()['id']}/topups/", {"amount": "10"})
    asterisk = token_client(asterisk_token)
    national = asterisk.post(
        f"{BASE}/authorize", {"account": "555", "number": "03514123456", "call_id": "n1"}
    )
    abroad = asterisk.post(
        f"{BASE}/authorize", {"account": "555", "number": "0012125550100", "call_id": "i1"}
    )

    assert created.status_code == 201, created.content
    assert created.json()["site"] is None and created.json()["balance"] == "0.0000"
    assert national.json()["allowed"] and national.json()["max_seconds"] == 60  # 6.00 a minute
    reservation = Reservation.objects.get(call_id="n1")
    assert (reservation.normalized_number, reservation.destination) == (
        "+543514123456",
        "Córdoba",
    )
    assert abroad.json()["reason"] == "no-credit"  # the US, 50.00 at least
    assert Reservation.objects.filter(call_id="i1").count() == 0


def test_an_account_may_still_name_its_site(plan, site, admin_client):
    created = admin_client.post(
        f"{BASE}/accounts/",
        {"code": "556", "rate_plan": plan.slug, "site": "cordoba-prepaid"},
        format="json",
    )
    unknown = admin_client.post(
        f"{BASE}/accounts/", {"code": "557", "rate_plan": plan.slug, "site": "nowhere"}
    )

    assert created.status_code == 201 and created.json()["site"] == "cordoba-prepaid"
    assert unknown.status_code == 400 and "site" in unknown.json()


def test_top_ups_write_the_ledger_with_who_and_how(account):
    cashier = user_with("top_up_account", "view_account")

    response = cashier.post(
        f"{BASE}/accounts/{account.pk}/topups/",
        {"amount": "100.00", "note": "cash at reception"},
        format="json",
    )

    assert response.status_code == 201, response.content
    entry = LedgerEntry.objects.get(pk=response.json()["id"])
    assert (entry.kind, entry.amount, entry.channel, entry.note) == (
        "top-up",
        Decimal("100.0000"),
        "api",
        "cash at reception",
    )
    assert entry.created_by.username == response.wsgi_request.user.username
    assert response.json()["balance_after"] == "110.0000"
    negative = cashier.post(f"{BASE}/accounts/{account.pk}/topups/", {"amount": "-1"})
    assert negative.status_code == 400 and "positive" in negative.json()["detail"]


def test_the_ledger_and_live_calls_need_their_own_permissions(account, asterisk_token):
    token_client(asterisk_token).post(
        f"{BASE}/authorize", {"account": "1001", "number": LOCAL, "call_id": "c1"}, format="json"
    )
    auditor = user_with("view_ledgerentry", "view_reservation")

    ledger = auditor.get(f"{BASE}/accounts/{account.pk}/ledger/")
    live = auditor.get(f"{BASE}/live/")

    assert ledger.status_code == 200
    assert [e["kind"] for e in ledger.json()["results"]] == ["top-up"]
    assert live.status_code == 200
    assert [(c["call_id"], c["account"], c["amount"]) for c in live.json()] == [
        ("c1", "1001", "6.0000")
    ]
    assert auditor.get(f"{BASE}/accounts/").status_code == 403  # no view_account


def test_an_account_with_history_is_blocked_not_deleted(account, admin_client):
    response = admin_client.delete(f"{BASE}/accounts/{account.pk}/")

    assert response.status_code == 409 and "active: false" in response.json()["detail"]
    fresh = AccountFactory(site=account.site, rate_plan=account.rate_plan)
    assert admin_client.delete(f"{BASE}/accounts/{fresh.pk}/").status_code == 204


def test_refunds_through_the_api(account, admin_client, asterisk_token):
    asterisk = token_client(asterisk_token)
    asterisk.post(
        f"{BASE}/authorize", {"account": "1001", "number": LOCAL, "call_id": "c1"}, format="json"
    )
    asterisk.post(f"{BASE}/settle", {"call_id": "c1", "billsec": 5}, format="json")

    first = admin_client.post(f"{BASE}/refunds", {"call_id": "c1"}, format="json")
    second = admin_client.post(f"{BASE}/refunds", {"call_id": "c1"}, format="json")

    assert first.status_code == 201 and first.json()["amount"] == "6.0000"
    assert second.status_code == 400 and "already refunded" in second.json()["detail"]


def ledger_sum(account) -> Decimal:
    return sum((entry.amount for entry in account.ledger.all()), Decimal(0))


@pytest.mark.parametrize(
    ("billsec", "status", "cost"),
    [(59, 200, "6.0000"), (61, 200, "6.0000"), (864000, 200, "6.0000"), (864001, 400, None)],
)
def test_rest_settle_charges_at_most_the_reservation(
    account, asterisk_token, billsec, status, cost
):
    """10.00 on the account, 60 s (6.00) authorized: more seconds reported charge no more."""
    asterisk = token_client(asterisk_token)
    asterisk.post(
        f"{BASE}/authorize", {"account": "1001", "number": LOCAL, "call_id": "c1"}, format="json"
    )

    settled = asterisk.post(f"{BASE}/settle", {"call_id": "c1", "billsec": billsec}, format="json")

    assert settled.status_code == status, settled.content
    account.refresh_from_db()
    assert account.balance == ledger_sum(account) >= Decimal("10.00") - Decimal("6.00")
    if cost is None:
        assert settled.json()["billsec"] == [
            "billsec must be a whole number of seconds from 0 to 864000, not 864001."
        ]
        assert Reservation.objects.get().state == Reservation.State.OPEN
    else:
        assert settled.json()["cost"] == cost
        assert Reservation.objects.get().billsec == min(billsec, 60)
