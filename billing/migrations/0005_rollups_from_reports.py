"""The rollups move from reports to billing: they are derived data of ``Call``, kept by
billing's write services. Only Django's state moves; the tables keep their names."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0004_call_number_prefix'),
        ('reports', '0004_report_schedules'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='DailyRollup',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('calls', models.IntegerField(default=0)),
                        ('answered', models.IntegerField(default=0)),
                        ('seconds', models.BigIntegerField(default=0, help_text='Seconds of conversation.')),
                        ('ring_seconds', models.BigIntegerField(default=0)),
                        ('cost', models.DecimalField(decimal_places=4, default=0, max_digits=18)),
                        ('day', models.DateField(help_text="The site's local date.")),
                        ('site_id', models.IntegerField()),
                        ('department_id', models.IntegerField(help_text='0: no department.')),
                        ('extension_id', models.IntegerField(help_text='0: no extension.')),
                        ('direction', models.CharField(max_length=8)),
                        ('category', models.CharField(help_text='Empty: not rated.', max_length=20)),
                    ],
                    options={
                        'db_table': 'reports_dailyrollup',
                        'indexes': [models.Index(fields=['day', 'department_id'], name='daily_rollup_day_dept')],
                        'constraints': [models.UniqueConstraint(fields=('day', 'site_id', 'department_id', 'extension_id', 'direction', 'category'), name='daily_rollup_key')],
                    },
                ),
                migrations.CreateModel(
                    name='DestinationRollup',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('calls', models.IntegerField(default=0)),
                        ('answered', models.IntegerField(default=0)),
                        ('seconds', models.BigIntegerField(default=0, help_text='Seconds of conversation.')),
                        ('ring_seconds', models.BigIntegerField(default=0)),
                        ('cost', models.DecimalField(decimal_places=4, default=0, max_digits=18)),
                        ('month', models.DateField()),
                        ('site_id', models.IntegerField()),
                        ('department_id', models.IntegerField(help_text='0: no department.')),
                        ('category', models.CharField(max_length=20)),
                        ('destination', models.CharField(max_length=200)),
                    ],
                    options={
                        'db_table': 'reports_destinationrollup',
                        'constraints': [models.UniqueConstraint(fields=('month', 'site_id', 'department_id', 'category', 'destination'), name='destination_rollup_key')],
                    },
                ),
                migrations.CreateModel(
                    name='HourlyRollup',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('calls', models.IntegerField(default=0)),
                        ('answered', models.IntegerField(default=0)),
                        ('seconds', models.BigIntegerField(default=0, help_text='Seconds of conversation.')),
                        ('ring_seconds', models.BigIntegerField(default=0)),
                        ('cost', models.DecimalField(decimal_places=4, default=0, max_digits=18)),
                        ('month', models.DateField()),
                        ('site_id', models.IntegerField()),
                        ('department_id', models.IntegerField(help_text='0: no department.')),
                        ('weekday', models.PositiveSmallIntegerField(help_text='0 is Monday.')),
                        ('hour', models.PositiveSmallIntegerField()),
                        ('direction', models.CharField(max_length=8)),
                    ],
                    options={
                        'db_table': 'reports_hourlyrollup',
                        'constraints': [models.UniqueConstraint(fields=('month', 'site_id', 'department_id', 'weekday', 'hour', 'direction'), name='hourly_rollup_key')],
                    },
                ),
                migrations.CreateModel(
                    name='MonthlyRollup',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('calls', models.IntegerField(default=0)),
                        ('answered', models.IntegerField(default=0)),
                        ('seconds', models.BigIntegerField(default=0, help_text='Seconds of conversation.')),
                        ('ring_seconds', models.BigIntegerField(default=0)),
                        ('cost', models.DecimalField(decimal_places=4, default=0, max_digits=18)),
                        ('month', models.DateField(help_text="The first day of the month (site's local dates).")),
                        ('site_id', models.IntegerField()),
                        ('department_id', models.IntegerField(help_text='0: no department.')),
                        ('extension_id', models.IntegerField(help_text='0: no extension.')),
                        ('direction', models.CharField(max_length=8)),
                        ('category', models.CharField(help_text='Empty: not rated.', max_length=20)),
                    ],
                    options={
                        'db_table': 'reports_monthlyrollup',
                        'constraints': [models.UniqueConstraint(fields=('month', 'site_id', 'department_id', 'extension_id', 'direction', 'category'), name='monthly_rollup_key')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
