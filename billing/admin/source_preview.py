"""The Source admin's preview page: pasted or uploaded records, parsed with the
settings given, shown as a table; the same function as the API's preview.

The page also tests the link once ("Test connection") or captures a few seconds of it
and previews what came ("Capture 30 s from the PBX"), as the API's test-connection
does; the Source form's own "Test connection" button posts its unsaved values here.

"Which family is this?" ranks the families that read the records (the API's
``sources/choose/``); each candidate can be tried here ("Use this": the form takes its
family and settings and previews them) or, on an existing source's page, applied to
the source ("Apply to the source": its family and parser options, its link kept).
"""

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from capture.models import PbxFamily, Source, Transport
from capture.preview import (
    MAX_PREVIEW_LINE_BYTES,
    MAX_PREVIEW_LINES,
    family_ranking,
    no_family_message,
    source_preview,
)
from capture.probe import DEFAULT_CAPTURE_SECONDS, source_probe
from org.models import Site
from smdr.schema import COMMON
from smdr.transports import TRANSPORT_SCHEMAS

from .source_form import SourceAdminForm

MAX_UPLOAD_BYTES = 1024 * 1024
# The buttons' names: preview what is pasted, test the link, capture from it.
TEST = "_test_connection"
CAPTURE = "_capture"
# Rank the families that read the records; preview with a candidate, or apply it to
# the source (the buttons' value: the candidate's family and settings, as JSON).
CHOOSE = "_choose"
USE = "_use"
APPLY = "_apply"


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
    """GET: the form, filled from ``source`` when given; POST: the table as well, or
    what a test of the link (or a capture from it) found."""
    entries = probe = ranking = None
    if request.method == "POST":
        data = request.POST
        if TEST in data and "slug" in data:  # posted by the Source form's button
            data = _source_form_as_preview(data, source)
        if USE in data or APPLY in data:
            data = _with_candidate(data, data.get(APPLY) or data[USE])
        form = PreviewForm(data, request.FILES)
        if form.is_valid():
            try:
                if APPLY in data and source is not None:
                    _apply(source, form.cleaned_data)
                    messages.success(
                        request,
                        _("The source reads %(family)s records now, with these settings.")
                        % {"family": source.get_family_display()},
                    )
                    url = reverse("admin:capture_source_change", args=[source.pk])
                    return HttpResponseRedirect(url)
                if CHOOSE in data:
                    cleaned = form.cleaned_data
                    ranking = family_ranking(site=cleaned["site"], lines=cleaned["sample"])
                    for candidate in ranking:  # what the page's buttons post back
                        candidate["settings_json"] = json.dumps(candidate["settings"])
                        candidate["choice_json"] = json.dumps(
                            {"family": candidate["family"], "settings": candidate["settings"]}
                        )
                    # An uploaded file's records too go in the box, for those buttons.
                    form = PreviewForm({**data.dict(), "lines": "\n".join(cleaned["sample"])})
                    form.is_valid()
                elif TEST in data or CAPTURE in data:
                    probe = _probe(form, capture=CAPTURE in data)
                    entries = probe.get("entries")
                    if "lines" in probe:  # shown in the records box, to edit and preview
                        form = PreviewForm({**data.dict(), "lines": "\n".join(probe["lines"])})
                        form.is_valid()
                else:
                    entries = _preview(form)
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
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
        "probe": probe,
        "ranking": ranking,
        "no_family": no_family_message() if ranking == [] else "",
        "source": source,
        "buttons": {
            "test": TEST,
            "capture": CAPTURE,
            "choose": CHOOSE,
            "use": USE,
            "apply": APPLY,
        },
        "limits": (MAX_PREVIEW_LINES, MAX_PREVIEW_LINE_BYTES),
    }
    return TemplateResponse(request, "admin/capture/source/preview.html", context)


def _preview(form):
    data = form.cleaned_data
    return source_preview(
        site=data["site"],
        family=data["family"],
        transport=data["transport"] or None,
        settings=data["settings"],
        lines=data["sample"],
    )


def _with_candidate(posted, choice):
    """The posted form with a ranked candidate's family and settings (``choice``: their
    JSON, the value of its button); as posted when it is not such JSON."""
    try:
        candidate = json.loads(choice)
        family, settings = candidate["family"], candidate["settings"]
    except (ValueError, TypeError, KeyError):
        return posted
    data = posted.copy()
    data["family"] = family
    data["settings"] = json.dumps(settings)
    return data


def _apply(source, data):
    """``source`` set to the posted family and parser settings, its transport's (and
    the common) settings kept; ValidationError (the model's clean) when they do not fit."""
    kept = TRANSPORT_SCHEMAS.get(source.transport, COMMON) | COMMON
    settings = {key: value for key, value in (source.settings or {}).items() if kept.get(key)}
    source.family = data["family"]
    source.settings = {**settings, **data["settings"]}
    source.full_clean()
    source.save()


def _probe(form, *, capture):
    data = form.cleaned_data
    if not data["transport"]:
        raise ValidationError({"transport": _("Choose the transport to test.")})
    return source_probe(
        site=data["site"],
        family=data["family"],
        transport=data["transport"],
        settings=data["settings"],
        capture_seconds=DEFAULT_CAPTURE_SECONDS if capture else None,
    )


def _source_form_as_preview(posted, source):
    """The Source form's unsaved values as the preview form takes them: its typed
    settings merged over its JSON, a secret left empty kept from ``source``."""
    source_form = SourceAdminForm(posted, instance=source or Source())
    source_form.is_valid()  # its clean() merges the settings; other errors are the save's
    data = posted.copy()
    data["settings"] = json.dumps(source_form.instance.settings or {})
    data["lines"] = ""
    return data
