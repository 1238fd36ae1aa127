"""Account.site now points to org.Site (issue 13): the same table, billing_site."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('credit', '0003_account_site_optional'),
        ('org', '0001_initial'),
    ]

    operations = [
        # State only: the tables keep their billing_ names and their rows.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='account',
                    name='site',
                    field=models.ForeignKey(blank=True, help_text='Whose numbering plan and time zone read the numbers this account dials; empty: the country of TARIFICADOR_COUNTRY and the zone of TIME_ZONE.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='credit_accounts', to='org.site'),
                ),
            ],
            database_operations=[],
        ),
    ]
