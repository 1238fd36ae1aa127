"""Filling the rollups from the calls, for migrations only.

Frozen: it works on the historical models it is given and never imports live code,
so that later changes to ``billing.rollups`` cannot change what an old migration
does. Slow but simple (every call read once, in Python); it runs once per upgrade.
(The loader skips this module: its name starts with an underscore.)
"""

from collections import defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

KEYS = {
    "DailyRollup": ("day", "site_id", "department_id", "extension_id", "direction", "category"),
    "MonthlyRollup": (
        "month",
        "site_id",
        "department_id",
        "extension_id",
        "direction",
        "category",
    ),
    "DestinationRollup": ("month", "site_id", "department_id", "category", "destination"),
    "HourlyRollup": ("month", "site_id", "department_id", "weekday", "hour", "direction"),
}
FACT_FIELDS = (
    "site_id",
    "start",
    "department_id",
    "extension_id",
    "direction",
    "category",
    "destination",
    "answered",
    "duration_seconds",
    "ring_seconds",
    "cost",
)


def rollups_fill(call_model, site_model, rollup_models: dict, *, with_unrated: bool) -> None:
    """Replace every row of ``rollup_models`` (by model name) with sums of the calls."""
    measures = ["calls", "answered", "seconds", "ring_seconds", "cost"]
    if with_unrated:
        measures.insert(4, "unrated")
    zones = {site.id: ZoneInfo(site.time_zone) for site in site_model.objects.all()}
    sums = {name: defaultdict(lambda: [0] * len(measures)) for name in rollup_models}
    calls = call_model.objects.order_by().values_list(*FACT_FIELDS)
    for fact in calls.iterator(chunk_size=10_000):
        site_id, start, department, extension, direction, category, destination = fact[:7]
        answered, seconds, ring_seconds, cost = fact[7:]
        local = start.astimezone(zones[site_id])
        day = local.date()
        dimensions = {
            "day": day,
            "month": day.replace(day=1),
            "site_id": site_id,
            "department_id": department or 0,
            "extension_id": extension or 0,
            "direction": direction,
            "category": category,
            "destination": destination,
            "weekday": local.weekday(),
            "hour": local.hour,
        }
        values = [1, int(answered), seconds, ring_seconds, cost or Decimal(0)]
        if with_unrated:
            values.insert(4, int(cost is None))
        for name in rollup_models:
            row = sums[name][tuple(dimensions[key] for key in KEYS[name])]
            for index, value in enumerate(values):
                row[index] += value
    for name, model in rollup_models.items():
        model.objects.all().delete()
        model.objects.bulk_create(
            (
                model(**dict(zip(KEYS[name], key, strict=True)), **dict(zip(measures, row)))
                for key, row in sums[name].items()
            ),
            batch_size=5000,
        )
