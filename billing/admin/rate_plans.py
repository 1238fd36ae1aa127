"""Admin of rate plans, with their bands and the import of a rate deck.

It lives in billing rather than rating because the deck import says which stored
calls the new rates leave out (a read of billing's calls, which sit above rating).
"""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from billing.selectors import calls_before_count
from rating.decks import (
    DATE_ORDERS,
    DeckError,
    date_order_for_language,
    deck_apply,
    deck_coverage,
    deck_dates_understood,
    deck_default_start,
    deck_diff,
    deck_read,
)
from rating.models import RatePlan, TimeBand


class DeckForm(forms.Form):
    deck = forms.FileField(help_text=gettext_lazy("A .csv or .xlsx rate deck."))
    valid_from = forms.DateField(
        required=False,
        help_text=gettext_lazy(
            "First day of rates that give none; rates the deck leaves out end then. "
            "Empty: a plan's first deck prices all calls, past and future; a later one "
            "starts today."
        ),
    )
    date_order = forms.ChoiceField(
        required=False,  # left out: the language's order
        label=gettext_lazy("Dates in the deck"),
        choices=[(order, gettext_lazy(text)) for order, text in DATE_ORDERS.items()],
        help_text=gettext_lazy("How the deck writes valid_from; the preview says how it was read."),
    )
    apply = forms.BooleanField(required=False, help_text=gettext_lazy("Write the changes."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date_order"].initial = date_order_for_language()


class TimeBandInline(admin.TabularInline):
    model = TimeBand
    extra = 0


@admin.register(RatePlan)
class RatePlanAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "currency", "version", "import_link"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["version"]
    inlines = [TimeBandInline]

    def get_urls(self):
        import_view = self.admin_site.admin_view(self.import_deck)
        return [
            path("<int:plan_id>/import/", import_view, name="rating_rateplan_import"),
            *super().get_urls(),
        ]

    @admin.display(description=gettext_lazy("Rate deck"))
    def import_link(self, plan):
        return format_html('<a href="{}/import/">{}</a>', plan.pk, _("Import…"))

    def import_deck(self, request, plan_id):
        """Upload a deck: see the line errors or the diff; with "apply", write it."""
        plan = get_object_or_404(RatePlan, pk=plan_id)
        if not self.has_change_permission(request, plan):
            return redirect("admin:index")
        form = DeckForm(request.POST or None, request.FILES or None)
        context = {**self.admin_site.each_context(request), "plan": plan, "form": form}
        context["title"] = _("Import a rate deck into %(plan)s") % {"plan": plan}
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["deck"]
            valid_from = deck_default_start(plan, form.cleaned_data["valid_from"])
            try:
                date_order = form.cleaned_data["date_order"] or date_order_for_language()
                rows = deck_read(
                    upload.name,
                    default_valid_from=valid_from,
                    content=upload.read(),
                    date_order=date_order,
                )
                diff = deck_diff(plan, rows)
            except DeckError as error:
                context["errors"] = error.errors[:200]
            else:
                context["summary"] = ngettext(
                    "%(count)s rate: %(summary)s", "%(count)s rates: %(summary)s", len(rows)
                ) % {
                    "count": number_format(len(rows), force_grouping=True),
                    "summary": diff.summary(),
                }
                context["dates"] = deck_dates_understood(rows, date_order)
                context["lines"] = list(diff.lines(50))
                coverage = deck_coverage(plan, rows, calls_before_count=calls_before_count)
                context["coverage"] = _("This version %(coverage)s.") % {"coverage": coverage}
                if form.cleaned_data["apply"] and diff.has_changes:
                    deck_apply(plan, rows, diff, ends_on=valid_from)
                    messages.success(
                        request,
                        _("Applied to %(plan)s: %(summary)s. This version %(coverage)s.")
                        % {"plan": plan, "summary": diff.summary(), "coverage": coverage},
                    )
                    return redirect("admin:rating_rateplan_changelist")
        return render(request, "admin/rating/rateplan/import_deck.html", context)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        RatePlan.bump_version(form.instance.pk)  # bands may have changed
