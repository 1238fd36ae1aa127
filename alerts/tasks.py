"""Alert deliveries: sent once their alert commits, retried by beat with backoff."""

from celery import shared_task

from . import services


@shared_task(name="alerts.tasks.deliveries_send", time_limit=120)
def deliveries_send_task(alert_ids: list[int]) -> int:
    return services.deliveries_send(alert_ids=alert_ids)


@shared_task(name="alerts.tasks.deliveries_retry", time_limit=600)
def deliveries_retry() -> int:
    return services.deliveries_retry()
