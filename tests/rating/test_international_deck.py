"""Worked examples from a real, published international price list, read through the
deck reader and priced by the engine, every figure computed by hand.

Source: Twilio's Pricing API, ``GET https://pricing.twilio.com/v2/Voice/Countries/GB``
and ``.../US`` (outbound prefix prices, USD per minute), as recorded in the test
fixtures of kevinburke/twilio-go (``responses_test.go``, commit 0665a45d63b8, read
on 2026-11-23). A handful of its rows are copied below with their prefixes. Twilio
sells these as "Programmable Outbound Minute"s and charges each started minute, so
they are entered with 60/60 increments, no connection fee and no minimum.

The calls are made from a site in Córdoba (Argentina): outside-line code 0, then the
international prefix 00, then the number.
"""

import datetime as dt
from decimal import Decimal

import pytest

from rating.decks import deck_read
from rating.engine import CallToRate, Rater, RateTerms, Tariff, TariffDestination

from .deck import CORDOBA, CORDOBA_ZONE

DECK = """\
prefix,destination,category,price_per_minute,connection_fee,initial_seconds,increment_seconds,minimum_charge
44,United Kingdom,international,0.0175,0,60,60,0
44207,United Kingdom,international,0.0175,0,60,60,0
447,United Kingdom - Mobile - Other,mobile,0.32,0,60,60,0
447781,United Kingdom - Mobile - Other,mobile,0.32,0,60,60,0
447400,United Kingdom - Mobile,mobile,0.035,0,60,60,0
44794,United Kingdom - Mobile,mobile,0.035,0,60,60,0
4470,United Kingdom - Personal,premium,0.45,0,60,60,0
44870,United Kingdom - Special Services,premium,0.25,0,60,60,0
1,United States & Canada,international,0.013,0,60,60,0
1907,United States - Alaska,international,0.090,0,60,60,0
"""
MONDAY_10 = dt.datetime(2026, 11, 16, 10, 0, tzinfo=CORDOBA_ZONE)


@pytest.fixture(scope="module")
def twilio(tmp_path_factory) -> Rater:
    path = tmp_path_factory.mktemp("decks") / "twilio-gb-us.csv"
    path.write_text(DECK, encoding="utf-8")
    rows = deck_read(path, default_valid_from=dt.date(2026, 1, 1))
    destinations = [
        TariffDestination(
            row.prefix,
            row.destination,
            row.category,
            {
                row.applies_to: [
                    RateTerms(
                        line,
                        row.price_per_minute,
                        row.connection_fee,
                        row.initial_seconds,
                        row.increment_seconds,
                        row.minimum_charge,
                        row.valid_from,
                    )
                ]
            },
        )
        for line, row in enumerate(rows, start=2)
    ]
    tariff = Tariff(
        plan_id=1, slug="twilio-2017", currency="USD", version=1, destinations=destinations
    )
    return Rater(tariff=tariff, numbering=CORDOBA, zone=CORDOBA_ZONE)


@pytest.mark.parametrize(
    ("dialled", "seconds", "e164", "destination", "billable", "cost"),
    [
        # London landline, 020 7946 0958: 44207 is the longest prefix (over 44).
        # 61 s -> 60 s + 1 x 60 s = 120 s; 120 x 0.0175 / 60 = 0.035
        ("0 00 44 20 7946 0958", 61, "+442079460958", "United Kingdom", 120, "0.0350"),
        # A UK mobile in a range the list prices low (447400): 95 s -> 120 s;
        # 120 x 0.035 / 60 = 0.07
        ("0 00 44 7400 123456", 95, "+447400123456", "United Kingdom - Mobile", 120, "0.0700"),
        # ... and one in a range it prices high (447781, "Mobile - Other"), though both
        # start 447: 30 s -> the first 60 s; 60 x 0.32 / 60 = 0.32
        (
            "0 00 44 7781 234567",
            30,
            "+447781234567",
            "United Kingdom - Mobile - Other",
            60,
            "0.3200",
        ),
        # A UK personal number (070): 125 s -> 60 + 2 x 60 = 180 s; 180 x 0.45 / 60 = 1.35
        ("0 00 44 70 1234 5678", 125, "+447012345678", "United Kingdom - Personal", 180, "1.3500"),
        # Alaska (1 907) beats the NANP's 1: 59 s -> 60 s; 60 x 0.090 / 60 = 0.09
        ("0 00 1 907 555 0123", 59, "+19075550123", "United States - Alaska", 60, "0.0900"),
        # New York: 1 s still pays the first minute; 60 x 0.013 / 60 = 0.013
        ("0 00 1 212 555 0199", 1, "+12125550199", "United States & Canada", 60, "0.0130"),
    ],
)
def test_calls_priced_with_a_published_price_list(
    twilio, dialled, seconds, e164, destination, billable, cost
):
    price = twilio.price(CallToRate(MONDAY_10, seconds, True, "outgoing", dialled))

    assert price.normalized_number == e164
    assert price.destination == destination
    assert price.billable_seconds == billable
    assert price.cost == Decimal(cost)
    assert price.currency == "USD"


def test_the_explanation_shows_the_published_terms(twilio):
    call = CallToRate(MONDAY_10, 95, True, "outgoing", "0 00 44 7400 123456")

    steps = {step["step"]: step for step in twilio.price(call, explain=True).steps}

    assert steps["destination"]["prefix"] == "447400"
    assert steps["rate"]["increments"] == "60/60"
    assert steps["billable seconds"]["how"] == "60 s + 1 x 60 s for 95 s"
    assert steps["cost"]["arithmetic"] == (
        "0 + 120 x 0.035 / 60 = 0.07, rounded half-up to 4 decimals"
    )
