"""Import of a round's applications with their ranked choices (kind ``applications``).

Registered in :class:`~kitaplan.web.allocation.apps.AllocationConfig`; runs inside the import's
durable transaction (``imports.services.import_file``), and any problem refuses the whole file.
Who may import: the allocation office and administrators (:func:`.selectors.is_office`).

The ``round`` column names the round by its name; exactly one round of the import's territory
must have it, and it must not have been allocated yet (no run computed: after a run, the office
changes applications on their pages, where offers are taken into account). An application is
identified by its case number (``reference``) in the round: a new one is added, a differing
one changed (its choices replaced in rank order; a choice kept at another rank keeps what the
facility confirmed of its own criteria), an equal one unchanged. Nothing the file does not list
is withdrawn or deleted.

The home is either an area of the finest level (``home_area_code``) or, where the territory has
an address register, street, house number and postcode, placed on the register
(:func:`kitaplan.web.territory.addresses.resolve_parts`: point and finest area).

Applications are personal data: the summary (and so the audit event) names only round names,
case numbers and the names of changed fields, never a value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kitaplan.domain.allocation import age_group_at
from kitaplan.domain.common.problems import (
    Expectation,
    ExpectationCode,
    ImportProblem,
    ProblemCode,
    expectation,
)
from kitaplan.exchange.formats.applications import (
    APPLICATION_TARGETS,
    CHOICE_COLUMNS,
    CONFIRMED_CRITERIA,
    ChoiceIssue,
    RankedChoice,
    check_ranked,
    split_list,
    wide_choices,
)
from kitaplan.web.allocation.models import (
    AllocationRound,
    AllocationRun,
    Application,
    ApplicationChoice,
    RoundProgramme,
)
from kitaplan.web.allocation.services import models_offset, place_fields, place_index
from kitaplan.web.facilities.models import Facility
from kitaplan.web.imports.outcomes import ImportRefused, ImportSummary
from kitaplan.web.imports.registry import PersistContext
from kitaplan.web.territory.addresses import AddressUnknown, has_register, resolve_parts
from kitaplan.web.territory.models import Area, Territory

Record = Mapping[str, Any]
_E = ExpectationCode

#: Where each target is stored (``imports.limits``: lengths and ranges become problems).
COLUMNS: dict[str, str] = {
    "round": "allocation.AllocationRound.name",
    "reference": "allocation.Application.reference",
    "child_name": "allocation.Application.child_name",
    "weekly_hours": "allocation.Application.weekly_hours",
    "home_area_code": "territory.Area.official_code",
    "home_street": "allocation.Application.home_address",
    **{column: "facilities.Facility.official_number" for column in CHOICE_COLUMNS},
    "facility": "facilities.Facility.official_number",
}
#: The Application fields an import sets (besides round and reference, its key).
FIELDS = (
    "child_name",
    "birth_date",
    "desired_start",
    "weekly_hours",
    "registered_on",
    "integration_need",
    "social_urgency",
    "lives_in_municipality",
    "home_area_id",
    "home_address",
    "home_lat",
    "home_lon",
)


@dataclass
class _Parsed:
    """One application of the file: its (first) row and its ranked choices."""

    record: Record
    choices: list[RankedChoice] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return (str(self.record["round"]), str(self.record["reference"]))


@dataclass
class _RoundFacts:
    """What the import reads of one round, once."""

    round: AllocationRound
    places: dict[str, Any]  # official number → facility or childminder of the territory
    in_round: set[str]  # official numbers with released places in the round
    criteria: set[str]
    stored: dict[str, Application]


def _problem(
    context: PersistContext,
    record: Record,
    code: ProblemCode,
    column: str,
    value: object,
    expected: Expectation,
    *,
    row: int | None = None,
) -> ImportProblem:
    return ImportProblem(
        code=code,
        file=context.file_name,
        row=row if row is not None else int(record.get("row_number", 0)),
        column=column,
        value="" if value is None else str(value),
        expected=expected,
    )


def _applications(
    records: Sequence[Record], context: PersistContext, problems: list[ImportProblem]
) -> list[_Parsed]:
    """The file's applications: a wide row each, or the rows of one application (long layout)."""
    if not records or "rank" not in records[0]:
        return [_Parsed(record, wide_choices(record)) for record in records]
    found: dict[tuple[str, str], _Parsed] = {}
    for record in records:
        key = (str(record["round"]), str(record["reference"]))
        parsed = found.setdefault(key, _Parsed(record))
        first = parsed.record
        if first is not record:
            differing = [t for t in APPLICATION_TARGETS if record.get(t) != first.get(t)]
            if differing:
                problems.append(
                    _problem(
                        context,
                        record,
                        ProblemCode.INCONSISTENT_VALUES,
                        differing[0],
                        record.get(differing[0]),
                        expectation(_E.SAME_AS_ROW, row=first.get("row_number", 0)),
                    )
                )
        parsed.choices.append(
            RankedChoice(
                int(record["rank"]),
                str(record["facility"]).strip(),
                "facility",
                int(record.get("row_number", 0)),
            )
        )
    return list(found.values())


