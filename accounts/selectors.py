"""A person's language: theirs when chosen, else the installation's."""

from django.conf import settings
from django.utils.translation import get_supported_language_variant

from .models import Profile


def user_language(user, default: str | None = None) -> str:
    """The language to write to ``user`` in when no request says (scheduled e-mails
    and their attachments): the profile's, else ``default``, else ``LANGUAGE_CODE``."""
    chosen = Profile.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    return get_supported_language_variant(chosen or default or settings.LANGUAGE_CODE)
