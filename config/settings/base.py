"""Settings read from the environment; the defaults run the embedded set-up.

With nothing set, Tarificador runs on SQLite under ``var/`` with no broker: Celery
tasks then run in-process. Production sets ``DATABASE_URL``, ``CELERY_BROKER_URL``
and ``DJANGO_SECRET_KEY`` (see ``config.settings.production`` and the README).
"""

import datetime as dt
from pathlib import Path

import environ
import phonenumbers
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("TARIFICADOR_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Only for the embedded default; production refuses to start without its own key.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="insecure-embedded-default-not-for-production")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_celery_beat",  # schedules editable in the admin
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # the docs UI served locally: the product runs offline
    "rest_framework",
    "rest_framework.authtoken",
    "simple_history",
    "config.apps.SignInThrottlingConfig",  # django-axes: login throttling, lockouts in the admin
    "csp",
    "org",
    "billing",
    "capture",
    "rating",
    "reports",
    "credit",
    "alerts",
    "accounts",
    "core",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the cookie of the language menu, else Accept-Language, else
    # LANGUAGE_CODE; then, once the user is known, the one of their profile.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a refused sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "reports:dashboard"
LOGOUT_REDIRECT_URL = "login"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "reports.context_processors.self_service",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'tarificador.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions and a busy timeout let the web server, the in-process
    # tasks and the capture write to one SQLite file without "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Login throttling (django-axes): 10 failed sign-ins of one user name from one address
# lock that pair out for 15 minutes, on /accounts/login/ and /admin/login/ alike; a
# success resets the count. API tokens never go through these backends.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out pairs
    "django.contrib.auth.backends.ModelBackend",
]
# Directory sign-in (config.ldap), on when LDAP_SERVER_URI is set: after the lockout
# check and before local accounts, so a local account of the same name still works.
LDAP_SERVER_URI = env.str("LDAP_SERVER_URI", default="")
if LDAP_SERVER_URI:
    from config.ldap import ldap_settings

    vars().update(ldap_settings(env, LDAP_SERVER_URI))
    AUTHENTICATION_BACKENDS.insert(1, "accounts.ldap.DirectoryBackend")
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The lock ends 15 minutes after it started, however often the pair tries meanwhile.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "core.lockout.lockout_response"  # a page saying for how long
AXES_HTTP_RESPONSE_CODE = 429

# Content-Security-Policy (django-csp): everything from this origin, nothing inline
# but what carries the request's nonce (the charts' pygal CSS, the API docs' page
# style), no plugins, no framing, forms posted only here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "style-src": [SELF, NONCE],  # the nonce only appears where a page used it
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# English is the source language; Spanish is written for Argentina (any Spanish browser
# gets it), Portuguese for Brazil. docs/glossary.md fixes the product's words in each.
LANGUAGES = [
    ("en", "English"),
    ("es-ar", "Español (Argentina)"),
    ("pt-br", "Português (Brasil)"),
]
LANGUAGE_CODE = env.str("DJANGO_LANGUAGE_CODE", default="en")
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our own formats first (config/formats), then Django's for each language.
FORMAT_MODULE_PATH = ["config.formats"]
# The zone pages fall back to; each site's own zone is used for its calls.
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # also creates var/ for the embedded database
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "core.storage.ManifestOrFindersStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve app static files without collectstatic on the embedded set-up

# A batch of 5,000 records is about 1 MB of JSON; the ingest view answers 413 above this.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("TARIFICADOR_MAX_UPLOAD_BYTES", default=16 * 1024 * 1024)

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="tarificador@localhost")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    "DEFAULT_FILTER_BACKENDS": ["core.api.StrictFilterBackend"],  # unknown parameters: 400
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tarificador API",
    "DESCRIPTION": "Call records in, priced calls and reports out. Contracts: DESIGN.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Celery: with no broker, tasks run in-process (eagerly) once their transaction commits.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False  # a failed in-process task must not fail the request
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # every task here is idempotent
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# No global time limit: every task states its own, and captures run until stopped.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# The parse and capture tasks are defined in billing.tasks under the names they had
# in capture, which running deployments' beat entries, routes and queues still use.
CELERY_BEAT_SCHEDULE = {
    # A safety net: records left pending by a crashed worker are parsed within 30 s
    # (billing.pipeline.SWEEP_INTERVAL; the embedded set-up sweeps in-process). A sweep
    # still queued when the next is due is dropped rather than run late.
    "raw-records-sweep": {
        "task": "capture.tasks.raw_records_sweep",
        "schedule": 15.0,
        "options": {"expire_seconds": 15},
    },
    # Starts capture of sources nobody holds; a dead worker's sources move within a lease.
    "capture-dispatch": {"task": "capture.tasks.capture_dispatch", "schedule": 5.0},
    # E-mails administrators when a source turns error or silent, and when it recovers.
    "sources-health-notify": {
        "task": "capture.tasks.sources_health_notify",
        "schedule": 60.0,
        "options": {"expire_seconds": 60},
    },
    # Releases prepaid reservations whose hang-up never came; charges them from their CDRs.
    "credit-sweep": {"task": "credit.tasks.credit_sweep", "schedule": 60.0},
    # Sends again the alert deliveries (webhooks, e-mails) that failed, with backoff, for 24 h.
    "alerts-deliveries-retry": {
        "task": "alerts.tasks.deliveries_retry",
        "schedule": 30.0,
        "options": {"expire_seconds": 30},
    },
}
if LDAP_SERVER_URI:
    from celery.schedules import crontab

    # The directory sync (config.ldap), every night at LDAP_SYNC_HOUR, UTC (beat's clock).
    CELERY_BEAT_SCHEDULE["directory-sync"] = {
        "task": "billing.tasks.directory_sync_task",
        "schedule": crontab(hour=env.int("LDAP_SYNC_HOUR", default=2), minute=0),
    }
