"""Filters of raw records, shared by the API and the pages."""

import django_filters

from core.filters import UtcIsoDateTimeFilter

from .models import RawRecord


class RawRecordFilterSet(django_filters.FilterSet):
    source = django_filters.CharFilter(field_name="source__slug", help_text="Source slug.")
    state = django_filters.ChoiceFilter(choices=RawRecord.State.choices)
    received_after = UtcIsoDateTimeFilter(field_name="received_at", lookup_expr="gte")
    received_before = UtcIsoDateTimeFilter(field_name="received_at", lookup_expr="lt")

    class Meta:
        model = RawRecord
        fields = ["source", "state", "received_after", "received_before"]
