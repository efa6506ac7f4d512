"""Imports of the childminder registry: childminders with their permits, and care contracts.

Both kinds are registered in :class:`~kitaplan.web.childminding.apps.ChildmindingConfig` and
run inside the import's durable transaction (``imports.services.import_file``); any problem
refuses the whole file. Records are compared with what is stored under the same key in the
territory: new ones are added, differing ones changed, equal ones unchanged; nothing the file
does not list is closed or deleted.

Who may import: those who keep the registry (:func:`~.selectors.can_edit_registry`, advisers
and administrators). An adviser changes only childminders of the advisory services she works
in (:func:`~.selectors.childminders_visible_to`) and places new ones in one of them.

The rules of the registry hold as for a contract typed in (:func:`.services.check_capacity`):
a contract needs a permit valid on its first day and never more children present at the same
time than the permit (and a group practice) allows; a permit whose places or dates change is
checked against the childminder's contracts.

Childminders and children are personal data: the summary (and so the audit event) names only
register numbers, contract ids and the names of changed fields, never a value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from kitaplan.domain.childminding.capacity import format_time
from kitaplan.domain.common.problems import (
    Expectation,
    ExpectationCode,
    ImportProblem,
    ProblemCode,
    expectation,
)
from kitaplan.exchange.formats.care_contracts import (
    SUPPLEMENT_CODES,
    WEEKDAY_TARGETS,
    day_times,
    supplement_codes,
    weekly_slots,
)
from kitaplan.web.audit.services import actor_user
from kitaplan.web.childminding.models import (
    AdvisoryService,
    CareContract,
    Childminder,
    Permit,
    StatusChange,
)
from kitaplan.web.childminding.selectors import ALL_CHILDMINDERS, childminders_visible_to
from kitaplan.web.childminding.services import RegistryError, check_capacity
from kitaplan.web.core.access import AnyUser, has_any_role
from kitaplan.web.imports.outcomes import ImportRefused, ImportSummary
from kitaplan.web.imports.registry import PersistContext
from kitaplan.web.territory.models import Area, Territory

Record = Mapping[str, Any]
_E = ExpectationCode

#: The Childminder fields a row sets (besides the number, its key).
CHILDMINDER_FIELDS = (
    "name",
    "street",
    "postcode",
    "city",
    "lat",
    "lon",
    "area_id",
    "care_location",
    "service_id",
    "languages",
    "inclusion_skills",
    "qualification",
    "experience_group",
    "status",
)
_TEXTS = ("name", "street", "postcode", "city", "languages", "qualification", "experience_group")
#: Permit fields of a row by the row's target (a permit is found by its first day).
PERMIT_FIELDS = {
    "permit_valid_to": "valid_to",
    "permit_places": "max_children",
    "permit_reference": "reference",
    "permit_conditions": "conditions",
}
#: The CareContract fields a row sets (besides childminder, child reference and first day).
CONTRACT_FIELDS = (
    "child_birth_date",
    "valid_to",
    "weekly_hours",
    "slots",
    "settling_in_from",
    "settling_in_to",
    "funded",
    "rate_scheme",
    "supplements",
)
#: The column named in a problem about the whole weekly schedule.
SCHEDULE_COLUMN = "mon … sun"
_CENT = Decimal("0.01")

#: Where each target is stored (``imports.limits``: lengths and ranges become problems).
CHILDMINDER_COLUMNS = {
    "number": "childminding.Childminder.number",
    "name": "childminding.Childminder.name",
    "street": "childminding.Childminder.street",
    "postcode": "childminding.Childminder.postcode",
    "city": "childminding.Childminder.city",
    "area_code": "territory.Area.official_code",
    "service": "childminding.AdvisoryService.name",
    "languages": "childminding.Childminder.languages",
    "qualification": "childminding.Childminder.qualification",
    "experience_group": "childminding.Childminder.experience_group",
    "permit_reference": "childminding.Permit.reference",
    "permit_places": "childminding.Permit.max_children",
}
CONTRACT_COLUMNS = {
    "childminder_number": "childminding.Childminder.number",
    "child_reference": "childminding.CareContract.child_reference",
    "scheme": "childminding.CareContract.rate_scheme",
}


def _problem(
    context: PersistContext,
    record: Record,
    code: ProblemCode,
    column: str,
    value: object,
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


def _differs(old: object, new: object) -> bool:
    if isinstance(old, float) or isinstance(new, float):
        if old is None or new is None:
            return old is not new
        return abs(float(old) - float(new)) > 1e-9  # type: ignore[arg-type]
    return old != new


def _apply(instance: Any, values: Mapping[str, object]) -> list[str]:
    """Set the differing values on ``instance``; the names of the changed fields."""
    changed = [name for name, new in values.items() if _differs(getattr(instance, name), new)]
    for name in changed:
        setattr(instance, name, values[name])
    return changed


def _sees_all(actor: AnyUser) -> bool:
    return has_any_role(actor, ALL_CHILDMINDERS)


def _own_service_ids(actor: AnyUser, territory: Territory) -> set[int]:
    user = actor_user(actor)
    if user is None:
        return set()
    return set(
        AdvisoryService.objects.filter(territory=territory, advisers=user).values_list(
            "pk", flat=True
        )
    )


def _capacity_problem(
    context: PersistContext, record: Record, error: RegistryError, *, childminders: bool
) -> ImportProblem:
    """A broken registry rule (:func:`check_capacity`) as a problem of the row."""
    params = error.params
    if error.code == "no_permit":
        column = "permit_valid_from" if childminders else "valid_from"
        return _problem(
            context,
            record,
            ProblemCode.OUT_OF_RANGE,
            column,
            record.get(column),
            expectation(_E.PERMIT_ON_START, day=params["day"].isoformat()),
        )
    day: dt.date = params["day"]
    column = "permit_places" if childminders else WEEKDAY_TARGETS[day.weekday()]
    code = _E.WITHIN_PERMIT if error.code == "over_permit" else _E.WITHIN_PRACTICE
    return _problem(
        context,
        record,
        ProblemCode.OUT_OF_RANGE,
        column,
        record.get(column),
        expectation(
            code,
            limit=params["limit"],
            count=params["count"],
            day=day.isoformat(),
            start=format_time(params["start"]),
            end=format_time(params["end"]),
        ),
    )


# ---------------------------------------------------------------------------------- childminders


def _childminder_reference_problems(
    records: Sequence[Record],
    context: PersistContext,
    existing: Mapping[str, Childminder],
) -> tuple[list[ImportProblem], dict[str, Area], dict[str, AdvisoryService]]:
    territory, actor = context.territory, context.actor
    areas = {
        a.official_code: a
        for a in Area.objects.filter(territory=territory, valid_to__isnull=True).order_by(
            "level__rank"
        )
    }
    services = {s.name: s for s in AdvisoryService.objects.filter(territory=territory)}
    sees_all = _sees_all(actor)
    own = set() if sees_all else _own_service_ids(actor, territory)
    visible = (
        set()
        if sees_all
        else set(
            childminders_visible_to(actor)
            .filter(territory=territory)
            .values_list("number", flat=True)
        )
    )
    problems: list[ImportProblem] = []
    for record in records:
        number = record["number"]
        stored = existing.get(number)
        if stored is not None and not sees_all and number not in visible:
            problems.append(
                _problem(
                    context,
                    record,
                    ProblemCode.UNKNOWN_CHOICE,
                    "number",
                    number,
                    expectation(_E.CHILDMINDER_OF_OWN_SERVICE),
                )
            )
        elif stored is not None and stored.erased_at is not None:
            problems.append(
                _problem(
                    context,
                    record,
                    ProblemCode.INCONSISTENT_VALUES,
                    "number",
                    number,
                    expectation(_E.NOT_ERASED_CHILDMINDER),
                )
            )
        code = record.get("area_code")
        if code and code not in areas:
            problems.append(
                _problem(
                    context,
                    record,
                    ProblemCode.UNKNOWN_AREA,
                    "area_code",
                    code,
                    expectation(_E.AREA_OF_TERRITORY),
                )
            )
        name = record.get("service")
        service = services.get(name) if name else None
        if name and service is None:
            problems.append(
                _problem(
                    context,
                    record,
                    ProblemCode.UNKNOWN_CHOICE,
                    "service",
                    name,
                    expectation(_E.ADVISORY_SERVICE),
                )
            )
        elif not sees_all and (service is None or service.pk not in own):
            problems.append(
                _problem(
                    context,
                    record,
                    ProblemCode.MISSING_VALUE if service is None else ProblemCode.UNKNOWN_CHOICE,
                    "service",
                    name,
                    expectation(_E.OWN_ADVISORY_SERVICE),
                )
            )
    return problems, areas, services


def _childminder_values(
    record: Record,
    areas: Mapping[str, Area],
    services: Mapping[str, AdvisoryService],
    stored: Childminder | None,
) -> dict[str, object]:
    values: dict[str, object] = {name: record.get(name) for name in CHILDMINDER_FIELDS}
    for name in _TEXTS:
        values[name] = values[name] or ""
    for name in ("lat", "lon"):
        value = record.get(name)
        values[name] = None if value is None else float(value)
    area = areas.get(record.get("area_code") or "")
    service = services.get(record.get("service") or "")
    values["area_id"] = area.pk if area is not None else None
    values["service_id"] = service.pk if service is not None else None
    values["inclusion_skills"] = bool(record.get("inclusion_skills"))
    # no status in the row keeps the stored one (a new childminder is active)
    values["status"] = record.get("status") or (stored.status if stored else "active")
    return values


def _permit_values(record: Record) -> dict[str, object]:
    return {
        "valid_to": record["permit_valid_to"],
        "max_children": int(record["permit_places"]),
        "reference": record.get("permit_reference") or "",
        "conditions": record.get("permit_conditions") or "",
    }


def _store_permit(childminder: Childminder, record: Record) -> tuple[Permit, list[str]]:
    """The row's permit, added or updated; the names of the row's changed permit columns."""
    values = _permit_values(record)
    permit = Permit.objects.filter(
        childminder=childminder, valid_from=record["permit_valid_from"]
    ).first()
    if permit is None:
        permit = Permit.objects.create(
            childminder=childminder, valid_from=record["permit_valid_from"], **values
        )
        return permit, ["permit_valid_from"]
    changed = _apply(permit, values)
    if changed:
        permit.save()
    by_field = {field: target for target, field in PERMIT_FIELDS.items()}
    return permit, [by_field[name] for name in changed]


def _permit_problems(
    context: PersistContext, record: Record, childminder: Childminder, permit: Permit
) -> list[ImportProblem]:
    """A changed permit against the childminder's contracts in its period (first break only)."""
    contracts = childminder.contracts.filter(valid_from__lte=permit.valid_to).exclude(
        valid_to__lt=permit.valid_from
    )
    for contract in contracts.order_by("valid_from", "pk"):
        try:
            check_capacity(contract)
        except RegistryError as error:
            return [_capacity_problem(context, record, error, childminders=True)]
    return []


