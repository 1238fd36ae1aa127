"""Budgets: spent is the subtree's calls, statuses are scoped, each level alerts once.

The organization (``org`` in conftest) has in October 2026, per department's own calls:
ADM 1.5833, FIN 12.5001, PAY 8.7777, SAL 12.0000, SLN 0.0100, SUP 100.0000; so the
subtrees spent FIN 21.2778, ADM 22.8611 and SAL 12.0100.
"""

import datetime as dt
import logging
from decimal import Decimal

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from billing.models import Call
from billing.rollups import FACT_FIELDS, CallFact, rollups_apply
from org.selectors import department_subtree_ids
from reports.budgets import (
    budget_alerts_send,
    budget_check_months,
    budget_statuses,
    level_for,
    subtree_spent,
)
from reports.models import Budget, BudgetAlert, BudgetLevel
from reports.tasks import budget_alerts_task
from tests.billing.test_rollups import ingest, priced_source  # noqa: F401 (a fixture)
from tests.factories import DepartmentFactory, UserFactory

from .conftest import NOVEMBER, OCTOBER, call_make, local, month_call_sums


def budget(org, code, amount, *, valid_from=OCTOBER, currency="ARS") -> Budget:
    return Budget.objects.create(
        department=org.departments[code],
        amount=Decimal(amount),
        currency=currency,
        valid_from=valid_from,
    )


def call_add(org, number: str, cost: str, day: int = 20) -> Call:
    """A priced call stored and counted in the rollups, as ingest does in one step."""
    call = call_make(
        source=org.source, extension=org.extensions[number], start=local(day), cost=cost
    )
    fact = CallFact(*Call.objects.filter(pk=call.pk).values_list(*FACT_FIELDS).get())
    rollups_apply(added=[fact])
    return call


def by_code(statuses) -> dict:
    return {status.department_code: status for status in statuses}


def test_spent_is_the_cost_of_each_subtree_in_the_month(org):
    spent = subtree_spent(month=OCTOBER)

    for code in org.departments:
        subtree = department_subtree_ids([org.departments[code].pk])
        expected = month_call_sums(OCTOBER, subtree)["cost"]
        assert spent.get((org.departments[code].pk, "ARS"), Decimal(0)) == expected, code
    assert spent[org.departments["FIN"].pk, "ARS"] == Decimal("21.2778")
    assert spent[org.departments["ADM"].pk, "ARS"] == Decimal("22.8611")


def test_spent_takes_a_few_queries_however_many_departments(org, django_assert_max_num_queries):
    for index in range(30):
        DepartmentFactory(code=f"X{index:02d}", parent=org.departments["PAY"])

    # The rollups, the sites' currencies, the tree and the month's fixed charges.
    with django_assert_max_num_queries(4):
        subtree_spent(month=OCTOBER)


def test_levels_at_80_and_100_percent_exactly():
    amount = Decimal("100.00")

    assert level_for(Decimal("79.9999"), amount) is None
    assert level_for(Decimal("80.0000"), amount) == BudgetLevel.WARNING
    assert level_for(Decimal("99.9999"), amount) == BudgetLevel.WARNING
    assert level_for(Decimal("100.0000"), amount) == BudgetLevel.EXCEEDED


def test_statuses_are_scoped_like_the_reports(org):
    budget(org, "ADM", "20")
    budget(org, "FIN", "25")
    budget(org, "PAY", "100")
    budget(org, "SAL", "12.01")

    finance = by_code(budget_statuses(user=org.finance, month=OCTOBER))
    everything = by_code(budget_statuses(user=org.admin, month=OCTOBER))

    assert set(finance) == {"FIN", "PAY"}  # not the parent ADM, not Sales
    assert set(by_code(budget_statuses(user=org.sales, month=OCTOBER))) == {"SAL"}
    assert budget_statuses(user=org.nobody, month=OCTOBER) == []
    assert set(everything) == {"ADM", "FIN", "PAY", "SAL"}
    fin = finance["FIN"]
    assert (fin.department_name, fin.amount, fin.spent) == (
        "Finance",
        Decimal("25.00"),
        Decimal("21.2778"),
    )
    assert fin.ratio == Decimal("0.8511")
    assert fin.level == "warning"
    assert finance["PAY"].level is None
    assert everything["SAL"].level == "exceeded"  # 12.0100 of 12.01: exactly 100%
    assert everything["ADM"].level == "exceeded"
    # The most spent first, for the dashboard.
    assert [s.department_code for s in everything.values()] == ["ADM", "SAL", "FIN", "PAY"]


