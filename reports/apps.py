from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self):
        from billing.signals import calls_changed

        from .rollups import on_calls_changed

        calls_changed.connect(on_calls_changed, dispatch_uid="reports.rollups")
