"""The pure rating engine: worked examples computed by hand, and properties."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rating.engine import CallToRate, Rater, RateTerms, TariffDestination, normalize

from .deck import CORDOBA, CORDOBA_ZONE, HOLIDAY, NIGHT, PEAK, destinations, rater, tariff

MONDAY_10 = dt.datetime(2026, 11, 16, 10, 0, tzinfo=CORDOBA_ZONE)  # an ordinary Monday


def call(number, seconds, *, start=MONDAY_10, direction="outgoing", answered=True):
    return CallToRate(start, seconds, answered, direction, number)


@pytest.mark.parametrize(
    ("dialled", "e164", "how"),
    [
        ("0 4123456", "+543514123456", "local number in area 351"),
        ("0 15 5123456", "+5493515123456", "local number in area 351"),  # 0351 15 -> +549351
        ("0 0351 15 5123456", "+5493515123456", "national prefix 0"),
        ("0 011 4567-8901", "+541145678901", "national prefix 0"),
        ("0 0261 4123456", "+542614123456", "national prefix 0"),
        ("0 00 1 212 555 1234", "+12125551234", "international prefix 00"),
        ("+34 91 123 45 67", "+34911234567", "international format"),
    ],
)
def test_numbers_are_normalized_with_the_sites_numbering_plan(dialled, e164, how):
    price = rater().price(call(dialled, 0, answered=False))

    assert price.normalized_number == e164
    assert how in price_steps(dialled)["normalized"]["how"]


def price_steps(dialled):
    price = rater().price(call(dialled, 10), explain=True)
    return {step["step"]: step for step in price.steps}


@pytest.mark.parametrize(
    ("dialled", "seconds", "destination", "billable", "cost"),
    [
        # Local, 2-minute pulses: 185 s -> 120 + 1 x 120 = 240 s; 240 x 0.90 / 60 = 3.60
        ("04123456", 185, "Córdoba", 240, "3.6000"),
        # Córdoba mobile, 30/1: 95 s -> 95 s; 95 x 15.00 / 60 = 23.75
        ("0155123456", 95, "Córdoba mobiles", 95, "23.7500"),
        # ... and a 10 s call pays the first 30 s block: 30 x 15 / 60 = 7.50
        ("0155123456", 10, "Córdoba mobiles", 30, "7.5000"),
        # Buenos Aires beats the national prefix 54 (longest prefix): 61 s -> 120 s;
        # 120 x 2.40 / 60 = 4.80
        ("0011 4567 8901", 61, "Buenos Aires", 120, "4.8000"),
        # Mendoza, national with a 0.50 connection fee: 10 s -> 60 s; 0.50 + 3.60 = 4.10
        ("002614123456", 10, "Argentina", 60, "4.1000"),
        # Mendoza mobile 0261 15 ...: 549 at 18.00, 45 s -> 45 s; 45 x 18 / 60 = 13.50
        ("00261155123456", 45, "Argentina mobiles", 45, "13.5000"),
        # New York, 60/6: 125 s -> 60 + 11 x 6 = 126 s; 126 x 45 / 60 = 94.50
        ("0001212555 1234", 125, "United States and Canada", 126, "94.5000"),
        # ... 7 s -> 60 s = 45.00, raised to the 50.00 minimum charge
        ("0001212555 1234", 7, "United States and Canada", 60, "50.0000"),
        # Madrid, 60/6: 61 s -> 66 s; 66 x 40 / 60 = 44.00
        ("0 0034 911234567", 61, "Spain", 66, "44.0000"),
    ],
)
def test_worked_examples_of_an_argentine_tariff(dialled, seconds, destination, billable, cost):
    price = rater().price(call(dialled, seconds))

    assert price.destination == destination
    assert price.billable_seconds == billable
    assert price.cost == Decimal(cost)
    assert price.currency == "ARS"


def test_costs_round_half_up_to_four_decimals():
    terms = RateTerms(
        id=1, price_per_minute=Decimal("0.003"), initial_seconds=1, increment_seconds=1
    )
    dests = [TariffDestination("54", "Argentina", "national", {"outgoing": [terms]})]

    price = rater(tariff(dests)).price(call("002614123456", 1))

    # 1 x 0.003 / 60 = 0.00005 exactly: half-up gives 0.0001 (banker's rounding would give 0)
    assert price.cost == Decimal("0.0001")


def test_unanswered_incoming_internal_and_emergency_calls_cost_nothing():
    r = rater()

    unanswered = r.price(call("0155123456", 40, answered=False))
    incoming = r.price(call("3514123456", 300, direction="incoming"))
    internal = r.price(call("2001", 300, direction="internal"))
    emergency = r.price(call("0911", 120))

    assert unanswered.cost == incoming.cost == internal.cost == emergency.cost == Decimal(0)
    assert (unanswered.category, internal.category, emergency.category) == (
        "mobile",
        "internal",
        "emergency",
    )
    assert incoming.normalized_number == "+543514123456"


def test_a_withheld_caller_is_free_and_unknown_not_unrated():
    withheld = rater().price(call("", 300, direction="incoming"))

    assert withheld.cost == Decimal(0)
    assert withheld.category == "unknown"  # an empty category would read "not rated"
    assert withheld.unrated_reason == ""


def test_an_incoming_rate_prices_incoming_calls():
    terms = RateTerms(
        id=9, price_per_minute=Decimal("1.20"), initial_seconds=60, increment_seconds=60
    )
    dests = [
        *destinations(),
        TariffDestination("54800", "Toll-free", "toll-free", {"incoming": [terms]}),
    ]

    price = rater(tariff(dests)).price(call("08001234567", 90, direction="incoming"))

    assert (price.destination, price.cost) == ("Toll-free", Decimal("2.4000"))


def test_a_number_no_destination_matches_is_unrated_not_free():
    price = rater().price(call("0 00 86 10 1234 5678", 60))  # China: not in the deck

    assert price.cost is None
    assert "no destination of plan telecom-empresas matches 861012345678" in price.unrated_reason


def test_a_site_without_a_plan_leaves_outgoing_calls_unrated():
    no_plan = Rater(tariff=None, numbering=CORDOBA, zone=CORDOBA_ZONE, fallback_currency="ARS")
    price = no_plan.price(call("04123456", 60))

    assert price.cost is None
    assert price.unrated_reason == "the site has no rate plan"
    assert price.normalized_number == "+543514123456"


def banded_tariff():
    def terms(rate_id, price, band):
        return RateTerms(
            id=rate_id,
            price_per_minute=Decimal(price),
            valid_from=dt.date(2026, 1, 1),
            band_id=band.id if band else None,
        )

    national = TariffDestination(
        "54",
        "Argentina",
        "national",
        {"outgoing": [terms(1, "3.60", PEAK), terms(2, "1.80", NIGHT), terms(3, "0.60", HOLIDAY)]},
    )
    return tariff([national], bands=[PEAK, NIGHT, HOLIDAY], holiday_band_id=HOLIDAY.id)


def cordoba_time(*fields: int) -> dt.datetime:
    """A wall-clock time in Córdoba."""
    return dt.datetime(*fields, tzinfo=CORDOBA_ZONE)


@pytest.mark.parametrize(
    ("start", "band", "cost"),
    [
        (cordoba_time(2026, 11, 16, 9, 0), "peak", "3.6000"),  # Monday morning
        (cordoba_time(2026, 11, 16, 22, 0), "night", "1.8000"),  # Monday night
        (cordoba_time(2026, 11, 17, 3, 0), "night", "1.8000"),  # past midnight, same band
        (cordoba_time(2026, 11, 21, 10, 0), "", None),  # Saturday: no band, no any-time rate
        (cordoba_time(2026, 12, 8, 10, 0), "holiday", "0.6000"),  # Tuesday, Immaculate Conception
    ],
)
def test_the_band_at_the_local_start_picks_the_rate(start, band, cost):
    price = rater(banded_tariff()).price(call("002614123456", 60, start=start), explain=True)

    steps = {step["step"]: step["value"] for step in price.steps}
    assert steps["band"] == (band or "(none)")
    assert price.cost == (Decimal(cost) if cost else None)
    if cost is None:
        assert "no rate for Argentina valid on 2026-11-21" in price.unrated_reason


def test_the_rate_valid_on_the_local_date_applies():
    old = RateTerms(
        1, Decimal("3.00"), valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2026, 12, 1)
    )
    new = RateTerms(2, Decimal("6.00"), valid_from=dt.date(2026, 12, 1))
    r = rater(tariff([TariffDestination("54", "Argentina", "national", {"outgoing": [old, new]})]))
    # 23:30 on 30 November in Córdoba is already 1 December in UTC.
    last_evening = dt.datetime(2026, 11, 30, 23, 30, tzinfo=CORDOBA_ZONE)
    next_morning = dt.datetime(2026, 12, 1, 0, 30, tzinfo=CORDOBA_ZONE)

    before = r.price(call("002614123456", 60, start=last_evening.astimezone(dt.UTC)))
    after = r.price(call("002614123456", 60, start=next_morning.astimezone(dt.UTC)))

    assert (before.rate_id, before.cost) == (1, Decimal("3.0000"))
    assert (after.rate_id, after.cost) == (2, Decimal("6.0000"))


def test_a_trunk_without_answer_supervision_decides_what_was_answered():
    r = rater(answer_after_seconds=15)

    short = r.price(call("04123456", 12, answered=True))
    long = r.price(call("04123456", 40, answered=True))

    assert (short.answered, short.cost) == (False, Decimal(0))
    assert (long.answered, long.cost) == (True, Decimal("1.8000"))


def test_the_explanation_shows_every_step_and_the_arithmetic():
    price = rater().price(call("0 00 1212555 1234", 125), explain=True)

    steps = {step["step"]: step for step in price.steps}
    assert steps["number as recorded"]["value"] == "0 00 1212555 1234"
    assert steps["normalized"]["value"] == "+12125551234"
    assert steps["destination"]["prefix"] == "1"
    assert steps["rate"]["increments"] == "60/6"
    assert steps["billable seconds"]["how"] == "60 s + 11 x 6 s for 125 s"
    assert steps["cost"]["arithmetic"].startswith("0 + 126 x 45.00 / 60 = 94.5")
    assert steps["cost"]["value"] == "94.5000 ARS"


def test_normalization_answers_are_cached():
    normalize.cache_clear()
    r = rater()

    for _ in range(3):
        r.price(call("0155123456", 60))

    info = normalize.cache_info()
    assert info.hits + info.misses == 1  # read once, then remembered


durations = st.integers(min_value=0, max_value=20_000)
numbers = st.sampled_from(
    ["04123456", "0155123456", "0011 45678901", "0001212555 1234", "0034911234567"]
)


@given(numbers, durations, durations)
def test_cost_is_never_negative_and_never_falls_as_a_call_gets_longer(number, a, b):
    r = rater()
    shorter, longer = sorted((a, b))

    cost_short = r.price(call(number, shorter)).cost
    cost_long = r.price(call(number, longer)).cost

    assert Decimal(0) <= cost_short <= cost_long


@given(numbers, durations)
def test_an_unanswered_call_always_costs_nothing(number, seconds):
    assert rater().price(call(number, seconds, answered=False)).cost == 0


@given(
    st.text(alphabet="0123456789", min_size=1, max_size=8),
    st.sampled_from(["AR", "GB", "US", "DE", "BR", "MX", "FR", "IN", "CL"]),
)
def test_the_quick_emergency_check_agrees_with_phonenumbers(dialled, region):
    """The engine's emergency test for plain digits is the library's, only quicker."""
    from phonenumbers import shortnumberinfo

    from rating.engine import _is_emergency_number

    expected = shortnumberinfo.is_emergency_number(dialled, region)
    assert _is_emergency_number(dialled, region) == expected


def test_an_invalid_number_says_so_in_the_explanation_only_when_asked():
    """Validity is worked out for explanations, not for every number rated."""
    number = normalize("0 00 44 1234", CORDOBA)  # +44 1234: too short for the UK
    how = "outside-line code 0 removed; international prefix 00"

    assert number.digits == "441234"
    assert number.note == how
    assert number.how == how + "; not a valid number in its country's plan"
    assert normalize("0 00 44 20 7946 0958", CORDOBA).how == how  # a London number
