"""Labels of third-party apps that ship no Spanish or Portuguese catalog (django-axes;
django-celery-beat has Spanish only: its names in the admin's menu), marked here so
that the project's catalogs, read before the apps' own, translate them.
Nothing imports this module: it only carries the strings for ``makemessages``.
"""

from django.utils.translation import gettext_noop

AXES = (
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Locked Out"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Not set"),
    gettext_noop("Attempt Remaining"),
)

CELERY_BEAT_MENU = (
    gettext_noop("Periodic Tasks"),
    gettext_noop("periodic task"),
    gettext_noop("periodic tasks"),
    gettext_noop("clocked"),
    gettext_noop("interval"),
    gettext_noop("intervals"),
    gettext_noop("solar event"),
    gettext_noop("solar events"),
    gettext_noop("crontab"),
    gettext_noop("crontabs"),
)