def _rounds(
    parsed: Sequence[_Parsed], context: PersistContext, problems: list[ImportProblem]
) -> dict[str, _RoundFacts]:
    """The rounds the file names that exist once in the territory and are not allocated yet."""
    names = {p.key[0] for p in parsed}
    by_name: dict[str, list[AllocationRound]] = {}
    for round_ in AllocationRound.objects.filter(territory=context.territory, name__in=names):
        by_name.setdefault(round_.name, []).append(round_)
    allocated = set(
        AllocationRun.objects.filter(round__territory=context.territory, round__name__in=names)
        .values_list("round_id", flat=True)
        .distinct()
    )
    facts: dict[str, _RoundFacts] = {}
    reported: set[str] = set()
    for item in parsed:
        name = item.key[0]
        found = by_name.get(name, [])
        if len(found) == 1 and found[0].pk not in allocated:
            continue
        if name in reported:
            continue
        reported.add(name)
        expected = (
            expectation(_E.ROUND_NOT_ALLOCATED, round=name)
            if len(found) == 1
            else expectation(_E.ROUND_OF_TERRITORY)
        )
        code = ProblemCode.OUT_OF_RANGE if len(found) == 1 else ProblemCode.UNKNOWN_CHOICE
        problems.append(_problem(context, item.record, code, "round", name, expected))
    places: dict[str, Any] | None = None
    for name, found in by_name.items():
        if len(found) != 1 or found[0].pk in allocated:
            continue
        round_ = found[0]
        if places is None:
            places = place_index(round_)
        in_round = {
            p.place.official_number
            for p in RoundProgramme.objects.filter(round=round_).select_related(
                "facility", "childminder"
            )
        }
        stored = {
            a.reference: a
            for a in Application.objects.filter(round=round_).prefetch_related(
                "choices__facility", "choices__childminder", "siblings_at"
            )
        }
        facts[name] = _RoundFacts(
            round_, places, in_round, {c.value for c in round_.criteria}, stored
        )
    return facts


def _choice_problems(
    item: _Parsed, facts: _RoundFacts, context: PersistContext
) -> list[ImportProblem]:
    record, name = item.record, facts.round.name
    found: list[ImportProblem] = []
    long = "rank" in record
    for issue in check_ranked(item.choices, facts.round.max_choices):
        choice = issue.choice
        if issue.issue is ChoiceIssue.NONE or choice is None:
            column = "facility" if long else CHOICE_COLUMNS[0]
            found.append(
                _problem(
                    context,
                    record,
                    ProblemCode.MISSING_VALUE,
                    column,
                    "",
                    expectation(_E.AT_LEAST_ONE_CHOICE),
                )
            )
            continue
        column, value = ("rank", choice.rank) if long else (choice.column, choice.number)
        if issue.issue is ChoiceIssue.GAP:
            code, expected = (
                ProblemCode.INCONSISTENT_VALUES,
                expectation(_E.CHOICE_WITHOUT_GAP, rank=issue.detail),
            )
        elif issue.issue is ChoiceIssue.TWICE:
            column, value = choice.column, choice.number
            code, expected = (
                ProblemCode.DUPLICATE_KEY,
                expectation(_E.CHOICE_ONCE, rank=issue.detail),
            )
        else:
            code, expected = (
                ProblemCode.OUT_OF_RANGE,
                expectation(_E.AT_MOST_CHOICES, n=issue.detail),
            )
        found.append(_problem(context, record, code, column, value, expected, row=choice.row))
    # choices beyond the most the round allows are reported once, as too many
    for choice in sorted(item.choices, key=lambda c: c.rank)[: facts.round.max_choices]:
        if choice.number not in facts.places:
            code, expected = ProblemCode.UNKNOWN_CHOICE, expectation(_E.PLACE_OF_TERRITORY)
        elif choice.number not in facts.in_round:
            code, expected = ProblemCode.OUT_OF_RANGE, expectation(_E.PLACE_IN_ROUND, round=name)
        else:
            continue
        found.append(
            _problem(context, record, code, choice.column, choice.number, expected, row=choice.row)
        )
    return found


