from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .models import Profile


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
