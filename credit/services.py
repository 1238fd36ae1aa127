"""Writes of prepaid credit: authorizing and settling calls, moving money, reaping.

Every change of an account's money happens with the account's row locked
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's IMMEDIATE transactions serialize
writers), and writes its balance and a ledger entry together, so the balance is
always the sum of the ledger and concurrent calls cannot spend the same money:

    available = balance + credit limit - money held by open reservations

Rating happens before the lock: the row is held only for a sum and an insert.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from billing.models import Call
from capture.models import Source
from core.errors import DomainError
from core.limits import decimal_max, decimal_refusal, decimal_text
from rating.engine import ZERO, CallToRate, Price, Rater, RateTerms
from rating.services import numbering_of, numbering_of_country, tariff_for

from .limits import affordable_seconds, terms_from_json, terms_to_json
from .models import Account, Channel, LedgerEntry, Reservation

logger = logging.getLogger(__name__)

MATCH_WINDOW = dt.timedelta(days=2)  # how long a finished call waits for its CDR
MAX_BILLSEC = 10 * 24 * 3600  # far beyond any call authorized (the cap is an hour by default)


class NotFound(DomainError):
    status_code = 404


class SettleConflict(DomainError):
    status_code = 409


class Reason:
    """Why a call was refused: short codes for the dialplan (``CREDIT_REASON``)."""

    UNKNOWN_ACCOUNT = "unknown-account"
    BLOCKED = "blocked"
    NO_RATE = "no-rate"
    NO_CREDIT = "no-credit"
    CALL_ID_USED = "call-id-used"


@dataclass(frozen=True, slots=True)
class Authorization:
    """The answer to "how long may this caller talk?"."""

    allowed: bool
    max_seconds: int = 0
    reason: str = ""  # a Reason code when refused
    message: str = ""  # what happened, for people and logs
    amount: Decimal = ZERO  # money held
    currency: str = ""


@dataclass(frozen=True, slots=True)
class Settlement:
    cost: Decimal
    balance: Decimal
    currency: str
    already_settled: bool = False


def call_authorize(
    *, account_code: str, number: str, call_id: str, now: dt.datetime | None = None
) -> Authorization:
    """Decide whether a call may start and for how long, and hold its money.

    The number is rated with the account's plan at the call's start: the rate in
    force then (time band included) prices the whole call, even if a band changes
    mid-call, so what is held always covers what settle charges. Asking again
    with the same call id gives the same answer and holds nothing more (AGI retries).
    Emergency numbers are always allowed, even on a blocked or empty account.
    """
    now = now or timezone.now()
    account = Account.objects.select_related("site", "rate_plan").filter(code=account_code).first()
    if account is None:
        return _refuse(
            Reason.UNKNOWN_ACCOUNT,
            gettext_noop("No prepaid account has the code %(code)r."),
            {"code": account_code},
        )
    currency = account.rate_plan.currency
    rater = _rater_of(account)
    price = rater.price(
        CallToRate(
            start=now, duration_seconds=1, answered=True, direction="outgoing", number=number
        )
    )
    emergency = price.category == "emergency" and price.cost == ZERO
    if price.cost is None:
        return _refuse(
            Reason.NO_RATE,
            gettext_noop("No rate for %(number)r in plan %(plan)s: %(reason)s."),
            {"number": number, "plan": account.rate_plan.slug, "reason": price.unrated_reason},
            currency,
        )
    terms = _terms_of(rater, price)
    cap = settings.TARIFICADOR_CREDIT_MAX_CALL_SECONDS

    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account.pk)
        existing = Reservation.objects.filter(call_id=call_id).first()
        if existing is not None:
            return _repeated(existing, account, currency)
        if not account.active and not emergency:
            return _refuse(
                Reason.BLOCKED,
                gettext_noop("Account %(code)s is blocked."),
                {"code": account.code},
                currency,
            )
        _expire(Reservation.objects.filter(account=account), now)
        available = account.balance + account.credit_limit - _held(account)
        # What one reservation may hold: its amount is a money column like the balance.
        available = min(available, BALANCE_MAX)
        if terms is None:  # free by nature (emergency) or free by rate: no money held
            max_seconds, amount = cap, ZERO
        else:
            max_seconds = affordable_seconds(terms, available, cap)
            if max_seconds == 0:
                first_block = terms.cost(terms.initial_seconds)
                return _refuse(
                    Reason.NO_CREDIT,
                    gettext_noop(
                        "Account %(code)s has %(available)s %(currency)s available; the first "
                        "%(seconds)s s to %(destination)s cost %(cost)s %(currency)s."
                    ),
                    {
                        "code": account.code,
                        "available": f"{max(available, ZERO):.2f}",
                        "currency": currency,
                        "seconds": terms.initial_seconds,
                        "destination": price.destination,
                        "cost": f"{first_block:.2f}",
                    },
                    currency,
                )
            amount = terms.cost(terms.billable_seconds(max_seconds))
        try:
            with transaction.atomic():
                Reservation.objects.create(
                    account=account,
                    call_id=call_id,
                    number=number[:64],
                    normalized_number=price.normalized_number,
                    destination=price.destination[:200],
                    terms=terms_to_json(terms) if terms else None,
                    amount=amount,
                    max_seconds=max_seconds,
                    created_at=now,
                    expires_at=now + _lifetime(max_seconds),
                )
        except IntegrityError:  # the same call id, at this moment, for another account
            return _refuse(
                Reason.CALL_ID_USED,
                gettext_noop("Call id %(call)s is already in use."),
                {"call": call_id},
                currency,
            )
    logger.info(
        "Authorized call %s of account %s to %s for %d s, holding %s %s",
        call_id,
        account.code,
        price.normalized_number or number,
        max_seconds,
        amount,
        currency,
    )
    return Authorization(
        True,
        max_seconds,
        message=_("%(seconds)s s to %(destination)s")
        % {"seconds": max_seconds, "destination": price.destination or number},
        amount=amount,
        currency=currency,
    )


def _rater_of(account: Account) -> Rater:
    """The account's plan, reading numbers as its site's people dial, or without a
    site with ``TARIFICADOR_COUNTRY``'s numbering plan, in ``TIME_ZONE``."""
    site = account.site
    if site is None:
        numbering = numbering_of_country(settings.TARIFICADOR_COUNTRY)
        zone, subdivision = zoneinfo.ZoneInfo(settings.TIME_ZONE), ""
    else:
        numbering, zone, subdivision = numbering_of(site), site.zone, site.subdivision
    return Rater(
        tariff=tariff_for(account.rate_plan_id),
        numbering=numbering,
        zone=zone,
        subdivision=subdivision,
        fallback_currency=account.rate_plan.currency,
    )