def persist_childminders(records: Sequence[Record], context: PersistContext) -> ImportSummary:
    """Childminders with their permit by register number (see the module's docstring)."""
    summary = ImportSummary()
    territory = context.territory
    existing = {c.number: c for c in Childminder.objects.filter(territory=territory)}
    problems, areas, services = _childminder_reference_problems(records, context, existing)
    if problems:
        raise ImportRefused(problems)
    for record in records:
        number = record["number"]
        childminder = existing.get(number)
        values = _childminder_values(record, areas, services, childminder)
        if childminder is None:
            childminder = Childminder.objects.create(territory=territory, number=number, **values)
            StatusChange.objects.create(
                childminder=childminder, status=childminder.status, valid_from=context.day
            )
            existing[number] = childminder
            _store_permit(childminder, record)
            summary.added += 1
            continue
        old_status = childminder.status
        changed = _apply(childminder, values)
        if changed:
            childminder.save()
            if childminder.status != old_status:
                StatusChange.objects.create(
                    childminder=childminder, status=childminder.status, valid_from=context.day
                )
        permit, permit_changed = _store_permit(childminder, record)
        if permit_changed:
            problems += _permit_problems(context, record, childminder, permit)
        fields = sorted(
            {
                "area_code" if n == "area_id" else "service" if n == "service_id" else n
                for n in changed
            }
            | set(permit_changed)
        )
        if fields:
            summary.changed += 1
            summary.changes.append({"key": number, "fields": fields})
        else:
            summary.unchanged += 1
    if problems:
        raise ImportRefused(problems)
    return summary


