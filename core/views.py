"""Site-wide views: the health check and the page for "not found"."""

from django.conf import settings
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import render
from kombu import Connection

from capture.models import Transport
from capture.selectors import source_seq_gaps, sources_with_health, upload_lag


def healthz(request):
    """Database and broker reachable, and each source's capture state: last seen,
    upload lag and, for agent sources, gaps in the sequence (records that never
    arrived, among the newest).

    Answers 503 when the database or a configured broker is unreachable, so a load
    balancer or monitor can act on the status code alone.
    """
    checks = {"database": _database_ok(), "broker": _broker_state()}
    healthy = checks["database"] == "ok" and checks["broker"] in ("ok", "none (in-process)")
    sources = []
    if checks["database"] == "ok":
        sources = [
            {
                **_arrival(source),
                "source": source.slug,
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
            for source in sources_with_health()
        ]
    return JsonResponse(
        {"status": "ok" if healthy else "unhealthy", **checks, "sources": sources},
        status=200 if healthy else 503,
    )


def _arrival(source) -> dict:
    """Upload lag, and gaps in the sequence of an agent source."""
    lag = upload_lag(source)
    arrival = {"upload_lag_seconds": None if lag is None else round(lag.total_seconds(), 3)}
    if source.transport == Transport.AGENT:
        gaps = source_seq_gaps(source_id=source.id)
        arrival["seq_gaps"] = [
            {"first": gap.first, "last": gap.last, "missing": gap.missing} for gap in gaps
        ]
        arrival["missing_records"] = sum(gap.missing for gap in gaps)
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


def not_found(request, exception):
    """The 404 page, saying why when the view said (``Http404("'9999-12' is outside
    the months reports cover ...")``); Django's own page shows no reason at all. The
    URL resolver's "no such path" carries no message to show."""
    message = ""
    if isinstance(exception, Http404) and exception.args and isinstance(exception.args[0], str):
        message = exception.args[0]
    return render(request, "404.html", {"message": message}, status=404)
