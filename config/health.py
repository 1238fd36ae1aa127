"""The health check, ``/healthz``: the database, the broker and the capture.

It lives in config, the top layer, because it reads more than one app."""

import datetime as dt

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils import timezone
from kombu import Connection
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from capture.models import Transport
from capture.selectors import (
    ALARMING_STATES,
    HealthState,
    capture_heartbeat_fresh,
    is_live,
    raw_records_pending,
    source_health_state,
    source_seq_gap_summary,
    sources_with_health,
    upload_lag,
)

# A record pending longer than this was not parsed after its commit (a crash, a dead
# worker): its call is missing from the reports.
PENDING_MAX_AGE = dt.timedelta(minutes=5)


def healthz(request):
    """``{"status": "ok"|"unhealthy"}``, 200 or 503, so a load balancer or monitor can
    act on the status code alone.

    Unhealthy when the database or a configured broker is unreachable, the oldest
    pending record is older than :data:`PENDING_MAX_AGE`, an enabled source is
    ``error`` or ``silent``, or enabled live sources exist and no capture process beat
    within a minute. Staff (a session, or an administrator's ``Authorization: Token
    KEY``) also get the detail: database, broker, capture heartbeat, pending records,
    and each source's health state, last record, error, upload lag and, for agent
    sources, gaps in the sequence. Strangers get no names or errors.
    """
    now = timezone.now()
    checks = {"database": _database_ok(), "broker": _broker_state()}
    healthy = checks["database"] == "ok" and checks["broker"] in ("ok", "none (in-process)")
    database_up = checks["database"] == "ok"
    pending = raw_records_pending() if database_up else None
    age = pending.oldest_age(now) if pending else None
    if age is not None and age > PENDING_MAX_AGE:
        healthy = False
    sources = list(sources_with_health(now)) if database_up else []
    states = {source.pk: source_health_state(source, now) for source in sources}
    if any(state in ALARMING_STATES for state in states.values()):
        healthy = False
    needs_capture = any(source.enabled and is_live(source) for source in sources)
    heartbeat = _heartbeat_state(now, needs_capture) if database_up else None
    if heartbeat == "stale":
        healthy = False
    status = {"status": "ok" if healthy else "unhealthy"}
    code = 200 if healthy else 503
    if not _is_staff(request):
        return JsonResponse(status, status=code)
    detail = {
        **checks,
        "capture_heartbeat": heartbeat,
        "pending": None
        if pending is None
        else {
            "count": pending.count,
            "oldest": pending.oldest,
            "oldest_age_seconds": None if age is None else round(age.total_seconds(), 3),
        },
        "sources": [_source(source, states[source.pk]) for source in sources],
    }
    return JsonResponse({**status, **detail}, status=code)


def _is_staff(request) -> bool:
    """A staff session, or the DRF token of an active staff user."""
    try:
        if request.user.is_authenticated and request.user.is_staff:
            return True
        found = TokenAuthentication().authenticate(request)
    except AuthenticationFailed:  # an unknown token, or a source key: a stranger
        return False
    except DatabaseError:  # no one can be recognized while the database is down
        return False
    return found is not None and found[0].is_staff


def _heartbeat_state(now, needs_capture: bool) -> str:
    """``ok`` (a capture process beat within a minute), ``stale`` (none did, and enabled
    live sources need one) or ``not needed``."""
    if capture_heartbeat_fresh(now):
        return "ok"
    return "stale" if needs_capture else "not needed"


def _source(source, state: str) -> dict:
    return {
        **_arrival(source),
        "source": source.slug,
        "state": state,
        "last_record_at": source.last_seen_at,
        "error": source.capture_error if state == HealthState.ERROR else "",
        "site": source.site.slug,
        "transport": source.transport,
        "enabled": source.enabled,
        "capture_state": source.capture_state,
        "capture_error": source.capture_error,
        "last_seen_at": source.last_seen_at,
        "last_seq": source.last_seq,
        "records_last_24h": source.records_today,
        "parse_errors": source.parse_errors,
        "pending": source.pending,
    }


def _arrival(source) -> dict:
    """Upload lag, and gaps in the sequence of an agent source (their count capped)."""
    lag = upload_lag(source)
    arrival = {"upload_lag_seconds": None if lag is None else round(lag.total_seconds(), 3)}
    if source.transport == Transport.AGENT:
        summary = source_seq_gap_summary(source_id=source.id)
        arrival["seq_gaps"] = [
            {"first": gap.first, "last": gap.last, "missing": gap.missing} for gap in summary.gaps
        ]
        arrival["missing_records"] = summary.missing
        arrival["missing_capped"] = summary.capped
    return arrival


def _database_ok() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:
        return f"unreachable: {error}"
    return "ok"


def _broker_state() -> str:
    if not settings.CELERY_BROKER_URL:
        return "none (in-process)"
    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
    except Exception as error:
        return f"unreachable: {error}"
    return "ok"
