"""A call whose cost the call table cannot hold is stored unrated, saying why.

With a valid but extreme rate (99,999,999 a minute) a week-long call costs about 10^12,
more than ``Call.cost`` (14 digits, 4 decimals) holds: PostgreSQL refused the call
(the record ended ``error``, the call missing from reports) and SQLite stored it, after
which the calls API, the call pages and ``rebuild_rollups --check`` failed to read it.
Ingest and re-rating price through the same rater, so both must say the same.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from billing.models import Call
from billing.pipeline import raw_records_ingest, raw_records_process
from billing.services import CALL_COST_MAX
from capture.models import RawRecord
from capture.services import IncomingRecord
from rating.engine import CallToRate, Rater, RateTerms, Tariff, TariffDestination
from rating.models import Rate
from tests.factories import AdminFactory, RatePlanFactory, SourceFactory

from .deck import CORDOBA, CORDOBA_ZONE

HEADER = (
    "prefix,destination,category,price_per_minute,connection_fee,"
    "initial_seconds,increment_seconds,minimum_charge"
)
# An IP Office record: 4731 dials a Córdoba mobile for 167:59:59 (604,799 s, within the
# week a call may last) on 2 November 2026.
WEEK_LONG_CALL = (
    "2026/11/02 10:06:19,167:59:59,4,4731,O,0155123456,0155123456,77,0,1949480,0,"
    "E4731,Maria,T9017,Line 17.4,0,0,,,,,,,,,,,,,"
)
# 604,799 s in 60 s blocks is 10,080 minutes; at 99,999,999 a minute:
COST = "1007999989920.0000"


@pytest.fixture
def plan(db):
    return RatePlanFactory(slug="telecom-empresas", currency="ARS")


@pytest.fixture
def source(plan):
    source = SourceFactory(slug="cordoba-ipoffice", site__slug="cordoba")
    source.site.rate_plan = plan
    source.site.save()
    return source


def deck(plan, tmp_path, price, *options):
    path = tmp_path / f"deck-{price}.csv"
    path.write_text(f"{HEADER}\n549351,Córdoba mobiles,mobile,{price},0,60,60,0\n")
    call_command("import_rates", "--plan", plan.slug, str(path), "--apply", *options)
    return Rate.objects.get(plan=plan, valid_to=None)


def ingest(source):
    received = dt.datetime(2026, 11, 9, 12, tzinfo=dt.UTC)
    raw_records_ingest(
        source=source, records=[IncomingRecord(seq=1, received_at=received, line=WEEK_LONG_CALL)]
    )
    raw_records_process(source_id=source.id)


def reason(rate):
    return (
        f"cost {COST} is more than the 9,999,999,999.9999 a call can hold; check the rate "
        f"of Córdoba mobiles (#{rate.pk}, 99999999.000000/min)"
    )


def assert_nothing_fails(source, client):
    for url in (
        f"/api/v1/raw-records/?source={source.slug}",
        f"/api/v1/calls/?site={source.site.slug}",
        "/reports/calls/?month=2026-11",
        "/reports/?month=2026-11",
    ):
        assert client.get(url).status_code == 200, url
    call_command("rebuild_rollups", "--check")


def test_ingest_stores_the_call_unrated_with_the_cost_and_its_limit(source, plan, tmp_path, client):
    rate = deck(plan, tmp_path, "99999999")

    ingest(source)

    assert RawRecord.objects.get().state == RawRecord.State.PARSED
    call = Call.objects.get()
    assert call.cost is None
    assert call.unrated_reason == reason(rate)[:200]
    assert call.destination == "Córdoba mobiles"
    client.force_login(AdminFactory())
    body = client.get(f"/api/v1/calls/?site={source.site.slug}").json()
    assert [row["cost"] for row in body["results"]] == [None]
    assert "1 call not priced" in client.get("/reports/?month=2026-11").content.decode()
    assert_nothing_fails(source, client)


def test_rerating_to_such_a_rate_unrates_the_call_the_same_way(source, plan, tmp_path, client):
    deck(plan, tmp_path, "0.90")
    ingest(source)
    assert Call.objects.get().cost is not None
    rate = deck(plan, tmp_path, "99999999", "--valid-from", "2026-11-01")

    call_command("rerate", "--from", "2026-11-01", "--to", "2026-11-30", "--no-progress")

    call = Call.objects.get()
    assert call.cost is None
    assert call.unrated_reason == reason(rate)[:200]
    client.force_login(AdminFactory())
    assert_nothing_fails(source, client)


def test_a_cost_beyond_decimal_rounding_is_unrated_not_an_exception():
    # A price no deck accepts (SQLite stored such values before decks were checked):
    # 10^20 a minute for 2^31 s does not round to 4 decimals within 28 digits.
    rate = RateTerms(id=7, price_per_minute=Decimal(10**20), initial_seconds=2**31 - 1)
    tariff = Tariff(
        plan_id=1,
        slug="extreme",
        currency="ARS",
        version=1,
        destinations=[
            TariffDestination("549351", "Córdoba mobiles", "mobile", {"outgoing": [rate]})
        ],
    )
    rater = Rater(tariff=tariff, numbering=CORDOBA, zone=CORDOBA_ZONE, max_cost=CALL_COST_MAX)
    call = CallToRate(
        start=dt.datetime(2026, 11, 2, 13, tzinfo=dt.UTC),
        duration_seconds=60,
        answered=True,
        direction="outgoing",
        number="0351155123456",
    )

    price = rater.price(call)

    assert price.cost is None
    assert price.unrated_reason.startswith("cost 3579139411666666666666666667 is more than")
