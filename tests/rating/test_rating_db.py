"""Rating against the database: decks, ingest pricing, re-rating and explanations."""

import datetime as dt
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from billing import rerating
from billing.models import Call, ClosedMonth, RerateJob
from billing.pipeline import raw_records_ingest, raw_records_process
from billing.services import CALL_COST_MAX
from capture.services import IncomingRecord
from core.bulk import is_postgresql
from rating.models import Destination, Rate, RatePlan
from rating.services import call_explain
from tests.factories import AdminFactory, RatePlanFactory, SourceFactory

from .deck import ROWS

HEADER = "prefix,destination,category,price_per_minute,connection_fee,initial_seconds,increment_seconds,minimum_charge,valid_from,band"  # noqa: E501
# An IP Office record: 4731 dials 0 + 0155123456 (a Córdoba mobile) for 95 s, at
# 10:06 in Córdoba on 2 November 2026.
MOBILE_CALL = (
    "2026/11/02 10:06:19,00:01:35,4,4731,O,0155123456,0155123456,77,0,1949480,0,"
    "E4731,Maria,T9017,Line 17.4,0,0,,,,,,,,,,,,,"
)


def deck_file(tmp_path, rows=ROWS, valid_from="2026-01-01", name="deck.csv"):
    lines = [HEADER] + [",".join(map(str, (*row, valid_from, ""))) for row in rows]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def plan(db):
    return RatePlanFactory(slug="telecom-empresas", currency="ARS")


@pytest.fixture
def source(plan):
    source = SourceFactory(slug="cordoba-ipoffice", site__slug="cordoba")
    source.site.rate_plan = plan
    source.site.save()
    return source


def ingest(source, line=MOBILE_CALL, seq=1):
    received = dt.datetime(2026, 11, 3, 12, tzinfo=dt.UTC)
    raw_records_ingest(
        source=source, records=[IncomingRecord(seq=seq, received_at=received, line=line)]
    )
    raw_records_process(source_id=source.id)


def test_import_rates_shows_the_changes_and_writes_nothing_without_apply(plan, tmp_path, capsys):
    call_command("import_rates", "--plan", plan.slug, str(deck_file(tmp_path)))

    out = capsys.readouterr().out
    assert f"{len(ROWS)} rates read and checked" in out
    assert f"{len(ROWS)} new, 0 changed, 0 ended, 0 unchanged" in out
    assert "+ 549351 Córdoba mobiles: 15.00/min 30/1 from 2026-01-01" in out
    assert "run again with --apply" in out
    assert not Rate.objects.exists()


def test_a_new_deck_is_a_new_version_and_history_stays(plan, tmp_path, capsys):
    call_command("import_rates", "--plan", plan.slug, str(deck_file(tmp_path)), "--apply")
    dearer = [(*row[:3], "20.00", *row[4:]) if row[0] == "549351" else row for row in ROWS]
    dearer = [row for row in dearer if row[0] != "34"]  # Spain leaves the deck
    path = deck_file(tmp_path, dearer, valid_from="2026-12-01", name="v2.csv")

    call_command(
        "import_rates", "--plan", plan.slug, str(path), "--apply", "--valid-from", "2026-12-01"
    )

    out = capsys.readouterr().out
    assert "0 new, 1 changed, 1 ended, 6 unchanged" in out
    # The stored price (15.000000 in the database) reads like the deck's (20.00).
    assert "~ 549351 Córdoba mobiles: 15.00/min 30/1 -> 20.00/min 30/1 from 2026-12-01" in out
    mobile = Rate.objects.filter(destination__prefix="549351").order_by("valid_from")
    assert [(r.price_per_minute, r.valid_from, r.valid_to) for r in mobile] == [
        (Decimal("15.000000"), dt.date(2026, 1, 1), dt.date(2026, 12, 1)),
        (Decimal("20.000000"), dt.date(2026, 12, 1), None),
    ]
    spain = Rate.objects.get(destination__prefix="34")
    assert spain.valid_to == dt.date(2026, 12, 1)
    plan.refresh_from_db()
    assert plan.version == 3  # created at 1, one bump per applied deck


