"""A rate deck in the shape of an Argentine business tariff, for worked examples.

The billing structure follows the country's rules: local calls are charged in
2-minute pulses (120/120), mobile calls per second after the first 30 s (30/1,
Resolución 26/2013), national long distance per minute (60/60) with a connection
fee, international per 6 s after the first minute (60/6) with a minimum charge.
The prices are illustrative round figures so the hand computations stay readable.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from rating.engine import (
    Band,
    NumberingPlan,
    Rater,
    RateTerms,
    Tariff,
    TariffDestination,
)

CORDOBA = NumberingPlan(
    region="AR",
    country_code="54",
    area_code="351",
    national_prefix="0",
    international_prefix="00",
    access_codes=("0",),
)
CORDOBA_ZONE = ZoneInfo("America/Argentina/Cordoba")

# prefix, name, category, price/min, fee, initial, increment, minimum
ROWS = [
    ("54351", "Córdoba", "local", "0.90", "0", 120, 120, "0"),
    ("549351", "Córdoba mobiles", "mobile", "15.00", "0", 30, 1, "0"),
    ("54", "Argentina", "national", "3.60", "0.50", 60, 60, "0"),
    ("5411", "Buenos Aires", "national", "2.40", "0", 60, 60, "0"),
    ("549", "Argentina mobiles", "mobile", "18.00", "0", 30, 1, "0"),
    ("1", "United States and Canada", "international", "45.00", "0", 60, 6, "50.00"),
    ("34", "Spain", "international", "40.00", "0", 60, 6, "0"),
    ("54800", "Toll-free", "toll-free", "0", "0", 1, 1, "0"),
]


def destinations(rows=ROWS, *, valid_from=dt.date(2026, 1, 1), first_id=1):
    """Tariff destinations with one outgoing rate each, ids in row order."""
    built = []
    for rate_id, (prefix, name, category, price, fee, initial, step, minimum) in enumerate(
        rows, start=first_id
    ):
        terms = RateTerms(
            id=rate_id,
            price_per_minute=Decimal(price),
            connection_fee=Decimal(fee),
            initial_seconds=initial,
            increment_seconds=step,
            minimum_charge=Decimal(minimum),
            valid_from=valid_from,
        )
        built.append(TariffDestination(prefix, name, category, {"outgoing": [terms]}))
    return built


def tariff(dests=None, *, bands=(), holiday_band_id=None, version=1) -> Tariff:
    return Tariff(
        plan_id=1,
        slug="telecom-empresas",
        currency="ARS",
        version=version,
        destinations=destinations() if dests is None else dests,
        bands=bands,
        holiday_band_id=holiday_band_id,
    )


def rater(t: Tariff | None = None, **options) -> Rater:
    return Rater(
        tariff=tariff() if t is None else t,
        numbering=CORDOBA,
        zone=CORDOBA_ZONE,
        subdivision="X",
        **options,
    )


PEAK = Band(1, "peak", frozenset({1, 2, 3, 4, 5}), dt.time(8), dt.time(20))
NIGHT = Band(2, "night", frozenset(range(1, 8)), dt.time(20), dt.time(8))
HOLIDAY = Band(3, "holiday", frozenset(range(1, 8)), dt.time(0), dt.time(0))
