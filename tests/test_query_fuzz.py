"""Fuzz: no query string, cursor or month makes a list endpoint, report page or
download answer 500.

Random query strings (random keys, and the real filter names with garbage values:
dates, numbers, huge integers, unicode, empty) go to every list endpoint under
``/api/v1/`` as an administrator; random months (any text, and ``YYYY-MM`` with any
year and month digits) go to every report page and download. Bad input must get a
4xx with a message; only a server error fails the test (the test client re-raises
the exception of a 500, which then shows its traceback).
"""

import base64
import datetime as dt
import string
from decimal import Decimal
from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from billing.models import Call
from capture.models import RawRecord
from credit.models import Account
from tests.factories import (
    AdminFactory,
    DepartmentFactory,
    ExtensionFactory,
    RatePlanFactory,
    SiteFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

# The examples only read: the organization built once per test serves them all.
FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

LIST_ENDPOINTS = {
    "/api/v1/calls/": [
        "site",
        "source",
        "extension",
        "department",
        "direction",
        "answered",
        "start_after",
        "start_before",
        "number",
        "min_cost",
        "cursor",
        "page_size",
    ],
    "/api/v1/raw-records/": ["source", "state", "received_after", "received_before", "page"],
    "/api/v1/sites/": ["page", "page_size"],
    "/api/v1/departments/": ["parent", "code", "page"],
    "/api/v1/extensions/": ["site__slug", "number", "department", "page"],
    "/api/v1/sources/": ["site__slug", "family", "transport", "enabled", "page"],
    "/api/v1/rate-plans/": ["page"],
    "/api/v1/credit/accounts/": ["code", "active", "site__slug", "page"],
    "/api/v1/credit/live/": [],
    "/api/v1/reports/departments/": ["month"],
    "/api/v1/reports/extensions/": ["month", "department"],
}
COMMON_KEYS = ["format", "page", "page_size", "cursor", "ordering", "search", "limit", "offset"]

REPORT_PAGES = ["/reports/", "/reports/departments/", "/reports/extensions/", "/reports/calls/"]
DOWNLOADS = [
    "{month}/departments.csv",
    "{month}/departments.xlsx",
    "{month}/departments.pdf",
    "{month}/extensions.csv",
    "{month}/extensions.xlsx",
    "{month}/extensions.pdf",
    "{month}/calls.csv",
]


@pytest.fixture
def organization(db):
    """A site with a source, a department tree, an extension, a rate plan, a credit
    account and a few calls around the turn of a month."""
    plan = RatePlanFactory(slug="retail")
    site = SiteFactory(slug="cordoba", rate_plan=plan)
    source = SourceFactory(site=site, slug="cordoba-ipoffice")
    parent = DepartmentFactory(code="ADM")
    child = DepartmentFactory(code="FIN", parent=parent)
    extension = ExtensionFactory(site=site, number="4001", department=child)
    Account.objects.create(code="7001", holder="Booth", site=site, rate_plan=plan)
    for seq, start in enumerate(
        [
            dt.datetime(2026, 10, 31, 23, 30, tzinfo=dt.UTC),
            dt.datetime(2026, 11, 1, 3, 30, tzinfo=dt.UTC),
            dt.datetime(2026, 11, 1, 3, 30, tzinfo=dt.UTC),
        ],
        start=1,
    ):
        raw = RawRecord.objects.create(
            source=source, seq=seq, received_at=start, line=f"call {seq}", state="parsed"
        )
        Call.objects.create(
            site=site,
            source=source,
            raw_record=raw,
            start=start,
            duration_seconds=60,
            answered=True,
            direction="outgoing",
            extension=extension,
            department=child,
            number="03514000000",
            cost=Decimal("1.5000"),
            currency="ARS",
        )
    return AdminFactory()


def garbage():
    """Values a filter must survive: dates, numbers, huge integers, unicode, empty."""
    return st.one_of(
        st.just(""),
        st.text(max_size=30),
        st.text(alphabet=string.printable, max_size=30),
        st.integers().map(str),
        st.integers(min_value=2**62, max_value=10**40).map(str),
        st.integers(min_value=-(10**40), max_value=-(2**62)).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(str),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.datetimes(timezones=st.timezones()).map(lambda moment: moment.isoformat()),
        # The ends of the calendar, where a local time is out of UTC's years.
        st.one_of(
            # Naive on purpose: the offsets are written after them, as text.
            st.datetimes(max_value=dt.datetime(1, 1, 2)),  # noqa: DTZ001
            st.datetimes(min_value=dt.datetime(9999, 12, 30)),  # noqa: DTZ001
        ).flatmap(
            lambda moment: st.sampled_from(["", "Z", "+05:00", "-05:00", "+14:00"]).map(
                lambda offset: moment.isoformat() + offset
            )
        ),
        st.dates().map(str),
        st.builds(
            "{:04d}-{:02d}".format,
            st.integers(min_value=0, max_value=9999),
            st.integers(min_value=0, max_value=99),
        ),
        st.sampled_from(
            [
                "true",
                "false",
                "0",
                "-1",
                "9" * 5000,
                "0001-01-01T00:00:00+05:00",
                "9999-12-31T23:59:59-05:00",
                "cD0xMjM=",  # base64 of p=123
                "\x00",
                "🙂",
                "null",
                "[]",
            ]
        ),
        st.binary(max_size=24).map(lambda data: base64.b64encode(data).decode()),
    )


def query_strings(keys: list[str]):
    names = st.one_of(st.sampled_from(keys + COMMON_KEYS), st.text(max_size=12))
    return st.lists(st.tuples(names, garbage()), max_size=6).map(urlencode)


@st.composite
def endpoint_queries(draw):
    path = draw(st.sampled_from(sorted(LIST_ENDPOINTS)))
    return path, draw(query_strings(LIST_ENDPOINTS[path]))


def months():
    return st.one_of(
        st.builds(
            "{:04d}-{:02d}".format,
            st.integers(min_value=0, max_value=9999),
            st.integers(min_value=0, max_value=99),
        ),
        st.sampled_from(["9999-12", "0001-01", "0000-00", "9999-13", "2026-10", "1-1"]),
        st.text(max_size=12),
    )


def admin_api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@FUZZ
@given(query=endpoint_queries())
@example(query=("/api/v1/calls/", "cursor=cD0xMjM%3D"))  # base64 of p=123
@example(query=("/api/v1/calls/", "department=" + "9" * 30))
@example(query=("/api/v1/calls/", "start_after=0001-01-01T00%3A00%3A00%2B05%3A00"))
@example(query=("/api/v1/raw-records/", "received_before=9999-12-31T23%3A59%3A59-05%3A00"))
@example(query=("/api/v1/reports/extensions/", "month=9999-12&department=1"))
def test_no_query_string_makes_a_list_endpoint_fail(organization, query):
    path, query_string = query
    response = admin_api(organization).get(f"{path}?{query_string}")

    assert response.status_code < 500


@FUZZ
@given(
    page=st.sampled_from(REPORT_PAGES),
    month=months(),
    extra=query_strings(["department", "site", "extension", "after", "before", "direction"]),
)
@example(page="/reports/", month="9999-12", extra="")
@example(page="/reports/departments/", month="0001-01", extra="")
@example(page="/reports/calls/", month="9999-12", extra="")
@example(page="/reports/calls/", month="2026-10", extra="start_before=9999-12-31T23%3A59%3A59")
def test_no_month_makes_a_report_page_fail(organization, page, month, extra):
    client = Client()
    client.force_login(organization)
    response = client.get(f"{page}?{urlencode({'month': month})}&{extra}")

    assert response.status_code < 500


@FUZZ
@given(download=st.sampled_from(DOWNLOADS), month=months(), department=garbage())
@example(download="{month}/calls.csv", month="9999-12", department="")
@example(download="{month}/departments.pdf", month="9999-12", department="")
@example(download="{month}/extensions.xlsx", month="0001-01", department="")
def test_no_month_makes_a_download_fail(organization, download, month, department):
    path = "/reports/" + download.format(month=quote(month, safe=""))
    response = admin_api(organization).get(path, {"department": department})

    assert response.status_code < 500
