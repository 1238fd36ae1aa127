"""Serializers of the billing API: the calls."""

import datetime as dt

from rest_framework import serializers

from billing.models import Call
from billing.services import PERSONAL_NOTE_MAX


class CallSerializer(serializers.ModelSerializer):
    """A call as the calls contract (DESIGN.md) names its fields; times in UTC.

    The keys and their order are the contract, so they are listed here rather than
    taken from ``billing.columns``; each reads a field of ``Call`` (a test checks).
    """

    site = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    source = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    start = serializers.DateTimeField(default_timezone=dt.UTC, read_only=True)
    duration = serializers.IntegerField(source="duration_seconds", read_only=True)
    ring = serializers.IntegerField(source="ring_seconds", read_only=True)
    extension = serializers.SlugRelatedField(slug_field="number", read_only=True)
    trunk = serializers.SlugRelatedField(slug_field="name", read_only=True)
    cost = serializers.DecimalField(max_digits=14, decimal_places=4, read_only=True)

    class Meta:
        model = Call
        fields = [
            "id",
            "site",
            "source",
            "start",
            "duration",
            "ring",
            "answered",
            "direction",
            "extension",
            "trunk",
            "number",
            "normalized_number",
            "destination",
            "category",
            "cost",
            "unrated_reason",
            "currency",
            "department",
            "account_code",
            "pbx_call_id",
            "leg",
            "raw_record",
            "details",
            "personal",
        ]
        read_only_fields = fields


class CallPersonalSerializer(serializers.Serializer):
    """A personal mark: ``PATCH /api/v1/calls/{id}/`` (both fields optional)."""

    personal = serializers.BooleanField(required=False)
    personal_note = serializers.CharField(
        required=False, allow_blank=True, max_length=PERSONAL_NOTE_MAX, trim_whitespace=True
    )
