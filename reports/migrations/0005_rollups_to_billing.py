"""The rollups now belong to billing (billing 0005); only Django's state moves."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0004_report_schedules'),
        ('billing', '0005_rollups_from_reports'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='DailyRollup'),
                migrations.DeleteModel(name='DestinationRollup'),
                migrations.DeleteModel(name='HourlyRollup'),
                migrations.DeleteModel(name='MonthlyRollup'),
            ],
            database_operations=[],
        ),
    ]
