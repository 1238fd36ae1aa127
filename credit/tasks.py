"""Celery tasks of credit: they translate their arguments and call services."""

from celery import shared_task

from . import services


@shared_task(time_limit=300, soft_time_limit=270)
def credit_sweep() -> dict:
    """Every minute (beat): release reservations whose hang-up never came, then link
    finished calls to their CDRs, charging from the CDR those whose settle was lost."""
    return {
        "expired": services.reservations_expire(),
        "matched": services.reservations_match_calls(),
    }
