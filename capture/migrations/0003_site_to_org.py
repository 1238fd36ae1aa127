"""Source.site now points to org.Site (issue 13): the same table, billing_site."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('capture', '0002_raw_record_pending_index'),
        ('org', '0001_initial'),
    ]

    operations = [
        # State only: the tables keep their billing_ names and their rows.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='source',
                    name='site',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='sources', to='org.site'),
                ),
            ],
            database_operations=[],
        ),
    ]
