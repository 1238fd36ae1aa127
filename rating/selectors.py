"""Rating reads: which stored calls a plan's rates leave out."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Q

from billing.models import Call
from org.models import Site

from .models import RatePlan


def calls_before_count(plan: RatePlan, day: dt.date) -> int:
    """How many stored calls of the sites priced by ``plan`` started before ``day``,
    at local midnight of each site: the calls that rates starting that day do not price."""
    before = Q()
    for site_id, zone in Site.objects.filter(rate_plan=plan).values_list("pk", "time_zone"):
        midnight = dt.datetime.combine(day, dt.time(), ZoneInfo(zone))
        before |= Q(site_id=site_id, start__lt=midnight)
    if not before:
        return 0
    return Call.objects.filter(before).count()
