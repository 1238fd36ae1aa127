"""Reads of capture state shared by the admin, ``/healthz`` and billing's pipeline."""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from .models import CaptureHeartbeat, CaptureState, RawRecord, Source, Transport

# Gaps are looked for among a source's newest records only, so that the check costs
# the same on a table of a billion rows as on a fresh one.
GAP_SCAN_RECORDS = 100_000
GAP_LIMIT = 20
# Missing records are counted up to this: a larger gap is a jump in the sender's
# numbering (one record with seq 2**63 - 1), not records lost, and counting it would
# report 9 x 10^18 missing records for as long as that record is among the newest.
MISSING_COUNT_CAP = 1_000_000


@dataclass(frozen=True)
class SeqGap:
    """Sequence numbers ``first`` to ``last`` of a source that the centre never received."""

    first: int
    last: int

    @property
    def missing(self) -> int:
        """How many records the gap is missing, counted up to :data:`MISSING_COUNT_CAP`."""
        return min(self.last - self.first + 1, MISSING_COUNT_CAP)

    @property
    def capped(self) -> bool:
        return self.last - self.first + 1 > MISSING_COUNT_CAP

    def __str__(self):
        return str(self.first) if self.first == self.last else f"{self.first}..{self.last}"


@dataclass(frozen=True)
class SeqGapSummary:
    """The newest gaps of a source and the records they miss. ``missing`` is at most
    :data:`MISSING_COUNT_CAP`; ``capped`` says it is a lower bound (a gap too large to
    count, or more gaps than listed)."""

    gaps: list[SeqGap]
    missing: int
    capped: bool


@dataclass(frozen=True)
class PendingRecords:
    """Records stored but not parsed yet: how many, and when the oldest was stored."""

    count: int
    oldest: dt.datetime | None

    def oldest_age(self, now: dt.datetime | None = None) -> dt.timedelta | None:
        if self.oldest is None:
            return None
        return max((now or timezone.now()) - self.oldest, dt.timedelta(0))


def pending_raw_records(**filters) -> QuerySet[RawRecord]:
    """Pending raw records (``filters`` narrow them). The exclude repeats the condition
    of the partial index of unfinished records, which SQLite uses only when the query
    spells it out."""
    return RawRecord.objects.filter(state=RawRecord.State.PENDING, **filters).exclude(
        state=RawRecord.State.PARSED
    )


def raw_records_pending() -> PendingRecords:
    """Count and storage time of the oldest pending record, across all sources.

    One aggregate answered from the ``raw_record_pending`` partial index, which holds
    the pending records only: as cheap on a billion parsed records as on none.
    """
    found = RawRecord.objects.filter(state=RawRecord.State.PENDING).aggregate(
        count=Count("*"), oldest=Min("created_at")
    )
    return PendingRecords(count=found["count"], oldest=found["oldest"])


def sources_with_health(now: dt.datetime | None = None) -> QuerySet[Source]:
    """Sources annotated with ``records_today`` (last 24 hours), ``parse_errors``,
    ``pending``, and the receipt and storage times of their newest record
    (``newest_received_at``, ``newest_stored_at``: see :func:`upload_lag`). Their
    health is :func:`source_health_state`."""
    since = (now or timezone.now()) - dt.timedelta(hours=24)
    newest = RawRecord.objects.filter(source=OuterRef("pk")).order_by("-seq")
    return Source.objects.select_related("site").annotate(
        records_today=Count("raw_records", filter=Q(raw_records__received_at__gte=since)),
        parse_errors=Count("raw_records", filter=Q(raw_records__state=RawRecord.State.ERROR)),
        pending=Count("raw_records", filter=Q(raw_records__state=RawRecord.State.PENDING)),
        # Each a single row read backwards on the (source, seq) unique index.
        newest_received_at=Subquery(newest.values("received_at")[:1]),
        newest_stored_at=Subquery(newest.values("created_at")[:1]),
    )


def upload_lag(source: Source) -> dt.timedelta | None:
    """How long the newest record took from its receipt (at an agent, or at the
    capture) to its storage at the centre; ``source`` comes from
    :func:`sources_with_health`. None before the first record."""
    received, stored = source.newest_received_at, source.newest_stored_at
    if received is None or stored is None:
        return None
    return max(stored - received, dt.timedelta(0))


def source_seq_gaps(
    *, source_id: int, scan: int = GAP_SCAN_RECORDS, limit: int = GAP_LIMIT
) -> list[SeqGap]:
    """Ranges of ``seq`` missing among the newest ``scan`` records of a source, newest
    first, at most ``limit`` of them.

    An agent numbers its records without holes and uploads them in order, so a gap is
    records that never arrived: ones the centre rejected (the agent's dead letters), or
    a spool lost at the site. One window-function query walking the (source, seq)
    unique index backwards, bounded by ``scan``.
    """
    table = connection.ops.quote_name(RawRecord._meta.db_table)
    query = f"""
        SELECT previous_seq + 1, seq - 1 FROM (
            SELECT seq, LAG(seq) OVER (ORDER BY seq) AS previous_seq
            FROM (
                SELECT seq FROM {table} WHERE source_id = %s ORDER BY seq DESC LIMIT %s
            ) newest
        ) numbered
        WHERE seq - previous_seq > 1
        ORDER BY seq DESC
        LIMIT %s
    """  # noqa: S608 (the table name is the model's, not input)
    with connection.cursor() as cursor:
        cursor.execute(query, [source_id, scan, limit])
        return [SeqGap(first, last) for first, last in cursor.fetchall()]


