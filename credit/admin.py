"""Admin of prepaid credit: accounts with their balances (low ones flagged), top-ups
and adjustments as actions, the ledger and the reservations as read-only logs."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.errors import DomainError
from rating.services import numbering_of_country

from .models import MONEY_PLACES, Account, Channel, LedgerEntry, Reservation
from .selectors import accounts_with_available, low_balance_threshold
from .services import account_adjust, account_top_up, call_refund


def _money(amount) -> str:
    """An amount with two decimals, grouped as the active language writes numbers."""
    return number_format(amount, 2, use_l10n=True, force_grouping=True)


class MoneyForm(forms.Form):
    amount = forms.DecimalField(
        max_digits=14, decimal_places=MONEY_PLACES, label=gettext_lazy("Amount")
    )
    note = forms.CharField(max_length=200, required=False, label=gettext_lazy("Note"))


class LowBalanceFilter(admin.SimpleListFilter):
    title = gettext_lazy("balance")
    parameter_name = "low"

    def lookups(self, request, model_admin):
        low = _("Low (under %(threshold)s)") % {"threshold": _money(low_balance_threshold())}
        return [("yes", low), ("no", _("Not low"))]

    def queryset(self, request, queryset):
        low = Q(balance__lt=low_balance_threshold())
        if self.value() == "yes":
            return queryset.filter(low)
        if self.value() == "no":
            return queryset.exclude(low)
        return queryset


class ReadOnlyLogAdmin(admin.ModelAdmin):
    """Written by the application only: read and filtered here, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "holder",
        "site",
        "rate_plan",
        "balance_shown",
        "available_shown",
        "credit_limit",
        "active",
        "ledger_link",
    ]
    list_filter = [LowBalanceFilter, "active", "site", "rate_plan"]
    search_fields = ["=code", "holder"]
    readonly_fields = ["balance", "numbering_plan", "created_at"]
    actions = ["top_up", "adjust", "block"]

    def get_queryset(self, request):
        return accounts_with_available()

    def changelist_view(self, request, extra_context=None):
        low = Account.objects.filter(active=True, balance__lt=low_balance_threshold()).count()
        if low and request.method == "GET":
            messages.warning(
                request,
                ngettext(
                    "%(count)d active account is under the low-balance threshold of "
                    "%(threshold)s (filter by balance: Low).",
                    "%(count)d active accounts are under the low-balance threshold of "
                    "%(threshold)s (filter by balance: Low).",
                    low,
                )
                % {"count": low, "threshold": _money(low_balance_threshold())},
            )
        return super().changelist_view(request, extra_context)

    @admin.display(description=gettext_lazy("Balance"), ordering="balance")
    def balance_shown(self, account):
        text = f"{_money(account.balance)} {account.rate_plan.currency}"
        if account.balance < low_balance_threshold():
            return format_html(
                '<strong class="status-alert">{}</strong>',
                _("%(balance)s (low)") % {"balance": text},
            )
        return text

    @admin.display(description=gettext_lazy("Available now"), ordering="available")
    def available_shown(self, account):
        if account.held:
            return _("%(available)s (%(held)s held)") % {
                "available": _money(account.available),
                "held": _money(account.held),
            }
        return _money(account.available)

    @admin.display(description=gettext_lazy("Numbering plan"))
    def numbering_plan(self, account):
        """Which plan reads the numbers: the site's, else TARIFICADOR_COUNTRY's."""
        if account.site_id is not None:
            return _("site %(site)s (+%(code)s)") % {
                "site": account.site,
                "code": account.site.country_code,
            }
        plan = numbering_of_country(settings.TARIFICADOR_COUNTRY)
        return _("TARIFICADOR_COUNTRY = %(country)s (+%(code)s), as no site is set") % {
            "country": plan.region,
            "code": plan.country_code,
        }

    @admin.display(description=gettext_lazy("Ledger"))
    def ledger_link(self, account):
        url = reverse("admin:credit_ledgerentry_changelist") + f"?account__id__exact={account.pk}"
        return format_html('<a href="{}">{}</a>', url, _("entries"))

    def has_top_up_permission(self, request):
        return request.user.has_perm("credit.top_up_account")

    def has_adjust_permission(self, request):
        return request.user.has_perm("credit.adjust_account")

    @admin.action(description=gettext_lazy("Top up the selected accounts…"), permissions=["top_up"])
    def top_up(self, request, queryset):
        return self._move_money(
            request,
            queryset,
            action="top_up",
            service=account_top_up,
            title=gettext_lazy("Top up"),
            explanation=gettext_lazy(
                "Adds the amount to each account below, with a ledger entry each."
            ),
        )

    @admin.action(description=gettext_lazy("Adjust the selected balances…"), permissions=["adjust"])
    def adjust(self, request, queryset):
        return self._move_money(
            request,
            queryset,
            action="adjust",
            service=account_adjust,
            title=gettext_lazy("Adjust"),
            explanation=gettext_lazy(
                "Adds a signed amount (negative to remove money) to each account "
                "below; the note, which is required, says why."
            ),
        )

    @admin.action(description=gettext_lazy("Block the selected accounts"), permissions=["change"])
    def block(self, request, queryset):
        blocked = queryset.update(active=False)
        messages.success(
            request,
            ngettext(
                "Blocked %(count)d account(s): they cannot call.",
                "Blocked %(count)d account(s): they cannot call.",
                blocked,
            )
            % {"count": blocked},
        )

    def _move_money(self, request, queryset, *, action, service, title, explanation):
        form = MoneyForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            amount, note = form.cleaned_data["amount"], form.cleaned_data["note"]
            try:
                # All or none: an account that cannot take the amount leaves every
                # selected account as it was, so the action can simply be redone.
                with transaction.atomic():
                    for account in queryset:
                        service(
                            account_id=account.pk,
                            amount=amount,
                            note=note,
                            user=request.user,
                            channel=Channel.WEB,
                        )
            except DomainError as error:
                messages.error(request, f"{account}: {error}")
            else:
                count = queryset.count()
                messages.success(
                    request,
                    ngettext(
                        "%(title)s: %(amount)s on %(count)d account(s), in the ledger.",
                        "%(title)s: %(amount)s on %(count)d account(s), in the ledger.",
                        count,
                    )
                    % {"title": title, "amount": amount, "count": count},
                )
                return None  # back to the list
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "explanation": explanation,
            "accounts": queryset,
            "form": form,
            "action": action,
            "opts": self.model._meta,
        }
        return render(request, "admin/credit/account/money_movement.html", context)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyLogAdmin):
    list_display = [
        "created_at",
        "account",
        "kind",
        "amount",
        "balance_after",
        "channel",
        "created_by",
        "reservation",
        "note",
    ]
    list_filter = ["kind", "channel", "account"]
    list_select_related = ["account", "created_by", "reservation"]
    search_fields = ["=account__code", "=reservation__call_id", "note"]
    date_hierarchy = "created_at"


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyLogAdmin):
    """Open reservations are the calls in progress; expired ones lost their hang-up."""

    list_display = [
        "created_at",
        "call_id",
        "account",
        "number",
        "destination",
        "state",
        "max_seconds",
        "amount",
        "billsec",
        "reported_billsec",
        "cost",
        "expires_at",
        "cdr",
    ]
    list_filter = ["state", "account"]
    list_select_related = ["account"]
    search_fields = ["=call_id", "=account__code", "number"]
    date_hierarchy = "created_at"
    actions = ["refund"]

    def changelist_view(self, request, extra_context=None):
        live = Reservation.objects.filter(state=Reservation.State.OPEN).count()
        extra_context = {
            **(extra_context or {}),
            "title": _("Reservations (live calls: %(live)d)") % {"live": live},
        }
        return super().changelist_view(request, extra_context)

    @admin.display(description=gettext_lazy("CDR"))
    def cdr(self, reservation):
        if reservation.billing_call_id is None:
            return "-"
        url = reverse("admin:billing_call_change", args=[reservation.billing_call_id])
        return format_html(
            '<a href="{}">{}</a>', url, _("call #%(id)s") % {"id": reservation.billing_call_id}
        )

    def has_adjust_permission(self, request):
        return request.user.has_perm("credit.adjust_account")

    @admin.action(description=gettext_lazy("Refund the selected calls"), permissions=["adjust"])
    def refund(self, request, queryset):
        for reservation in queryset:
            try:
                call_refund(call_id=reservation.call_id, user=request.user, channel=Channel.WEB)
            except DomainError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request, _("Refunded call %(call)s.") % {"call": reservation.call_id}
                )
