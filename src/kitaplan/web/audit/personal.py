"""Which values never enter the audit trail, and how a personal record is named there.

The audit trail keeps *who* changed *which record* and *which fields*, but never the values of
personal or sensitive fields (names, birth dates, addresses, contacts, integration need, social
urgency, bank accounts, free-text notes). Audit entries cannot be deleted, so a value that got in
could never be erased again (GDPR Art. 17); this module is the single list a data protection
officer reviews.

Everything here is plain data and pure functions so the scrubbing data migration
(``audit/migrations/0002_…``) applies exactly the rules that new entries get.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

#: Field names that are personal in every model (model attribute names, with ``_id`` variants).
PERSONAL_FIELD_NAMES: frozenset[str] = frozenset(
    {
        # children and families (applications, care contracts)
        "child_name",
        "birth_date",
        "child_birth_date",
        "home_address",
        "home_area",
        "home_area_id",
        "home_lat",
        "home_lon",
        "lives_in_municipality",
        "siblings_at",
        "integration_need",
        "social_urgency",
        "parent",
        "parent_id",
        # contacts of people
        "email",
        "first_name",
        "last_name",
        "participant_name",
        "organiser_email",
        # bank accounts
        "iban",
        "bic",
        "holder",
        # free text may say anything about a child or a family
        "note",
        "comment",
        # secrets
        "password",
    }
)

#: Further personal fields per model (``app_label.modelname``): the fields that name or locate a
#: person in that model only ("name" of a Kita is public, "name" of a childminder is not).
PERSONAL_FIELDS_BY_MODEL: Mapping[str, frozenset[str]] = {
    "childminding.childminder": frozenset(
        {"name", "street", "postcode", "lat", "lon", "user", "user_id", "own_children_slots"}
    ),
    "networks.member": frozenset({"name"}),
    "auth.user": frozenset({"username"}),
    # the secret of a second factor (not personal, but never to be kept anywhere else)
    "otp_totp.totpdevice": frozenset({"key"}),
}

#: Records that are about one person: their audit label is a pseudonymous reference, never
#: ``str(record)`` (which may hold a name). Value: the attribute used as the reference.
PSEUDONYMOUS_LABELS: Mapping[str, str] = {
    "allocation.application": "reference",
    "childminding.childminder": "number",
    "childminding.carecontract": "child_reference",
    "networks.member": "pk",
    "qualification.enrolment": "pk",
    "payments.payeeaccount": "pk",
    "substitutes.parentcontact": "pk",
    "substitutes.substituteprofile": "pk",
}

#: The marker kept in scrubbed entries of earlier versions (the field changed; no value).
REDACTED = "(nicht protokolliert)"


def personal_fields(model_label: str) -> frozenset[str]:
    """Every field name of ``model_label`` whose value the audit never stores."""
    return PERSONAL_FIELD_NAMES | PERSONAL_FIELDS_BY_MODEL.get(model_label, frozenset())


def is_personal(model_label: str, field: str) -> bool:
    return field in personal_fields(model_label)


def pseudonymous_label(model_label: str, record: Any | None, record_id: str) -> str | None:
    """The audit label of a record about one person, or ``None`` when str() is fine.

    With the record at hand its reference (an application's "A-0042", a childminder's number);
    without it (scrubbing old entries) the type and the primary key.
    """
    attribute = PSEUDONYMOUS_LABELS.get(model_label)
    if attribute is None:
        return None
    if record is not None:
        value = getattr(record, attribute, None)
        if value not in (None, ""):
            return f"{model_label.split('.')[1]} {value}"
    return f"{model_label.split('.')[1]} #{record_id}" if record_id else model_label


def split_personal(
    model_label: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> tuple[dict[str, Any] | None, dict[str, Any] | None, list[str]]:
    """``before`` and ``after`` without personal values, and the personal fields recorded.

    A personal field is named in the list when it was set on creation or deletion, or when its
    value differs between ``before`` and ``after``; its value is dropped in both cases.
    """
    names = personal_fields(model_label)
    touched: set[str] = set()
    old = dict(before) if before is not None else None
    new = dict(after) if after is not None else None
    for key in names & (set(old or ()) | set(new or ())):
        in_both = old is not None and new is not None and key in old and key in new
        if not in_both or old[key] != new[key]:  # type: ignore[index]
            touched.add(key)
        if old is not None:
            old.pop(key, None)
        if new is not None:
            new.pop(key, None)
    return old, new, sorted(touched)


def scrub_details(model_label: str, details: Any) -> tuple[Any, list[str]]:
    """``details`` with the values of personal keys removed (at any depth), and those keys."""
    names = personal_fields(model_label)
    removed: set[str] = set()

    def walk(value: Any) -> Any:
        if isinstance(value, Mapping):
            kept = {}
            for key, item in value.items():
                if key in names:
                    removed.add(str(key))
                    continue
                kept[key] = walk(item)
            return kept
        if isinstance(value, list | tuple):
            return [walk(item) for item in value]
        return value

    return walk(details), sorted(removed)


def merge_names(*groups: Iterable[str]) -> list[str]:
    return sorted({name for group in groups for name in group})
