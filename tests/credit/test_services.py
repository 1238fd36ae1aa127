"""Authorize, settle, money movements, the reaper and CDR matching, on the database."""

import datetime as dt
import logging
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing.models import Call
from capture.models import RawRecord
from core.errors import DomainError
from credit.models import Channel, LedgerEntry, Reservation
from credit.services import (
    NotFound,
    Reason,
    SettleConflict,
    account_adjust,
    account_top_up,
    call_authorize,
    call_refund,
    call_settle,
    reservations_expire,
    reservations_match_calls,
)
from rating.services import numbering_of_country
from tests.factories import SourceFactory

from .conftest import EMERGENCY, LOCAL, MOBILE, NO_RATE, US, AccountFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 2, 15, 0, tzinfo=dt.UTC)  # a Monday, noon in Córdoba


def authorize(account, number=LOCAL, call_id="1762095600.1", now=NOW):
    return call_authorize(account_code=account.code, number=number, call_id=call_id, now=now)


def ledger_sum(account) -> Decimal:
    return sum((entry.amount for entry in account.ledger.all()), Decimal(0))


def test_authorize_holds_the_cost_of_the_longest_affordable_call(account):
    """10.00 at 6.00 a minute in whole minutes: 60 s allowed, 6.00 held."""
    answer = authorize(account)

    assert answer.allowed and answer.reason == ""
    assert answer.max_seconds == 60
    assert answer.amount == Decimal("6.0000")
    reservation = Reservation.objects.get(call_id="1762095600.1")
    assert reservation.state == Reservation.State.OPEN
    assert reservation.normalized_number == "+543514123456"
    assert reservation.destination == "Córdoba"
    assert reservation.expires_at == NOW + dt.timedelta(seconds=60 + 300)


def test_a_second_call_gets_only_what_the_first_left(account):
    """Open reservations count: 10.00 - 6.00 held leaves 4.00, under a minute's 6.00."""
    assert authorize(account, call_id="a").allowed
    second = authorize(account, call_id="b")

    assert not second.allowed
    assert second.reason == Reason.NO_CREDIT
    assert "4.00 ARS available" in second.message and "6.00 ARS" in second.message
    assert Reservation.objects.filter(account=account).count() == 1


def test_credit_limit_extends_what_may_be_spent(account):
    account.credit_limit = Decimal("2.00")  # 12.00 in all: exactly two minutes
    account.save()

    assert authorize(account).max_seconds == 120


def test_mobile_fee_and_per_second_increments(account):
    answer = authorize(account, number=MOBILE)

    assert answer.max_seconds == 38  # 0.50 + 38 x 0.25 = 10.00
    assert answer.amount == Decimal("10.0000")


def test_the_cap_limits_long_calls(account, settings):
    settings.TARIFICADOR_CREDIT_MAX_CALL_SECONDS = 30
    account_top_up(account_id=account.pk, amount=Decimal("1000"))

    answer = authorize(account)

    assert answer.max_seconds == 30
    assert answer.amount == Decimal("6.0000")  # the first block is billed whole


@pytest.mark.parametrize(
    ("change", "number", "reason", "words"),
    [
        ("block", LOCAL, Reason.BLOCKED, "is blocked"),
        (None, NO_RATE, Reason.NO_RATE, "No rate for"),
        (None, US, Reason.NO_CREDIT, "50.00 ARS"),  # the minimum charge
    ],
)
def test_refusals_say_why(account, change, number, reason, words):
    if change == "block":
        account.active = False
        account.save()

    answer = authorize(account, number=number)

    assert (answer.allowed, answer.max_seconds, answer.reason) == (False, 0, reason)
    assert words in answer.message
    assert not Reservation.objects.exists()


def test_unknown_account_is_refused():
    answer = call_authorize(account_code="nope", number=LOCAL, call_id="x")

    assert answer.reason == Reason.UNKNOWN_ACCOUNT
    assert "'nope'" in answer.message


def test_emergency_calls_are_allowed_on_a_blocked_empty_account(account):
    account.active = False
    account.save()
    account_adjust(account_id=account.pk, amount=Decimal("-10.00"), note="emptied")

    answer = authorize(account, number=EMERGENCY)

    assert answer.allowed and answer.max_seconds == 3600 and answer.amount == 0