def test_a_bad_deck_is_refused_whole_with_line_numbers(plan, tmp_path):
    rows = [*ROWS[:2], ("5411", "Buenos Aires", "nowhere", "abc", "0", 60, 0, "0")]
    path = deck_file(tmp_path, rows)

    with pytest.raises(CommandError) as refused:
        call_command("import_rates", "--plan", plan.slug, str(path), "--apply")

    message = str(refused.value)
    assert "line 4: category 'nowhere' is not one of local, national" in message
    assert "line 4: price_per_minute 'abc' is not an amount of money" in message
    assert "line 4: increment_seconds '0' is not a whole number of seconds" in message
    assert not Destination.objects.exists()


def test_an_xlsx_deck_imports_like_a_csv(plan, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    for row in ROWS:
        sheet.append([row[0], row[1], row[2], float(row[3]), 0, row[5], row[6], 0, "2026-01-01"])
    path = tmp_path / "deck.xlsx"
    workbook.save(path)

    call_command("import_rates", "--plan", plan.slug, str(path), "--apply")

    assert Rate.objects.filter(plan=plan).count() == len(ROWS)
    assert Rate.objects.get(destination__prefix="1").initial_seconds == 60


def test_ingest_prices_each_call_and_keeps_the_rate(source, plan, tmp_path):
    call_command("import_rates", "--plan", plan.slug, str(deck_file(tmp_path)), "--apply")

    ingest(source)

    call = Call.objects.get()
    assert call.normalized_number == "+5493515123456"
    assert (call.destination, call.category) == ("Córdoba mobiles", "mobile")
    assert call.cost == Decimal("23.7500")  # 95 s x 15.00 / 60
    assert call.rate == Rate.objects.get(destination__prefix="549351")
    assert call.rate_plan == plan


def test_a_call_without_a_destination_is_unrated_and_says_why(source, plan):
    ingest(source)  # the plan has no rates yet

    call = Call.objects.get()
    assert call.cost is None
    assert call.unrated_reason == "no destination of plan telecom-empresas matches 5493515123456"


def test_rerate_prices_history_again_and_skips_closed_months(source, plan, tmp_path, capsys):
    ingest(source)  # unrated: no deck yet
    call_command("import_rates", "--plan", plan.slug, str(deck_file(tmp_path)), "--apply")
    ClosedMonth.objects.create(month=dt.date(2026, 11, 1))

    call_command("rerate", "--from", "2026-11-01", "--to", "2026-11-30", "--no-progress")
    skipped = Call.objects.get().cost
    call_command("rerate", "--from", "2026-11-01", "--to", "2026-11-30", "--force", "--no-progress")

    out = capsys.readouterr().out
    assert "Closed months skipped: 2026-11" in out
    assert skipped is None
    assert "1 calls re-rated, 1 changed price" in out
    assert Call.objects.get().cost == Decimal("23.7500")


def test_explain_shows_how_the_price_was_reached(source, plan, tmp_path, admin_client):
    call_command("import_rates", "--plan", plan.slug, str(deck_file(tmp_path)), "--apply")
    ingest(source)
    call = Call.objects.get()

    body = admin_client.get(f"/api/v1/calls/{call.pk}/explain/").json()

    steps = {step["step"]: step for step in body["steps"]}
    assert body["cost"] == body["current_cost"] == "23.7500"
    assert body["matches_stored_cost"] is True
    assert steps["normalized"]["value"] == "+5493515123456"
    assert steps["destination"]["prefix"] == "549351"
    assert steps["plan"]["value"] == f"telecom-empresas version {RatePlan.objects.get().version}"
    assert steps["billable seconds"]["value"] == "95"
    assert steps["cost"]["arithmetic"].startswith("0.0000 + 95 x 15.000000 / 60 = 23.75")


@pytest.mark.django_db(transaction=True)
def test_a_rerate_job_added_in_the_admin_runs_as_a_task(source, plan, tmp_path, client):
    ingest(source)
    call_command("import_rates", "--plan", plan.slug, str(deck_file(tmp_path)), "--apply")
    client.force_login(AdminFactory())

    response = client.post(
        "/admin/billing/reratejob/add/",
        {"date_from": "2026-11-01", "date_to": "2026-11-30", "site": source.site.pk},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    job = RerateJob.objects.get()
    assert (job.state, job.total, job.done, job.changed) == ("done", 1, 1, 1)
    assert Call.objects.get().cost == Decimal("23.7500")
    assert client.get("/admin/billing/reratejob/").content.decode().count("1 / 1 (100%)") == 1


@pytest.mark.django_db(transaction=True)
def test_the_call_admin_action_re_rates_the_days_of_the_selected_calls(
    source, plan, tmp_path, client
):
    ingest(source)  # 2 November 2026 in Córdoba, unrated: no deck yet
    call_command("import_rates", "--plan", plan.slug, str(deck_file(tmp_path)), "--apply")
    client.force_login(AdminFactory())
    call = Call.objects.get()

    response = client.post(
        "/admin/billing/call/",
        {"action": "rerate_days", "_selected_action": [call.pk]},
        follow=True,
    )

    assert "1 re-rating job(s) queued" in response.content.decode()
    job = RerateJob.objects.get()
    assert (job.site, job.date_from, job.date_to) == (
        source.site,
        dt.date(2026, 11, 2),
        dt.date(2026, 11, 2),
    )
    assert (job.state, job.changed) == ("done", 1)
    assert Call.objects.get().cost == Decimal("23.7500")


def test_a_deck_uploaded_in_the_admin_is_checked_then_applied(plan, tmp_path, client):
    client.force_login(AdminFactory())
    url = f"/admin/rating/rateplan/{plan.pk}/import/"
    content = deck_file(tmp_path).read_bytes()

    def upload(**extra):
        deck = SimpleUploadedFile("deck.csv", content, content_type="text/csv")
        return client.post(url, {"deck": deck, "valid_from": "2026-01-01", **extra})

    preview = upload()
    applied = upload(apply="on")
    bad = client.post(
        url,
        {
            "deck": SimpleUploadedFile("bad.csv", b"prefix,destination\n54,x\n"),
            "valid_from": "2026-01-01",
        },
    )

    assert f"{len(ROWS)} new, 0 changed" in preview.content.decode()
    assert applied.status_code == 302
    assert Rate.objects.filter(plan=plan).count() == len(ROWS)
    assert "missing column(s) category, price_per_minute" in bad.content.decode()


def test_the_call_admin_page_explains_the_price_step_by_step(source, plan, tmp_path, client):
    call_command("import_rates", "--plan", plan.slug, str(deck_file(tmp_path)), "--apply")
    ingest(source)
    call = Call.objects.get()
    client.force_login(AdminFactory())

    page = client.get(f"/admin/billing/call/{call.pk}/change/").content.decode()

    assert "Price explanation" in page
    assert "prices this call at <strong>23.7500 ARS</strong>, as stored." in page
    assert '<th scope="row">destination</th>\n<td>Córdoba mobiles</td>' in page
    assert "prefix: 549351<br>category: mobile" in page
    assert '<th scope="row">billable seconds</th>\n<td>95</td>' in page
    assert "0.0000 + 95 x 15.000000 / 60 = 23.75, rounded half-up to 4 decimals" in page


def test_the_call_admin_page_says_when_todays_tariff_differs(source, plan, tmp_path, client):
    ingest(source)  # priced with no deck: unrated
    call = Call.objects.get()
    client.force_login(AdminFactory())
    url = f"/admin/billing/call/{call.pk}/change/"

    before = client.get(url).content.decode()
    call_command("import_rates", "--plan", plan.slug, str(deck_file(tmp_path)), "--apply")
    after = client.get(url).content.decode()

    assert (
        "Unrated with today's tariff: no destination of plan telecom-empresas "
        "matches 5493515123456." in before
    )
    assert (
        "prices this call at <strong>23.7500 ARS</strong>; the stored cost is none "
        "(re-rate to apply the change)." in after
    )


@pytest.mark.django_db(transaction=True)
def test_rerating_window_by_window_prices_every_call_as_the_engine_does(
    source, plan, tmp_path, monkeypatch
):
    """Many small windows (on PostgreSQL, each written by the writer thread while the
    next is priced) leave every call and rollup as one careful pass would."""
    # Here rather than at the top: that module imports this one.
    from tests.billing.test_rollups import assert_rollups_match_calls
    from tests.billing.test_rollups import ingest as ingest_many

    call_command("import_rates", "--plan", plan.slug, str(deck_file(tmp_path)), "--apply")
    ingest_many(source)  # 600 calls, 28 October to 3 November
    cheaper = [(*row[:3], Decimal(row[3]) / 2, *row[4:]) for row in ROWS]
    call_command(
        "import_rates",
        "--plan",
        "telecom-empresas",
        str(deck_file(tmp_path, cheaper, valid_from="2026-02-01", name="cheaper.csv")),
        "--apply",
    )
    monkeypatch.setattr(rerating, "WINDOW_CALLS", 100)
    overlapped = []
    real = rerating._windows_rerate_overlapped
    monkeypatch.setattr(
        rerating,
        "_windows_rerate_overlapped",
        lambda windows, written: overlapped.append(len(windows)) or real(windows, written),
    )
    before = dict(Call.objects.values_list("id", "rate_id"))
    seen = []

    result = rerating.calls_rerate(
        date_from=dt.date(2026, 10, 1),
        date_to=dt.date(2026, 11, 30),
        progress=lambda done, total: seen.append((done, total)),
    )

    assert result.total == Call.objects.count() == 600
    assert overlapped == ([len(seen) - 1] if is_postgresql() else [])
    assert len(seen) >= 7  # the start, then one per window of at most 100 calls
    assert seen[0] == (0, 600) and seen[-1] == (600, 600)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    moved = 0
    for call in Call.objects.select_related("site", "trunk"):
        now = call_explain(site=call.site, call=call, max_cost=CALL_COST_MAX, trunk=call.trunk)
        assert (call.cost, call.rate_id, call.destination) == (
            now.cost,
            now.rate_id,
            now.destination,
        )
        moved += call.rate_id != before[call.id]
    # Every priced call moved to its rate's new version, but for toll-free calls:
    # their rate (0/min) is unchanged, so it keeps its id.
    assert result.changed == moved > 200
    assert_rollups_match_calls()


@pytest.mark.django_db(transaction=True)
def test_a_rerate_waits_while_another_runs(source, plan, tmp_path):
    """Two re-ratings at once would each take the old prices out of the rollups. On
    PostgreSQL the second waits for the first's advisory lock; on SQLite each window
    reads and writes inside one write transaction, which SQLite runs one at a time."""
    if not is_postgresql():
        pytest.skip("the advisory lock is PostgreSQL's; SQLite serializes each window")
    import threading

    import psycopg
    from django.db import connection

    ingest(source)
    call_command("import_rates", "--plan", plan.slug, str(deck_file(tmp_path)), "--apply")
    settings = connection.settings_dict
    other = psycopg.connect(
        host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"],
        dbname=settings["NAME"], autocommit=True,
    )  # fmt: skip
    other.execute("SELECT pg_advisory_lock(%s)", [rerating.RERATE_LOCK])  # "the first"
    results = []

    def second():
        results.append(
            rerating.calls_rerate(date_from=dt.date(2026, 11, 1), date_to=dt.date(2026, 11, 30))
        )
        connection.close()

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(timeout=2)
    waited = thread.is_alive()
    other.execute("SELECT pg_advisory_unlock(%s)", [rerating.RERATE_LOCK])
    thread.join(timeout=60)
    other.close()

    assert waited  # held back while the other re-rating had the lock
    assert results[0].changed == 1
    assert Call.objects.get().cost == Decimal("23.7500")
