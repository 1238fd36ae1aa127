"""Alerts API serializers: rules (administrators) and raised alerts, as DESIGN.md
"Alerts" names their fields."""

import datetime as dt

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from alerts.models import Alert, AlertRule
from alerts.rules import channels_validate, params_validate
from org.models import Site


def _messages(error: DjangoValidationError, key: str) -> list[str]:
    if hasattr(error, "error_dict"):
        return [str(message) for item in error.error_dict.get(key, []) for message in item]
    return [str(message) for message in error.messages]


class AlertRuleSerializer(serializers.ModelSerializer):
    site = serializers.SlugRelatedField(
        slug_field="slug", queryset=Site.objects.all(), allow_null=True, required=False
    )
    params = serializers.JSONField(required=False)
    channels = serializers.JSONField(required=False)

    class Meta:
        model = AlertRule
        fields = ["id", "name", "kind", "params", "site", "department", "channels", "enabled"]

    def validate_channels(self, value):
        try:
            return channels_validate(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(_messages(error, "channels")) from None

    def validate(self, attrs):
        kind = attrs.get("kind", getattr(self.instance, "kind", None))
        params = attrs.get("params", getattr(self.instance, "params", {}))
        try:
            params_validate(kind, params)
        except DjangoValidationError as error:
            raise serializers.ValidationError(
                {"params": _messages(error, "params") or _messages(error, "kind")}
            ) from None
        return attrs


class AlertSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(source="rule.kind", read_only=True)
    rule_name = serializers.CharField(source="rule.name", read_only=True)
    source = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    raised_at = serializers.DateTimeField(default_timezone=dt.UTC, read_only=True)
    acknowledged_at = serializers.DateTimeField(default_timezone=dt.UTC, read_only=True)
    acknowledged_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    calls = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = [
            "id",
            "rule",
            "rule_name",
            "kind",
            "raised_at",
            "summary",
            "source",
            "calls",
            "acknowledged_by",
            "acknowledged_at",
        ]

    def get_calls(self, alert) -> list[int]:
        """The raw records of the alert's calls (``raw_record`` in the calls API)."""
        return sorted(item.raw_record_id for item in alert.alert_calls.all())