# Beat reads its schedules from the database (editable in the admin); the entries
# above are written there when beat starts.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ROUTES = {"capture.tasks.capture_source_task": {"queue": "capture"}}

# Capture and ingest.
TARIFICADOR_INGEST_MAX_RECORDS = 5000
# A capture lease lapses this long after its worker stops renewing it (dies).
TARIFICADOR_CAPTURE_LEASE_SECONDS = env.float("TARIFICADOR_CAPTURE_LEASE_SECONDS", default=30.0)
# A source's health e-mails (error, silent, recovered) are at least this far apart:
# a flapping PBX sends one per period, not one per flap.
TARIFICADOR_HEALTH_MAIL_MIN_SECONDS = env.int("TARIFICADOR_HEALTH_MAIL_MIN_SECONDS", default=900)
# How often a capture process reads the Source table to start, restart and stop captures.
TARIFICADOR_CAPTURE_RECONCILE_SECONDS = env.float(
    "TARIFICADOR_CAPTURE_RECONCILE_SECONDS", default=5.0
)
# Prepaid credit (docs/credit.md): the longest call authorized at once; how long past
# its maximum a reservation waits for its settle (ringing, delays) before the reaper
# releases it; the balance under which the admin flags an account.
TARIFICADOR_CREDIT_MAX_CALL_SECONDS = env.int("TARIFICADOR_CREDIT_MAX_CALL_SECONDS", default=3600)
TARIFICADOR_CREDIT_GRACE_SECONDS = env.int("TARIFICADOR_CREDIT_GRACE_SECONDS", default=300)
TARIFICADOR_CREDIT_LOW_BALANCE = env.str("TARIFICADOR_CREDIT_LOW_BALANCE", default="10.00")
# Addresses the FastAGI server answers (AGI has no authentication of its own).
TARIFICADOR_CREDIT_AGI_CLIENTS = env.list(
    "TARIFICADOR_CREDIT_AGI_CLIENTS", default=["127.0.0.1", "::1"]
)
# The home numbering plan, where no site says how people dial (a credit account
# without a site): an ISO 3166 code; phonenumbers gives its calling code and prefixes.
TARIFICADOR_COUNTRY = env.str("TARIFICADOR_COUNTRY", default="AR").strip().upper()
if phonenumbers.country_code_for_region(TARIFICADOR_COUNTRY) == 0:
    raise ImproperlyConfigured(
        f"TARIFICADOR_COUNTRY={TARIFICADOR_COUNTRY!r} is not a country whose numbering plan "
        "is known: give an ISO 3166 alpha-2 code such as AR, UY, ES or US."
    )
TARIFICADOR_ORGANIZATION_NAME = env.str("TARIFICADOR_ORGANIZATION_NAME", default="Tarificador")
# A PNG or JPEG drawn in the header of each PDF report (empty: none); one that cannot be
# read is logged once and left out (reports.exports).
TARIFICADOR_ORGANIZATION_LOGO = env.str("TARIFICADOR_ORGANIZATION_LOGO", default="")
# Check after every write to the calls that the rollups still equal them (reads every
# call each time: the test settings turn it on; production never should).
TARIFICADOR_CHECK_ROLLUPS = False
# Called with each batch of calls the pipeline has just recorded (billing.pipeline):
# billing knows no app above it, so the alerts are named here (docs/alerts.md).
TARIFICADOR_CALL_OBSERVERS = ["alerts.services.calls_observe"]
# Called with each batch of raw records as it is stored, before any parse
# (capture.services.raw_records_store): the emergency alerts go out from there.
TARIFICADOR_RECORD_OBSERVERS = ["alerts.services.records_observe"]
# Called with every source's health each time the health check runs
# (capture.services.sources_health_notify): the silence rules.
TARIFICADOR_HEALTH_OBSERVERS = ["alerts.services.sources_silence_check"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    # axes says "BEGIN" at INFO as every process starts; its lockouts are warnings.
    # Celery logs each task's success at INFO: a line per record batch of the capture.
    # Failures stay (ERROR); the sweeper and capture log their own summaries.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING"},
    },
}
