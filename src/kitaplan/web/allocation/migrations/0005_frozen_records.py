"""Database triggers: a published allocation run (offers sent) refuses every change, and so do
its offers except the answer (status, answered at, answered by), raw SQL too.
"""

from django.db import migrations

from kitaplan.web.core.immutability import FrozenTable, install_operation

TABLES = (
    FrozenTable(
        table="allocation_allocationrun",
        label="published allocation run",
        frozen="{row}.published_at IS NOT NULL",
    ),
    FrozenTable(
        table="allocation_offer",
        label="offer of a published allocation run",
        frozen=(
            "EXISTS (SELECT 1 FROM allocation_allocationrun AS r"
            " WHERE r.id = {row}.run_id AND r.published_at IS NOT NULL)"
        ),
        mutable=("status", "answered_at", "answered_by_id"),
        guard_new=True,
    ),
)


class Migration(migrations.Migration):
    dependencies = [("allocation", "0004_application_home_address")]

    operations = [install_operation(TABLES)]
