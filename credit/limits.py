"""The inverse of a rate: the longest call a sum of money pays for. Pure, no Django.

The engine prices ``d`` seconds as ``round(max(fee + b(d) x price / 60, minimum))``,
where ``b(d)`` rounds ``d`` up to the initial block and then to whole increments,
and ``round`` is half-up to 4 decimals. Cost only changes at block ends, so the
longest affordable call always ends exactly on one: the answer is the last block
end ``initial + k x increment`` whose cost fits. ``k`` follows from one exact
division in fractions (no loop of guesses, no binary floating point):

    round(raw) <= A  <=>  raw < A + 0.00005          (A has 4 decimals; half-up)
    fee + (initial + k x increment) x price / 60 < A + 0.00005
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from math import ceil

from rating.engine import CENT_FRACTION, RateTerms

HALF_QUANTUM = Fraction(CENT_FRACTION) / 2


def affordable_seconds(terms: RateTerms, available: Decimal, cap: int) -> int:
    """The longest duration, at most ``cap`` seconds, whose cost under ``terms`` is
    within ``available``; 0 when not even the first block is affordable."""
    if cap <= 0 or available < 0:
        return 0
    available = available.quantize(CENT_FRACTION)
    if max(terms.connection_fee, terms.minimum_charge) > available:
        return 0
    if terms.price_per_minute == 0:
        return cap  # every length costs the fee (or the minimum), already affordable
    # Longest billable length strictly below the bound, in exact arithmetic.
    bound = (
        (Fraction(available) + HALF_QUANTUM - Fraction(terms.connection_fee))
        * 60
        / Fraction(terms.price_per_minute)
    )
    if bound <= terms.initial_seconds:
        return 0
    blocks = ceil((bound - terms.initial_seconds) / terms.increment_seconds) - 1
    return min(terms.initial_seconds + blocks * terms.increment_seconds, cap)


def terms_to_json(terms: RateTerms) -> dict:
    """The rate terms a reservation keeps, as JSON (money as strings)."""
    return {
        "rate_id": terms.id,
        "price_per_minute": str(terms.price_per_minute),
        "connection_fee": str(terms.connection_fee),
        "initial_seconds": terms.initial_seconds,
        "increment_seconds": terms.increment_seconds,
        "minimum_charge": str(terms.minimum_charge),
    }


def terms_from_json(data: dict) -> RateTerms:
    return RateTerms(
        id=data["rate_id"],
        price_per_minute=Decimal(data["price_per_minute"]),
        connection_fee=Decimal(data["connection_fee"]),
        initial_seconds=data["initial_seconds"],
        increment_seconds=data["increment_seconds"],
        minimum_charge=Decimal(data["minimum_charge"]),
    )
