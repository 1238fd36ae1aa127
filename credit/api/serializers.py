"""Serializers of the credit API: accounts and their money, authorize and settle."""

import datetime as dt
from decimal import Decimal

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.errors import DomainError
from credit.models import MONEY_PLACES, Account, LedgerEntry, Reservation
from credit.services import MAX_BILLSEC, billsec_check
from org.models import Site
from rating.models import RatePlan


def money(**options) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=MONEY_PLACES, **options)


class AccountSerializer(serializers.ModelSerializer):
    """An account as the contract names its fields (DESIGN.md), plus its site, what it
    can spend now and its currency. ``site`` is optional: without one, numbers are
    read with the home numbering plan of ``TARIFICADOR_COUNTRY``."""

    rate_plan = serializers.SlugRelatedField(slug_field="slug", queryset=RatePlan.objects.all())
    site = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Site.objects.all(),
        required=False,
        allow_null=True,
        help_text="The site (slug) whose numbering plan and time zone read the numbers; "
        "null: TARIFICADOR_COUNTRY's numbering plan and TIME_ZONE.",
    )
    balance = money(read_only=True)
    credit_limit = money(min_value=Decimal(0), required=False)
    # Balance plus credit limit may pass what one money column holds (2 x 10^10).
    available = serializers.DecimalField(
        max_digits=None, decimal_places=MONEY_PLACES, read_only=True, required=False
    )
    currency = serializers.CharField(source="rate_plan.currency", read_only=True)

    class Meta:
        model = Account
        fields = [
            "id",
            "code",
            "holder",
            "rate_plan",
            "balance",
            "credit_limit",
            "active",
            "site",
            "available",
            "currency",
        ]


class MoneyMovementSerializer(serializers.Serializer):
    amount = money()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class RefundSerializer(serializers.Serializer):
    call_id = serializers.CharField(max_length=64)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class LedgerEntrySerializer(serializers.ModelSerializer):
    amount = money(read_only=True)
    balance_after = money(read_only=True)
    call_id = serializers.CharField(source="reservation.call_id", read_only=True, default=None)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    created_at = serializers.DateTimeField(default_timezone=dt.UTC, read_only=True)

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "account",
            "kind",
            "amount",
            "balance_after",
            "call_id",
            "channel",
            "created_by",
            "note",
            "created_at",
        ]
        read_only_fields = fields


class ReservationSerializer(serializers.ModelSerializer):
    """A call in progress and the money it holds."""

    account = serializers.SlugRelatedField(slug_field="code", read_only=True)
    amount = money(read_only=True)
    created_at = serializers.DateTimeField(default_timezone=dt.UTC, read_only=True)
    expires_at = serializers.DateTimeField(default_timezone=dt.UTC, read_only=True)

    class Meta:
        model = Reservation
        fields = [
            "call_id",
            "account",
            "number",
            "normalized_number",
            "destination",
            "amount",
            "max_seconds",
            "created_at",
            "expires_at",
        ]
        read_only_fields = fields


class AuthorizeSerializer(serializers.Serializer):
    account = serializers.CharField(max_length=64, help_text="Account code or PIN.")
    number = serializers.CharField(max_length=64, help_text="The number as dialled.")
    call_id = serializers.CharField(max_length=64, help_text="Asterisk's ${UNIQUEID}.")


class AuthorizationSerializer(serializers.Serializer):
    allowed = serializers.BooleanField()
    max_seconds = serializers.IntegerField()
    reason = serializers.CharField(
        help_text=_(
            "Empty when allowed; else unknown-account, blocked, no-rate, no-credit or call-id-used."
        )
    )
    message = serializers.CharField()
    amount = money(help_text=_("Money held for the call."))
    currency = serializers.CharField()


class SettleSerializer(serializers.Serializer):
    call_id = serializers.CharField(max_length=64)
    billsec = serializers.IntegerField(
        help_text=format_lazy(
            _(
                "Billable seconds: ${{CDR(billsec)}}, 0 to {max}. A call is "
                "charged at most the max_seconds it was authorized."
            ),
            max=MAX_BILLSEC,
        )
    )

    def validate_billsec(self, value):
        # The service's own check, so that REST and FastAGI accept exactly the same.
        try:
            return billsec_check(value)
        except DomainError as error:
            raise serializers.ValidationError(str(error)) from None


class SettlementSerializer(serializers.Serializer):
    cost = money()
    balance = money()
    currency = serializers.CharField()
    already_settled = serializers.BooleanField()
