"""Fill the new rollups from the calls stored before they existed."""

from django.db import migrations

ROLLUPS = ("DailyRollup", "MonthlyRollup", "DestinationRollup", "HourlyRollup")


def rollups_fill(apps, schema_editor):
    # Frozen on historical models: the live rollup code has moved on (and to billing).
    from billing.migrations._rollups_fill import rollups_fill

    rollups_fill(
        apps.get_model("billing", "Call"),
        apps.get_model("billing", "Site"),
        {name: apps.get_model("reports", name) for name in ROLLUPS},
        with_unrated=False,
    )


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_rollups"), ("billing", "0003_rating")]

    operations = [migrations.RunPython(rollups_fill, migrations.RunPython.noop)]
