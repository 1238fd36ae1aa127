"""Saved reports (reports.saved): kept by name with their filters and columns,
shared with managers, e-mailed on schedule once per person and day, each recipient
over their own scope and in their language."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Profile
from reports.models import SavedReport, SavedReportDelivery
from reports.saved import saved_report_month, saved_reports_send, saved_reports_visible_to
from reports.tasks import saved_reports_task

from .conftest import client_for

NOVEMBER_FIRST = dt.date(2026, 11, 1)  # a Sunday: monthly reports cover October


def saved(owner, **fields) -> SavedReport:
    values = {
        "name": "International after hours",
        "report": "expensive",
        "params": {"columns": "cost,extension,holder"},
        "schedule": SavedReport.Schedule.MONTHLY,
        "formats": "xlsx,pdf",
        **fields,
    }
    report = SavedReport(owner=owner, **values)
    report.full_clean()
    report.save()
    return report


def test_a_monthly_report_goes_to_the_owner_and_the_shared_managers_once(org):
    org.admin.email, org.finance.email = "boss@example.org", "finance@example.org"
    org.admin.save()
    org.finance.save()
    report = saved(org.admin)
    report.shared_with.add(org.departments["FIN"])

    assert saved_reports_send(NOVEMBER_FIRST) == {"sent": 2}
    assert saved_reports_send(NOVEMBER_FIRST) == {"already-sent": 2}  # nothing twice
    assert len(mail.outbox) == 2
    by_address = {message.to[0]: message for message in mail.outbox}
    # Each over their own scope: the manager of Finance gets Finance's calls only.
    sheets = {}
    for address, message in by_address.items():
        names = [name for name, _content, _type in message.attachments]
        assert names == ["expensive-2026-10.xlsx", "expensive-2026-10.pdf"]
        sheet = load_workbook(io.BytesIO(message.attachments[0][1])).active
        sheets[address] = list(sheet.iter_rows(values_only=True))
    assert sheets["boss@example.org"][0] == ("Cost", "Extension", "Holder")  # chosen order
    finance_extensions = {row[1] for row in sheets["finance@example.org"][1:]}
    assert finance_extensions <= {"4002", "4003"} and finance_extensions
    assert "4006" in {row[1] for row in sheets["boss@example.org"][1:]}
    assert SavedReportDelivery.objects.filter(state="sent").count() == 2


def test_the_e_mail_is_in_the_recipients_language(org):
    org.finance.email = "finance@example.org"
    org.finance.save()
    Profile.objects.update_or_create(user=org.finance, defaults={"language": "es"})
    report = saved(org.finance, name="Caras")
    saved_reports_task(NOVEMBER_FIRST.isoformat())
    (message,) = mail.outbox
    assert "octubre" in message.subject.lower()
    sheet = load_workbook(io.BytesIO(message.attachments[0][1])).active
    assert sheet.cell(row=1, column=1).value == "Costo"
    assert report.deliveries.get().state == "sent"


def test_weekly_and_daily_schedules_and_the_month_they_cover(org):
    org.admin.email = "boss@example.org"
    org.admin.save()
    weekly = saved(org.admin, name="weekly", schedule="weekly", weekday=2)  # Wednesdays
    saved(org.admin, name="daily", schedule="daily")
    saved(org.admin, name="never", schedule="")
    wednesday = dt.date(2026, 10, 14)
    assert saved_reports_send(wednesday) == {"sent": 2}
    assert saved_reports_send(wednesday + dt.timedelta(days=1)) == {"sent": 1}
    assert saved_report_month(weekly, dt.date(2026, 11, 1)) == dt.date(2026, 10, 1)
    assert saved_report_month(weekly, dt.date(2026, 11, 2)) == NOVEMBER_FIRST


def test_a_failing_mail_server_is_recorded_and_tried_again(org, settings):
    org.admin.email = "boss@example.org"
    org.admin.save()
    saved(org.admin)
    settings.EMAIL_BACKEND = "tests.reports.test_saved_reports.RefusingBackend"
    assert saved_reports_send(NOVEMBER_FIRST) == {"failed": 1}
    delivery = SavedReportDelivery.objects.get()
    assert "refused" in delivery.error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert saved_reports_send(NOVEMBER_FIRST) == {"sent": 1}
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("sent", 2)


def test_a_recipient_without_an_address_is_skipped_not_lost(org):
    org.sales.email = ""
    org.sales.save()
    saved(org.sales)
    assert saved_reports_send(NOVEMBER_FIRST) == {"skipped": 1}
    assert saved_reports_send(NOVEMBER_FIRST) == {"skipped": 1}  # and tried again


class RefusingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server refused the connection")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"report": "nope"}, "report"),
        ({"params": {"category": "cheap"}}, "params"),
        ({"params": {"columns": "cost,planet"}}, "params"),
        ({"formats": "docx"}, "formats"),
        ({"formats": ""}, "formats"),
        ({"weekday": 7}, "weekday"),
    ],
)
def test_a_wrong_saved_report_is_refused_naming_its_field(org, fields, field):
    with pytest.raises(ValidationError) as raised:
        saved(org.admin, **fields)
    assert field in raised.value.message_dict


def test_columns_the_report_has_not_are_refused_when_opened_too(org):
    response = client_for(org.admin).get(
        "/api/v1/reports/top/", {"report": "numbers", "month": "2026-10", "columns": "holder"}
    )
    assert response.status_code == 400
    assert "has no holder" in str(response.json()["columns"])


# ---------------------------------------------------------------- pages


def test_saving_from_the_page_keeps_filters_and_columns(org, client):
    client.force_login(org.finance)
    page = reverse("reports:top")
    query = {"report": "numbers", "month": "2026-10", "col": ["cost", "number"]}
    response = client.get(page, query)
    assert response.status_code == 200
    table_head = response.content.decode().split("<thead>")[1].split("</thead>")[0]
    assert table_head.index("Cost") < table_head.index("Number")
    response = client.post(
        reverse("reports:saved-create"),
        {
            "name": "Numbers",
            "report": "numbers",
            "filters": urlencode({"month": "2026-10", "columns": "cost,number", "top": "5"}),
            "schedule": "weekly",
            "weekday": "0",
            "formats": ["pdf"],
            "shared_with": [org.departments["PAY"].pk, org.departments["SAL"].pk],
        },
    )
    assert response.status_code == 302
    report = SavedReport.objects.get(name="Numbers")
    assert report.params == {"columns": "cost,number", "top": "5"}
    # Shared only within the owner's own scope: Payroll yes, Sales no.
    assert list(report.shared_with.values_list("code", flat=True)) == ["PAY"]
    listing = client.get(reverse("reports:saved")).content.decode()
    assert f'data-saved="{report.pk}"' in listing
    # The same name again is refused with a reason, and nothing is lost.
    again = client.post(
        reverse("reports:saved-create"),
        {"name": "Numbers", "report": "numbers", "filters": "", "formats": ["pdf"]},
        follow=True,
    )
    assert "already exists" in again.content.decode()
    assert SavedReport.objects.filter(name="Numbers").count() == 1


def test_a_shared_report_is_listed_for_its_managers_and_only_its_owner_deletes_it(org, client):
    report = saved(org.admin)
    report.shared_with.add(org.departments["SAL"])
    assert list(saved_reports_visible_to(org.sales)) == [report]
    assert list(saved_reports_visible_to(org.finance)) == []
    client.force_login(org.sales)
    assert client.post(reverse("reports:saved-delete", args=[report.pk])).status_code == 404
    client.force_login(org.admin)
    assert client.post(reverse("reports:saved-delete", args=[report.pk])).status_code == 302
    assert not SavedReport.objects.exists()


def test_the_daily_schedule_exists_after_migrate_and_names_a_registered_task(db):
    import importlib

    from celery import current_app
    from django.apps import apps as django_apps
    from django_celery_beat.models import PeriodicTask

    # Transactional tests empty every table, rows made by migrations included.
    importlib.import_module("reports.migrations.0009_saved_reports").schedule_create(
        django_apps, None
    )
    current_app.loader.import_default_modules()
    task = PeriodicTask.objects.get(task="reports.tasks.saved_reports_task")
    assert task.task in current_app.tasks
    cron = task.crontab
    assert (cron.minute, cron.hour, cron.day_of_month, cron.day_of_week) == ("0", "7", "*", "*")
