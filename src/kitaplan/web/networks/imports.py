"""Import of network members (kind ``network_members``), registered in
:class:`~kitaplan.web.networks.apps.NetworksConfig`.

Rows are compared with the stored members by network code and member key: new ones are added,
differing ones changed, equal ones unchanged, so re-importing a file changes nothing. Members
the file does not list stay (an import never removes a member; erasing one is a page action).
An empty name or e-mail cell keeps what is stored: personal data are never erased by a file.

Who may import: planners and administrators (those who manage networks). The audit names
members by network code and key; of the name, the e-mail address and the consent day it keeps
only that they changed, never their values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from kitaplan.domain.common.problems import (
    Expectation,
    ExpectationCode,
    ImportProblem,
    ProblemCode,
    expectation,
)
from kitaplan.web.facilities.models import Facility
from kitaplan.web.imports.outcomes import ImportRefused, ImportSummary
from kitaplan.web.imports.registry import PersistContext
from kitaplan.web.measures.models import Organisation
from kitaplan.web.networks.models import Member, Network
from kitaplan.web.networks.services import CONSENT_TEXT_VERSION

Record = Mapping[str, Any]
_E = ExpectationCode

#: Where each target is stored (column limits, ``imports.limits``).
MEMBER_COLUMNS = {
    "network": "networks.Network.code",
    "member_key": "networks.Member.member_key",
    "role": "networks.Member.role",
    "contact_function": "networks.Member.contact_function",
    "organisation": "measures.Organisation.short_name",
    "facility": "facilities.Facility.official_number",
    "programme": "networks.Member.programme",
    "name": "networks.Member.name",
    "email": "networks.Member.email",
}
#: Personal data of a member: the audit keeps only that they changed.
PERSONAL = frozenset({"name", "email", "consent_given_at"})


def _problem(
    context: PersistContext,
    record: Record,
    code: ProblemCode,
    column: str,
    value: Any,
    expected: Expectation,
) -> ImportProblem:
    return ImportProblem(
        code=code,
        file=context.file_name,
        row=int(record.get("row_number", 0)),
        column=column,
        value="" if value is None else str(value),
        expected=expected,
    )


def _consent_at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(0)))


class _Lookups:
    """The networks, organisations and facilities of the territory the rows name."""

    def __init__(self, records: Sequence[Record], context: PersistContext) -> None:
        territory = context.territory
        self.networks = {n.code: n for n in Network.objects.filter(territory=territory)}
        self.organisations = {
            o.short_name: o
            for o in Organisation.objects.filter(
                territory=territory, short_name__in={r["organisation"] for r in records}
            )
        }
        self.facilities = {
            f.official_number: f
            for f in Facility.objects.filter(
                territory=territory,
                valid_to__isnull=True,
                official_number__in={r["facility"] for r in records},
            )
        }


def _row_problems(record: Record, context: PersistContext, found: _Lookups) -> list[ImportProblem]:
    def problem(code: ProblemCode, column: str, expected: Expectation) -> ImportProblem:
        return _problem(context, record, code, column, record.get(column), expected)

    problems = []
    network = found.networks.get(record["network"])
    if network is None:
        choices = ", ".join(sorted(found.networks)) or "–"
        problems.append(
            problem(
                ProblemCode.UNKNOWN_CHOICE,
                "network",
                expectation(_E.KNOWN_NETWORK, networks=choices),
            )
        )
    elif network.closed_on is not None:
        expected = expectation(_E.OPEN_NETWORK, closed_on=network.closed_on.isoformat())
        problems.append(problem(ProblemCode.INCONSISTENT_VALUES, "network", expected))
    if record["organisation"] and record["organisation"] not in found.organisations:
        expected = expectation(_E.KNOWN_ORGANISATION)
        problems.append(problem(ProblemCode.UNKNOWN_CHOICE, "organisation", expected))
    if record["facility"] and record["facility"] not in found.facilities:
        expected = expectation(_E.KNOWN_FACILITY)
        problems.append(problem(ProblemCode.UNKNOWN_CHOICE, "facility", expected))
    if not (record["organisation"] or record["facility"] or record["name"]):
        expected = expectation(_E.NETWORK_MEMBER_REFERENCE)
        problems.append(problem(ProblemCode.MISSING_VALUE, "organisation", expected))
    if (record["name"] or record["email"]) and record.get("consent_given_on") is None:
        expected = expectation(_E.NETWORK_MEMBER_CONSENT)
        problems.append(problem(ProblemCode.MISSING_VALUE, "consent_given_on", expected))
    if record["email"]:
        try:
            validate_email(record["email"])
        except ValidationError:
            expected = expectation(_E.EMAIL_ADDRESS)
            problems.append(problem(ProblemCode.INCONSISTENT_VALUES, "email", expected))
    return problems


def _values(record: Record, found: _Lookups) -> dict[str, Any]:
    """The member fields a row sets; empty name, e-mail and consent cells set nothing."""
    values: dict[str, Any] = {
        "role": record["role"],
        "programme": record["programme"],
        "contact_function": record["contact_function"],
        "organisation_id": getattr(found.organisations.get(record["organisation"]), "pk", None),
        "facility_id": getattr(found.facilities.get(record["facility"]), "pk", None),
    }
    for name in ("name", "email"):
        if record[name]:
            values[name] = record[name]
    if record.get("consent_given_on") is not None:
        values["consent_given_at"] = _consent_at(record["consent_given_on"])
    return values


def persist_network_members(records: Sequence[Record], context: PersistContext) -> ImportSummary:
    """Add or update the members of the territory's networks by network code and member key."""
    found = _Lookups(records, context)
    problems = [p for record in records for p in _row_problems(record, context, found)]
    stored = {
        (m.network.code, m.member_key): m
        for m in Member.objects.filter(
            network__territory=context.territory,
            member_key__in={r["member_key"] for r in records},
        ).select_related("network")
    }
    for record in records:
        member = stored.get((record["network"], record["member_key"]))
        if member is not None and member.is_erased:
            expected = expectation(_E.NOT_ERASED_MEMBER)
            problems.append(
                _problem(
                    context,
                    record,
                    ProblemCode.INCONSISTENT_VALUES,
                    "member_key",
                    record["member_key"],
                    expected,
                )
            )
    if problems:
        raise ImportRefused(problems)
    summary = ImportSummary()
    for record in records:
        key = (record["network"], record["member_key"])
        values = _values(record, found)
        member = stored.get(key)
        label = f"{key[0]}/{key[1]}"
        if member is None:
            if "consent_given_at" in values:
                values["consent_text_version"] = CONSENT_TEXT_VERSION
            Member.objects.create(network=found.networks[key[0]], member_key=key[1], **values)
            summary.added += 1
            continue
        changes = {n: [getattr(member, n), v] for n, v in values.items() if getattr(member, n) != v}
        if not changes:
            summary.unchanged += 1
            continue
        for name, (_old, new) in changes.items():
            setattr(member, name, new)
        if "consent_given_at" in changes and not member.consent_text_version:
            member.consent_text_version = CONSENT_TEXT_VERSION
        member.save()
        summary.changed += 1
        summary.changes.append(
            {
                "key": label,
                "fields": {n: c for n, c in sorted(changes.items()) if n not in PERSONAL},
                "personal_data_changed": sorted(n for n in changes if n in PERSONAL),
            }
        )
    return summary
