"""A plan's first rate deck without dates prices the history; later ones start today.

A new user loads a carrier's deck (no ``valid_from`` column, no ``--valid-from``) and
then imports last month's records: every call must come out priced with the deck's
figures. The dry run says which stored calls a version prices and which it leaves.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from billing.models import Call
from billing.pipeline import raw_records_ingest, raw_records_process
from billing.services import CALL_COST_MAX
from capture.services import IncomingRecord
from rating.engine import OPEN_START, CallToRate
from rating.models import Rate
from rating.services import call_explain, rater_for
from tests.factories import AdminFactory, RatePlanFactory, SiteFactory, SourceFactory

from .deck import ROWS

CORDOBA = ZoneInfo("America/Argentina/Cordoba")
# The contract's columns without the optional valid_from and band.
UNDATED_HEADER = (
    "prefix,destination,category,price_per_minute,connection_fee,initial_seconds,"
    "increment_seconds,minimum_charge"
)


def undated_deck(tmp_path, rows=ROWS, name="deck.csv"):
    path = tmp_path / name
    lines = [UNDATED_HEADER, *(",".join(map(str, row)) for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def mobile_call(start: dt.datetime) -> str:
    """An IP Office record: 4731 dials 0 + 0155123456 (a Córdoba mobile) for 95 s."""
    return (
        f"{start.astimezone(CORDOBA):%Y/%m/%d %H:%M:%S},00:01:35,4,4731,O,0155123456,"
        "0155123456,77,0,1949480,0,E4731,Maria,T9017,Line 17.4,0,0,,,,,,,,,,,,,"
    )


def ingest(source, starts):
    """Store one raw record per start, received now, and parse them as capture does."""
    now = timezone.now()
    raw_records_ingest(
        source=source,
        records=[
            IncomingRecord(seq=seq, received_at=now, line=mobile_call(start))
            for seq, start in enumerate(starts, start=source.raw_records.count() + 1)
        ],
    )
    raw_records_process(source_id=source.id)


@pytest.fixture
def plan(db):
    return RatePlanFactory(slug="new-carrier", currency="ARS")


@pytest.fixture
def source(plan):
    return SourceFactory(slug="pbx", site=SiteFactory(slug="cordoba", rate_plan=plan))


def last_month(days=35, hour=10):
    """A local time ``days`` before today in Córdoba, well inside last month's range."""
    day = timezone.now().astimezone(CORDOBA).date() - dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, 6, 19), CORDOBA)


def test_a_first_deck_without_dates_prices_last_months_calls(source, plan, tmp_path, capsys):
    call_command("import_rates", "--plan", plan.slug, str(undated_deck(tmp_path)), "--apply")
    starts = [last_month(days) for days in (40, 35, 31)]

    ingest(source, starts)

    calls = list(Call.objects.order_by("start"))
    assert [call.start for call in calls] == starts
    # 95 s of a Córdoba mobile at 15.00/min, 30 s then per second: the deck's figures.
    assert [(call.destination, call.cost) for call in calls] == [
        ("Córdoba mobiles", Decimal("23.7500"))
    ] * 3
    assert {call.rate.valid_from for call in calls} == {OPEN_START}
    assert "This version prices all calls, past and future." in capsys.readouterr().out


def test_a_second_undated_deck_starts_today_and_leaves_the_first_for_earlier_calls(
    source, plan, tmp_path
):
    call_command("import_rates", "--plan", plan.slug, str(undated_deck(tmp_path)), "--apply")
    dearer = [(*row[:3], "20.00", *row[4:]) if row[0] == "549351" else row for row in ROWS]
    call_command(
        "import_rates", "--plan", plan.slug, str(undated_deck(tmp_path, dearer)), "--apply"
    )
    today = timezone.localdate()

    ingest(source, [last_month()])
    # A call after the second deck's start, priced by the service ingest uses.
    later = dt.datetime.combine(today + dt.timedelta(days=2), dt.time(12), CORDOBA)
    price = rater_for(site=source.site, max_cost=CALL_COST_MAX).price(
        CallToRate(later, 95, True, "outgoing", "0155123456")
    )

    mobile = Rate.objects.filter(destination__prefix="549351").order_by("valid_from")
    assert [(r.price_per_minute, r.valid_from, r.valid_to) for r in mobile] == [
        (Decimal("15.000000"), OPEN_START, today),
        (Decimal("20.000000"), today, None),
    ]
    assert Call.objects.get().cost == Decimal("23.7500")  # the first deck's 15.00/min
    assert price.cost == Decimal("31.6667")  # 95 s x 20.00 / 60


