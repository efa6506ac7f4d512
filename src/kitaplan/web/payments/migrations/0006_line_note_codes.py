"""Payment lines keep the engine's notes as codes with parameters (worded by the pages)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0005_debtor_and_run_file"),
    ]

    operations = [
        migrations.AddField(
            model_name="paymentlinerecord",
            name="notes",
            field=models.JSONField(blank=True, null=True, verbose_name="notes"),
        ),
    ]