def test_a_budget_applies_from_its_month_until_the_next_one(org):
    budget(org, "FIN", "100", valid_from=dt.date(2026, 1, 1))
    budget(org, "FIN", "25", valid_from=OCTOBER)
    budget(org, "FIN", "10", valid_from=NOVEMBER)

    [october] = budget_statuses(user=org.finance, month=OCTOBER)
    [september] = budget_statuses(user=org.finance, month=dt.date(2026, 9, 1))
    [november] = budget_statuses(user=org.finance, month=NOVEMBER)

    assert (september.amount, october.amount, november.amount) == (100, 25, 10)
    assert september.spent == Decimal("60.0000")  # the call at 23:55 on 30 September
    assert november.spent == Decimal("50.0000")


def test_calls_in_another_currency_do_not_count(org):
    budget(org, "FIN", "25", currency="USD")

    [status] = budget_statuses(user=org.finance, month=OCTOBER)

    assert status.spent == 0
    assert status.level is None


def test_warning_then_exceeded_alert_once_each(org):
    budget(org, "FIN", "30")  # 21.2778 spent: 70.9%, no alert yet
    second_manager = UserFactory(username="cfo", email="cfo@example.org")
    org.departments["FIN"].managers.add(second_manager)

    first = budget_alerts_send(OCTOBER)
    call_add(org, "4003", "2.8000")  # 24.0778: 80.3%, in Payroll, under Finance
    warning = budget_alerts_send(OCTOBER)
    warning_again = budget_alerts_send(OCTOBER)
    call_add(org, "4002", "6.0000")  # 30.0778: 100.3%
    exceeded = budget_alerts_send(OCTOBER)
    exceeded_again = budget_alerts_send(OCTOBER)

    assert first.sent == warning_again.sent == exceeded_again.sent == []
    assert [alert.level for alert in warning.sent] == ["warning"]
    assert [alert.level for alert in exceeded.sent] == ["exceeded"]
    assert len(mail.outbox) == 2
    warning_mail, exceeded_mail = mail.outbox
    assert sorted(warning_mail.to) == ["cfo@example.org", "finance@example.org"]
    assert warning_mail.subject == "Budget at 80.3%: FIN Finance, October 2026"
    assert "24.08 ARS (80.3%)" in warning_mail.body
    assert exceeded_mail.subject == "Budget exceeded: FIN Finance, October 2026"
    assert "Remaining:  -0.08 ARS" in exceeded_mail.body
    assert "exceeded" in exceeded_mail.alternatives[0][0]
    alerts = BudgetAlert.objects.order_by("created_at", "pk")
    assert [(a.level, a.spent, a.sent_at is not None) for a in alerts] == [
        ("warning", Decimal("24.0778"), True),
        ("exceeded", Decimal("30.0778"), True),
    ]


def test_a_jump_past_100_percent_sends_only_the_exceeded_alert(org):
    budget(org, "SAL", "10")  # 12.01 spent at once

    summary = budget_alerts_send(OCTOBER)
    budget_alerts_send(OCTOBER)

    assert [alert.level for alert in summary.sent] == ["exceeded"]
    assert [message.subject for message in mail.outbox] == [
        "Budget exceeded: SAL Sales, October 2026"
    ]
    assert mail.outbox[0].to == ["sales@example.org"]
    # The warning is on record as sent with it, so it never follows later.
    assert set(BudgetAlert.objects.exclude(sent_at=None).values_list("level", flat=True)) == {
        "warning",
        "exceeded",
    }


