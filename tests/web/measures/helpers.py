"""Action-plan objects for tests and the access matrix: one small plan on a test city."""

from __future__ import annotations

from django.core.files.base import ContentFile

from kitaplan.web.core.access import SYSTEM
from kitaplan.web.measures import services
from kitaplan.web.measures.models import Document, Measure, Objective, Organisation, Plan
from tests.web.factories import SmallCity

ROWS = [
    {
        "level": "organisation",
        "code": "Amt 58",
        "text": "Amt für Kindertagesbetreuung",
        "kind": "city_unit",
    },
    {
        "level": "organisation",
        "code": "Stadtelternrat",
        "text": "Stadtelternrat",
        "kind": "parents_body",
    },
    {"level": "field", "code": "1", "parent": "", "text": "Angebotsstruktur"},
    {
        "level": "goal",
        "code": "1.Z1",
        "parent": "1",
        "text": "Zwei inklusive Kitas je Bezirk bis 2027.",
    },
    {"level": "objective", "code": "1.1", "parent": "1", "text": "Plätze sind ausgebaut."},
    {
        "level": "objective",
        "code": "1.7",
        "parent": "1",
        "text": "Zwei Kitas je Bezirk wandeln sich.",
    },
    {
        "level": "measure",
        "code": "1.1-1",
        "parent": "1.1",
        "text": "Zielgrößen bestimmen",
        "period": "2020",
        "participants": "Amt 58, Stadtelternrat",
        "organisations": "Amt 58|Stadtelternrat",
    },
    {
        "level": "measure",
        "code": "1.7-1",
        "parent": "1.7",
        "text": "Einrichtungen priorisieren",
        "period": "2021 ff.",
        "participants": "Amt 58",
        "organisations": "Amt 58",
    },
]


def make_plan(city: SmallCity) -> Plan:
    return services.load_plan(
        territory=city.territory,
        actor=SYSTEM,
        title="Testplan",
        first_year=2020,
        last_year=2027,
        rows=ROWS,
        source="Erfunden für Tests",
    )


def measure_objects(city: SmallCity) -> dict[str, int]:
    """Primary keys the action-plan routes need: ``plan``, ``measure``, ``document``."""
    plan = Plan.objects.filter(territory=city.territory, title="Testplan").first() or make_plan(
        city
    )
    measure = Measure.objects.get(objective__field__plan=plan, code="1.1-1")
    document = Document.objects.filter(measure=measure).first()
    if document is None:
        document = Document(measure=measure, title="Protokoll")
        document.file.save("protokoll.txt", ContentFile(b"Protokoll"), save=True)
    return {
        "plan": plan.pk,
        "measure": measure.pk,
        "document": document.pk,
        "objective": Objective.objects.get(field__plan=plan, code="1.7").pk,
        "measure_objective": measure.objective_id,
        "plan_field": measure.objective.field_id,
        "plan_territory": city.territory.pk,
        "organisation": Organisation.objects.filter(territory=city.territory)
        .order_by("pk")
        .first()
        .pk,
    }
