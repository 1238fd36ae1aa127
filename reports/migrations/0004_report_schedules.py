"""Beat's schedules for the reports, as rows editable in the admin (Periodic tasks).

They are made here, not in ``CELERY_BEAT_SCHEDULE``: beat writes the entries of that
setting over the database rows each time it starts, which would undo an
administrator's change of time or day. Made only when absent, so a schedule edited
or disabled in the admin stays as it is; removed on reverse.
"""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

MONTHLY_REPORTS = "Monthly department reports to managers"
BUDGET_ALERTS = "Department budget alerts"


def schedules_create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")

    if not PeriodicTask.objects.filter(name=MONTHLY_REPORTS).exists():
        # 07:00 on the 1st in the organization's zone: the month just ended is complete.
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute="0",
            hour="7",
            day_of_month="1",
            month_of_year="*",
            day_of_week="*",
            timezone=settings.TIME_ZONE,
        )
        PeriodicTask.objects.create(
            name=MONTHLY_REPORTS,
            task="reports.tasks.monthly_reports_task",
            crontab=crontab,
            description="E-mails each manager the report of the month just ended "
            "(PDF and XLSX attached). Sent once per manager and month.",
        )
    if not PeriodicTask.objects.filter(name=BUDGET_ALERTS).exists():
        interval, _ = IntervalSchedule.objects.get_or_create(every=15, period="minutes")
        PeriodicTask.objects.create(
            name=BUDGET_ALERTS,
            task="reports.tasks.budget_alerts_task",
            interval=interval,
            description="E-mails the managers of each department whose budget reaches "
            "80% or 100% this month, once per level and month.",
        )
    # Tell a running beat that its schedule changed (what the admin does on save).
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def schedules_remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[MONTHLY_REPORTS, BUDGET_ALERTS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_budgets_and_deliveries"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedules_create, schedules_remove)]
