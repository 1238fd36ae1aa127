"""Serializers of the billing API: the organization and its calls."""

import datetime as dt

from django.contrib.auth import get_user_model
from rest_framework import serializers

from rating.models import RatePlan

from ..models import Call, Department, Extension, Site


class SiteSerializer(serializers.ModelSerializer):
    rate_plan = serializers.SlugRelatedField(
        slug_field="slug", queryset=RatePlan.objects.all(), allow_null=True, required=False
    )
    access_codes = serializers.ListField(
        child=serializers.RegexField(r"^[0-9]+$"), required=False, allow_empty=True
    )

    class Meta:
        model = Site
        fields = [
            "name",
            "slug",
            "time_zone",
            "country_code",
            "area_code",
            "national_prefix",
            "international_prefix",
            "access_codes",
            "currency",
            "rate_plan",
        ]


class DepartmentSerializer(serializers.ModelSerializer):
    managers = serializers.PrimaryKeyRelatedField(
        many=True, queryset=get_user_model().objects.all(), required=False
    )

    class Meta:
        model = Department
        fields = ["id", "name", "code", "parent", "managers"]

    def validate(self, attrs):
        department = Department(
            pk=getattr(self.instance, "pk", None),
            parent=attrs.get("parent", getattr(self.instance, "parent", None)),
        )
        department.clean()
        return attrs


class ExtensionSerializer(serializers.ModelSerializer):
    site = serializers.SlugRelatedField(slug_field="slug", queryset=Site.objects.all())

    class Meta:
        model = Extension
        fields = ["id", "site", "number", "department", "holder"]


class CallSerializer(serializers.ModelSerializer):
    """A call as the calls contract (DESIGN.md) names its fields; times in UTC."""

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
            "currency",
            "department",
            "account_code",
            "pbx_call_id",
            "leg",
            "raw_record",
            "details",
        ]
        read_only_fields = fields