def _refuse(reason: str, template: str, params: dict, currency: str = "") -> Authorization:
    """A refusal: logged in English, answered in the active language."""
    logger.info("Refused a prepaid call: %s", template % params)
    return Authorization(False, 0, reason, _(template) % params, currency=currency)


def _terms_of(rater: Rater, price: Price) -> RateTerms | None:
    """The rate terms that priced ``price``; None for calls free without a rate."""
    if price.rate_id is None:
        return None
    # A rate priced it: the rater has a tariff, and the number its rate's destination.
    assert rater.tariff is not None
    destination = rater.tariff.match("outgoing", price.normalized_number.lstrip("+"))
    assert destination is not None
    return next(rate for rate in destination.rates if rate.id == price.rate_id)


def _repeated(existing: Reservation, account: Account, currency: str) -> Authorization:
    if existing.account_id == account.pk and existing.state == Reservation.State.OPEN:
        return Authorization(
            True,
            existing.max_seconds,
            message=_("already authorized"),
            amount=existing.amount,
            currency=currency,
        )
    return _refuse(
        Reason.CALL_ID_USED,
        gettext_noop(
            "Call id %(call)s was already authorized (%(state)s, account %(account)s); "
            "each call needs its own id."
        ),
        {
            "call": existing.call_id,
            "state": existing.get_state_display(),
            "account": existing.account.code,
        },
        currency,
    )


