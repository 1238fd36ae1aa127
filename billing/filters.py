"""Filters of calls, shared by the API and the pages."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import IdFilter, UtcIsoDateTimeFilter
from org.selectors import department_subtree_ids

from .models import Call


class CallFilterSet(django_filters.FilterSet):
    site = django_filters.CharFilter(field_name="site__slug", help_text="Site slug.")
    source = django_filters.CharFilter(field_name="source__slug", help_text="Source slug.")
    extension = django_filters.CharFilter(
        field_name="extension__number", help_text="Extension number."
    )
    department = IdFilter(
        method="filter_department", help_text="Department id; includes its sub-departments."
    )
    direction = django_filters.ChoiceFilter(choices=Call.Direction.choices)
    answered = django_filters.BooleanFilter()
    start_after = UtcIsoDateTimeFilter(field_name="start", lookup_expr="gte")
    start_before = UtcIsoDateTimeFilter(field_name="start", lookup_expr="lt")
    number = django_filters.CharFilter(
        field_name="number", lookup_expr="startswith", help_text="Number prefix."
    )
    min_cost = django_filters.NumberFilter(field_name="cost", lookup_expr="gte")
    unrated = django_filters.BooleanFilter(
        field_name="cost",
        lookup_expr="isnull",
        help_text=_("true: only calls without a price (cost empty); false: only priced calls."),
    )

    class Meta:
        model = Call
        fields = [
            "site",
            "source",
            "extension",
            "department",
            "direction",
            "answered",
            "start_after",
            "start_before",
            "number",
            "min_cost",
            "unrated",
        ]

    def filter_department(self, queryset, name, value):
        return queryset.filter(department_id__in=department_subtree_ids([value]))
