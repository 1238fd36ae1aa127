"""Celery tasks of billing: they translate their arguments and call one service."""

from celery import shared_task

from .rerating import rerate_job_run


@shared_task(time_limit=3600, soft_time_limit=3500)
def rerate_job_task(job_id: int) -> dict:
    """Run a re-rating job queued from the admin; its progress is on the job."""
    job = rerate_job_run(job_id)
    return {"total": job.total, "changed": job.changed}