def source_seq_gap_summary(
    *, source_id: int, scan: int = GAP_SCAN_RECORDS, limit: int = GAP_LIMIT
) -> SeqGapSummary:
    """The newest ``limit`` gaps of a source (see :func:`source_seq_gaps`) and the
    records they miss, counted up to :data:`MISSING_COUNT_CAP`."""
    gaps = source_seq_gaps(source_id=source_id, scan=scan, limit=limit + 1)
    more, gaps = len(gaps) > limit, gaps[:limit]
    spans = sum(gap.last - gap.first + 1 for gap in gaps)
    return SeqGapSummary(
        gaps=gaps,
        missing=min(spans, MISSING_COUNT_CAP),
        capped=more or spans > MISSING_COUNT_CAP,
    )


class HealthState:
    """A source's health (a contract: DESIGN.md, Health)."""

    CAPTURING = "capturing"
    CONNECTING = "connecting"
    ERROR = "error"
    SILENT = "silent"
    DISABLED = "disabled"


# The states that make /healthz unhealthy and are announced to administrators.
ALARMING_STATES = (HealthState.ERROR, HealthState.SILENT)
# Transports captured by a process at the centre (the rest arrive by upload or import).
LIVE_TRANSPORTS = (
    Transport.TCP_CLIENT,
    Transport.TCP_SERVER,
    Transport.SERIAL,
    Transport.FILE,
    Transport.DATABASE,
)
HEARTBEAT_MAX_AGE = dt.timedelta(seconds=60)
WORKING_DAYS = range(0, 5)  # Monday to Friday
WORKING_HOURS = (dt.time(8), dt.time(18))  # from 08:00 inclusive to 18:00 exclusive


def is_live(source: Source) -> bool:
    """Captured by ``manage.py capture`` or a capture worker: a network or serial
    link, a database polled, or a file followed at a path (a file source without a
    path is import-only)."""
    if source.transport == Transport.FILE:
        return bool((source.settings or {}).get("path"))
    return source.transport in LIVE_TRANSPORTS


def is_import_only(source: Source) -> bool:
    return source.transport == Transport.FILE and not is_live(source)


def source_time_zone(source: Source) -> ZoneInfo:
    """The source's own ``time_zone`` setting, else its site's."""
    return ZoneInfo((source.settings or {}).get("time_zone") or source.site.time_zone)


def in_working_hours(source: Source, now: dt.datetime) -> bool:
    """Whether ``now`` falls on a weekday from 08:00 (inclusive) to 18:00 (exclusive)
    on the source's wall clock; the zone's DST moves the hours with the clock."""
    local = now.astimezone(source_time_zone(source))
    start, end = WORKING_HOURS
    return local.weekday() in WORKING_DAYS and start <= local.time() < end


def silence_limit(source: Source, now: dt.datetime) -> dt.timedelta:
    """How long the source may send nothing at ``now``: the shorter working-hours
    limit applies while ``now`` is in working hours, the overall limit always."""
    if in_working_hours(source, now):
        return min(source.silent_after_working, source.silent_after)
    return source.silent_after


def silent_since(source: Source) -> dt.datetime | None:
    """When the source's silence began: its newest record's storage, else (it never
    sent anything) when capture last changed its state, else when its key was issued.
    None when none is known: such a source is never called silent."""
    return source.last_seen_at or source.capture_state_at or source.key_created_at


def source_health_state(source: Source, now: dt.datetime | None = None) -> str:
    """One of :class:`HealthState`, in this order: ``disabled`` (not enabled);
    ``error`` (its capture failed, with ``capture_error``); ``silent`` (no record for
    longer than :func:`silence_limit`); ``connecting`` (a live link not up yet, or an
    agent that never uploaded); ``capturing``.

    An import-only file source (no path) expects no records between imports: it is
    ``capturing`` while enabled, never ``silent``.
    """
    now = now or timezone.now()
    if not source.enabled:
        return HealthState.DISABLED
    if is_import_only(source):
        return HealthState.CAPTURING
    if is_live(source) and source.capture_state == CaptureState.ERROR:
        return HealthState.ERROR
    since = silent_since(source)
    if since is not None and now - since > silence_limit(source, now):
        return HealthState.SILENT
    if is_live(source):
        if source.capture_state == CaptureState.CAPTURING:
            return HealthState.CAPTURING
        return HealthState.CONNECTING  # connecting, or not picked up by a capture yet
    return HealthState.CAPTURING if source.last_seen_at else HealthState.CONNECTING


def sources_alarming(now: dt.datetime | None = None) -> list[tuple[Source, str]]:
    """The enabled sources whose health is ``error`` or ``silent`` (calls are not
    arriving from them), by site and name, each with its state. Reads the sources
    only, not their records: cheap enough for every dashboard view."""
    now = now or timezone.now()
    sources = Source.objects.filter(enabled=True).select_related("site")
    states = [(source, source_health_state(source, now)) for source in sources]
    alarming = [(source, state) for source, state in states if state in ALARMING_STATES]
    return sorted(alarming, key=lambda pair: (pair[0].site.name, pair[0].name))


def capture_heartbeat_fresh(now: dt.datetime | None = None) -> bool:
    """Whether some capture process beat within :data:`HEARTBEAT_MAX_AGE`."""
    now = now or timezone.now()
    return CaptureHeartbeat.objects.filter(beat_at__gte=now - HEARTBEAT_MAX_AGE).exists()
