"""Monthly report e-mails: each manager gets their departments once, with the files.

The organization is ``org`` from conftest: ``finance`` manages Finance (with Payroll
below it), ``sales`` manages Sales (with North); ``boss`` is an administrator who
manages nothing and ``nobody`` a user who manages nothing.
"""

import importlib
import logging
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from celery import current_app
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.admin.sites import site as admin_site
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from reports.mail import monthly_reports_send, previous_month
from reports.models import Budget, ReportDelivery
from reports.tasks import monthly_reports_task
from tests.test_celery_worker import database_url

from .conftest import OCTOBER, month_call_sums
from .test_exports import pdf_pages, read_xlsx

ROOT = Path(__file__).parent.parent.parent


def outbox_for(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


def test_each_manager_gets_only_their_departments(org):
    summary = monthly_reports_send(OCTOBER)

    assert summary.counts()["sent"] == 2
    assert sorted(message.to[0] for message in mail.outbox) == [
        "finance@example.org",
        "sales@example.org",
    ]
    [finance] = outbox_for("finance@example.org")
    [sales] = outbox_for("sales@example.org")
    assert finance.subject == "Telephone costs, October 2026: Tarificador"
    assert "FIN Finance" in finance.body and "PAY Payroll" in finance.body
    html = finance.alternatives[0][0]
    assert "FIN Finance" in html and "PAY Payroll" in html
    for other in ("ADM", "SAL", "SLN", "SUP", "No department"):
        assert other not in finance.body
        assert other not in html
    assert "SAL Sales" in sales.body and "SLN North" in sales.body
    assert "FIN" not in sales.body


def test_body_and_attachments_match_the_calls(org):
    monthly_reports_send(OCTOBER)

    [message] = outbox_for("finance@example.org")
    expected = month_call_sums(OCTOBER, org.ids("FIN", "PAY"))
    names = {name: (content, mimetype) for name, content, mimetype in message.attachments}
    assert set(names) == {"departments-2026-10.pdf", "departments-2026-10.xlsx"}
    assert names["departments-2026-10.pdf"][1] == "application/pdf"
    assert names["departments-2026-10.xlsx"][1] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert expected["cost"] == Decimal("21.2778")
    minutes, seconds = divmod(expected["seconds"], 60)
    assert (
        f"Total: {expected['calls']} calls ({expected['answered']} answered), "
        f"0:{minutes:02d}:{seconds:02d} talking, 21.28 ARS" in message.body
    )
    rows = read_xlsx(names["departments-2026-10.xlsx"][0])
    header, *departments, total = rows
    assert [row[0] for row in departments] == ["FIN", "PAY"]
    assert total[1] == "Total"
    assert total[header.index("Calls")] == expected["calls"]
    assert Decimal(str(total[header.index("Cost ARS")])) == expected["cost"]
    pages = pdf_pages(names["departments-2026-10.pdf"][0])
    assert "FIN Finance" in pages[0] and "21.28 ARS" in pages[0]
    assert not any("Sales" in page or "Support" in page for page in pages)


def test_a_second_run_sends_nothing(org):
    first = monthly_reports_send(OCTOBER)
    second = monthly_reports_send(OCTOBER)
    monthly_reports_task.delay("2026-10")

    assert first.counts()["sent"] == 2
    assert second.counts()["sent"] == 0
    assert second.counts()["already sent"] == 2
    assert len(mail.outbox) == 2
    assert set(ReportDelivery.objects.values_list("user__username", "state", "attempts")) == {
        ("finance", "sent", 1),
        ("sales", "sent", 1),
    }


def test_an_administrator_who_manages_a_department_gets_only_that_one(org):
    org.departments["SUP"].managers.add(org.admin)  # sees everything on the pages

    monthly_reports_send(OCTOBER)

    [message] = outbox_for(org.admin.email)
    assert "SUP Support" in message.body
    assert "100.00 ARS" in message.body
    for other in ("ADM", "FIN", "SAL", "No department"):
        assert other not in message.body


def test_a_manager_without_an_address_is_logged_and_skipped(org, caplog):
    org.finance.email = ""
    org.finance.save()

    with caplog.at_level(logging.WARNING, logger="reports.mail"):
        summary = monthly_reports_send(OCTOBER)

    assert summary.counts()["no e-mail address"] == 1
    assert [message.to for message in mail.outbox] == [["sales@example.org"]]
    assert "Manager finance has no e-mail address" in caplog.text
    skipped = ReportDelivery.objects.get(user=org.finance)
    assert skipped.state == "skipped"
    # Once the address is there, the next run sends it (and only it).
    org.finance.email = "finance@example.org"
    org.finance.save()
    monthly_reports_send(OCTOBER)
    assert [message.to for message in mail.outbox][1:] == [["finance@example.org"]]


def test_a_failure_for_one_manager_does_not_stop_the_others(org, monkeypatch):
    send_messages = EmailBackend.send_messages

    def refuse_finance(self, messages):
        if any("finance@example.org" in message.to for message in messages):
            raise ConnectionRefusedError("SMTP server down")
        return send_messages(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", refuse_finance)
    failing = monthly_reports_send(OCTOBER)
    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)
    retried = monthly_reports_send(OCTOBER)

    assert failing.counts()["failed"] == 1
    assert [r.error for r in failing.results if r.outcome == "failed"] == [
        "ConnectionRefusedError('SMTP server down')"
    ]
    assert retried.counts() == {**retried.counts(), "sent": 1, "already sent": 1}
    assert [message.to for message in mail.outbox] == [
        ["sales@example.org"],
        ["finance@example.org"],
    ]
    delivery = ReportDelivery.objects.get(user=org.finance)
    assert (delivery.state, delivery.attempts, delivery.error) == ("sent", 2, "")


def test_the_task_sends_the_month_just_ended(org, monkeypatch):
    monkeypatch.setattr("reports.mail.timezone.localdate", lambda: OCTOBER.replace(month=11, day=1))

    result = monthly_reports_task.delay().get()

    assert previous_month(OCTOBER.replace(year=2027, month=1, day=15)).isoformat() == "2026-12-01"
    assert result["month"] == "2026-10"
    assert result["sent"] == 2
    assert set(ReportDelivery.objects.values_list("month", flat=True)) == {OCTOBER}


def test_send_reports_command_dry_run_then_send(org, capsys):
    call_command("send_reports", "--month", "2026-10", "--dry-run")
    dry = capsys.readouterr().out
    assert mail.outbox == []
    assert not ReportDelivery.objects.exists()

    call_command("send_reports", "--month", "2026-10")
    sent = capsys.readouterr().out

    assert "finance <finance@example.org> (FIN): would send" in dry
    assert "2 managers: 2 would be sent, 0 already sent, 0 without an e-mail address." in dry
    assert "[1] finance <finance@example.org> (FIN): sent" in sent
    assert "[2] sales <sales@example.org> (SAL): sent" in sent
    assert "2 managers: 2 sent, 0 failed, 0 already sent" in sent
    assert len(mail.outbox) == 2


def test_send_reports_command_refuses_a_bad_month(db):
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("send_reports", "--month", "2026-13")


def test_schedules_exist_after_migrate_and_name_registered_tasks(db):
    # A transactional test earlier in the run empties every table, rows made by
    # migrations included; the migration's own step puts them back only when absent.
    importlib.import_module("reports.migrations.0004_report_schedules").schedules_create(
        django_apps, None
    )
    current_app.loader.import_default_modules()  # what a worker does: autodiscovery
    registered = set(current_app.tasks)

    monthly = PeriodicTask.objects.get(task="reports.tasks.monthly_reports_task")
    budgets = PeriodicTask.objects.get(task="reports.tasks.budget_alerts_task")

    assert {"reports.tasks.monthly_reports_task", "reports.tasks.budget_alerts_task"} <= registered
    assert monthly.enabled and budgets.enabled
    cron = monthly.crontab
    assert (cron.minute, cron.hour, cron.day_of_month, cron.month_of_year, cron.day_of_week) == (
        "0",
        "7",
        "1",
        "*",
        "*",
    )
    assert str(cron.timezone) == settings.TIME_ZONE
    assert (budgets.interval.every, budgets.interval.period) == (15, "minutes")
    # Not in the settings' schedule, which beat would write over the admin's edits.
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert not scheduled & {monthly.task, budgets.task}


def test_admin_lists_budgets_with_this_months_spending_and_resends(org, monkeypatch):
    monkeypatch.setattr("reports.admin.timezone.localdate", lambda: OCTOBER.replace(day=20))
    Budget.objects.create(
        department=org.departments["FIN"], amount=Decimal("25"), currency="ARS", valid_from=OCTOBER
    )
    monthly_reports_send(OCTOBER)
    client = Client()
    client.force_login(org.admin)

    page = client.get(reverse("admin:reports_budget_changelist")).content.decode()
    deliveries = client.get(reverse("admin:reports_reportdelivery_changelist"))
    resend = client.post(
        reverse("admin:reports_reportdelivery_changelist"),
        {
            "action": "send_again",
            "index": 0,
            "_selected_action": [ReportDelivery.objects.get(user=org.finance).pk],
        },
        follow=True,
    )

    assert "Spent in October 2026" in page
    assert "21.28" in page
    assert 'class="status-warning">85.1%' in page  # the warning colour (core/admin.css)
    assert deliveries.status_code == 200
    assert "&lt;finance@example.org&gt;: sent</li>" in resend.content.decode()
    assert len(outbox_for("finance@example.org")) == 2
    assert not admin_site._registry[ReportDelivery].has_change_permission(None)


@pytest.fixture
def worker(redis_url, transactional_db, tmp_path):
    """A Celery worker on Redis and the test database, writing e-mails to files."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": redis_url,
        "EMAIL_URL": f"filemail:///{tmp_path / 'mail'}",
        "TARIFICADOR_VAR_DIR": str(tmp_path),
    }
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo"),
            *("--without-gossip", "--without-mingle", "--loglevel", "INFO"),
        ],
        cwd=ROOT,
        env=env,
    )
    yield env, tmp_path / "mail"
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def test_the_monthly_task_runs_on_a_real_worker(org, worker):
    env, mail_dir = worker

    subprocess.run(
        [
            *(sys.executable, "-m", "celery", "-A", "config", "call"),
            *("reports.tasks.monthly_reports_task", "--args", '["2026-10"]'),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and ReportDelivery.objects.filter(state="sent").count() < 2:
        time.sleep(0.2)

    assert set(ReportDelivery.objects.values_list("user__username", "state")) == {
        ("finance", "sent"),
        ("sales", "sent"),
    }
    written = "".join(path.read_text() for path in mail_dir.iterdir())
    assert "To: finance@example.org" in written
    assert "To: sales@example.org" in written
    assert 'filename="departments-2026-10.pdf"' in written
