"""Strict filters (DESIGN.md): every list and report endpoint under /api/v1/ answers
400 to a query parameter it does not know, naming it and listing the known ones;
pagination, ``format`` and language parameters still pass.

The endpoints are taken from the OpenAPI schema (every GET without a path
parameter), so an endpoint added later is checked without editing this file.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from drf_spectacular.generators import SchemaGenerator

from billing.models import Call
from capture.models import RawRecord
from tests.factories import ExtensionFactory

pytestmark = pytest.mark.django_db
CORDOBA = ZoneInfo("America/Argentina/Cordoba")

# What some endpoints need besides the parameter under test.
REQUIRED = {
    "/api/v1/reports/departments/": {"month": "2026-11"},
    "/api/v1/reports/extensions/": {"month": "2026-11"},
    "/api/v1/reports/trunks/": {"month": "2026-11"},
    "/api/v1/reports/top/": {"month": "2026-11", "report": "numbers"},
}


def list_endpoints() -> list[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(
        path
        for path, operations in schema["paths"].items()
        if path.startswith("/api/v1/") and "{" not in path and "get" in operations
    )


ENDPOINTS = list_endpoints()


def test_the_schema_lists_the_endpoints_we_know():
    """A guard on the discovery itself: it finds the lists and the reports."""
    for path in (
        "/api/v1/calls/",
        "/api/v1/raw-records/",
        "/api/v1/sites/",
        "/api/v1/departments/",
        "/api/v1/extensions/",
        "/api/v1/sources/",
        "/api/v1/rate-plans/",
        "/api/v1/credit/accounts/",
        "/api/v1/credit/live/",
        "/api/v1/reports/departments/",
        "/api/v1/reports/extensions/",
    ):
        assert path in ENDPOINTS


@pytest.mark.parametrize("path", ENDPOINTS)
def test_an_unknown_parameter_answers_400_naming_it(admin_client, path):
    response = admin_client.get(path, {**REQUIRED.get(path, {}), "bogus": "1"})

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["unknown"] == ["bogus"]
    assert "bogus" in body["detail"]
    assert "Unknown query parameter" in body["detail"]
    for known in REQUIRED.get(path, {}):
        assert known in body["known"]
        assert known in body["detail"]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_format_and_language_parameters_still_pass(admin_client, path):
    response = admin_client.get(
        path, {**REQUIRED.get(path, {}), "format": "json", "language": "es"}
    )

    assert response.status_code == 200, response.content


def test_several_unknown_parameters_are_all_named_with_the_known_ones(admin_client):
    response = admin_client.get("/api/v1/calls/", {"zebra": "1", "apple": "2", "site": "x"})

    assert response.status_code == 400
    body = response.json()
    assert body["unknown"] == ["apple", "zebra"]
    assert "apple, zebra" in body["detail"]
    assert {"site", "category", "month", "start_after"} <= set(body["known"])
    assert "cursor" not in body["known"]  # pagination is always allowed, not a filter


def test_page_number_pagination_still_works(admin_client):
    response = admin_client.get("/api/v1/sites/", {"page": "1"})

    assert response.status_code == 200
    assert "count" in response.json()


def test_a_detail_request_is_not_held_to_the_list_filters(admin_client, source):
    response = admin_client.get(f"/api/v1/sources/{source.slug}/", {"anything": "1"})

    assert response.status_code == 200


def test_the_report_endpoints_carry_a_count(admin_client, source):
    departments = admin_client.get("/api/v1/reports/departments/", {"month": "2026-11"}).json()
    extensions = admin_client.get("/api/v1/reports/extensions/", {"month": "2026-11"}).json()

    assert departments["count"] == len(departments["departments"])
    assert extensions["count"] == len(extensions["extensions"])


# ---------------------------------------------------------------- the calls list


def _call(source, *, start: dt.datetime, category: str, cost: str | None, reason: str = ""):
    raw = RawRecord.objects.create(
        source=source, seq=RawRecord.objects.count() + 1, received_at=start, line="x"
    )
    return Call.objects.create(
        site=source.site,
        source=source,
        raw_record=raw,
        start=start,
        duration_seconds=60,
        answered=True,
        direction="outgoing",
        extension=ExtensionFactory(site=source.site),
        number="0011",
        category=category,
        cost=None if cost is None else Decimal(cost),
        currency="ARS",
        unrated_reason=reason,
    )


@pytest.fixture
def month_calls(source):
    source.site.time_zone = "America/Argentina/Cordoba"
    source.site.save()
    local = lambda *args: dt.datetime(*args, tzinfo=CORDOBA)  # noqa: E731
    return {
        "october-last": _call(
            source, start=local(2026, 10, 31, 23, 30), category="international", cost="9"
        ),
        "november": _call(source, start=local(2026, 11, 2, 10), category="international", cost="5"),
        "november-local": _call(source, start=local(2026, 11, 3, 10), category="local", cost="1"),
        "november-unrated": _call(
            source,
            start=local(2026, 11, 30, 23, 30),  # already December in UTC
            category="",
            cost=None,
            reason="no rate for the destination",
        ),
        "december": _call(source, start=local(2026, 12, 1, 0, 5), category="local", cost="2"),
    }


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {call["id"] for call in response.json()["results"]}


def test_category_and_month_filter_the_calls(admin_client, month_calls):
    """``month`` is the site's local month: 23:30 on 30 November in Córdoba is
    November, though December in UTC; 23:30 on 31 October is not."""
    november = ids(admin_client.get("/api/v1/calls/", {"month": "2026-11"}))
    international = ids(admin_client.get("/api/v1/calls/", {"category": "international"}))
    both = ids(
        admin_client.get("/api/v1/calls/", {"month": "2026-11", "category": "international"})
    )

    assert november == {
        month_calls[key].pk for key in ("november", "november-local", "november-unrated")
    }
    assert international == {month_calls[key].pk for key in ("october-last", "november")}
    assert both == {month_calls["november"].pk}


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"month": "2026-13"}, "month"),
        ({"month": "November"}, "month"),
        ({"month": "0001-01"}, "month"),
        ({"category": "intergalactic"}, "category"),
    ],
)
def test_a_bad_month_or_category_answers_400_naming_it(admin_client, month_calls, params, named):
    response = admin_client.get("/api/v1/calls/", params)

    assert response.status_code == 400
    assert named in response.json()


def test_the_calls_list_says_why_a_call_has_no_price(admin_client, month_calls):
    response = admin_client.get("/api/v1/calls/", {"unrated": "true"})

    (call,) = response.json()["results"]
    assert call["cost"] is None
    assert call["unrated_reason"] == "no rate for the destination"


def test_the_cursor_still_works_with_filters(admin_client, month_calls):
    first = admin_client.get("/api/v1/calls/", {"month": "2026-11", "page_size": "2"}).json()
    second = admin_client.get(first["next"]).json()

    assert "count" not in first  # cursor pagination: see docs/api.md
    assert len(first["results"]) == 2 and len(second["results"]) == 1
    assert second["next"] is None
