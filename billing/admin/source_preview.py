"""The Source admin's preview page: pasted or uploaded records, parsed with the
settings given, shown as a table; the same function as the API's preview."""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from capture.models import PbxFamily, Transport
from capture.preview import MAX_PREVIEW_LINE_BYTES, MAX_PREVIEW_LINES, source_preview
from org.models import Site

MAX_UPLOAD_BYTES = 1024 * 1024


class PreviewForm(forms.Form):
    site = forms.ModelChoiceField(queryset=Site.objects.all(), label=gettext_lazy("Site"))
    family = forms.ChoiceField(choices=PbxFamily.choices, label=gettext_lazy("PBX family"))
    transport = forms.ChoiceField(
        choices=[("", "-"), *Transport.choices], required=False, label=gettext_lazy("Transport")
    )
    settings = forms.JSONField(required=False, initial=dict, label=gettext_lazy("Settings"))
    lines = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10, "cols": 120}),
        required=False,
        strip=False,
        label=gettext_lazy("Records"),
        help_text=gettext_lazy("One record a line."),
    )
    upload = forms.FileField(
        required=False, label=gettext_lazy("Or a file"), help_text=gettext_lazy("At most 1 MiB.")
    )

    def clean_settings(self):
        value = self.cleaned_data["settings"] or {}
        if not isinstance(value, dict):
            raise ValidationError(_("Settings must be a JSON object."))
        return value

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("upload")
        text = cleaned.get("lines") or ""
        if upload:
            if upload.size > MAX_UPLOAD_BYTES:
                raise ValidationError({"upload": _("The file is larger than 1 MiB.")})
            text = upload.read().decode("utf-8", errors="replace")
        cleaned["sample"] = [line for line in text.splitlines() if line.strip()]
        return cleaned


def preview_view(request, source=None):
    """GET: the form, filled from ``source`` when given; POST: the table as well."""
    entries = None
    if request.method == "POST":
        form = PreviewForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                entries = source_preview(
                    site=data["site"],
                    family=data["family"],
                    transport=data["transport"] or None,
                    settings=data["settings"],
                    lines=data["sample"],
                )
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages)
    else:
        initial = {}
        if source is not None:
            initial = {
                "site": source.site_id,
                "family": source.family,
                "transport": source.transport,
                "settings": json.dumps(source.settings or {}),
            }
        form = PreviewForm(initial=initial)
    context = {
        "title": _("Preview records"),
        "form": form,
        "entries": entries,
        "limits": (MAX_PREVIEW_LINES, MAX_PREVIEW_LINE_BYTES),
    }
    return TemplateResponse(request, "admin/capture/source/preview.html", context)