def test_alerts_go_up_the_tree_to_the_nearest_manager_or_only_to_the_log(org, caplog):
    budget(org, "PAY", "8")  # Payroll has no manager: Finance's manager answers for it
    budget(org, "SUP", "50")  # Support and everything above it have no manager

    with caplog.at_level(logging.WARNING, logger="reports.budgets"):
        summary = budget_alerts_send(OCTOBER)

    assert {alert.department.code for alert in summary.sent} == {"PAY", "SUP"}
    assert [message.to for message in mail.outbox] == [["finance@example.org"]]
    assert "SUP" in caplog.text
    assert "has nobody to go to" in caplog.text
    sup_alert = BudgetAlert.objects.get(department__code="SUP", level="exceeded")
    assert sup_alert.sent_at is not None and sup_alert.recipients == ""


def test_a_failed_alert_does_not_stop_the_others_and_is_sent_next_time(org, monkeypatch):
    budget(org, "FIN", "20")
    budget(org, "SAL", "10")
    send_messages = EmailBackend.send_messages

    def refuse_finance(self, messages):
        if any("finance@example.org" in message.to for message in messages):
            raise ConnectionRefusedError("SMTP server down")
        return send_messages(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", refuse_finance)
    failing = budget_alerts_send(OCTOBER)
    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)
    retried = budget_alerts_send(OCTOBER)

    assert [status.department_code for status, _error in failing.failed] == ["FIN"]
    assert "SMTP server down" in failing.failed[0][1]
    assert [alert.department.code for alert in failing.sent] == ["SAL"]
    assert [alert.department.code for alert in retried.sent] == ["FIN"]
    assert [message.to for message in mail.outbox] == [
        ["sales@example.org"],
        ["finance@example.org"],
    ]


def test_the_task_checks_this_month_and_on_the_1st_the_month_just_ended(org, monkeypatch):
    budget(org, "SAL", "10")
    monkeypatch.setattr("reports.budgets.timezone.localdate", lambda: dt.date(2026, 11, 1))

    result = budget_alerts_task.delay().get()

    assert budget_check_months(dt.date(2026, 11, 1)) == [OCTOBER, NOVEMBER]
    assert budget_check_months(dt.date(2026, 11, 2)) == [NOVEMBER]
    assert result == {"sent": 1, "failed": 0}
    assert BudgetAlert.objects.get(level="exceeded").month == OCTOBER


def test_budget_month_must_be_a_first_day(org):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="first day of the month"):
        Budget(
            department=org.departments["FIN"],
            amount=Decimal("10"),
            currency="ARS",
            valid_from=dt.date(2026, 10, 5),
        ).full_clean()


def test_spent_after_real_ingest_equals_the_calls(priced_source):  # noqa: F811
    """Calls parsed from IP Office records and priced by a real deck, through the
    rollups that ingest keeps: the budget's spent is the sum of the calls."""
    ingest(priced_source)
    sales = Call.objects.filter(department__name="Sales").first().department
    Budget.objects.create(
        department=sales, amount=Decimal("1.00"), currency="ARS", valid_from=OCTOBER
    )
    manager = UserFactory(username="sales-head")
    sales.managers.add(manager)

    [status] = budget_statuses(user=manager, month=OCTOBER)
    budget_alerts_send(OCTOBER)

    assert status.spent == month_call_sums(OCTOBER, {sales.pk})["cost"]
    assert status.spent > 0
    assert [message.to for message in mail.outbox] == [[manager.email]]


def test_a_run_with_nothing_new_takes_a_few_queries(org, django_assert_max_num_queries):
    for code in org.departments:
        budget(org, code, "0.01")  # every department over its budget
    budget_alerts_send(OCTOBER)
    sent = len(mail.outbox)

    with django_assert_max_num_queries(6):  # 5, and the month's fixed charges
        summary = budget_alerts_send(OCTOBER)

    assert sent == 4  # FIN, PAY (to Finance's manager), SAL, SLN; ADM and SUP have nobody
    assert summary.sent == summary.failed == []
    assert BudgetAlert.objects.filter(sent_at=None).count() == 0
