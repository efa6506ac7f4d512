"""Plans get a code and a version year (one version per year), can be closed, and know the
version they follow. Existing plans: code ``plan-<id>``, version year = first year."""

import django.db.models.deletion
from django.db import migrations, models


def fill_codes(apps, schema_editor):
    Plan = apps.get_model("measures", "Plan")
    for plan in Plan.objects.all():
        plan.code = f"plan-{plan.pk}"
        plan.version_year = plan.first_year
        plan.save(update_fields=["code", "version_year"])


class Migration(migrations.Migration):
    dependencies = [("measures", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="plan",
            name="code",
            field=models.CharField(
                default="",
                help_text="Names the plan across its yearly versions, e.g. inklusion; unique per year.",
                max_length=40,
                verbose_name="code",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="plan",
            name="version_year",
            field=models.PositiveSmallIntegerField(default=2000, verbose_name="version (year)"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="plan",
            name="closed_on",
            field=models.DateField(blank=True, null=True, verbose_name="closed on"),
        ),
        migrations.AddField(
            model_name="plan",
            name="previous_version",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="next_versions",
                to="measures.plan",
                verbose_name="previous version",
            ),
        ),
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
        migrations.AlterModelOptions(
            name="plan",
            options={
                "ordering": ["territory", "code", "-version_year", "title"],
                "verbose_name": "action plan",
                "verbose_name_plural": "action plans",
            },
        ),
        migrations.AddConstraint(
            model_name="plan",
            constraint=models.UniqueConstraint(
                fields=("territory", "code", "version_year"), name="unique_plan_version"
            ),
        ),
    ]
