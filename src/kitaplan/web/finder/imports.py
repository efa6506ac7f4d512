"""The import kind ``address_register``: the territory's address register from a file.

The register is stored by the territory app (:func:`kitaplan.web.territory.addresses.store_register`);
this app registers the kind because the import machinery lies above the territory app and the
finder is the register's first user. Addresses are public data (no personal values): the audit
event keeps a sample of the changed addresses with before/after.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from kitaplan.exchange.formats import address_register
from kitaplan.exchange.mappings import ImportKind
from kitaplan.web.imports.outcomes import ImportRefused, ImportSummary
from kitaplan.web.imports.registry import ImportKindEntry, PersistContext, register_kind
from kitaplan.web.territory.addresses import store_register

#: where each target is stored, so that too long texts become problems, not database errors
COLUMNS = {
    "street": "territory.AddressPoint.street",
    "house_number": "territory.AddressPoint.house_number",
    "postcode": "territory.AddressPoint.postcode",
    "city": "territory.AddressPoint.city",
    "source": "territory.AddressPoint.source",
}


def persist_address_register(
    records: Sequence[Mapping[str, Any]], context: PersistContext
) -> ImportSummary:
    """Add and update addresses by their normalised key; never deletes one the file lacks."""
    outcome = store_register(
        territory=context.territory,
        records=records,
        file_name=context.file_name,
        day=context.day,
    )
    if outcome.problems:
        raise ImportRefused(outcome.problems)
    summary = ImportSummary(
        added=outcome.added,
        changed=outcome.changed,
        unchanged=outcome.unchanged,
        changes=outcome.changes,
    )
    if outcome.outside:
        summary.notes.append({"addresses_outside_territory": outcome.outside})
    return summary


def register_address_register() -> None:
    register_kind(
        ImportKindEntry(
            kind=ImportKind.ADDRESS_REGISTER,
            label=_("Address register"),
            mappings=address_register.MAPPINGS,
            persist=persist_address_register,
            columns=COLUMNS,
            order=20,
        )
    )
