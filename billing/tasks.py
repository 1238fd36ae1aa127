"""Celery tasks of billing: they translate their arguments and call one service.

The parse and capture tasks moved here from ``capture.tasks`` (capture sits below
billing, and they feed billing's pipeline); they keep the names they were registered
under there, which queued messages, beat's schedule and the routes of running
deployments use.
"""

from celery import shared_task
from celery.signals import worker_shutting_down
from django.conf import settings
from django.db import OperationalError

from capture import live
from capture import services as capture_services

from . import pipeline
from .rerating import rerate_job_run


@shared_task(time_limit=3600, soft_time_limit=3500)
def rerate_job_task(job_id: int) -> dict:
    """Run a re-rating job queued from the admin; its progress is on the job."""
    job = rerate_job_run(job_id)
    return {"total": job.total, "changed": job.changed}


@shared_task(
    name="capture.tasks.raw_records_process_task",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    time_limit=300,
    soft_time_limit=270,
)
def raw_records_process_task(source_id: int, first_id: int | None, last_id: int | None) -> dict:
    """Parse a source's pending raw records with ids in ``[first_id, last_id]`` into calls."""
    result = pipeline.raw_records_process(source_id=source_id, first_id=first_id, last_id=last_id)
    return {"parsed": result.parsed, "ignored": result.ignored, "errors": result.errors}


@shared_task(name="capture.tasks.raw_records_sweep", time_limit=1800, soft_time_limit=1750)
def raw_records_sweep() -> dict:
    """Parse raw records left pending by a lost task or a dead worker."""
    result = pipeline.raw_records_sweep()
    return {"parsed": result.parsed, "ignored": result.ignored, "errors": result.errors}


@shared_task(name="capture.tasks.sources_health_notify", time_limit=120)
def sources_health_notify() -> int:
    """E-mail administrators the sources that turned error or silent, or recovered."""
    return capture_services.sources_health_notify()


@shared_task(
    name="capture.tasks.capture_source_task",
    time_limit=None,
    soft_time_limit=None,
    acks_late=False,
)
def capture_source_task(source_id: int) -> str:
    """Capture one network or serial source while holding its lease (runs until stopped).

    Route it to a queue of its own, served by a thread-pool worker with one thread
    per source: ``celery -A config worker -Q capture --pool threads --concurrency 200``.
    """
    return live.source_capture_leased(
        source_id,
        ingest=pipeline.raw_records_ingest,
        redis_url=settings.CELERY_BROKER_URL,
        lease_seconds=settings.TARIFICADOR_CAPTURE_LEASE_SECONDS,
    )


@shared_task(time_limit=1800, soft_time_limit=1750)
def directory_sync_task() -> str:
    """Apply what the LDAP directory says (beat, nightly, when LDAP_SERVER_URI is set)."""
    from .directory_sync import directory_sync_ldap

    return directory_sync_ldap(apply=True).diff.summary()


@shared_task(name="capture.tasks.capture_dispatch", time_limit=60)
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