def _held(account: Account) -> Decimal:
    held = Reservation.objects.filter(account=account, state=Reservation.State.OPEN).aggregate(
        total=Sum("amount")
    )["total"]
    return held or ZERO


def _lifetime(max_seconds: int) -> dt.timedelta:
    """How long a reservation may stay open: the call, plus ringing and delays."""
    return dt.timedelta(seconds=max_seconds + settings.TARIFICADOR_CREDIT_GRACE_SECONDS)


def billsec_check(billsec: object) -> int:
    """The billable seconds of a settle, as every path accepts them (REST, FastAGI,
    CDR matching): a whole number from 0 to ``MAX_BILLSEC``; else a DomainError."""
    if isinstance(billsec, bool) or not isinstance(billsec, int) or not 0 <= billsec <= MAX_BILLSEC:
        raise DomainError(
            _("billsec must be a whole number of seconds from 0 to %(max)d, not %(value)s.")
            % {"max": MAX_BILLSEC, "value": _echoed(billsec)}
        )
    return billsec


def _echoed(value: object, limit: int = 40) -> str:
    """The value as sent, for a message: whole up to ``limit`` characters (10**30 was
    cut to 10000000000000000000, another number), else cut saying how long it was."""
    text = str(value)
    if len(text) <= limit:
        return text
    return _("%(start)s... (%(length)s characters)") % {"start": text[:20], "length": len(text)}


def call_settle(
    *, call_id: str, billsec: int, channel: str, now: dt.datetime | None = None
) -> Settlement:
    """Charge a finished call its real billable seconds and release what it held.

    The call is priced with the terms held at its start, for at most the
    ``max_seconds`` it was authorized: the dialplan hangs up then, so a longer
    ``billsec`` is a wrong report (or a dialplan without ``L()``), and charging it
    would take money never reserved. Such a call is charged its ``max_seconds``,
    logged, and keeps the reported seconds in ``reported_billsec``. Settling again
    with the same seconds changes nothing and answers the same cost; with other
    seconds it is refused (409), since one of the two reports is wrong. A
    reservation the reaper already expired is still charged: the call happened.
    """
    billsec = billsec_check(billsec)
    now = now or timezone.now()
    found = Reservation.objects.filter(call_id=call_id).values_list("account_id", flat=True)
    account_id = found.first()
    if account_id is None:
        raise NotFound(f"No prepaid call was authorized with call id {call_id!r}.")
    with transaction.atomic():
        account = Account.objects.select_for_update().select_related("rate_plan").get(pk=account_id)
        reservation = Reservation.objects.get(call_id=call_id)
        currency = account.rate_plan.currency
        if reservation.state == Reservation.State.SETTLED:
            reported = reservation.reported_billsec or reservation.billsec
            if reported != billsec:
                raise SettleConflict(
                    f"Call {call_id} was already settled with {reported} s, "
                    f"not {billsec} s; it is charged once. Refund and adjust to correct it."
                )
            return Settlement(reservation.cost, account.balance, currency, already_settled=True)
        billed = min(billsec, reservation.max_seconds)
        cost = ZERO
        if reservation.terms and billed > 0:
            terms = terms_from_json(reservation.terms)
            cost = terms.cost(terms.billable_seconds(billed))
        note = f"{billed} s to {reservation.destination or reservation.number}"
        if billed < billsec:
            logger.warning(
                "Call %s of account %s reported %d s, beyond the %d s it was allowed: "
                "charged %d s only; check that the dialplan passes CREDIT_LIMIT_MS to "
                "Dial's L() option",
                call_id,
                account.code,
                billsec,
                reservation.max_seconds,
                billed,
            )
            note = f"{billed} s (reported {billsec} s, allowed {billed} s) to " + (
                reservation.destination or reservation.number
            )
        if reservation.state == Reservation.State.EXPIRED:
            logger.warning("Call %s settled after its reservation expired", call_id)
        if cost:
            _post(
                account,
                kind=LedgerEntry.Kind.CHARGE,
                amount=-cost,
                channel=channel,
                reservation=reservation,
                note=note[:200],
            )
        reservation.state = Reservation.State.SETTLED
        reservation.billsec = billed
        reservation.reported_billsec = billsec if billed < billsec else None
        reservation.cost = cost
        reservation.settled_at = now
        reservation.save(
            update_fields=["state", "billsec", "reported_billsec", "cost", "settled_at"]
        )
    return Settlement(cost, account.balance, currency)


