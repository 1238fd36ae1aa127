"""Rollups equal the sum of the calls after every write: ingest, re-parse, re-rating,
deletion and rebuild, whatever the path."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from billing.models import Call, DailyRollup, DestinationRollup, HourlyRollup, MonthlyRollup
from billing.pipeline import raw_records_ingest, raw_records_process
from billing.rollups import ROLLUPS
from capture.services import IncomingRecord
from pbxsim import ALL_GENERATORS
from tests.factories import DepartmentFactory, ExtensionFactory, RatePlanFactory, SourceFactory
from tests.rating.deck import ROWS
from tests.rating.test_rating_db import deck_file

CORDOBA = ZoneInfo("America/Argentina/Cordoba")
EXTENSIONS = [str(n) for n in range(4700, 4740)]


def expected_rows(model) -> dict[tuple, tuple]:
    """The model's rollup computed here, straight from the calls."""
    totals = defaultdict(lambda: [0, 0, 0, 0, 0, Decimal(0)])
    for call in Call.objects.select_related("site"):
        local = call.start.astimezone(call.site.zone)
        month = local.date().replace(day=1)
        dimensions = {
            "day": local.date(),
            "month": month,
            "site_id": call.site_id,
            "department_id": call.department_id or 0,
            "extension_id": call.extension_id or 0,
            "direction": call.direction,
            "category": call.category,
            "destination": call.destination,
            "weekday": local.weekday(),
            "hour": local.hour,
        }
        row = totals[tuple(dimensions[name] for name in model.KEYS)]
        for index, value in enumerate(
            (
                1,
                int(call.answered),
                call.duration_seconds,
                call.ring_seconds,
                int(call.cost is None),
                call.cost or 0,
            )
        ):
            row[index] += value
    return {key: tuple(measures) for key, measures in totals.items()}


def stored_rows(model) -> dict[tuple, tuple]:
    return {
        tuple(row[: len(model.KEYS)]): tuple(row[len(model.KEYS) :])
        for row in model.objects.values_list(*model.KEYS, *model.MEASURES)
    }


def assert_rollups_match_calls():
    for model in ROLLUPS:
        assert stored_rows(model) == expected_rows(model), model.__name__


@pytest.fixture
def priced_source(db, tmp_path):
    plan = RatePlanFactory(slug="telecom-empresas")
    call_command("import_rates", "--plan", plan.slug, str(deck_file(tmp_path)), "--apply")
    source = SourceFactory(slug="cordoba-ipoffice", site__slug="cordoba", site__rate_plan=plan)
    sales, support = DepartmentFactory(name="Sales"), DepartmentFactory(name="Support")
    for index, number in enumerate(EXTENSIONS[:30]):  # the last ten have no department
        ExtensionFactory(site=source.site, number=number, department=(sales, support)[index % 2])
    return source


def ingest(source, count=600, first_seq=1, seed=1):
    lines = ALL_GENERATORS["avaya-ipoffice"](
        count=count,
        start=dt.datetime(2026, 10, 28, tzinfo=CORDOBA),  # across a month's end
        end=dt.datetime(2026, 11, 4, tzinfo=CORDOBA),
        extensions=EXTENSIONS,
        time_zone=CORDOBA,
        seed=seed,
    )
    received = dt.datetime(2026, 11, 5, tzinfo=dt.UTC)
    raw_records_ingest(
        source=source,
        records=[
            IncomingRecord(seq=first_seq + n, received_at=received, line=line)
            for n, line in enumerate(lines)
        ],
    )
    raw_records_process(source_id=source.id)


def test_ingest_keeps_every_rollup_equal_to_the_calls(priced_source):
    ingest(priced_source)
    ingest(priced_source, first_seq=10_000, seed=2)  # adds to the rows the first made

    assert Call.objects.count() > 1000
    assert Call.objects.exclude(cost=None).exclude(cost=0).exists()
    assert DailyRollup.objects.filter(department_id=0).exists()  # calls of no department
    assert {m.month for m in MonthlyRollup.objects.all()} == {
        dt.date(2026, 10, 1),
        dt.date(2026, 11, 1),
    }
    assert_rollups_match_calls()


def test_rerating_moves_totals_and_leaves_no_empty_rows(priced_source, tmp_path):
    ingest(priced_source)
    before = sum(m.cost for m in MonthlyRollup.objects.all())
    # Every price, fee and minimum doubles (each exact to the 4th decimal, so the
    # totals double exactly), and mobiles become national calls.
    doubled = [
        (
            prefix,
            name,
            "national" if category == "mobile" else category,
            Decimal(price) * 2,
            Decimal(fee) * 2,
            initial,
            step,
            Decimal(minimum) * 2,
        )
        for prefix, name, category, price, fee, initial, step, minimum in ROWS
    ]
    call_command(
        "import_rates",
        "--plan",
        "telecom-empresas",
        str(deck_file(tmp_path, rows=doubled, valid_from="2026-02-01", name="new.csv")),
        "--apply",
    )

    call_command("rerate", "--from", "2026-10-01", "--to", "2026-11-30", "--no-progress")

    assert sum(m.cost for m in MonthlyRollup.objects.all()) == 2 * before
    assert not MonthlyRollup.objects.filter(category="mobile").exists()
    assert not DailyRollup.objects.filter(calls=0).exists()
    assert_rollups_match_calls()


