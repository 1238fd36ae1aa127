"""Test settings: the environment's database (SQLite by default), fast hashing."""

import os

from .base import *  # noqa: F403
from .base import DATABASES, VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A suffix lets several test runs share a machine without sharing a database.
_suffix = os.environ.get("TARIFICADOR_TEST_DB_SUFFIX", "")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: live-server threads and a Celery worker must see the same data.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test{_suffix}.sqlite3")}
elif _suffix:
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}{_suffix}"}

# Every write to the calls checks that the rollups still equal them.
TARIFICADOR_CHECK_ROLLUPS = True

# Tasks run in-process in tests; the worker test points the app at Redis itself.
CELERY_TASK_ALWAYS_EAGER = True
