"""Admin of alerts: rules (editable, their parameters and channels checked), raised
alerts (an acknowledge action, their deliveries inline), and the deliveries as a
read-only log."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy, ngettext

from .models import Alert, AlertRule, Delivery
from .services import AlreadyAcknowledged, alert_acknowledge


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "site", "department", "enabled"]
    list_filter = ["kind", "enabled", "site"]
    search_fields = ["name"]
    autocomplete_fields = ["department"]


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fields = ["target", "status", "attempts", "last_status", "last_error", "delivered_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("to"))
    def target(self, delivery):
        return delivery.target


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["raised_at", "summary", "rule", "acknowledged_by", "acknowledged_at"]
    list_filter = ["rule__kind", "rule", ("acknowledged_at", admin.EmptyFieldListFilter)]
    list_select_related = ["rule", "acknowledged_by"]
    search_fields = ["summary"]
    readonly_fields = [
        "rule",
        "raised_at",
        "summary",
        "source",
        "acknowledged_by",
        "acknowledged_at",
    ]
    inlines = [DeliveryInline]
    actions = ["acknowledge"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=gettext_lazy("Acknowledge the selected alerts"))
    def acknowledge(self, request, queryset):
        done = 0
        for alert in queryset.filter(acknowledged_at__isnull=True):
            try:
                alert_acknowledge(alert=alert, user=request.user)
            except AlreadyAcknowledged:  # by someone else, meanwhile
                continue
            done += 1
        message = ngettext("%(count)d alert acknowledged.", "%(count)d alerts acknowledged.", done)
        self.message_user(request, message % {"count": done}, messages.SUCCESS)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Written by the application only: read and filtered here, never edited."""

    list_display = [
        "alert",
        "channel_type",
        "target",
        "status",
        "attempts",
        "last_status",
        "delivered_at",
        "next_attempt_at",
    ]
    list_filter = ["status"]
    list_select_related = ["alert"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("channel"))
    def channel_type(self, delivery):
        return delivery.channel.get("type", "")

    @admin.display(description=gettext_lazy("to"))
    def target(self, delivery):
        return delivery.target
