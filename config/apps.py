"""Third-party apps under names of our own, so the admin shows them translated."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class SignInThrottlingConfig(AxesAppConfig):
    """django-axes, which names itself "Axes" in the admin in every language."""

    verbose_name = _("Sign-in throttling")
