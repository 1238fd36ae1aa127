"""Site, Department, Extension (and its history) and Trunk now live in org (issue 13).

State only: the calls' and re-rating jobs' keys point to org's models, which own
the same tables, and billing forgets its copies; no table is renamed or dropped.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0006_rollup_unrated'),
        ('org', '0001_initial'),
        # Every other reference to these models moves first, then billing forgets them.
        ('capture', '0003_site_to_org'),
        ('credit', '0004_site_to_org'),
        ('reports', '0006_site_to_org'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='extension',
                    name='department',
                ),
                migrations.AlterField(
                    model_name='call',
                    name='department',
                    field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='calls', to='org.department'),
                ),
                migrations.RemoveField(
                    model_name='historicalextension',
                    name='department',
                ),
                migrations.RemoveField(
                    model_name='extension',
                    name='site',
                ),
                migrations.AlterField(
                    model_name='call',
                    name='extension',
                    field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='calls', to='org.extension'),
                ),
                migrations.RemoveField(
                    model_name='historicalextension',
                    name='history_user',
                ),
                migrations.RemoveField(
                    model_name='historicalextension',
                    name='site',
                ),
                migrations.RemoveField(
                    model_name='site',
                    name='rate_plan',
                ),
                migrations.AlterField(
                    model_name='reratejob',
                    name='site',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, to='org.site'),
                ),
                migrations.RemoveField(
                    model_name='trunk',
                    name='site',
                ),
                migrations.AlterField(
                    model_name='call',
                    name='site',
                    field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='calls', to='org.site'),
                ),
                migrations.RemoveField(
                    model_name='trunk',
                    name='rate_plan',
                ),
                migrations.AlterField(
                    model_name='call',
                    name='trunk',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='calls', to='org.trunk'),
                ),
                migrations.DeleteModel(
                    name='Department',
                ),
                migrations.DeleteModel(
                    name='Extension',
                ),
                migrations.DeleteModel(
                    name='HistoricalExtension',
                ),
                migrations.DeleteModel(
                    name='Site',
                ),
                migrations.DeleteModel(
                    name='Trunk',
                ),
            ],
            database_operations=[],
        ),
    ]
