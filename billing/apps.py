from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing: calls, re-rating and closed months")

    def ready(self):
        # Register the tasks with the Celery app before any worker or request needs them.
        from . import tasks  # noqa: F401
