"""The Celery app; settings come from Django's, under the ``CELERY_`` prefix."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("tarificador")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _memory_broker_when_none(sender: Celery, **kwargs) -> None:
    """With no broker configured, tasks run in-process (``CELERY_TASK_ALWAYS_EAGER``),
    yet Celery still takes a producer from its pool for each one, to serialize the
    arguments as a real send would; over no URL that pool is ``amqp://`` and kombu
    warns "No hostname was supplied. Reverting to default 'localhost'". An in-memory
    transport is what is meant (named with a host: kombu warns of ``memory://`` as
    well). ``settings.CELERY_BROKER_URL`` stays empty for the code that asks whether
    there is a broker."""
    if not sender.conf.broker_url:
        sender.conf.broker_url = "memory://localhost/"