def test_rebuild_recomputes_what_ingest_kept(priced_source, capsys):
    ingest(priced_source)
    kept = {model: stored_rows(model) for model in ROLLUPS}
    DailyRollup.objects.all().delete()
    DestinationRollup.objects.update(cost=Decimal("999"))
    HourlyRollup.objects.filter(hour=10).delete()

    call_command("rebuild_rollups", "--no-progress")

    assert {model: stored_rows(model) for model in ROLLUPS} == kept
    assert "months rebuilt from 600 calls" in capsys.readouterr().out


def test_rebuild_refuses_a_bad_month(db):
    with pytest.raises(Exception, match="write it as YYYY-MM"):
        call_command("rebuild_rollups", "--from", "2026-13")


def parsed_records(source):
    from capture.models import RawRecord

    return RawRecord.objects.filter(source=source, state=RawRecord.State.PARSED)


def test_reparsing_replaces_calls_in_the_totals(priced_source, admin_client):
    """Re-parsing took the old calls out of the table but not out of the rollups, so
    the totals grew by the re-parsed calls each time."""
    ingest(priced_source)
    calls, cost = Call.objects.count(), sum(c.cost or 0 for c in Call.objects.all())

    answer = admin_client.post(
        f"/api/v1/raw-records/reprocess/?source={priced_source.slug}&state=parsed"
    )

    assert answer.status_code == 202, answer.content
    assert answer.json() == {"reprocessed": calls}
    # Until the parse, the old calls stay, and so do the totals: they never dip.
    assert Call.objects.count() == calls
    assert sum(m.calls for m in MonthlyRollup.objects.all()) == calls
    raw_records_process(source_id=priced_source.id)  # the task queued on commit
    assert Call.objects.count() == calls
    assert sum(m.calls for m in MonthlyRollup.objects.all()) == calls
    assert sum(m.cost for m in MonthlyRollup.objects.all()) == cost
    assert_rollups_match_calls()


def test_deleting_calls_takes_them_out_of_the_totals(priced_source):
    from billing.services import calls_delete_for_raw_records

    ingest(priced_source)
    some = list(parsed_records(priced_source).values_list("id", flat=True)[:250])

    with transaction.atomic():
        deleted = calls_delete_for_raw_records(raw_record_ids=some)

    assert deleted == 250
    assert sum(m.calls for m in MonthlyRollup.objects.all()) == Call.objects.count() == 350
    assert_rollups_match_calls()


def test_unrated_calls_are_counted_not_summed_as_zero(priced_source):
    site = priced_source.site
    site.rate_plan = None  # nothing prices this site's calls any more
    site.save()
    ingest(priced_source, count=50)

    unrated = Call.objects.filter(cost=None).count()
    assert unrated > 10  # the outgoing ones; incoming and internal calls cost nothing
    assert sum(m.unrated for m in MonthlyRollup.objects.all()) == unrated
    assert sum(m.cost for m in MonthlyRollup.objects.all()) == 0
    assert_rollups_match_calls()


def test_a_write_that_skips_the_rollups_fails_the_check(priced_source):
    """The invariant check run after every write (test settings) catches a call
    written behind billing's back: that is how a forgotten path shows up in tests."""
    from tests.reports.conftest import call_make

    call_make(source=priced_source, extension=None, start=dt.datetime.now(dt.UTC), cost="1")

    with pytest.raises(AssertionError, match="rollups differ from the calls"):
        ingest(priced_source, count=5)


def test_the_migrations_fill_gives_what_the_services_keep(priced_source):
    """The frozen fill of the migrations (historical models) and the live upkeep agree."""
    from billing.migrations._rollups_fill import rollups_fill
    from billing.rollups import rollups_drift
    from org.models import Site

    ingest(priced_source)
    kept = {model: stored_rows(model) for model in ROLLUPS}

    rollups_fill(Call, Site, {model.__name__: model for model in ROLLUPS}, with_unrated=True)

    assert {model: stored_rows(model) for model in ROLLUPS} == kept
    assert rollups_drift() == []


def test_rebuild_check_tells_drift_and_changes_nothing(priced_source, capsys):
    ingest(priced_source, count=50)
    call_command("rebuild_rollups", "--check")
    assert "The rollups equal the calls." in capsys.readouterr().out

    MonthlyRollup.objects.update(cost=Decimal("999"))
    with pytest.raises(CommandError, match="differ from the calls") as raised:
        call_command("rebuild_rollups", "--check")

    assert "MonthlyRollup" in str(raised.value)
    assert set(MonthlyRollup.objects.values_list("cost", flat=True)) == {Decimal("999")}


def test_a_record_that_no_longer_parses_loses_its_call_and_its_share(priced_source):
    """Parsing again after a settings change that breaks the records: their calls
    leave the table and the totals in the transaction that marks them in error."""
    from billing.pipeline import raw_records_reprocess
    from capture.models import RawRecord

    ingest(priced_source, count=100)
    priced_source.settings = {"time_zone": "Mars/Olympus"}  # written past clean()
    priced_source.save()

    raw_records_reprocess(queryset=RawRecord.objects.filter(source=priced_source)[:40])
    raw_records_process(source_id=priced_source.id)

    assert RawRecord.objects.filter(state="error").count() == 40
    assert Call.objects.count() == 60
    assert sum(m.calls for m in MonthlyRollup.objects.all()) == 60
    assert_rollups_match_calls()
