"""WSGI entry point (gunicorn config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

application = get_wsgi_application()

# Without a broker nothing else parses what a crash left pending: the server sweeps.
# Started here rather than in an AppConfig.ready(), which every manage.py command
# (migrate, shell) and the tests run too: this module is imported only by the
# processes that serve (gunicorn's workers, runserver's serving child).
from billing.sweeper import sweeper_start  # noqa: E402

sweeper_start()
