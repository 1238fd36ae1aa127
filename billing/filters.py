"""Filters of calls, shared by the API and the pages."""

import datetime as dt

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.filters import IdFilter, MonthFilter, UtcIsoDateTimeFilter
from org.models import Site
from org.selectors import department_subtree_ids
from rating.models import Category

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
    destination = django_filters.CharFilter(
        field_name="destination",
        lookup_expr="icontains",
        help_text=_("Part of the destination's name, e.g. Brazil (any case)."),
    )
    account_code = django_filters.CharFilter(
        field_name="account_code", help_text=_("The account code dialled, exactly.")
    )
    category = django_filters.ChoiceFilter(
        choices=Category.choices, help_text=_("Destination category, e.g. international.")
    )
    month = MonthFilter(
        method="filter_month",
        help_text=_("YYYY-MM: calls of that month in each site's local calendar."),
    )
    unrated = django_filters.BooleanFilter(
        field_name="cost",
        lookup_expr="isnull",
        help_text=_("true: only calls without a price (cost empty); false: only priced calls."),
    )
    personal = django_filters.BooleanFilter(
        help_text=_("true: only calls their holder marked personal; false: only business calls.")
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
            "destination",
            "account_code",
            "category",
            "month",
            "unrated",
            "personal",
        ]

    def filter_department(self, queryset, name, value):
        return queryset.filter(department_id__in=department_subtree_ids([value]))

    def filter_month(self, queryset, name, value):
        return queryset.filter(calls_in_month(value))


def calls_in_month(month: dt.date) -> Q:
    """Calls of ``month`` (a first day) in each site's own calendar, from its local
    midnight on the 1st to the next month's: as the rollups and the reports count."""
    following = (month + dt.timedelta(days=32)).replace(day=1)
    in_month = Q(pk__in=[])
    for site in Site.objects.only("id", "time_zone"):
        in_month |= Q(
            site_id=site.pk,
            start__gte=dt.datetime.combine(month, dt.time(), site.zone),
            start__lt=dt.datetime.combine(following, dt.time(), site.zone),
        )
    return in_month
