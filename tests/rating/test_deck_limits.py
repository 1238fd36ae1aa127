"""A rate deck is checked against what the database can hold, in the dry run.

A hostile tester's values: a price of 1e308 crashed the dry run; prices of 20 digits,
11-digit seconds and 60-digit prefixes passed it and then broke the apply on
PostgreSQL, or were stored on SQLite where the rate admin and every later parse of the
plan's sites failed on reading them back.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from rating.models import Destination, Rate
from tests.factories import AdminFactory, RatePlanFactory

HEADER = (
    "prefix,destination,category,price_per_minute,connection_fee,"
    "initial_seconds,increment_seconds,minimum_charge,band"
)
GOOD = "5411,Buenos Aires,national,2.40,0,60,60,0,"


@pytest.fixture
def plan(db):
    return RatePlanFactory(slug="telecom-empresas", currency="ARS")


def deck(tmp_path, *lines):
    path = tmp_path / "deck.csv"
    path.write_text("\n".join([HEADER, GOOD, *lines]) + "\n", encoding="utf-8")
    return str(path)


def refused(plan, path, *options):
    with pytest.raises(CommandError) as error:
        call_command("import_rates", "--plan", plan.slug, path, *options)
    assert not Destination.objects.exists()
    assert not Rate.objects.exists()
    return str(error.value)


@pytest.mark.parametrize("apply", [(), ("--apply",)], ids=["dry-run", "apply"])
def test_every_value_beyond_its_column_is_named_with_its_line_and_limit(plan, tmp_path, apply):
    path = deck(
        tmp_path,
        "1,USA,international,1e308,0,60,6,0,",
        "2,Big,national,99999999999999999999,0,60,60,0,",
        "3,Long first block,national,1,0,99999999999,60,0,",
        f"{'5' * 60},Long prefix,national,1,0,60,60,0,",
        "4,Fine decimals,national,0.1234567,0.00001,60,60,0,",
        f"5,{'x' * 201},national,1,0,60,60,0,",
        "6,Fees,national,1,99999999999.5,60,1e999999999,1E+12,",
        f"7,Banded,national,1,0,60,60,0,{'b' * 51}",
        "8,Not numbers,national,NaN,Infinity,inf,60,-Infinity,",
    )

    message = refused(plan, path, *apply)

    # The limits come from the fields: Rate.price_per_minute has 14 digits, 6 decimals.
    assert "line 3, price_per_minute: 1E+308 has more than 8 digits before the point" in message
    assert (
        "line 4, price_per_minute: 99999999999999999999 has more than 8 digits before the point"
        in message
    )
    assert "line 5, initial_seconds: 99999999999 is more than 2,147,483,647" in message
    assert f"line 6, prefix: {'5' * 37}... is longer than 20 characters" in message
    assert "line 7, price_per_minute: 0.1234567 has more than 6 decimals" in message
    assert "line 7, connection_fee: 0.00001 has more than 4 decimals" in message
    assert "line 8, destination: " in message and "is longer than 200 characters" in message
    assert (
        "line 9, connection_fee: 99999999999.5 has more than 10 digits before the point" in message
    )
    assert "line 9, increment_seconds: 1E+999999999 is more than 2,147,483,647" in message
    assert "line 9, minimum_charge: 1E+12 has more than 10 digits before the point" in message
    assert "line 10, band: " in message and "is longer than 50 characters" in message
    assert "line 11: price_per_minute 'NaN' is not an amount of money" in message
    assert "line 11: connection_fee 'Infinity' is not an amount of money" in message
    assert "line 11: initial_seconds 'inf' is not a whole number of seconds" in message
    assert "line 11: minimum_charge '-Infinity' is not an amount of money" in message


def test_the_largest_values_the_columns_hold_are_applied_and_read_back(plan, tmp_path):
    path = deck(
        tmp_path,
        f"{'9' * 20},{'y' * 200},premium,99999999.999999,9999999999.9999,"
        "2147483647,2147483647,9999999999.9999,",
        "1,Exponent,international,1.5E+2,0,60,6,0,",
    )

    call_command("import_rates", "--plan", plan.slug, path, "--apply")

    rate = Rate.objects.select_related("destination").get(destination__prefix="9" * 20)
    assert str(rate.price_per_minute) == "99999999.999999"
    assert str(rate.connection_fee) == "9999999999.9999"
    assert rate.initial_seconds == rate.increment_seconds == 2147483647
    assert rate.destination.name == "y" * 200
    assert str(Rate.objects.get(destination__prefix="1").price_per_minute) == "150.000000"


def test_the_admin_import_shows_the_same_errors_and_writes_nothing(plan, client):
    client.force_login(AdminFactory())
    content = f"{HEADER}\n{GOOD}\n2,Big,national,99999999999999999999,0,60,60,0,\n"
    upload = SimpleUploadedFile("deck.csv", content.encode(), content_type="text/csv")

    answer = client.post(
        f"/admin/rating/rateplan/{plan.pk}/import/", {"deck": upload, "apply": "on"}
    )

    assert answer.status_code == 200
    assert (
        "line 3, price_per_minute: 99999999999999999999 has more than 8 digits before the point"
        in answer.content.decode()
    )
    assert not Rate.objects.exists()
