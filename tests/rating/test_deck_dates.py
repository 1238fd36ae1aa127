"""Rate decks as people write them: dates as day/month/year when asked (``--date-format``
or the admin's language), typed dates in an XLSX, decimal commas and semicolons; the
dry run says how the dates were read before anything is written."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import translation

from rating.decks import date_order_for_language, deck_read
from rating.models import Rate
from tests.factories import AdminFactory, RatePlanFactory

HEADER = "prefix;destination;category;price_per_minute;valid_from"
DEFAULT = dt.date(2026, 1, 1)


@pytest.fixture
def plan(db):
    return RatePlanFactory(slug="telecom", currency="ARS")


def deck(tmp_path, *lines, name="deck.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return str(path)


def test_day_month_year_dates_are_read_only_when_asked(plan, tmp_path, capsys):
    path = deck(tmp_path, "5411;Buenos Aires;national;2,40;01/12/2026")

    with pytest.raises(CommandError) as refused:
        call_command("import_rates", "--plan", plan.slug, path)
    assert "valid_from '01/12/2026' is not an ISO date (YYYY-MM-DD)" in str(refused.value)

    call_command("import_rates", "--plan", plan.slug, path, "--date-format", "dmy")
    out = capsys.readouterr().out
    assert "Dates read as day/month/year" in out
    assert "line 2 says 01/12/2026, read as Dec. 1, 2026" in out
    assert not Rate.objects.exists()  # a dry run

    call_command("import_rates", "--plan", plan.slug, path, "--date-format", "mdy", "--apply")
    assert Rate.objects.get().valid_from == dt.date(2026, 1, 12)


def test_iso_dates_and_typed_xlsx_dates_are_read_in_any_order(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["prefix", "destination", "category", "price_per_minute", "valid_from"])
    typed = dt.datetime(2026, 12, 1)  # noqa: DTZ001 - an XLSX date cell has no zone
    sheet.append(["5411", "Buenos Aires", "national", 2.4, typed])
    sheet.append(["549351", "Córdoba mobile", "mobile", "9,50", "2026-11-15"])
    content = io.BytesIO()
    workbook.save(content)

    for order in ("iso", "dmy", "mdy"):
        rows = deck_read(
            "deck.xlsx", default_valid_from=DEFAULT, content=content.getvalue(), date_order=order
        )
        assert [row.valid_from for row in rows] == [dt.date(2026, 12, 1), dt.date(2026, 11, 15)]
        assert str(rows[1].price_per_minute) == "9.50"


def test_an_impossible_date_or_order_is_named(tmp_path):
    path = deck(tmp_path, "5411;Buenos Aires;national;2.40;31/02/2026")
    with pytest.raises(Exception) as impossible:
        deck_read(path, default_valid_from=DEFAULT, date_order="dmy")
    with pytest.raises(Exception) as unknown:
        deck_read(path, default_valid_from=DEFAULT, date_order="ymd-backwards")

    assert "line 2: valid_from '31/02/2026' is not a date (DD/MM/YYYY or YYYY-MM-DD)" in str(
        impossible.value
    )
    assert "date order 'ymd-backwards' is not one of iso, dmy, mdy" in str(unknown.value)


def test_the_admin_reads_dates_in_its_language_and_says_how(plan, client):
    client.force_login(AdminFactory())
    url = f"/admin/rating/rateplan/{plan.pk}/import/"
    upload = SimpleUploadedFile(
        "deck.csv", f"{HEADER}\n5411;Buenos Aires;national;2,40;01/12/2026\n".encode()
    )

    form = client.get(url, HTTP_ACCEPT_LANGUAGE="es-AR").content.decode()
    page = client.post(
        url, {"deck": upload, "date_order": "dmy"}, HTTP_ACCEPT_LANGUAGE="es-AR"
    ).content.decode()

    assert '<option value="dmy" selected>' in form
    assert "01/12/2026" in page and "1/12/2026" in page  # read as 1 December, shown in es-AR
    assert not Rate.objects.exists()
    with translation.override("en"):
        assert date_order_for_language() == "iso"
    with translation.override("pt-br"):
        assert date_order_for_language() == "dmy"