def test_authorizing_the_same_call_again_holds_nothing_more(account):
    first = authorize(account)
    again = authorize(account)

    assert again.allowed and again.max_seconds == first.max_seconds
    assert Reservation.objects.count() == 1


def test_a_call_id_is_not_reused_by_another_account(account, site, plan):
    other = AccountFactory(code="2002", site=site, rate_plan=plan)
    authorize(account, call_id="same")

    answer = authorize(other, call_id="same")

    assert answer.reason == Reason.CALL_ID_USED
    assert Reservation.objects.get(call_id="same").account == account


def test_settle_charges_the_real_seconds_and_releases_the_rest(account):
    authorize(account, number=MOBILE)  # 38 s, 10.00 held

    settlement = call_settle(call_id="1762095600.1", billsec=31, channel=Channel.AGI)

    assert settlement.cost == Decimal("8.2500")  # 0.50 + 31 x 0.25
    assert settlement.balance == Decimal("1.7500")
    reservation = Reservation.objects.get()
    assert (reservation.state, reservation.billsec) == (Reservation.State.SETTLED, 31)
    charge = account.ledger.get(kind=LedgerEntry.Kind.CHARGE)
    assert (charge.amount, charge.balance_after, charge.channel) == (
        Decimal("-8.2500"),
        Decimal("1.7500"),
        Channel.AGI,
    )
    # Released: 1.75 is available again (no longer held), too little for 30 s (8.00).
    assert authorize(account, number=MOBILE, call_id="next").reason == Reason.NO_CREDIT
    assert authorize(account, number=LOCAL, call_id="next2").reason == Reason.NO_CREDIT


def test_settling_twice_changes_nothing(account):
    authorize(account)
    first = call_settle(call_id="1762095600.1", billsec=45, channel=Channel.AGI)
    again = call_settle(call_id="1762095600.1", billsec=45, channel=Channel.API)

    assert again.already_settled and (again.cost, again.balance) == (first.cost, first.balance)
    assert account.ledger.filter(kind=LedgerEntry.Kind.CHARGE).count() == 1
    with pytest.raises(SettleConflict, match="already settled with 45 s, not 50 s"):
        call_settle(call_id="1762095600.1", billsec=50, channel=Channel.API)


def test_an_unanswered_call_costs_nothing_and_writes_no_charge(account):
    authorize(account)

    assert call_settle(call_id="1762095600.1", billsec=0, channel=Channel.AGI).cost == 0
    assert not account.ledger.filter(kind=LedgerEntry.Kind.CHARGE).exists()


def test_settling_an_unknown_call_names_it():
    with pytest.raises(NotFound, match="'ghost'"):
        call_settle(call_id="ghost", billsec=3, channel=Channel.API)


def test_the_rate_at_the_start_prices_the_whole_call(account, plan):
    """A rate change after authorize does not change what the call is charged."""
    authorize(account)
    plan.rates.filter(destination__prefix="54351").update(price_per_minute=Decimal("60"))

    assert call_settle(call_id="1762095600.1", billsec=50, channel=Channel.AGI).cost == Decimal(
        "6.0000"
    )


def test_the_balance_is_always_the_sum_of_the_ledger(account):
    account_top_up(account_id=account.pk, amount=Decimal("20"), note="cash")
    authorize(account, call_id="c1")
    call_settle(call_id="c1", billsec=61, channel=Channel.AGI)
    account_adjust(account_id=account.pk, amount=Decimal("-1.25"), note="correction")
    call_refund(call_id="c1", note="bad line")

    account.refresh_from_db()
    kinds = list(account.ledger.order_by("id").values_list("kind", flat=True))
    assert kinds == ["top-up", "top-up", "charge", "adjustment", "refund"]
    assert account.balance == ledger_sum(account) == Decimal("28.7500")
    assert account.ledger.latest("id").balance_after == account.balance


def test_money_movements_refuse_nonsense(account):
    with pytest.raises(DomainError, match="positive"):
        account_top_up(account_id=account.pk, amount=Decimal("-5"))
    with pytest.raises(DomainError, match="Say why"):
        account_adjust(account_id=account.pk, amount=Decimal("5"), note=" ")
    authorize(account)
    call_settle(call_id="1762095600.1", billsec=10, channel=Channel.AGI)
    call_refund(call_id="1762095600.1")
    with pytest.raises(DomainError, match="already refunded"):
        call_refund(call_id="1762095600.1")