class AmountRefused(DomainError):
    """An amount the ledger or the balance cannot hold; the API names ``amount``."""


# What Account.balance holds: SQLite stored more digits and then could not read the
# accounts back; PostgreSQL refused the write. Refused here, with the numbers.
BALANCE_MAX = decimal_max(Account._meta.get_field("balance"))


def _amount_check(amount: Decimal) -> None:
    why = decimal_refusal(LedgerEntry._meta.get_field("amount"), amount)
    if why:
        raise AmountRefused(why)


def _post(
    account: Account, *, kind: str, amount: Decimal, channel: str, **fields: Any
) -> LedgerEntry:
    """Move money on a locked account: its balance and a ledger entry, together."""
    _amount_check(amount)
    balance = account.balance + amount
    if not -BALANCE_MAX <= balance <= BALANCE_MAX:
        bound = BALANCE_MAX if balance > 0 else -BALANCE_MAX
        text = (
            _("the balance would be %(balance)s, more than the %(bound)s an account can hold")
            if balance > 0
            else _("the balance would be %(balance)s, less than the %(bound)s an account can hold")
        )
        raise AmountRefused(text % {"balance": decimal_text(balance), "bound": decimal_text(bound)})
    account.balance += amount
    account.save(update_fields=["balance"])
    return LedgerEntry.objects.create(
        account=account,
        kind=kind,
        amount=amount,
        balance_after=account.balance,
        channel=channel,
        **fields,
    )


def _locked(account_id: int) -> Account:
    try:
        return Account.objects.select_for_update().get(pk=account_id)
    except Account.DoesNotExist:
        raise NotFound(f"No prepaid account has id {account_id}.") from None


def account_top_up(
    *,
    account_id: int,
    amount: Decimal,
    note: str = "",
    user: AbstractBaseUser | None = None,
    channel: str = Channel.API,
) -> LedgerEntry:
    """Add money to an account."""
    if amount <= 0:
        raise DomainError(
            _(
                "A top-up must be a positive amount, not %(amount)s; "
                "use an adjustment to remove money."
            )
            % {"amount": amount}
        )
    with transaction.atomic():
        return _post(
            _locked(account_id),
            kind=LedgerEntry.Kind.TOP_UP,
            amount=amount,
            channel=channel,
            note=note[:200],
            created_by=user,
        )


def account_adjust(
    *,
    account_id: int,
    amount: Decimal,
    note: str,
    user: AbstractBaseUser | None = None,
    channel: str = Channel.API,
) -> LedgerEntry:
    """Correct a balance by a signed amount, saying why."""
    if amount == 0:
        raise DomainError(_("An adjustment needs a non-zero amount."))
    if not note.strip():
        raise DomainError(_("Say why in the note: adjustments are audited."))
    with transaction.atomic():
        return _post(
            _locked(account_id),
            kind=LedgerEntry.Kind.ADJUSTMENT,
            amount=amount,
            channel=channel,
            note=note[:200],
            created_by=user,
        )


