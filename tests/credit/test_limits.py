"""The longest affordable call, computed from the rate terms (no database)."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from credit.limits import affordable_seconds, terms_from_json, terms_to_json
from rating.engine import RateTerms

LOCAL = RateTerms(1, Decimal("6.00"), initial_seconds=60, increment_seconds=60)
MOBILE = RateTerms(
    2, Decimal("15.00"), connection_fee=Decimal("0.50"), initial_seconds=30, increment_seconds=1
)
US = RateTerms(
    3, Decimal("45.00"), initial_seconds=60, increment_seconds=6, minimum_charge=Decimal("50.00")
)


def cost_of(terms: RateTerms, seconds: int) -> Decimal:
    return terms.cost(terms.billable_seconds(seconds))


def test_whole_blocks_only():
    """6.00 a minute in whole minutes: 10.00 buys one minute, 12.00 exactly two."""
    assert affordable_seconds(LOCAL, Decimal("10.00"), 3600) == 60
    assert affordable_seconds(LOCAL, Decimal("11.9999"), 3600) == 60
    assert affordable_seconds(LOCAL, Decimal("12.00"), 3600) == 120
    assert affordable_seconds(LOCAL, Decimal("5.9999"), 3600) == 0


def test_per_second_billing_after_a_first_block_with_a_fee():
    """0.50 + 0.25 a second: 10.00 pays for 38 s (0.50 + 9.50), not 39."""
    assert affordable_seconds(MOBILE, Decimal("10.00"), 3600) == 38
    assert cost_of(MOBILE, 38) == Decimal("10.0000")
    assert cost_of(MOBILE, 39) > Decimal("10.00")
    assert affordable_seconds(MOBILE, Decimal("7.99"), 3600) == 0  # first 30 s cost 8.00


def test_minimum_charge_must_be_affordable_first():
    """50.00 minimum: under it, no call; at it, the blocks the minimum already pays."""
    assert affordable_seconds(US, Decimal("49.99"), 3600) == 0
    assert affordable_seconds(US, Decimal("50.00"), 3600) == 66  # 49.50 raised to 50.00
    assert cost_of(US, 72) == Decimal("54.0000")


def test_half_up_rounding_of_tiny_prices_is_counted_exactly():
    """At 0.0001 a minute per second, 29 s cost 0.00005 or less: rounds to 0.0000."""
    tiny = RateTerms(4, Decimal("0.000100"), initial_seconds=1, increment_seconds=1)
    assert affordable_seconds(tiny, Decimal("0"), 3600) == 29
    assert cost_of(tiny, 29) == Decimal("0.0000")
    assert cost_of(tiny, 30) == Decimal("0.0001")


def test_free_rates_and_the_cap():
    free = RateTerms(5, Decimal("0"), initial_seconds=1, increment_seconds=1)
    assert affordable_seconds(free, Decimal("0"), 3600) == 3600
    assert affordable_seconds(LOCAL, Decimal("1000000"), 3600) == 3600
    assert affordable_seconds(LOCAL, Decimal("100"), 30) == 30  # under the first block
    assert affordable_seconds(LOCAL, Decimal("-1"), 3600) == 0


def test_terms_survive_json():
    assert terms_from_json(terms_to_json(US)) == RateTerms(
        3, Decimal("45.00"), initial_seconds=60, increment_seconds=6, minimum_charge=Decimal("50")
    )


money = st.decimals(min_value=0, max_value=200, places=4, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(
    price=st.decimals(min_value=0, max_value=90, places=6),
    fee=st.decimals(min_value=0, max_value=5, places=4),
    minimum=st.decimals(min_value=0, max_value=20, places=4),
    initial=st.integers(min_value=1, max_value=120),
    increment=st.integers(min_value=1, max_value=60),
    available=money,
    cap=st.integers(min_value=1, max_value=900),
)
def test_matches_the_longest_affordable_duration_found_by_trying_every_one(
    price, fee, minimum, initial, increment, available, cap
):
    """The exact inverse agrees with a brute-force search over every duration."""
    terms = RateTerms(9, price, fee, initial, increment, minimum)
    expected = max((d for d in range(1, cap + 1) if cost_of(terms, d) <= available), default=0)
    assert affordable_seconds(terms, available, cap) == expected
