"""Admin of tariffs: destinations and versioned rates.

The rate plans' own admin, with the deck import, is in ``billing.admin.rate_plans``:
the import says which stored calls a deck leaves out, and the calls sit above rating.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Destination, Rate, RatePlan


@admin.register(Destination)
class DestinationAdmin(admin.ModelAdmin):
    list_display = ["prefix", "name", "category", "plan"]
    list_filter = ["plan", "category"]
    search_fields = ["=prefix", "name"]
    list_select_related = ["plan"]


@admin.register(Rate)
class RateAdmin(SimpleHistoryAdmin):
    list_display = [
        "destination",
        "band",
        "applies_to",
        "price_per_minute",
        "connection_fee",
        "initial_seconds",
        "increment_seconds",
        "minimum_charge",
        "valid_from",
        "valid_to",
    ]
    list_filter = ["plan", "applies_to", "band", "valid_to"]
    search_fields = ["=destination__prefix", "destination__name"]
    list_select_related = ["destination", "band"]
    autocomplete_fields = ["destination"]
    date_hierarchy = "valid_from"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        RatePlan.bump_version(obj.plan_id)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        RatePlan.bump_version(obj.plan_id)
