"""Capture states named as health shows them: connected → capturing; disconnected and
failed → error (their message stays in ``capture_error``)."""

from django.db import migrations, models

RENAMES = {"connected": "capturing", "disconnected": "error", "failed": "error"}


def rename_states(apps, schema_editor):
    Source = apps.get_model("capture", "Source")
    for old, new in RENAMES.items():
        Source.objects.filter(capture_state=old).update(capture_state=new)


def restore_states(apps, schema_editor):
    Source = apps.get_model("capture", "Source")
    Source.objects.filter(capture_state="capturing").update(capture_state="connected")
    Source.objects.filter(capture_state="error").update(capture_state="failed")


class Migration(migrations.Migration):
    dependencies = [("capture", "0003_site_to_org")]

    operations = [
        migrations.AlterField(
            model_name="source",
            name="capture_state",
            field=models.CharField(
                choices=[
                    ("idle", "Not captured"),
                    ("connecting", "Connecting"),
                    ("capturing", "Capturing"),
                    ("error", "Error"),
                ],
                default="idle",
                editable=False,
                max_length=16,
            ),
        ),
        migrations.RunPython(rename_states, restore_states),
    ]
