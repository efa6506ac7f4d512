"""The Dresden action plan as demo: every field of action, strategic goal, objective and measure
of "Strategische Maßnahmen zur Umsetzung inklusiver Kindertagesbetreuung" (seed 000), loaded
from ``kitaplan/demo/data/dresden/massnahmenplan-2020-2027.csv``, with synthetic statuses
(fixed seed), a short history per measure and one issued report, so that "changed since the
last report" has content.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from typing import TYPE_CHECKING

from django.utils import timezone

from kitaplan.demo import data_dir
from kitaplan.web.measures import services
from kitaplan.web.measures.models import Measure, Objective, Plan
from kitaplan.web.territory.models import Territory

if TYPE_CHECKING:
    from kitaplan.web.core.access import AnyUser

PLAN_FILE = "dresden/massnahmenplan-2020-2027.csv"
PLAN_TITLE = "Strategische Maßnahmen inklusive Kindertagesbetreuung"
SOURCE = (
    "Landeshauptstadt Dresden, Amt für Kindertagesbetreuung: Strategische Maßnahmen zur "
    "Umsetzung inklusiver Kindertagesbetreuung in der Landeshauptstadt Dresden, Dezember 2021"
)
#: The earlier report: issued after the first half of 2025.
REPORT_LABEL = "2025-H1"
REPORT_START = dt.date(2025, 1, 1)
REPORT_END = dt.date(2025, 6, 30)
REPORT_ISSUED = dt.date(2025, 7, 15)
TARGET_1_7 = {
    "code": "1.7",
    "name": "Mindestens zwei Kitas mit Inklusionsprofil je Stadtbezirk",
    "metric": "facilities_with_inclusion_profile",
    "comparison": "at_least",
    "threshold": 2,
    "tolerance": 1,
    "source": "Dresden, Strategische Maßnahmen inklusive Kindertagesbetreuung 2020–2027, Teilziel 1.7",
}


def read_plan_rows() -> list[dict[str, str]]:
    """The rows of the data file (its first line is the source comment)."""
    path = data_dir() / PLAN_FILE
    with path.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines))


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


def synthetic_history(measure: Measure, rng: random.Random) -> list[tuple[dt.date, str, str]]:
    """(date, status, reason) steps for a measure, believable for its period."""
    start = measure.start or dt.date(2021 + rng.randrange(2), 1 + rng.randrange(12), 1)
    steps: list[tuple[dt.date, str, str]] = [(start, Measure.RUNNING, "Begonnen")]
    if measure.end is not None:
        finish = measure.end + dt.timedelta(days=rng.randrange(0, 120))
        roll = rng.random()
        if roll < 0.75 and finish < REPORT_END:
            steps.append((finish, Measure.DONE, "Abgeschlossen"))
        elif roll < 0.92:
            steps.append((measure.end, Measure.DELAYED, "Abstimmungen dauern länger als geplant"))
        else:
            steps.append((measure.end, Measure.DROPPED, "In eine andere Maßnahme aufgegangen"))
    elif measure.start is None and rng.random() < 0.4:
        return []  # tied to the Land's planning, not yet begun
    elif rng.random() < 0.12:
        steps.append(
            (dt.date(2024, 3, 1), Measure.DELAYED, "Personal für die Umsetzung fehlt zeitweise")
        )
    return [s for s in steps if s[0] <= REPORT_END]


#: After the report: (status before, status after, date, reason) – the next report lists them.
LATER_STEPS = [
    (Measure.DELAYED, Measure.RUNNING, dt.date(2025, 9, 15), "Neuer Zeitplan abgestimmt"),
    (Measure.RUNNING, Measure.DONE, dt.date(2025, 10, 1), "Ergebnis liegt vor"),
    (Measure.PLANNED, Measure.RUNNING, dt.date(2025, 11, 5), "Landesplanung liegt vor"),
    (Measure.RUNNING, Measure.DELAYED, dt.date(2025, 11, 20), "Personal fehlt zeitweise"),
]


def _link_target(plan: Plan, territory: Territory) -> None:
    """Link objective 1.7 to Dresden's target rule 1.7 (created like the Berlin demo targets,
    on the Stadtbezirk level, where Dresden has that level and no rule 1.7 yet)."""
    from kitaplan.web.core.access import SYSTEM
    from kitaplan.web.planning.models import TargetRule

    rule = TargetRule.objects.filter(territory=territory, code="1.7").first()
    if rule is None:
        level = territory.levels.filter(code="stadtbezirk").first()
        if level is None:
            return
        rule = TargetRule.objects.create(territory=territory, level=level, **TARGET_1_7)
    objective = Objective.objects.filter(field__plan=plan, code="1.7").first()
    if objective is not None:
        services.link_target(objective=objective, actor=SYSTEM, target_rule=rule)


def create_demo_plan() -> bool:
    """Load the Dresden plan once (False if Dresden is missing or the plan is already there)."""
    from kitaplan.web.core.access import SYSTEM

    territory = Territory.objects.filter(code="dresden").first()
    if territory is None or Plan.objects.filter(territory=territory, title=PLAN_TITLE).exists():
        return False
    plan = services.load_plan(
        territory=territory,
        actor=SYSTEM,
        title=PLAN_TITLE,
        first_year=2020,
        last_year=2027,
        rows=read_plan_rows(),
        council_decision="Stadtrat Dresden, Beschluss zur Umsetzung inklusiver "
        "Kindertagesbetreuung (Fachplan Kindertageseinrichtungen und Kindertagespflege)",
        source=SOURCE,
    )
    _link_target(plan, territory)
    rng = random.Random(20_201_227)
    measures = list(
        Measure.objects.filter(objective__field__plan=plan).order_by(
            "objective__field__position", "objective__position", "position"
        )
    )
    for measure in measures:
        for day, status, reason in synthetic_history(measure, rng):
            _step(measure, day, status, reason, SYSTEM)
    services.issue_report(
        plan=plan,
        actor=SYSTEM,
        label=REPORT_LABEL,
        start=REPORT_START,
        end=REPORT_END,
        issued_at=_aware(REPORT_ISSUED),
    )
    used: set[int] = set()
    for before, after, day, reason in LATER_STEPS:
        later = next(
            (
                m
                for m in Measure.objects.filter(objective__field__plan=plan, status=before)
                .exclude(pk__in=used)
                .order_by("objective__field__position", "objective__position", "position")
            ),
            None,
        )
        if later is not None:
            used.add(later.pk)
            _step(later, day, after, reason, SYSTEM)
    return True


def _step(measure: Measure, day: dt.date, status: str, reason: str, actor: AnyUser) -> None:
    services.change_status(
        measure=measure,
        actor=actor,
        status=status,
        date=day,
        comment=reason,
        recorded_at=_aware(day),
    )
