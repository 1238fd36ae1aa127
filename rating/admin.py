"""Admin of tariffs: plans with their bands, destinations and versioned rates."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Destination, Rate, RatePlan, TimeBand


class TimeBandInline(admin.TabularInline):
    model = TimeBand
    extra = 0


@admin.register(RatePlan)
class RatePlanAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "currency", "version"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["version"]
    inlines = [TimeBandInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        RatePlan.bump_version(form.instance.pk)  # bands may have changed


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