def _finest_areas(territory: Territory) -> dict[str, Area]:
    level = territory.levels.order_by("-rank").first()
    if level is None:
        return {}
    return {a.official_code: a for a in Area.objects.filter(territory=territory, level=level)}


def _home(
    record: Record,
    context: PersistContext,
    areas: Mapping[str, Area],
    register: bool,
    problems: list[ImportProblem],
) -> dict[str, Any] | None:
    """home_area_id, home_address, home_lat, home_lon of the row; ``None`` with a problem.

    With an address register and a street, the address is placed on the register (point and
    finest area; an area code given as well must be that area); otherwise the area code is
    required and the address is kept as text.
    """
    code = str(record.get("home_area_code") or "").strip()
    street = str(record.get("home_street") or "").strip()
    number = str(record.get("home_house_number") or "").strip()
    postcode = str(record.get("home_postcode") or "").strip()
    text = " ".join(p for p in (street, number) if p)
    address = ", ".join(p for p in (text, postcode) if p)
    if register and street:
        found = resolve_parts(context.territory, street, number, postcode)
        if isinstance(found, AddressUnknown) or found.area is None:
            suggestions = found.suggestions if isinstance(found, AddressUnknown) else []
            problems.append(
                _problem(
                    context,
                    record,
                    ProblemCode.UNKNOWN_CHOICE,
                    "home_street",
                    address,
                    expectation(
                        _E.KNOWN_HOME_ADDRESS, suggestions="; ".join(suggestions[:3]) or "–"
                    ),
                )
            )
            return None
        if code and code != found.area.official_code:
            problems.append(
                _problem(
                    context,
                    record,
                    ProblemCode.INCONSISTENT_VALUES,
                    "home_area_code",
                    code,
                    expectation(_E.HOME_AREA_OF_ADDRESS, area=found.area.official_code),
                )
            )
            return None
        return {
            "home_area_id": found.area.pk,
            "home_address": found.label[:200],
            "home_lat": found.lat,
            "home_lon": found.lon,
        }
    if not code:
        problems.append(
            _problem(
                context,
                record,
                ProblemCode.MISSING_VALUE,
                "home_area_code",
                "",
                expectation(_E.HOME_AREA_OR_ADDRESS),
            )
        )
        return None
    area = areas.get(code)
    if area is None:
        problems.append(
            _problem(
                context,
                record,
                ProblemCode.UNKNOWN_AREA,
                "home_area_code",
                code,
                expectation(_E.FINEST_AREA),
            )
        )
        return None
    return {"home_area_id": area.pk, "home_address": address, "home_lat": None, "home_lon": None}


def _values(
    item: _Parsed,
    facts: _RoundFacts,
    context: PersistContext,
    areas: Mapping[str, Area],
    facilities: Mapping[str, Facility],
    register: bool,
    problems: list[ImportProblem],
) -> tuple[dict[str, Any], list[str]] | None:
    """The Application fields of an item and its siblings' facility numbers, or ``None``."""
    record = item.record
    before = len(problems)
    care_start = facts.round.care_start
    if age_group_at(record["birth_date"], care_start) is None:
        problems.append(
            _problem(
                context,
                record,
                ProblemCode.OUT_OF_RANGE,
                "birth_date",
                record["birth_date"],
                expectation(_E.AGE_IN_ROUND, day=care_start.isoformat()),
            )
        )
    allowed = [c for c in CONFIRMED_CRITERIA if c in facts.criteria]
    confirmed = split_list(record.get("criteria"))
    for code in confirmed:
        if code not in allowed:
            problems.append(
                _problem(
                    context,
                    record,
                    ProblemCode.UNKNOWN_CHOICE,
                    "criteria",
                    code,
                    expectation(_E.ROUND_CRITERION, choices=", ".join(allowed) or "–"),
                )
            )
    siblings = split_list(record.get("siblings_at"))
    for number in siblings:
        if number not in facilities:
            problems.append(
                _problem(
                    context,
                    record,
                    ProblemCode.UNKNOWN_CHOICE,
                    "siblings_at",
                    number,
                    expectation(_E.PLACE_OF_TERRITORY),
                )
            )
    stored = facts.stored.get(item.key[1])
    if stored is not None and stored.erased_at is not None:
        problems.append(
            _problem(
                context,
                record,
                ProblemCode.INCONSISTENT_VALUES,
                "reference",
                item.key[1],
                expectation(_E.NOT_ERASED_APPLICATION),
            )
        )
    problems += _choice_problems(item, facts, context)
    home = _home(record, context, areas, register, problems)
    if home is None or len(problems) > before:
        return None
    registered_on = record.get("registered_on") or (
        stored.registered_on if stored is not None else context.day
    )
    values: dict[str, Any] = {
        "child_name": str(record["child_name"]),
        "birth_date": record["birth_date"],
        "desired_start": record["desired_start"],
        "weekly_hours": int(record.get("weekly_hours") or 35),
        "registered_on": registered_on,
        "integration_need": bool(record.get("integration_need")),
        "social_urgency": "social_urgency" in confirmed,
        # without the criterion in the round, the fact is not asked (the model's default)
        "lives_in_municipality": "residence_in_municipality" in confirmed
        or "residence_in_municipality" not in facts.criteria,
        **home,
    }
    return values, sorted(set(siblings))


