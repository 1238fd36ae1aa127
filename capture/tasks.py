"""Celery tasks of capture: they translate their arguments and call one service."""

from celery import shared_task
from django.db import OperationalError

from . import services


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
