"""The signed-in person's own language wins over the browser's."""

from django.utils import translation

from .models import Profile


class UserLanguageMiddleware:
    """After ``LocaleMiddleware`` (cookie, then ``Accept-Language``, then
    ``LANGUAGE_CODE``) and authentication: a language chosen in the profile wins."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            chosen = Profile.objects.filter(user_id=user.pk).values_list("language", flat=True)
            language = chosen.first()
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
