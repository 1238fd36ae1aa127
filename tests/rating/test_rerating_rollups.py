"""The rollup sums re-rating leans on, against a plain computation, in zones where a
UTC hour is not one local hour (half-hour offsets, clock changes)."""

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from billing.models import DailyRollup, DestinationRollup, HourlyRollup, MonthlyRollup
from billing.rollups import CallFact, Totals


def plain_sums(facts, zone, model) -> dict:
    totals = defaultdict(lambda: [0, 0, 0, 0, 0, Decimal(0)])
    for fact in facts:
        local = fact.start.astimezone(zone)
        fields = {
            "day": local.date(),
            "month": local.date().replace(day=1),
            "site_id": fact.site_id,
            "department_id": fact.department_id or 0,
            "extension_id": fact.extension_id or 0,
            "direction": fact.direction,
            "category": fact.category,
            "destination": fact.destination,
            "weekday": local.weekday(),
            "hour": local.hour,
        }
        row = totals[tuple(fields[name] for name in model.KEYS)]
        for index, value in enumerate(
            (
                1,
                int(fact.answered),
                fact.duration_seconds,
                fact.ring_seconds,
                int(fact.cost is None),
                fact.cost or 0,
            )
        ):
            row[index] += value
    return dict(totals)


@pytest.mark.parametrize(
    ("zone", "around"),
    [
        ("Asia/Kolkata", dt.datetime(2026, 10, 31, 18, tzinfo=dt.UTC)),  # +05:30
        ("America/St_Johns", dt.datetime(2026, 11, 1, 4, tzinfo=dt.UTC)),  # -02:30 -> -03:30
        ("Europe/London", dt.datetime(2026, 10, 25, 1, tzinfo=dt.UTC)),  # BST ends
    ],
)
def test_rollup_sums_follow_local_time_in_every_zone(zone, around):
    rng = random.Random(zone)
    facts = [
        CallFact(
            7,
            around + dt.timedelta(seconds=rng.randrange(-3 * 3600, 3 * 3600)),
            rng.choice([None, 3]),
            rng.choice([None, 11, 12]),
            rng.choice(["outgoing", "incoming"]),
            rng.choice(["mobile", "local"]),
            rng.choice(["Córdoba", "Córdoba mobiles"]),
            rng.random() < 0.8,
            rng.randrange(600),
            rng.randrange(30),
            rng.choice([None, Decimal("1.2500"), Decimal("0.0300")]),
        )
        for _ in range(2000)
    ]
    totals = Totals()
    totals._zones[7] = ZoneInfo(zone)

    totals.add(facts)
    totals._share_out_hours()

    for model in (DailyRollup, MonthlyRollup, DestinationRollup, HourlyRollup):
        assert dict(totals.rows[model]) == plain_sums(facts, ZoneInfo(zone), model)
