"""Budgets and their alerts now point to org.Department (issue 13): the same table."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('org', '0001_initial'),
        ('reports', '0005_rollups_to_billing'),
    ]

    operations = [
        # State only: the tables keep their billing_ names and their rows.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='budget',
                    name='department',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='budgets', to='org.department'),
                ),
                migrations.AlterField(
                    model_name='budgetalert',
                    name='department',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='budget_alerts', to='org.department'),
                ),
            ],
            database_operations=[],
        ),
    ]
