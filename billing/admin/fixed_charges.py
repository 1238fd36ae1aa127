"""Admin of the fixed charges: what the phone bill holds beside calls (rentals, plans,
contracts), which the reports add as their own column (billing.fixed_charges)."""

from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.models import FixedCharge


@admin.register(FixedCharge)
class FixedChargeAdmin(admin.ModelAdmin):
    """Recurring charges that are not calls; the reports add them as their own column."""

    list_display = ["name", "kind", "amount", "currency", "starts_on", "ends_on", "charged_to"]
    list_filter = ["kind", "currency", "site"]
    search_fields = ["name", "extension__number", "department__code", "department__name"]
    autocomplete_fields = ["extension", "department"]
    date_hierarchy = "starts_on"

    @admin.display(description=gettext_lazy("Charged to"))
    def charged_to(self, charge):
        if charge.extension_id:
            return _("extension %(extension)s") % {"extension": charge.extension}
        if charge.department_id:
            return _("department %(department)s") % {"department": charge.department}
        return _("site %(site)s, %(split)s") % {
            "site": charge.site,
            "split": charge.get_split_display().lower(),
        }
