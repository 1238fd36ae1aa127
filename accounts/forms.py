from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .models import Profile
from .selectors import user_language


class ProfileForm(forms.ModelForm):
    """The profile page: the language, and the e-mail address reports are sent to."""

    email = forms.EmailField(
        label=_("E-mail address"),
        required=False,
        help_text=_("Where scheduled reports and alerts are sent."),
    )

    class Meta:
        model = Profile
        fields = ["language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].initial = self.instance.user.email

    def save(self, commit=True):
        profile = super().save(commit)
        user_model = get_user_model()
        user_model.objects.filter(pk=profile.user_id).update(email=self.cleaned_data["email"])
        return profile


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form, with the message written in the recipient's language: their
    profile's, else the language of the page that asked for it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("E-mail address")

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        language = user_language(context["user"], default=translation.get_language())
        with translation.override(language):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)
