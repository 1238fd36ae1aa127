"""Admin of budgets, of the report e-mails and of carrier invoice reconciliation.

Budgets are edited here; the list shows what each department has spent this month.
Budget alerts and report deliveries are logs: read-only, kept for the record. The
schedules that send them are under "Periodic tasks" (django-celery-beat).
"""

import functools
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from org.models import Site

from .budgets import budgets_in_effect, level_for, subtree_spent
from .exports import CONTENT_TYPES
from .mail import OUTCOME_LABELS, manager_report_send
from .models import (
    Budget,
    BudgetAlert,
    BudgetLevel,
    InvoiceMapping,
    ReportDelivery,
    SavedReport,
    SavedReportDelivery,
)
from .reconcile import InvoiceError, invoice_read, invoice_reconcile, reconciliation_xlsx

XLSX = CONTENT_TYPES["xlsx"]
SHOWN = 100  # lines of each kind on the reconciliation page; the XLSX has them all
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


class SavedReportDeliveryInline(admin.TabularInline):
    model = SavedReportDelivery
    fields = ["day", "user", "state", "email", "attempts", "sent_at", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-day", "user__username"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SavedReport)
class SavedReportAdmin(admin.ModelAdmin):
    """Saved top lists: their filters, who they are shared with, their schedule and
    the log of their e-mails (below each)."""

    list_display = ["name", "owner", "report", "schedule", "formats", "created_at"]
    list_filter = ["schedule", "report"]
    list_select_related = ["owner"]
    search_fields = ["name", "owner__username"]
    autocomplete_fields = ["owner"]
    filter_horizontal = ["shared_with"]
    inlines = [SavedReportDeliveryInline]


@admin.register(SavedReportDelivery)
class SavedReportDeliveryAdmin(ReadOnlyLogAdmin):
    list_display = ["saved_report", "user", "day", "state", "email", "attempts", "sent_at"]
    list_filter = ["state", "day"]
    list_select_related = ["saved_report", "user"]
    search_fields = ["saved_report__name", "user__username", "email"]


class ReconcileForm(forms.Form):
    site = forms.ModelChoiceField(queryset=Site.objects.all(), label=gettext_lazy("Site"))
    invoice = forms.FileField(
        label=gettext_lazy("Invoice"),
        help_text=gettext_lazy("The carrier's itemized bill, .csv or .xlsx."),
    )
    trunk = forms.CharField(
        required=False,
        label=gettext_lazy("Trunk"),
        help_text=gettext_lazy("Only the calls of this trunk (its name); empty: all the site's."),
    )
    download = forms.BooleanField(
        required=False,
        label=gettext_lazy("Download as XLSX"),
        help_text=gettext_lazy("The whole result as a spreadsheet, instead of this page."),
    )


@admin.register(InvoiceMapping)
class InvoiceMappingAdmin(admin.ModelAdmin):
    list_display = ["name", "carrier", "number_column", "cost_column", "reconcile_link"]
    search_fields = ["name", "carrier"]

    def get_urls(self):
        view = self.admin_site.admin_view(self.reconcile)
        return [
            path("<int:mapping_id>/reconcile/", view, name="reports_invoicemapping_reconcile"),
            *super().get_urls(),
        ]

    @admin.display(description=gettext_lazy("Invoice"))
    def reconcile_link(self, mapping):
        return format_html('<a href="{}/reconcile/">{}</a>', mapping.pk, _("Reconcile…"))

    def reconcile(self, request, mapping_id):
        """Upload an invoice: its line errors, or what matches and what does not."""
        mapping = get_object_or_404(InvoiceMapping, pk=mapping_id)
        if not self.has_view_permission(request, mapping):
            return redirect("admin:index")
        form = ReconcileForm(request.POST or None, request.FILES or None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "mapping": mapping,
            "form": form,
            "title": _("Reconcile an invoice of %(carrier)s") % {"carrier": mapping.carrier},
        }
        if request.method == "POST" and form.is_valid():
            site, upload = form.cleaned_data["site"], form.cleaned_data["invoice"]
            try:
                lines = invoice_read(upload.name, mapping, site, content=upload.read())
            except InvoiceError as error:
                context["errors"] = error.errors[:200]
            else:
                result = invoice_reconcile(lines, mapping, site, trunk=form.cleaned_data["trunk"])
                if form.cleaned_data["download"]:
                    response = HttpResponse(reconciliation_xlsx(result), content_type=XLSX)
                    name = f"reconciliation-{mapping.name}-{site.slug}.xlsx"
                    response["Content-Disposition"] = f'attachment; filename="{name}"'
                    return response
                context["result"] = result
                context["differing"] = [
                    (line, call) for line, call in result.matched if line.cost != call.cost
                ][:SHOWN]
                context["invoice_only"] = result.invoice_only[:SHOWN]
                context["calls_only"] = result.calls_only[:SHOWN]
        return render(request, "admin/reports/invoicemapping/reconcile.html", context)
