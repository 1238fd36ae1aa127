"""Reads of prepaid credit that the API, the admin and the AGI server share."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db.models import DecimalField, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from .models import MONEY_PLACES, Account, Reservation

MONEY = DecimalField(max_digits=14, decimal_places=MONEY_PLACES)


def accounts_with_available() -> QuerySet[Account]:
    """Accounts annotated with ``held`` (open reservations) and ``available``
    (balance + credit limit - held): what a new call could spend now."""
    held = (
        Reservation.objects.filter(account=OuterRef("pk"), state=Reservation.State.OPEN)
        .values("account")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return (
        Account.objects.select_related("site", "rate_plan")
        .annotate(
            held=Coalesce(Subquery(held, output_field=MONEY), Value(Decimal(0)), output_field=MONEY)
        )
        .annotate(available=F("balance") + F("credit_limit") - F("held"))
    )


def low_balance_threshold() -> Decimal:
    """The balance under which an account is flagged (``TARIFICADOR_CREDIT_LOW_BALANCE``)."""
    return Decimal(str(settings.TARIFICADOR_CREDIT_LOW_BALANCE))


def accounts_low_balance() -> QuerySet[Account]:
    """Active accounts whose balance is under the threshold: candidates for a top-up."""
    return Account.objects.filter(active=True, balance__lt=low_balance_threshold())


def reservations_live() -> QuerySet[Reservation]:
    """Calls in progress: open reservations, oldest first."""
    return (
        Reservation.objects.filter(state=Reservation.State.OPEN)
        .select_related("account")
        .order_by("created_at", "id")
    )
