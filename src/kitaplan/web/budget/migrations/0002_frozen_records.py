"""Database triggers: a published budget run and its shares refuse every change (raw SQL too).

Use reports are separate rows and keep coming.
"""

from django.db import migrations

from kitaplan.web.core.immutability import FrozenTable, install_operation

TABLES = (
    FrozenTable(
        table="budget_budgetrun",
        label="published budget run",
        frozen="{row}.status = 'published'",
    ),
    FrozenTable(
        table="budget_budgetsharerecord",
        label="share of a published budget run",
        frozen=(
            "EXISTS (SELECT 1 FROM budget_budgetrun AS r"
            " WHERE r.id = {row}.run_id AND r.status = 'published')"
        ),
        guard_new=True,
    ),
)


class Migration(migrations.Migration):
    dependencies = [("budget", "0001_initial")]

    operations = [install_operation(TABLES)]
