"""Serializers of the capture API: sources and raw records."""

import base64

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from capture.models import PbxFamily, RawRecord, Source, Transport
from capture.preview import MAX_PREVIEW_LINES
from capture.probe import MAX_CAPTURE_SECONDS
from org.models import Site


class SourceSerializer(serializers.ModelSerializer):
    site = serializers.SlugRelatedField(slug_field="slug", queryset=Site.objects.all())

    class Meta:
        model = Source
        fields = [
            "site",
            "slug",
            "name",
            "family",
            "transport",
            "settings",
            "enabled",
            "last_seen_at",
            "last_seq",
            "capture_state",
            "capture_state_at",
            "capture_error",
            "key_created_at",
        ]
        read_only_fields = [
            "last_seen_at",
            "last_seq",
            "capture_state",
            "capture_state_at",
            "capture_error",
            "key_created_at",
        ]

    def validate(self, attrs):
        instance = Source(**{**self._current(), **attrs})
        instance.clean()  # one place for the rules: the model's clean()
        return attrs

    def validate_settings(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("settings must be a JSON object."))
        return value

    def _current(self):
        if self.instance is None:
            return {}
        fields = ("family", "transport", "settings", "site")
        return {field: getattr(self.instance, field) for field in fields}


class SourcePreviewSerializer(serializers.Serializer):
    """Settings and sample lines to parse, before a source is saved (nothing is stored)."""

    site = serializers.SlugRelatedField(slug_field="slug", queryset=Site.objects.all())
    family = serializers.ChoiceField(choices=PbxFamily.choices)
    transport = serializers.ChoiceField(choices=Transport.choices, required=False)
    settings = serializers.JSONField(required=False, default=dict)
    # Lines are kept as sent: spaces are columns in fixed-width records.
    lines = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        allow_empty=True,
        max_length=MAX_PREVIEW_LINES,
    )

    def validate_settings(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("settings must be a JSON object."))
        return value


class SourceChooseSerializer(serializers.Serializer):
    """Sample lines of an unknown PBX, to rank the families that read them."""

    site = serializers.SlugRelatedField(slug_field="slug", queryset=Site.objects.all())
    lines = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        allow_empty=True,
        max_length=MAX_PREVIEW_LINES,
    )

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {
                    key: _("Unknown key; known: %(known)s.") % {"known": ", ".join(self.fields)}
                    for key in unknown
                }
            )
        return attrs


class SourcePreviewCallSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    duration = serializers.IntegerField()
    ring = serializers.IntegerField()
    direction = serializers.CharField()
    extension = serializers.CharField()
    number = serializers.CharField()
    trunk = serializers.CharField()
    account_code = serializers.CharField()
    pbx_call_id = serializers.CharField()
    answered = serializers.BooleanField()
    details = serializers.DictField()


class SourcePreviewLineSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=["call", "noise", "error"])
    error = serializers.CharField()
    call = SourcePreviewCallSerializer(allow_null=True)


class SourceTestConnectionSerializer(serializers.Serializer):
    """A link to try once (its settings as the source would hold them), and optionally
    how many seconds of records to capture and preview (nothing is stored)."""

    site = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Site.objects.all(),
        required=False,
        help_text=_("Needed to capture: the preview shows starts in its zone."),
    )
    family = serializers.ChoiceField(choices=PbxFamily.choices)
    transport = serializers.ChoiceField(choices=Transport.choices)
    settings = serializers.JSONField(required=False, default=dict)
    capture_seconds = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_CAPTURE_SECONDS,
        help_text=_(
            "Capture this many seconds (at most 60; the request waits that long) and "
            "preview the records; without it, a test of at most 10 s."
        ),
    )

    def validate_settings(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("settings must be a JSON object."))
        return value

    def validate(self, attrs):
        if "capture_seconds" in attrs and "site" not in attrs:
            raise serializers.ValidationError({"site": _("A capture needs the site.")})
        return attrs


class SourceProbeStepSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "warning", "error"])
    message = serializers.CharField()


class SourceTestConnectionResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    steps = SourceProbeStepSerializer(many=True)
    bytes = serializers.IntegerField()
    lines = serializers.ListField(child=serializers.CharField(), required=False)
    entries = SourcePreviewLineSerializer(many=True, required=False)


class SourceKeySerializer(serializers.Serializer):
    """The answer that carries a source key, shown this once."""

    key = serializers.CharField(help_text="Store it now: only its hash is kept.")


class RawRecordSerializer(serializers.ModelSerializer):
    source = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    line = serializers.SerializerMethodField()
    data = serializers.SerializerMethodField()
    call = serializers.SerializerMethodField()

    class Meta:
        model = RawRecord
        fields = [
            "id",
            "source",
            "seq",
            "received_at",
            "line",
            "data",
            "state",
            "error",
            "call",
            "created_at",
        ]
        read_only_fields = fields

    def get_line(self, record) -> str:
        return record.text

    def get_data(self, record) -> str | None:
        """The exact bytes, base64, for a record that is not plain text."""
        return None if record.data is None else base64.b64encode(bytes(record.data)).decode()

    def get_call(self, record) -> int | None:
        call = getattr(record, "call", None)
        return call.id if call else None


class SourceChooseCandidateSerializer(serializers.Serializer):
    family = serializers.CharField()
    settings = serializers.DictField()
    calls = serializers.IntegerField()
    noise = serializers.IntegerField()
    errors = serializers.IntegerField()
    score = serializers.FloatField(help_text=_("From -1 to 1: plausible calls, less errors."))
    first_error = serializers.CharField()
    sample_call = SourcePreviewCallSerializer(allow_null=True)


class SourceChooseResultSerializer(serializers.Serializer):
    candidates = SourceChooseCandidateSerializer(many=True)
    message = serializers.CharField(help_text=_("Empty unless no family reads a call."))
