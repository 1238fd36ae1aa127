"""Celery tasks of capture: they translate their arguments and call one service."""

from celery import shared_task
from celery.signals import worker_shutting_down
from django.conf import settings
from django.db import OperationalError

from . import live, services


@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    time_limit=300,
    soft_time_limit=270,
)
def raw_records_process_task(source_id: int, first_id: int | None, last_id: int | None) -> dict:
    """Parse a source's pending raw records with ids in ``[first_id, last_id]`` into calls."""
    result = services.raw_records_process(source_id=source_id, first_id=first_id, last_id=last_id)
    return {"parsed": result.parsed, "ignored": result.ignored, "errors": result.errors}


@shared_task(time_limit=1800, soft_time_limit=1750)
def raw_records_sweep() -> dict:
    """Parse raw records left pending by a lost task or a dead worker."""
    result = services.raw_records_sweep()
    return {"parsed": result.parsed, "ignored": result.ignored, "errors": result.errors}


@shared_task(time_limit=None, soft_time_limit=None, acks_late=False)
def capture_source_task(source_id: int) -> str:
    """Capture one network or serial source while holding its lease (runs until stopped).

    Route it to a queue of its own, served by a thread-pool worker with one thread
    per source: ``celery -A config worker -Q capture --pool threads --concurrency 200``.
    """
    return live.source_capture_leased(
        source_id,
        redis_url=settings.CELERY_BROKER_URL,
        lease_seconds=settings.TARIFICADOR_CAPTURE_LEASE_SECONDS,
    )


@shared_task(time_limit=60)
def capture_dispatch() -> list[str]:
    """Start capture of every source nobody is capturing (Celery beat, every few seconds)."""
    if not settings.CELERY_BROKER_URL:
        return []
    return live.sources_dispatch(
        redis_url=settings.CELERY_BROKER_URL,
        start_task=capture_source_task.delay,
        lease_seconds=settings.TARIFICADOR_CAPTURE_LEASE_SECONDS,
    )


@worker_shutting_down.connect
def _stop_captures(**kwargs) -> None:
    """Let running captures end, so the worker's warm shutdown finishes."""
    live.SHUTDOWN.set()
