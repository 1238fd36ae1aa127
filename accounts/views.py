"""The person's own page (language, e-mail), the password reset, the language menu."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from .forms import PasswordResetForm, ProfileForm
from .models import Profile


@login_required
def profile_view(request):
    profile, _created = Profile.objects.get_or_create(user=request.user)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        profile = form.save()
        if profile.language:
            translation.activate(profile.language)
        messages.success(request, _("Your profile was saved."))
        response = redirect("accounts:profile")
        return _remember(response, profile.language)
    return render(request, "accounts/profile.html", {"form": form, "title": _("My profile")})


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset by e-mail for local accounts (a directory account has no local
    password, so it gets no message), written in the recipient's language."""

    form_class = PasswordResetForm


@require_POST
def language_set(request):
    """Django's ``set_language`` (a cookie, then back to the page); a signed-in person's
    choice is also kept in their profile, so it follows them to other browsers and to
    the e-mails they get."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and check_for_language(language):
        Profile.objects.update_or_create(user=request.user, defaults={"language": language})
    return set_language(request)


def _remember(response, language: str):
    """The language cookie, as ``set_language`` leaves it, for pages before sign-in."""
    if language:
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
    return response
