"""Prepaid credit: accounts, their append-only ledger, and reservations of live calls.

An ``Account`` talks only as long as its money allows. Its ``balance`` is the sum of
its ``LedgerEntry`` rows and changes only together with one (see ``services``). A
``Reservation`` holds money for one call in progress, from ``authorize`` until
``settle`` (or until the reaper expires it), so that two calls at once cannot
spend the same money.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

MONEY_PLACES = 4  # as Call.cost: the rating engine's quantum (0.0001)
code_validator = RegexValidator(
    r"^[0-9A-Za-z_.-]+$", _("Letters, digits, '-', '_' and '.' only, as Asterisk passes it.")
)


def money_field(**options) -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=MONEY_PLACES, **options)


class Account(models.Model):
    """A prepaid holder: an extension, a call-shop booth, a calling card's PIN.

    Numbers are read with the numbering plan of ``site`` (how people there dial:
    access code, area code, national and international prefixes), or without one
    with the home plan of ``TARIFICADOR_COUNTRY``, and priced with ``rate_plan``,
    the retail price list the holder pays, which may differ from the carrier plan
    that prices the site's calls.
    """

    code = models.CharField(
        max_length=64,
        unique=True,
        validators=[code_validator],
        help_text=_("Account code or PIN, as Asterisk sends it to authorize a call."),
        verbose_name=_("code"),
    )
    holder = models.CharField(
        max_length=200, blank=True, help_text=_("Person or place."), verbose_name=_("holder")
    )
    site = models.ForeignKey(
        "org.Site",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_accounts",
        help_text=_(
            "Whose numbering plan and time zone read the numbers this account dials; "
            "empty: the country of TARIFICADOR_COUNTRY and the zone of TIME_ZONE."
        ),
        verbose_name=_("site"),
    )
    rate_plan = models.ForeignKey(
        "rating.RatePlan",
        on_delete=models.PROTECT,
        related_name="credit_accounts",
        verbose_name=_("rate plan"),
    )
    balance = money_field(
        default=Decimal("0"),
        editable=False,
        help_text=_("Changed only through the ledger."),
        verbose_name=_("balance"),
    )
    credit_limit = money_field(
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
        help_text=_("How far below zero the balance may go (0: strictly prepaid)."),
        verbose_name=_("credit limit"),
    )
    active = models.BooleanField(
        default=True, help_text=_("A blocked account may not call."), verbose_name=_("active")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["code"]
        permissions = [
            ("top_up_account", "Can top up prepaid accounts"),
            ("adjust_account", "Can adjust prepaid balances and refund calls"),
        ]

    def __str__(self):
        return f"{self.code} {self.holder}".strip()

    @property
    def currency(self) -> str:
        """The ledger's currency: the one the account's rate plan prices in."""
        return self.rate_plan.currency


class Channel(models.TextChoices):
    """Through what a ledger entry was made."""

    WEB = "web", _("Admin (web)")
    API = "api", _("REST API")
    AGI = "agi", _("FastAGI")
    SYSTEM = "system", _("System (reaper, CDR matching)")


class LedgerEntry(models.Model):
    """One movement of an account's money; rows are only ever added.

    ``amount`` is signed: top-ups and refunds add, charges subtract, adjustments go
    either way. ``balance_after`` makes every row a checkpoint an auditor can verify.
    """

    class Kind(models.TextChoices):
        TOP_UP = "top-up", _("Top Up")
        CHARGE = "charge", _("Charge")
        REFUND = "refund", _("Refund")
        ADJUSTMENT = "adjustment", _("Adjustment")

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="ledger", verbose_name=_("account")
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("kind"))
    amount = money_field(
        verbose_name=_("amount"),
    )
    balance_after = money_field(
        verbose_name=_("balance after"),
    )
    reservation = models.ForeignKey(
        "Reservation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        help_text=_("The call charged or refunded."),
        verbose_name=_("reservation"),
    )
    channel = models.CharField(max_length=8, choices=Channel.choices, verbose_name=_("channel"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Who made it; empty for calls charged by Asterisk and the system."),
        verbose_name=_("created by"),
    )
    note = models.CharField(max_length=200, blank=True, verbose_name=_("note"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("ledger entry")
        ordering = ["-created_at", "-id"]
        verbose_name_plural = _("ledger entries")
        indexes = [models.Index(fields=["account", "created_at"], name="ledger_account_created")]
        constraints = [
            # A call is charged once and refunded at most once, whatever retries happen.
            models.UniqueConstraint(
                fields=["reservation", "kind"],
                condition=models.Q(kind__in=["charge", "refund"]),
                name="ledger_one_charge_and_refund_per_call",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} on {self.account_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("Ledger entries are never changed; add an adjustment instead."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Ledger entries are never deleted; add an adjustment instead."))


class Reservation(models.Model):
    """Money held for one call from ``authorize`` to ``settle``.

    The row stays after the call as its record: what was dialled, the rate terms
    agreed at the start (so the charge never exceeds what was reserved), the billed
    seconds and cost, and the billing ``Call`` once its CDR arrives.
    """

    class State(models.TextChoices):
        OPEN = "open", _("Open (call in progress)")
        SETTLED = "settled", _("Settled")
        EXPIRED = "expired", _("Expired (never settled)")

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="reservations", verbose_name=_("account")
    )
    call_id = models.CharField(
        max_length=64,
        unique=True,
        help_text=_("Asterisk's UNIQUEID of the calling channel."),
        verbose_name=_("call id"),
    )
    number = models.CharField(max_length=64, help_text=_("As dialled."), verbose_name=_("number"))
    normalized_number = models.CharField(
        max_length=32, blank=True, verbose_name=_("normalized number")
    )
    destination = models.CharField(max_length=200, blank=True, verbose_name=_("destination"))
    terms = models.JSONField(
        null=True,
        blank=True,
        help_text=_(
            "The rate at the call's start (id, price per minute, fee, increments, "
            "minimum); empty for free calls."
        ),
        verbose_name=_("terms"),
    )
    amount = money_field(
        help_text=_("Money held: the cost of max seconds."), verbose_name=_("amount")
    )
    max_seconds = models.PositiveIntegerField(
        verbose_name=_("max seconds"),
    )
    state = models.CharField(
        max_length=8, choices=State.choices, default=State.OPEN, verbose_name=_("state")
    )
    created_at = models.DateTimeField(
        help_text=_("When authorized: the call's start for rating."), verbose_name=_("created at")
    )
    expires_at = models.DateTimeField(
        help_text=_("When the reaper releases it if never settled."), verbose_name=_("expires at")
    )
    billsec = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("Billed seconds: at most max seconds."),
        verbose_name=_("billsec"),
    )
    reported_billsec = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_(
            "The billable seconds the PBX reported, when more than the call was allowed "
            "(charged for max seconds only); empty otherwise."
        ),
        verbose_name=_("reported billsec"),
    )
    cost = money_field(null=True, blank=True, verbose_name=_("cost"))
    settled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("settled at"))
    billing_call = models.ForeignKey(
        "billing.Call",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The call as the PBX's CDR recorded it, matched by call id."),
        verbose_name=_("billing call"),
    )

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["account", "expires_at"],
                condition=models.Q(state="open"),
                name="reservation_open",
            ),
            models.Index(
                fields=["created_at"],
                condition=models.Q(billing_call__isnull=True),
                name="reservation_unlinked",
            ),
        ]
        permissions = [
            ("authorize_calls", "Can authorize and settle prepaid calls (Asterisk servers)")
        ]

    def __str__(self):
        return f"{self.call_id} ({self.state})"
