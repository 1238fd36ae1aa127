"""GET /api/v1/calls/: the calls contract, its filters, pagination and scope."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from billing.models import Call
from billing.pipeline import raw_records_process
from capture.services import IncomingRecord, raw_records_store
from tests.conftest import token_client
from tests.factories import DepartmentFactory, ExtensionFactory, SourceFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/calls/"

# IP Office records (pbx-formats.md section 3): one outgoing from 4731, one incoming to
# 4324, one internal call from 4688 to 4207; start times in the site's zone (Córdoba, UTC-3).
OUTGOING = (
    "2026/11/02 10:06:19,00:00:38,4,4731,O,03514234567,03514234567,77,0,1949480,0,"
    "E4731,Maria,T9017,Line 17.4,0,0,,,,,,,,,,,,,"
)
INCOMING = (
    "2026/11/02 11:28:41,00:01:00,9,3514567890,I,4324,4324,,0,1000014155,0,"
    "E4324,Joe Bloggs,T9161,LINE 5.1,0,0,,,,,,,,,,,,,"
)
INTERNAL = (
    "2026/11/03 09:27:44,00:00:44,4,4688,O,4207,4207,,1,1000013898,0,"
    "E4688,Joe,E4207,John,0,0,,,,,,,,,,,,,"
)


@pytest.fixture
def departments():
    parent = DepartmentFactory(code="ADM", name="Administration")
    child = DepartmentFactory(code="FIN", name="Finance", parent=parent)
    other = DepartmentFactory(code="OPS", name="Operations")
    return parent, child, other


@pytest.fixture
def calls(source, departments):
    parent, child, other = departments
    ExtensionFactory(site=source.site, number="4731", department=child)
    ExtensionFactory(site=source.site, number="4324", department=parent)
    ExtensionFactory(site=source.site, number="4688", department=other)
    received = dt.datetime(2026, 11, 3, 12, tzinfo=dt.UTC)
    records = [
        IncomingRecord(seq=n, received_at=received, line=line)
        for n, line in enumerate([OUTGOING, INCOMING, INTERNAL], start=1)
    ]
    raw_records_store(source=source, records=records)
    raw_records_process(source_id=source.id)
    return {call.number: call for call in Call.objects.all()}


def numbers(response):
    return [call["number"] for call in response.json()["results"]]


def test_fields_follow_the_contract(admin_client, calls, source):
    response = admin_client.get(URL, {"direction": "outgoing"})

    assert response.status_code == 200
    (call,) = response.json()["results"]
    expected = {
        "id": calls["03514234567"].id,
        "site": "cordoba",
        "source": "cordoba-ipoffice",
        "start": "2026-11-02T13:06:19Z",
        "duration": 38,
        "ring": 4,
        "answered": True,
        "direction": "outgoing",
        "extension": "4731",
        "trunk": "9017",
        "number": "03514234567",
        "normalized_number": "+543514234567",
        "destination": "",
        "category": "",
        "cost": None,
        "unrated_reason": "the site has no rate plan",
        "currency": "ARS",
        "department": calls["03514234567"].department_id,
        "account_code": "77",
        "pbx_call_id": "1949480",
        "leg": 1,
        "raw_record": calls["03514234567"].raw_record_id,
        "details": call["details"],
        "personal": False,
    }
    assert call == expected
    assert list(call) == list(expected)  # the keys in the contract's order too
    assert call["details"]["party1_name"] == "Maria"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"direction": "incoming"}, ["3514567890"]),
        ({"direction": "internal"}, ["4207"]),
        ({"extension": "4731"}, ["03514234567"]),
        ({"number": "0351"}, ["03514234567"]),
        ({"answered": "true", "site": "cordoba"}, ["4207", "3514567890", "03514234567"]),
        ({"site": "elsewhere"}, []),
        ({"source": "cordoba-ipoffice", "start_after": "2026-11-03T00:00:00Z"}, ["4207"]),
        ({"start_before": "2026-11-02T14:00:00Z"}, ["03514234567"]),
    ],
)
def test_filters(admin_client, calls, params, expected):
    response = admin_client.get(URL, params)

    assert response.status_code == 200
    assert numbers(response) == expected


def test_department_filter_includes_sub_departments(admin_client, calls, departments):
    parent, child, _ = departments

    assert numbers(admin_client.get(URL, {"department": parent.id})) == [
        "3514567890",
        "03514234567",
    ]
    assert numbers(admin_client.get(URL, {"department": child.id})) == ["03514234567"]


def test_min_cost_filter(admin_client, calls):
    Call.objects.filter(number="4207").update(cost=Decimal("1.5000"))

    assert numbers(admin_client.get(URL, {"min_cost": "1"})) == ["4207"]


def test_cursor_pagination_walks_every_call_once(admin_client, calls):
    seen = []
    response = admin_client.get(URL, {"page_size": 1})
    while True:
        body = response.json()
        seen += [call["id"] for call in body["results"]]
        if not body["next"]:
            break
        response = admin_client.get(body["next"])

    assert "cursor=" in response.request["QUERY_STRING"]
    assert sorted(seen) == sorted(call.id for call in calls.values())


def test_manager_sees_only_their_departments(calls, departments):
    _, child, _ = departments
    manager = UserFactory()
    child.managers.add(manager)
    client = token_client(_token(manager))

    assert numbers(client.get(URL)) == ["03514234567"]
    assert client.get(f"{URL}{calls['4207'].id}/").status_code == 404


def test_manager_of_a_parent_sees_the_subtree(calls, departments):
    parent, _, _ = departments
    manager = UserFactory()
    parent.managers.add(manager)

    assert numbers(token_client(_token(manager)).get(URL)) == ["3514567890", "03514234567"]


def test_user_without_departments_sees_nothing(calls, user_token):
    assert numbers(token_client(user_token).get(URL)) == []


def test_source_key_cannot_read_calls(calls, source_key):
    assert token_client(source_key).get(URL).status_code == 401


def test_anonymous_is_refused(client, calls):
    assert client.get(URL).status_code in (401, 403)


def _token(user):
    from rest_framework.authtoken.models import Token

    return Token.objects.get_or_create(user=user)[0].key


def test_calls_of_two_sources_are_kept_apart(admin_client, calls):
    other = SourceFactory(slug="other-source")
    raw_records_store(
        source=other,
        records=[IncomingRecord(seq=1, received_at=dt.datetime.now(dt.UTC), line=OUTGOING)],
    )
    raw_records_process(source_id=other.id)

    assert numbers(admin_client.get(URL, {"source": "other-source"})) == ["03514234567"]
    assert len(numbers(admin_client.get(URL, {"number": "0351"}))) == 2


def test_number_prefix_search_finds_by_prefix_and_uses_its_index(admin_client, calls):
    found = numbers(admin_client.get(URL, {"number": "0351"}))
    plan = ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE billing_call")
            cursor.execute("SET enable_seqscan TO off")  # as on a table of millions
        plan = Call.objects.filter(number__startswith="0351").explain()

    assert found == ["03514234567"]
    if connection.vendor == "postgresql":
        assert "call_number_prefix" in plan  # LIKE '0351%' as an index range, no scan


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"department": "9" * 30}, "department"),  # beyond 64 bits: OverflowError on SQLite
        ({"department": "1E+40"}, "department"),
        ({"department": "0"}, "department"),
        ({"start_after": "0001-01-01T00:00:00+05:00"}, "start_after"),  # before year 1 in UTC
        ({"start_before": "9999-12-31T23:59:59-05:00"}, "start_before"),  # after 9999 in UTC
    ],
)
def test_values_the_database_cannot_compare_answer_400_naming_the_filter(
    admin_client, calls, params, field
):
    response = admin_client.get(URL, params)

    assert response.status_code == 400
    assert field in response.json()


def test_the_last_moment_utc_holds_is_a_valid_filter(admin_client, calls):
    response = admin_client.get(URL, {"start_before": "9999-12-31T23:59:59Z"})

    assert response.status_code == 200
    assert len(numbers(response)) == 3