# -------------------------------------------------------------------------------- care contracts


def _schedule(
    context: PersistContext, record: Record
) -> tuple[list[list[int | str]] | None, list[ImportProblem]]:
    """The stored weekly schedule of the row's weekday cells, or the problems of its cells."""
    problems: list[ImportProblem] = []
    days: dict[int, list[tuple[str, str]]] = {}
    for weekday, target in enumerate(WEEKDAY_TARGETS):
        text = record.get(target)
        if not text:
            continue
        try:
            days[weekday] = day_times(str(text))
            weekly_slots({weekday: days[weekday]})
        except ValueError:
            problems.append(
                _problem(
                    context, record, ProblemCode.NOT_A_TIME, target, text, expectation(_E.DAY_TIMES)
                )
            )
    if problems:
        return None, problems
    if not days:
        problem = _problem(
            context,
            record,
            ProblemCode.MISSING_VALUE,
            SCHEDULE_COLUMN,
            "",
            expectation(_E.DAY_TIMES),
        )
        return None, [problem]
    return weekly_slots(days), []


def _contract_values(
    context: PersistContext, record: Record
) -> tuple[dict[str, object] | None, list[ImportProblem]]:
    slots, problems = _schedule(context, record)
    supplements = supplement_codes(record.get("supplements"))
    unknown = [code for code in supplements if code not in SUPPLEMENT_CODES]
    if unknown:
        problems.append(
            _problem(
                context,
                record,
                ProblemCode.UNKNOWN_CHOICE,
                "supplements",
                record.get("supplements"),
                expectation(_E.SUPPLEMENT_CODES, choices=", ".join(SUPPLEMENT_CODES)),
            )
        )
    if problems:
        return None, problems
    return {
        "child_birth_date": record["child_birth_date"],
        "valid_to": record.get("valid_to"),
        # stored with two decimals: compared as stored, so a re-import is unchanged
        "weekly_hours": Decimal(record["weekly_hours"]).quantize(_CENT, rounding=ROUND_HALF_UP),
        "slots": slots,
        "settling_in_from": record.get("settling_in_from"),
        "settling_in_to": record.get("settling_in_to"),
        "funded": bool(record.get("funded", True)),
        "rate_scheme": record.get("scheme") or "",
        "supplements": supplements,
    }, []


