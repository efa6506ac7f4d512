"""Database triggers: a released payment run and its lines refuse every change (raw SQL too)."""

from django.db import migrations

from kitaplan.web.core.immutability import FrozenTable, install_operation

TABLES = (
    FrozenTable(
        table="payments_paymentrun",
        label="released payment run",
        frozen="{row}.status = 'released'",
    ),
    FrozenTable(
        table="payments_paymentlinerecord",
        label="line of a released payment run",
        frozen=(
            "EXISTS (SELECT 1 FROM payments_paymentrun AS r"
            " WHERE r.id = {row}.run_id AND r.status = 'released')"
        ),
        guard_new=True,
    ),
)


class Migration(migrations.Migration):
    dependencies = [("payments", "0003_payees_at_release")]

    operations = [install_operation(TABLES)]
