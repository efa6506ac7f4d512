"""The derived-data cache: the data version per territory and the database cache's table."""

from django.core.management import call_command
from django.db import migrations, models


def create_cache_table(apps, schema_editor):  # type: ignore[no-untyped-def]
    # Creates the table of every database cache in settings.CACHES (none: nothing to do);
    # the CLI's migrate step runs it again, so that a cache configured later gets its table.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0003_roleassignment_territory"),
    ]

    operations = [
        migrations.CreateModel(
            name="DerivedVersion",
            fields=[
                ("territory_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("token", models.CharField(max_length=32)),
            ],
        ),
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
    ]