def test_ledger_entries_cannot_be_changed_or_deleted(account):
    entry = account.ledger.get()
    entry.note = "rewritten"

    with pytest.raises(ValidationError, match="never changed"):
        entry.save()
    with pytest.raises(ValidationError, match="never deleted"):
        entry.delete()


def test_the_reaper_releases_a_reservation_whose_hang_up_never_came(account, caplog):
    authorize(account)
    caplog.set_level(logging.WARNING, logger="credit.services")

    assert reservations_expire(now=NOW + dt.timedelta(seconds=359)) == 0
    assert reservations_expire(now=NOW + dt.timedelta(seconds=360)) == 1

    assert Reservation.objects.get().state == Reservation.State.EXPIRED
    assert "1762095600.1" in caplog.text and "no settle arrived" in caplog.text
    account.refresh_from_db()
    assert account.balance == Decimal("10.0000")  # nothing drained
    assert authorize(account, call_id="after").allowed  # nothing blocked


def test_authorize_releases_the_accounts_stale_reservations_itself(account):
    """Even without beat, a lost hang-up does not block the account for ever."""
    authorize(account, call_id="lost")

    answer = authorize(account, call_id="later", now=NOW + dt.timedelta(hours=1))

    assert answer.allowed and answer.max_seconds == 60
    assert Reservation.objects.get(call_id="lost").state == Reservation.State.EXPIRED


def test_a_late_settle_still_charges(account):
    authorize(account)
    reservations_expire(now=NOW + dt.timedelta(hours=1))

    assert call_settle(call_id="1762095600.1", billsec=20, channel=Channel.AGI).cost == Decimal(
        "6.0000"
    )


def make_call(site, pbx_call_id, *, duration=42, answered=True):
    source = SourceFactory(site=site)
    raw = RawRecord.objects.create(source=source, seq=1, received_at=NOW, line="cdr")
    return Call.objects.create(
        site=site,
        source=source,
        raw_record=raw,
        start=NOW,
        duration_seconds=duration,
        answered=answered,
        direction="outgoing",
        number=LOCAL,
        currency="ARS",
        pbx_call_id=pbx_call_id,
    )


def test_settled_calls_are_linked_to_their_cdr_not_duplicated(account):
    authorize(account)
    call_settle(call_id="1762095600.1", billsec=42, channel=Channel.AGI, now=NOW)
    call = make_call(account.site, "1762095600.1")

    assert reservations_match_calls(now=NOW) == 1

    assert Reservation.objects.get().billing_call == call
    assert Call.objects.count() == 1
    assert reservations_match_calls(now=NOW) == 0  # linked once
    assert account.ledger.filter(kind=LedgerEntry.Kind.CHARGE).count() == 1


def test_a_lost_settle_is_charged_from_the_cdr(account):
    authorize(account)
    reservations_expire(now=NOW + dt.timedelta(hours=1))
    make_call(account.site, "1762095600.1", duration=42)

    assert reservations_match_calls(now=NOW) == 1

    reservation = Reservation.objects.get()
    assert (reservation.state, reservation.billsec, reservation.cost) == (
        Reservation.State.SETTLED,
        42,
        Decimal("6.0000"),
    )
    assert account.ledger.get(kind=LedgerEntry.Kind.CHARGE).channel == Channel.SYSTEM


def test_the_beat_sweep_is_a_registered_task_that_reaps(account, settings):
    from config.celery import app
    from credit.tasks import credit_sweep

    entry = settings.CELERY_BEAT_SCHEDULE["credit-sweep"]
    authorize(account)  # in the past: long expired by now

    assert entry["schedule"] == 60.0 and entry["task"] in app.tasks
    assert credit_sweep.delay().get() == {"expired": 1, "matched": 0}


