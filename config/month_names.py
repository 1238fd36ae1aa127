"""Django's month names, marked here so that the project's catalogs may correct them.

Brazilian Portuguese writes months in lower case ("dezembro de 2026"), where Django's
pt_BR catalog capitalizes them; the project's catalogs (``LOCALE_PATHS``) come before
Django's, so these entries decide how ``{{ month|date:"YEAR_MONTH_FORMAT" }}`` reads.
Nothing imports this module: it only carries the strings for ``makemessages``.
"""

from django.utils.translation import gettext_noop

MONTHS = (
    gettext_noop("January"),
    gettext_noop("February"),
    gettext_noop("March"),
    gettext_noop("April"),
    gettext_noop("May"),
    gettext_noop("June"),
    gettext_noop("July"),
    gettext_noop("August"),
    gettext_noop("September"),
    gettext_noop("October"),
    gettext_noop("November"),
    gettext_noop("December"),
)