def _place_key(place: Any) -> tuple[str, int]:
    return ("f" if isinstance(place, Facility) else "c", place.pk)


def _write_choices(application: Application, places: Sequence[Any]) -> None:
    """Replace the application's choices by ``places`` in rank order (as typed in)."""
    wanted = {_place_key(p) for p in places}
    kept: dict[tuple[str, int], ApplicationChoice] = {}
    for choice in application.choices.all():
        if _place_key(choice.place) in wanted:
            kept[_place_key(choice.place)] = choice
        else:
            choice.delete()
    application.choices.update(rank=models_offset())
    for rank, place in enumerate(places, start=1):
        choice = kept.get(_place_key(place)) or ApplicationChoice(
            application=application, **place_fields(place)
        )
        choice.rank = rank
        choice.save()


def persist_applications(records: Sequence[Record], context: PersistContext) -> ImportSummary:
    """Add and change a round's applications with their ranked choices (never withdraws)."""
    problems: list[ImportProblem] = []
    parsed = _applications(records, context, problems)
    rounds = _rounds(parsed, context, problems)
    areas = _finest_areas(context.territory)
    register = has_register(context.territory)
    facilities = {
        f.official_number: f for f in Facility.objects.filter(territory=context.territory)
    }
    planned: list[tuple[_Parsed, _RoundFacts, dict[str, Any], list[str]]] = []
    for item in parsed:
        facts = rounds.get(item.key[0])
        if facts is None:
            continue
        found = _values(item, facts, context, areas, facilities, register, problems)
        if found is not None:
            planned.append((item, facts, *found))
    if problems:
        raise ImportRefused(problems)
    summary = ImportSummary()
    for item, facts, values, siblings in planned:
        places = [facts.places[c.number] for c in sorted(item.choices, key=lambda c: c.rank)]
        sibling_rows = [facilities[n] for n in siblings]
        application = facts.stored.get(item.key[1])
        if application is None:
            application = Application(round=facts.round, reference=item.key[1], **values)
            application.save()
            _write_choices(application, places)
            application.siblings_at.set(sibling_rows)
            summary.added += 1
            continue
        changed = _changes(application, values, places, siblings)
        if not changed:
            summary.unchanged += 1
            continue
        fields = [name for name in changed if name in FIELDS]
        for name in fields:
            setattr(application, name, values[name])
        if fields:
            application.save(update_fields=fields)
        if "choices" in changed:
            _write_choices(application, places)
        if "siblings_at" in changed:
            application.siblings_at.set(sibling_rows)
        summary.changed += 1
        summary.changes.append(
            {
                "key": f"{item.key[0]}|{item.key[1]}",
                "fields": list(dict.fromkeys(_column(name) for name in changed)),
            }
        )
    return summary


def _column(name: str) -> str:
    """The column of the file a changed field comes from (what the audit names)."""
    if name == "home_area_id":
        return "home_area_code"
    if name in ("home_address", "home_lat", "home_lon"):
        return "home_street"
    return name


def _changes(
    application: Application, values: Mapping[str, Any], places: Sequence[Any], siblings: list[str]
) -> list[str]:
    """Names of the differing fields (``choices``, ``siblings_at`` for the lists)."""
    changed = [name for name, new in values.items() if _differs(getattr(application, name), new)]
    stored_choices = [_place_key(c.place) for c in sorted(application.choices.all(), key=_rank)]
    if stored_choices != [_place_key(p) for p in places]:
        changed.append("choices")
    if sorted(f.official_number for f in application.siblings_at.all()) != siblings:
        changed.append("siblings_at")
    return changed


def _rank(choice: ApplicationChoice) -> int:
    return choice.rank


def _differs(old: object, new: object) -> bool:
    if isinstance(old, float) or isinstance(new, float):
        if old is None or new is None:
            return old is not new
        return abs(float(old) - float(new)) > 1e-9  # type: ignore[arg-type]
    return old != new