def test_settle_charges_at_most_what_authorize_reserved(account, caplog):
    """The caller could not talk past max_seconds: 864,000,000 s reported is charged
    the 60 s allowed (6.00, all that was held), logged and kept on the reservation."""
    caplog.set_level(logging.WARNING, logger="credit.services")
    authorize(account)  # 60 s, 6.00 held

    settlement = call_settle(call_id="1762095600.1", billsec=864000, channel=Channel.AGI)

    assert (settlement.cost, settlement.balance) == (Decimal("6.0000"), Decimal("4.0000"))
    reservation = Reservation.objects.get()
    assert (reservation.billsec, reservation.reported_billsec) == (60, 864000)
    charge = account.ledger.get(kind=LedgerEntry.Kind.CHARGE)
    assert charge.note == "60 s (reported 864000 s, allowed 60 s) to Córdoba"
    assert "reported 864000 s, beyond the 60 s it was allowed: charged 60 s" in caplog.text
    # The same report again is the same settle; another is a conflict naming the report.
    assert call_settle(call_id="1762095600.1", billsec=864000, channel=Channel.API).already_settled
    with pytest.raises(SettleConflict, match="already settled with 864000 s, not 60 s"):
        call_settle(call_id="1762095600.1", billsec=60, channel=Channel.API)


@pytest.mark.parametrize("billsec", [-1, 864001, 864000000, True, "5", 5.0, None])
def test_settle_refuses_billsec_out_of_range_or_not_whole(account, billsec):
    authorize(account)

    with pytest.raises(DomainError, match="billsec must be a whole number of seconds from 0"):
        call_settle(call_id="1762095600.1", billsec=billsec, channel=Channel.AGI)
    assert Reservation.objects.get().state == Reservation.State.OPEN
    assert not account.ledger.filter(kind=LedgerEntry.Kind.CHARGE).exists()


@pytest.mark.parametrize("credit_limit", ["0", "3.50"])
@pytest.mark.parametrize("number", [LOCAL, MOBILE, US])
def test_no_settle_takes_the_balance_below_what_was_available(account, credit_limit, number):
    """After every operation the balance is the ledger's sum, and a settle, whatever
    seconds it reports, never takes more than its reservation held."""
    account.credit_limit = Decimal(credit_limit)
    account.save()
    account_top_up(account_id=account.pk, amount=Decimal("60"), note="cash")
    for n, billsec in enumerate([0, 1, 29, 59, 60, 61, 599, 3600, 3601, 86400, 864000]):
        account.refresh_from_db()
        before = account.balance
        answer = authorize(account, number=number, call_id=f"c{n}")
        if not answer.allowed:
            assert answer.reason == Reason.NO_CREDIT
            break
        settlement = call_settle(call_id=f"c{n}", billsec=billsec, channel=Channel.API)

        account.refresh_from_db()
        assert account.balance == ledger_sum(account) == settlement.balance
        assert settlement.cost <= answer.amount
        assert account.balance >= before - answer.amount
        assert account.balance >= -account.credit_limit


@pytest.mark.parametrize(
    ("country", "code", "national", "international"),
    [
        ("AR", "54", "0", "00"),
        ("US", "1", "1", "011"),
        ("RU", "7", "8", "810"),
        ("MX", "52", "", "00"),
    ],
)
def test_the_home_numbering_plan_comes_from_phonenumbers(country, code, national, international):
    plan = numbering_of_country(country)

    assert (plan.region, plan.country_code) == (country, code)
    assert (plan.national_prefix, plan.international_prefix) == (national, international)
    assert (plan.area_code, plan.access_codes) == ("", ())


def test_an_account_without_a_site_reads_numbers_with_the_home_country(account, settings):
    """TARIFICADOR_COUNTRY = AR: 0351 4123456 is Córdoba; a lost settle is still charged
    from the CDR, whichever source recorded it."""
    homeless = AccountFactory(code="3003", site=None, rate_plan=account.rate_plan)
    account_top_up(account_id=homeless.pk, amount=Decimal("10"))

    answer = authorize(homeless, number="03514123456", call_id="h1")
    reservations_expire(now=NOW + dt.timedelta(hours=1))
    make_call(account.site, "h1", duration=42)

    assert (answer.allowed, answer.max_seconds, answer.amount) == (True, 60, Decimal("6.0000"))
    assert reservations_match_calls(now=NOW) == 1
    assert Reservation.objects.get(call_id="h1").cost == Decimal("6.0000")
    settings.TARIFICADOR_COUNTRY = "UY"  # +598: the same digits are no Córdoba number
    assert authorize(homeless, number="03514123456", call_id="h2").reason == Reason.NO_RATE
