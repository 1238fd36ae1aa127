"""Serializers of the rating API."""

from rest_framework import serializers

from ..models import RatePlan


class RatePlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = RatePlan
        fields = ["slug", "name", "currency"]
