from django.apps import AppConfig


class CaptureConfig(AppConfig):
    name = "capture"
    verbose_name = "Capture: PBX sources and raw records"

    def ready(self):
        # Register the tasks with the Celery app before any worker or request needs them.
        from . import tasks  # noqa: F401
