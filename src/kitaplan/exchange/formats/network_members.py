"""Members of a network (de: Netzwerkmitglieder).

One row per member: the network's code in the territory and the member's key in that network
(e.g. the source system's id) are the key. A member is named by its organisation (the short
name in the measures directory), its facility (the facility number) or both, with its role in
the network and its contact function (e.g. ``Kita-Leitung``). Name and e-mail address are
optional personal data: a row that gives them must give the day the member consented
(``consent_given_on``).

``kitaplan-network-members`` is the standard layout of ``docs/data-formats.md``;
``network-members-de`` reads the same records with German column names and role names.
"""

from __future__ import annotations

from kitaplan.exchange.mappings import ColumnMapping, FieldKind, FieldSpec, ImportKind

__all__ = ["KEY", "MAPPINGS", "PROGRAMMES", "ROLES", "german_role"]

#: Codes of the networks app's member roles and programmes (its model choices).
ROLES = (
    "leader",
    "quality_officer",
    "inclusion_officer",
    "specialist_adviser",
    "programme_representative",
    "city_representative",
    "other",
)
PROGRAMMES = (
    "growing_up",
    "learning_together",
    "welcome_kitas",
    "strong_children",
    "language_kitas",
)
KEY = ("network", "member_key")

_GERMAN_ROLES = {
    "leitung": "leader",
    "leitungskraft": "leader",
    "qualitätsbeauftragte": "quality_officer",
    "qualitätsbeauftragter": "quality_officer",
    "inklusionsbeauftragte": "inclusion_officer",
    "inklusionsbeauftragter": "inclusion_officer",
    "fachberatung": "specialist_adviser",
    "programmvertretung": "programme_representative",
    "vertretung der stadt": "city_representative",
    "sonstige": "other",
}


def german_role(text: str) -> str | None:
    """``Leitung`` → ``leader``, ``Fachberatung`` → ``specialist_adviser`` …; codes as given."""
    cleaned = text.strip()
    return _GERMAN_ROLES.get(cleaned.lower(), cleaned) or None


#: (target, German column, kind, required) in the order of the standard layout
_COLUMNS: tuple[tuple[str, str, FieldKind, bool], ...] = (
    ("network", "Netzwerk", FieldKind.TEXT, True),
    ("member_key", "Mitgliedsnummer", FieldKind.TEXT, True),
    ("role", "Rolle", FieldKind.CHOICE, False),
    ("contact_function", "Funktion", FieldKind.TEXT, False),
    ("organisation", "Organisation", FieldKind.TEXT, False),
    ("facility", "Einrichtungsnummer", FieldKind.TEXT, False),
    ("programme", "Programm", FieldKind.CHOICE, False),
    ("name", "Name", FieldKind.TEXT, False),
    ("email", "E-Mail", FieldKind.TEXT, False),
    ("consent_given_on", "Einwilligung am", FieldKind.DATE, False),
)


def _spec(target: str, source: str, kind: FieldKind, required: bool, *, german: bool) -> FieldSpec:
    if target == "role":
        return FieldSpec(
            target,
            source,
            kind,
            choices=ROLES,
            default="other",
            derive=german_role if german else None,
        )
    if target == "programme":
        return FieldSpec(target, source, kind, choices=PROGRAMMES, default="")
    if kind is FieldKind.TEXT and not required:
        return FieldSpec(target, source, kind, default="")
    return FieldSpec(target, source, kind, required=required)


def _mapping(name: str, *, german: bool, description: str, note: str) -> ColumnMapping:
    return ColumnMapping(
        name=name,
        kind_of_import=ImportKind.NETWORK_MEMBERS,
        key=KEY,
        fields=tuple(
            _spec(target, german_name if german else target, kind, required, german=german)
            for target, german_name, kind, required in _COLUMNS
        ),
        description=description,
        source_note=note,
    )


KITAPLAN_NETWORK_MEMBERS = _mapping(
    "kitaplan-network-members",
    german=False,
    description="Members of networks: organisation or facility, role and contact function.",
    note="kitaplan standard exchange format, see docs/data-formats.md",
)

NETWORK_MEMBERS_DE = _mapping(
    "network-members-de",
    german=True,
    description="The same members from a spreadsheet with German column and role names.",
    note="German column names (Netzwerk, Mitgliedsnummer, Rolle, …), see docs/data-formats.md",
)

MAPPINGS: tuple[ColumnMapping, ...] = (KITAPLAN_NETWORK_MEMBERS, NETWORK_MEMBERS_DE)
