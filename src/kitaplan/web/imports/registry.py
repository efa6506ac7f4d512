"""The import kinds: which mapping reads a file, who may import it and which app stores it.

The imports app owns the machinery (read, validate, one transaction, summary, history, audit);
the app that owns the records of a kind owns their persister. Each app registers its kinds in
its ``AppConfig.ready()`` with :func:`register_kind`, so the imports app needs no import of the
apps above it (the layers contract in ``pyproject.toml``). The territorial kinds (areas,
population, indicators, providers, facilities, population grid) are registered by the imports
app itself.

A persister gets the validated records and a :class:`PersistContext`; it compares them with
what is stored under the same keys, writes inside the transaction the service opened and
returns an :class:`~kitaplan.web.imports.outcomes.ImportSummary`, or raises
:class:`~kitaplan.web.imports.outcomes.ImportRefused` with the problems only the database can
reveal (unknown area, unknown facility). It never closes or deletes stored records that the file
does not list unless ``context.complete_list`` is set.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

from kitaplan.exchange.mappings import MAPPINGS, ColumnMapping, ImportKind
from kitaplan.web.core import access
from kitaplan.web.core.access import AnyUser
from kitaplan.web.imports.outcomes import ImportSummary

if TYPE_CHECKING:
    from kitaplan.web.territory.models import Territory

__all__ = [
    "ImportKindEntry",
    "PersistContext",
    "Persister",
    "find_mapping",
    "kind_choices",
    "kind_entries",
    "kind_entry",
    "kind_label",
    "kinds_for",
    "register_kind",
]

#: A validated record: target field → typed value (see kitaplan.exchange.validation).
Record = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class PersistContext:
    """Everything a persister may need besides the records."""

    territory: Territory
    file_name: str
    day: dt.date  # changed values hold from this day; closed records end the day before
    actor: AnyUser
    #: the file is the complete list of its scope: stored records it does not list are closed
    complete_list: bool = False


Persister = Callable[[Sequence[Record], PersistContext], ImportSummary]


@dataclass(frozen=True, slots=True)
class ImportKindEntry:
    """One kind of data that can be imported.

    ``mappings`` lists the column mappings that read files of this kind; the first is the
    standard ``kitaplan-<kind>`` format of ``docs/data-formats.md``. ``columns`` names where each
    target is stored (``"app_label.Model.field"``) so that the import applies the column's length
    and range limits (``imports.limits``). ``may_import`` decides who may import this kind (the
    data stewards by default). ``closes_missing`` says whether the kind knows a complete-list
    mode at all (records missing from a complete list are closed).
    """

    kind: ImportKind
    label: str | Promise
    mappings: tuple[ColumnMapping, ...]
    persist: Persister
    may_import: Callable[[AnyUser], bool] = access.can_import_data
    columns: Mapping[str, str] = field(default_factory=dict)
    closes_missing: bool = False
    order: int = 100

    def __post_init__(self) -> None:
        if not self.mappings:
            raise ValueError(f"import kind {self.kind!r} needs at least one mapping")
        for mapping in self.mappings:
            if mapping.kind_of_import is not self.kind:
                raise ValueError(f"mapping {mapping.name!r} is not for import kind {self.kind!r}")

    @property
    def standard_mapping(self) -> ColumnMapping:
        return self.mappings[0]


_ENTRIES: dict[str, ImportKindEntry] = {}


def register_kind(entry: ImportKindEntry) -> None:
    """Make ``entry`` importable; registering the same kind twice replaces the first."""
    _ENTRIES[entry.kind.value] = entry


def kind_entries() -> list[ImportKindEntry]:
    """All registered kinds in the order of the import page."""
    return sorted(_ENTRIES.values(), key=lambda e: (e.order, e.kind.value))


def kind_entry(kind: str) -> ImportKindEntry:
    """The entry of ``kind``; ``KeyError`` listing the known kinds otherwise."""
    try:
        return _ENTRIES[kind]
    except KeyError:
        known = ", ".join(e.kind.value for e in kind_entries())
        raise KeyError(f"unknown import kind {kind!r}; known: {known}") from None


def kinds_for(user: AnyUser) -> list[ImportKindEntry]:
    """The kinds ``user`` may import (least privilege: the page offers only these)."""
    return [entry for entry in kind_entries() if entry.may_import(user)]


def kind_choices(user: AnyUser) -> list[tuple[str, str | Promise]]:
    return [(entry.kind.value, entry.label) for entry in kinds_for(user)]


def kind_label(kind: str) -> str | Promise:
    entry = _ENTRIES.get(kind)
    return entry.label if entry is not None else kind


def all_mappings() -> dict[str, ColumnMapping]:
    """Every mapping by name: the declared territorial ones and those of the registered kinds."""
    found = dict(MAPPINGS)
    for entry in kind_entries():
        for mapping in entry.mappings:
            found.setdefault(mapping.name, mapping)
    return found


def find_mapping(name: str) -> ColumnMapping:
    """The mapping called ``name``; ``KeyError`` listing the known names otherwise."""
    known = all_mappings()
    try:
        return known[name]
    except KeyError:
        raise KeyError(f"unknown column mapping {name!r}; known: {', '.join(known)}") from None
