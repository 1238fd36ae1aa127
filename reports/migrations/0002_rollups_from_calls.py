"""Fill the new rollups from the calls stored before they existed."""

from django.db import migrations


def rollups_fill(apps, schema_editor):
    # The live code, not historical models: the rollups must equal what
    # reports.rollups keeps, and this runs once, right after the tables appear.
    from reports.rollups import months_with_calls, rollups_rebuild

    rollups_rebuild(months_with_calls())


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_rollups"), ("billing", "0003_rating")]

    operations = [migrations.RunPython(rollups_fill, migrations.RunPython.noop)]
