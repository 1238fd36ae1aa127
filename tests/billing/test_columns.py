"""One list of call columns: ``billing.columns`` reads them from the model, and every
other list of call columns is a subset of them.

Adding a field to ``Call`` adds it to the columns ``calls_record`` writes; these
tests then say what else must know about it (its value in ``calls_record``, or its
place among the columns left to the database).
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import NOT_PROVIDED

from bench.rating import RERATE_CALL_COLUMNS
from bench.reports import CALL_FILL_COLUMNS
from billing.api.serializers import CallSerializer
from billing.columns import CALL_COLUMNS, LEFT_TO_DATABASE, RECORDED_COLUMNS
from billing.models import Call
from billing.rerating import PRICE_FIELDS, STORED_FIELDS
from billing.rollups import FACT_FIELDS
from billing.services import calls_record
from capture.models import RawRecord
from capture.services import IncomingRecord, raw_records_store
from org.models import Trunk
from rating.models import Rate
from reports.downloads import CALL_CSV_COLUMNS, CALL_CSV_HEADERS
from smdr.parsers import ParsedCall
from tests.factories import ExtensionFactory, RatePlanFactory, SourceFactory
from tests.rating.test_rating_db import deck_file

FIELDS = {field.name: field for field in Call._meta.concrete_fields}
BY_COLUMN = {field.column: field for field in Call._meta.concrete_fields}


def may_be_left_out(column: str) -> bool:
    """Whether an INSERT that leaves ``column`` out still stores a valid call: the
    database numbers the key, and the column may be NULL or has a database default."""
    field = BY_COLUMN[column]
    return field.primary_key or field.null or field.db_default is not NOT_PROVIDED


def test_the_columns_are_the_model_s_stored_fields_in_order():
    assert tuple(field.attname for field in Call._meta.concrete_fields) == CALL_COLUMNS
    # Names serve SQL and values_list alike only while no field renames its column.
    assert all(field.column == field.attname for field in Call._meta.concrete_fields)


def test_calls_record_writes_every_column_but_those_the_database_may_fill():
    assert set(RECORDED_COLUMNS) | set(LEFT_TO_DATABASE) == set(CALL_COLUMNS)
    assert set(RECORDED_COLUMNS).isdisjoint(LEFT_TO_DATABASE)
    assert [column for column in LEFT_TO_DATABASE if not may_be_left_out(column)] == []


@pytest.mark.parametrize(
    ("name", "columns"),
    [
        ("rollup facts (billing.rollups.CallFact)", FACT_FIELDS),
        ("re-rating reads (billing.rerating.StoredCall)", STORED_FIELDS),
        ("re-rating writes (billing.rerating.PRICE_FIELDS)", PRICE_FIELDS),
        ("calls download (reports.downloads.CALL_CSV_COLUMNS)", CALL_CSV_COLUMNS),
        ("reports benchmark fill (bench.reports)", CALL_FILL_COLUMNS),
        ("re-rating benchmark fill (bench.rating)", RERATE_CALL_COLUMNS),
    ],
)
def test_every_other_list_names_columns_of_call(name, columns):
    assert set(columns) <= set(CALL_COLUMNS), f"{name}: {set(columns) - set(CALL_COLUMNS)}"
    assert len(set(columns)) == len(columns), f"{name} names a column twice"


@pytest.mark.parametrize("columns", [CALL_FILL_COLUMNS, RERATE_CALL_COLUMNS])
def test_the_benchmark_fills_leave_out_only_columns_that_may_be_left_out(columns):
    left_out = [column for column in CALL_COLUMNS if column not in columns]

    assert [column for column in left_out if not may_be_left_out(column)] == []


def test_the_calls_download_keeps_its_own_headers():
    """User-facing names (``site`` is the slug, ``duration`` the seconds), in their order."""
    assert CALL_CSV_HEADERS[:6] == ("id", "site", "source", "start", "start_utc", "duration")
    assert len(CALL_CSV_HEADERS) == len(set(CALL_CSV_HEADERS))


def test_the_api_s_fields_are_read_from_fields_of_call():
    """The calls API (a contract) names its own keys; each one reads a field of Call."""
    fields = CallSerializer().fields

    assert {
        name: field.source for name, field in fields.items() if field.source not in FIELDS
    } == {}


@pytest.fixture
def rated_site(db, tmp_path):
    plan = RatePlanFactory(slug="telecom-empresas", currency="ARS")
    call_command("import_rates", "--plan", plan.slug, str(deck_file(tmp_path)), "--apply")
    return SourceFactory(site__rate_plan=plan)


def test_calls_record_stores_each_value_in_its_own_column(rated_site):
    """Every column calls_record writes, read back by name: no value lands in its
    neighbour's column, whatever order the model declares them in."""
    source = rated_site
    extension = ExtensionFactory(site=source.site, number="4731")
    received = dt.datetime(2026, 11, 3, 12, tzinfo=dt.UTC)
    raw_records_store(
        source=source,
        records=[IncomingRecord(seq=1, received_at=received, line="x")],
    )
    raw_record = RawRecord.objects.get()
    parsed = ParsedCall(
        start=dt.datetime(2026, 11, 2, 13, 6, 19, tzinfo=dt.UTC),
        duration_seconds=95,
        ring_seconds=4,
        direction="outgoing",
        extension="4731",
        trunk="9017",
        number="0155123456",
        account_code="77",
        pbx_call_id="1949480",
        answered=True,
        details={"party1_name": "Maria"},
    )

    calls_record(site=source.site, source_id=source.id, entries=[(raw_record.id, parsed)])

    stored = Call.objects.values(*RECORDED_COLUMNS).get()
    assert stored == {
        "site_id": source.site_id,
        "source_id": source.id,
        "raw_record_id": raw_record.id,
        "start": parsed.start,
        "duration_seconds": 95,
        "ring_seconds": 4,
        "answered": True,
        "direction": "outgoing",
        "extension_id": extension.id,
        "department_id": extension.department_id,
        "trunk_id": Trunk.objects.get(site=source.site, name="9017").id,
        "number": "0155123456",
        "normalized_number": "+5493515123456",
        "destination": "Córdoba mobiles",
        "category": "mobile",
        "cost": Decimal("23.7500"),  # 95 s x 15.00 / 60
        "currency": "ARS",
        "rate_plan_id": source.site.rate_plan_id,
        "rate_id": Rate.objects.get(destination__prefix="549351").id,
        "unrated_reason": "",
        "account_code": "77",
        "pbx_call_id": "1949480",
        "leg": 1,
        "details": {"party1_name": "Maria"},
    }
