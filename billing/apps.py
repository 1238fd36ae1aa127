from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing: calls, re-rating and closed months"

    def ready(self):
        # Register the tasks with the Celery app before any worker or request needs them.
        from . import tasks  # noqa: F401
