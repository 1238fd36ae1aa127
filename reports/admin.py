"""Admin of budgets and of the report e-mails.

Budgets are edited here; the list shows what each department has spent this month.
Budget alerts and report deliveries are logs: read-only, kept for the record. The
schedules that send them are under "Periodic tasks" (django-celery-beat).
"""

import functools
from decimal import Decimal

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .budgets import budgets_in_effect, level_for, subtree_spent
from .mail import OUTCOME_LABELS, manager_report_send
from .models import Budget, BudgetAlert, BudgetLevel, ReportDelivery

# Classes of core/static/core/admin.css: the Content-Security-Policy refuses style attributes.
CENT = Decimal("0.01")
TENTH = Decimal("0.1")
LEVEL_CLASSES = {
    None: "status-good",
    BudgetLevel.WARNING: "status-warning",
    BudgetLevel.EXCEEDED: "status-alert",
}


class ReadOnlyLogAdmin(admin.ModelAdmin):
    """A log written by the application: it can be read and filtered, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = ["department", "amount", "currency", "valid_from"]
    list_filter = ["currency", "valid_from"]
    list_select_related = ["department"]
    search_fields = ["department__code", "department__name"]
    autocomplete_fields = ["department"]
    date_hierarchy = "valid_from"

    def get_list_display(self, request):
        """Adds this month's spending, read once per page (two queries), not per row."""
        month = timezone.localdate().replace(day=1)

        @functools.cache
        def month_spending() -> tuple[dict, set[int]]:
            in_effect = {budget.pk for budget in budgets_in_effect(month)}
            return subtree_spent(month=month), in_effect

        def spent(budget) -> Decimal:
            return month_spending()[0].get((budget.department_id, budget.currency), Decimal(0))

        @admin.display(
            description=_("Spent in %(month)s") % {"month": date_format(month, "YEAR_MONTH_FORMAT")}
        )
        def spent_this_month(budget):
            return number_format(spent(budget).quantize(CENT), decimal_pos=2, force_grouping=True)

        @admin.display(description=gettext_lazy("Of budget"))
        def ratio_this_month(budget):
            if budget.pk not in month_spending()[1]:
                return _("not in effect")
            cost = spent(budget)
            return format_html(
                '<strong class="{}">{}</strong>',
                LEVEL_CLASSES[level_for(cost, budget.amount)],
                _("%(percent)s%%")
                % {"percent": number_format((100 * cost / budget.amount).quantize(TENTH), 1)},
            )

        return [*super().get_list_display(request), spent_this_month, ratio_this_month]


@admin.register(BudgetAlert)
class BudgetAlertAdmin(ReadOnlyLogAdmin):
    list_display = [
        "department",
        "month",
        "level",
        "amount",
        "spent",
        "currency",
        "created_at",
        "sent_at",
        "recipients",
    ]
    list_filter = ["level", "month"]
    list_select_related = ["department"]
    search_fields = ["department__code", "department__name", "recipients"]


@admin.register(ReportDelivery)
class ReportDeliveryAdmin(ReadOnlyLogAdmin):
    list_display = [
        "user",
        "month",
        "state",
        "email",
        "departments",
        "attempts",
        "sent_at",
        "error",
    ]
    list_filter = ["state", "month"]
    list_select_related = ["user"]
    search_fields = ["user__username", "email", "departments"]
    actions = ["send_again"]

    @admin.action(description=gettext_lazy("Send the selected reports again now"))
    def send_again(self, request, queryset):
        """Sends each selected manager the report of that row's month, even if sent."""
        results = [
            manager_report_send(user=delivery.user, month=delivery.month, force=True)
            for delivery in queryset.select_related("user")
        ]
        for result in results:
            level = messages.SUCCESS if result.outcome == "sent" else messages.ERROR
            outcome = str(OUTCOME_LABELS.get(result.outcome, result.outcome))
            if result.error:
                text = _("%(user)s <%(email)s>: %(outcome)s: %(error)s")
            else:
                text = _("%(user)s <%(email)s>: %(outcome)s")
            values = {"user": result.username, "email": result.email, "outcome": outcome}
            self.message_user(request, text % {**values, "error": result.error}, level)
