"""Serializers of the organization API: sites, departments and extensions."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from org.models import Department, Extension, Site


class SiteSerializer(serializers.ModelSerializer):
    # The plan's model reached through the relation: org imports no code of rating.
    rate_plan = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Site.rate_plan.field.related_model.objects.all(),
        allow_null=True,
        required=False,
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