def _contract_childminders(
    records: Sequence[Record], context: PersistContext
) -> tuple[dict[str, Childminder], list[ImportProblem]]:
    """The childminders the rows name (locked for the capacity checks), or the problems."""
    territory, actor = context.territory, context.actor
    numbers = {record["childminder_number"] for record in records}
    stored = set(
        Childminder.objects.filter(territory=territory, number__in=numbers).values_list(
            "number", flat=True
        )
    )
    visible = (
        Childminder.objects.filter(territory=territory)
        if _sees_all(actor)
        else Childminder.objects.filter(
            pk__in=childminders_visible_to(actor).filter(territory=territory).values("pk")
        )
    )
    found = {
        c.number: c for c in visible.filter(number__in=numbers).select_for_update().order_by("pk")
    }
    problems: list[ImportProblem] = []
    for record in records:
        number = record["childminder_number"]
        childminder = found.get(number)
        if childminder is not None and childminder.erased_at is None:
            continue
        if childminder is not None:
            expected = expectation(_E.NOT_ERASED_CHILDMINDER)
        elif number in stored:
            expected = expectation(_E.CHILDMINDER_OF_OWN_SERVICE)
        else:
            expected = expectation(_E.KNOWN_CHILDMINDER)
        problems.append(
            _problem(
                context, record, ProblemCode.UNKNOWN_CHOICE, "childminder_number", number, expected
            )
        )
    return found, problems


def persist_care_contracts(records: Sequence[Record], context: PersistContext) -> ImportSummary:
    """Care contracts by childminder, child reference and first day (see the docstring)."""
    summary = ImportSummary()
    childminders, problems = _contract_childminders(records, context)
    rows: list[tuple[Record, dict[str, object]]] = []
    for record in records:
        values, found = _contract_values(context, record)
        problems += found
        if values is not None:
            rows.append((record, values))
    if problems:
        raise ImportRefused(problems)
    existing = {
        (c.childminder_id, c.child_reference, c.valid_from): c
        for c in CareContract.objects.filter(childminder__in=list(childminders.values())).order_by(
            "pk"
        )
    }
    touched: list[tuple[Record, CareContract]] = []
    for record, values in rows:
        childminder = childminders[record["childminder_number"]]
        key = (childminder.pk, record["child_reference"], record["valid_from"])
        contract = existing.get(key)
        if contract is None:
            contract = CareContract.objects.create(
                childminder=childminder,
                child_reference=record["child_reference"],
                valid_from=record["valid_from"],
                **values,
            )
            existing[key] = contract
            summary.added += 1
            touched.append((record, contract))
            continue
        changed = _apply(contract, values)
        if changed:
            contract.save()
            summary.changed += 1
            summary.changes.append(
                {
                    "key": f"contract:{contract.pk}",
                    "fields": sorted("scheme" if n == "rate_scheme" else n for n in changed),
                }
            )
            touched.append((record, contract))
        else:
            summary.unchanged += 1
    # checked once everything is stored, so each contract meets all the file's others
    for record, contract in touched:
        try:
            check_capacity(contract)
        except RegistryError as error:
            problems.append(_capacity_problem(context, record, error, childminders=False))
    if problems:
        raise ImportRefused(problems)
    return summary
