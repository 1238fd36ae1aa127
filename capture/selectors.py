"""Reads of capture state shared by the admin and ``/healthz``."""

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .models import RawRecord, Source


def sources_with_health(now: dt.datetime | None = None) -> QuerySet[Source]:
    """Sources annotated with ``records_today`` (last 24 hours) and ``parse_errors``."""
    since = (now or timezone.now()) - dt.timedelta(hours=24)
    return Source.objects.select_related("site").annotate(
        records_today=Count("raw_records", filter=Q(raw_records__received_at__gte=since)),
        parse_errors=Count("raw_records", filter=Q(raw_records__state=RawRecord.State.ERROR)),
        pending=Count("raw_records", filter=Q(raw_records__state=RawRecord.State.PENDING)),
    )
