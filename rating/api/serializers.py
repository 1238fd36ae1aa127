"""Serializers of the rating API."""

from rest_framework import serializers

from rating.models import RatePlan


class RatePlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = RatePlan
        fields = ["slug", "name", "currency"]