def call_refund(
    *,
    call_id: str,
    note: str = "",
    user: AbstractBaseUser | None = None,
    channel: str = Channel.API,
) -> LedgerEntry:
    """Give back what a settled call was charged; once per call."""
    reservation = Reservation.objects.filter(call_id=call_id).first()
    if reservation is None:
        raise NotFound(f"No prepaid call has call id {call_id!r}.")
    with transaction.atomic():
        account = _locked(reservation.account_id)
        reservation.refresh_from_db()
        if reservation.state != Reservation.State.SETTLED or not reservation.cost:
            raise DomainError(
                _("Call %(call)s has no charge to refund (%(state)s).")
                % {"call": call_id, "state": reservation.state}
            )
        if reservation.ledger_entries.filter(kind=LedgerEntry.Kind.REFUND).exists():
            raise DomainError(_("Call %(call)s was already refunded.") % {"call": call_id})
        return _post(
            account,
            kind=LedgerEntry.Kind.REFUND,
            amount=reservation.cost,
            channel=channel,
            reservation=reservation,
            note=note[:200] or f"refund of call {call_id}",
            created_by=user,
        )


def reservations_expire(*, now: dt.datetime | None = None) -> int:
    """Release reservations whose hang-up never came (the reaper); return how many.

    A reservation lives for its maximum seconds plus a grace period for ringing
    and delays; after that the call cannot still be talking on this money, so
    holding it would only block the account. Nothing is charged: the call's CDR,
    if it arrives, charges it (:func:`reservations_match_calls`).
    """
    return _expire(Reservation.objects.all(), now or timezone.now())


def _expire(reservations: QuerySet[Reservation], now: dt.datetime) -> int:
    stale = list(
        reservations.filter(state=Reservation.State.OPEN, expires_at__lte=now).select_related(
            "account"
        )
    )
    expired = 0
    for reservation in stale:
        # Conditional: a settle that got there first wins.
        if Reservation.objects.filter(pk=reservation.pk, state=Reservation.State.OPEN).update(
            state=Reservation.State.EXPIRED
        ):
            expired += 1
            logger.warning(
                "Released the reservation of call %s (account %s, %s held, authorized %s): "
                "no settle arrived within %d s",
                reservation.call_id,
                reservation.account.code,
                reservation.amount,
                reservation.created_at.isoformat(),
                (reservation.expires_at - reservation.created_at).total_seconds(),
            )
    return expired


def reservations_match_calls(*, now: dt.datetime | None = None) -> int:
    """Link finished prepaid calls to their CDRs (``Call.pbx_call_id`` = call id).

    The call store is fed by the PBX's own records (capture), so settle links to
    that call rather than making a second one: nothing is counted twice. A call
    whose settle was lost (its reservation expired) is charged here from the
    CDR's billable seconds, so every call ends up in the ledger.
    """
    now = now or timezone.now()
    pending = Reservation.objects.filter(
        billing_call__isnull=True,
        created_at__gte=now - MATCH_WINDOW,
        state__in=[Reservation.State.SETTLED, Reservation.State.EXPIRED],
    ).select_related("account")
    by_site: dict[int | None, dict[str, Reservation]] = {}
    for held in pending:
        by_site.setdefault(held.account.site_id, {})[held.call_id] = held
    matched = 0
    for site_id, reservations in by_site.items():
        # The (source, pbx_call_id) index: the site's sources, or every source for
        # accounts without a site (call ids are Asterisk's UNIQUEIDs, unique enough).
        sources = Source.objects.filter(site_id=site_id) if site_id else Source.objects.all()
        calls = Call.objects.filter(
            source_id__in=list(sources.values_list("pk", flat=True)),
            pbx_call_id__in=list(reservations),
        ).order_by("pbx_call_id", "leg", "id")
        for call in calls:
            reservation = reservations.pop(call.pbx_call_id, None)
            if reservation is None:
                continue  # a later leg of a call already matched
            if reservation.state == Reservation.State.EXPIRED:
                billsec = call.duration_seconds if call.answered else 0
                call_settle(call_id=reservation.call_id, billsec=billsec, channel=Channel.SYSTEM)
            Reservation.objects.filter(pk=reservation.pk).update(billing_call=call)
            matched += 1
    return matched