def test_the_dry_run_counts_the_stored_calls_a_version_leaves_unpriced(
    source, plan, tmp_path, capsys
):
    """Counted at each site's local midnight: 02:30 UTC on 2 November is still
    1 November in Córdoba (UTC-3), so it is before a version starting on the 2nd."""
    other = SourceFactory(slug="elsewhere", site=SiteFactory(rate_plan=RatePlanFactory()))
    ingest(
        source,
        [
            dt.datetime(2026, 10, 20, 15, tzinfo=dt.UTC),
            dt.datetime(2026, 11, 2, 2, 30, tzinfo=dt.UTC),  # 1 November, 23:30 local
            dt.datetime(2026, 11, 2, 3, 30, tzinfo=dt.UTC),  # 2 November, 00:30 local
        ],
    )
    ingest(other, [dt.datetime(2026, 10, 20, 15, tzinfo=dt.UTC)])  # another plan's site
    deck = str(undated_deck(tmp_path))

    call_command("import_rates", "--plan", plan.slug, deck, "--valid-from", "2026-11-02")
    dated_first = capsys.readouterr().out
    call_command("import_rates", "--plan", plan.slug, deck)
    undated_first = capsys.readouterr().out
    call_command("import_rates", "--plan", plan.slug, deck, "--apply")
    dearer = [(*row[:3], "20.00", *row[4:]) if row[0] == "549351" else row for row in ROWS]
    later = str(undated_deck(tmp_path, dearer, name="later.csv"))
    call_command("import_rates", "--plan", plan.slug, later, "--valid-from", "2026-11-02")
    second = capsys.readouterr().out

    assert (
        "This version prices calls from 2026-11-02; 2 stored calls of this plan's sites "
        "are before that and stay unrated." in dated_first
    )
    assert "This version prices all calls, past and future." in undated_first
    assert "Nothing written" in undated_first
    assert (
        "This version prices calls from 2026-11-02; 2 stored calls of this plan's sites "
        "are before that and keep the plan's earlier rates, if any." in second
    )


def test_the_admin_import_says_which_calls_a_version_prices(source, plan, tmp_path, client):
    client.force_login(AdminFactory())
    ingest(source, [dt.datetime(2026, 10, 20, 15, tzinfo=dt.UTC)])
    url = f"/admin/rating/rateplan/{plan.pk}/import/"
    content = undated_deck(tmp_path).read_bytes()

    def upload(**fields):
        deck = SimpleUploadedFile("deck.csv", content, content_type="text/csv")
        return client.post(url, {"deck": deck, **fields}).content.decode()

    dated = upload(valid_from="2026-11-01")
    undated = upload()
    applied = client.post(
        url,
        {"deck": SimpleUploadedFile("deck.csv", content), "apply": "on"},
        follow=True,
    ).content.decode()

    assert (
        "This version prices calls from 2026-11-01; 1 stored call of this plan&#x27;s "
        "sites is before that and stays unrated." in dated
    )
    assert "This version prices all calls, past and future." in undated
    assert "This version prices all calls, past and future." in applied
    assert {rate.valid_from for rate in Rate.objects.filter(plan=plan)} == {OPEN_START}
    # The rates' list (its date hierarchy reaches back to year 1) still shows.
    assert client.get("/admin/rating/rate/").status_code == 200


def test_rerate_prices_calls_stored_before_an_undated_first_deck(source, plan, tmp_path, capsys):
    start = last_month()
    ingest(source, [start])  # no rates yet: unrated
    unrated = Call.objects.get().cost
    call_command("import_rates", "--plan", plan.slug, str(undated_deck(tmp_path)), "--apply")
    day = f"{start:%Y-%m-%d}"

    call_command("rerate", "--from", day, "--to", day, "--no-progress")

    call = Call.objects.select_related("site").get()
    assert unrated is None
    assert "1 calls re-rated, 1 changed price" in capsys.readouterr().out
    assert call.cost == Decimal("23.7500")
    steps = {
        step["step"]: step
        for step in call_explain(site=call.site, call=call, max_cost=CALL_COST_MAX).steps
    }
    assert steps["rate"]["value"] == f"#{call.rate_id}, valid always"
