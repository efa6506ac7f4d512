"""Dresden loaded the way a new Jugendamt would load its city (docs/howto/dresden.md).

Only public steps, in the order of :data:`DRESDEN_STEPS` (a test runs the how-to's commands
on a fresh database and checks that this loader then finds everything unchanged):

1. the territory through :func:`kitaplan.web.administration.services.create_territory`, the
   service of ``kitaplan territory create`` and of the page Administration > Territories;
2. every packaged file through :func:`kitaplan.web.imports.services.import_file`, exactly what
   ``kitaplan import --kind … --territory dresden`` does;
3. the allocation round as the office creates it on the round page
   (:func:`~kitaplan.web.allocation.services.save_round`, the released places through
   :func:`~kitaplan.web.allocation.services.save_programme`), its applications imported, and
   one run computed (:func:`~kitaplan.web.allocation.services.run_round`, the page's button).

Children by age are estimated (and forecast from the imported births and citywide forecast
by age, ``planning.forecasting``); Kitas, providers, addresses and applications are SYNTHETIC
(``scripts/derive_dresden.py``, seeded). A second load changes nothing: an existing territory
and round are kept, and a round that has a run takes no import and no second run.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from kitaplan.demo import data_dir
from kitaplan.domain.allocation import Criterion
from kitaplan.domain.territory.levels import ProposedLevel
from kitaplan.web.administration.services import create_territory
from kitaplan.web.allocation.models import AllocationRound, AllocationRun, RoundProgramme
from kitaplan.web.allocation.services import run_round, save_programme, save_round
from kitaplan.web.facilities.models import Facility
from kitaplan.web.imports.models import ImportRun
from kitaplan.web.imports.registry import kind_entries
from kitaplan.web.imports.services import import_file
from kitaplan.web.territory.models import Territory

if TYPE_CHECKING:
    from kitaplan.web.core.access import AnyUser

DRESDEN = "dresden"
#: The page steps of the how-to (``# page step NAME:`` in its command block).
ROUND_STEP, RUN_STEP = "round", "run"


@dataclass(frozen=True)
class Step:
    """An import (``kind`` and ``file`` in ``kitaplan/demo/data/dresden/``) or a page step
    (``kind`` is :data:`ROUND_STEP` or :data:`RUN_STEP`, no file)."""

    kind: str
    file: str = ""

    @property
    def is_import(self) -> bool:
        return bool(self.file)


#: The how-to's steps after ``kitaplan territory create``, in its order.
DRESDEN_STEPS: tuple[Step, ...] = (
    Step("areas", "areas.geojson"),
    Step("population", "population.csv"),
    Step("births", "births.csv"),
    Step("city_forecast", "city_forecast.csv"),
    Step("indicators", "indicators.csv"),
    Step("indicator_values", "indicator_values.csv"),
    Step("providers", "providers.csv"),
    Step("facilities", "facilities.csv"),
    Step("targets", "targets.csv"),
    Step("address_register", "address_register.csv"),
    Step(ROUND_STEP),
    Step("applications", "applications.csv"),
    Step(RUN_STEP),
)


def folder() -> Path:
    return data_dir() / DRESDEN


def territory_spec() -> dict[str, Any]:
    """Code, name, official code, levels and attribution (``dresden/territory.json``)."""
    spec: dict[str, Any] = json.loads((folder() / "territory.json").read_text(encoding="utf-8"))
    return spec


def round_spec() -> dict[str, Any]:
    """The round's fields, criteria and released places (``dresden/round.json``)."""
    spec: dict[str, Any] = json.loads((folder() / "round.json").read_text(encoding="utf-8"))
    return spec


def registered_kinds() -> set[str]:
    return {entry.kind.value for entry in kind_entries()}


def set_up_territory(*, actor: AnyUser) -> Territory:
    """Step 1: ``kitaplan territory create`` (kept as it is when it exists)."""
    spec = territory_spec()
    found = Territory.objects.filter(code=spec["code"]).first()
    if found is not None:
        return found
    levels = sorted(spec["levels"], key=lambda level: int(level["rank"]))
    return create_territory(
        actor=actor,
        code=spec["code"],
        name=spec["name"],
        official_code=spec.get("official_code", ""),
        levels=[ProposedLevel(code=lv["code"], name=lv["name"]) for lv in levels],
        attribution=spec.get("attribution", ""),
    )


def create_round(*, territory: Territory, actor: AnyUser) -> AllocationRound:
    """Page step: the office creates the round and releases the Kitas' places (kept as it is
    when a round of that name exists)."""
    spec = round_spec()
    found = AllocationRound.objects.filter(territory=territory, name=spec["name"]).first()
    if found is not None:
        return found
    round_ = AllocationRound(
        territory=territory,
        name=spec["name"],
        care_start=dt.date.fromisoformat(spec["care_start"]),
        applications_open=dt.date.fromisoformat(spec["applications_open"]),
        applications_close=dt.date.fromisoformat(spec["applications_close"]),
        offers_on=dt.date.fromisoformat(spec["offers_on"]),
        response_days=int(spec["response_days"]),
        max_choices=int(spec["max_choices"]),
        district_level=spec["district_level"],
    )
    save_round(round_=round_, criteria=[Criterion(c) for c in spec["criteria"]], actor=actor)
    facilities = {
        f.official_number: f
        for f in Facility.objects.filter(
            territory=territory, official_number__in={p["facility"] for p in spec["places"]}
        )
    }
    for place in spec["places"]:
        save_programme(
            programme=RoundProgramme(
                round=round_,
                facility=facilities[place["facility"]],
                age_group=place["age_group"],
                capacity=int(place["capacity"]),
            ),
            actor=actor,
        )
    return round_


def run_once(*, round_: AllocationRound, actor: AnyUser) -> AllocationRun:
    """Page step: the office computes the round's run on the day offers go out (the stored
    run when there is one)."""
    found: AllocationRun | None = (
        AllocationRun.objects.filter(round=round_).order_by("number").first()
    )
    if found is not None:
        return found
    computed: AllocationRun = run_round(round_=round_, actor=actor, today=round_.offers_on)
    return computed


def load_dresden(
    *, actor: AnyUser, progress: Callable[[str], None] | None = None
) -> list[ImportRun]:
    """Set Dresden up and load it through :data:`DRESDEN_STEPS` (idempotent: a second load
    reports every import unchanged and adds no round and no run)."""
    say = progress or (lambda message: None)
    territory = set_up_territory(actor=actor)
    known = registered_kinds()
    runs: list[ImportRun] = []
    round_: AllocationRound | None = None
    for step in DRESDEN_STEPS:
        if step.kind == ROUND_STEP:
            round_ = create_round(territory=territory, actor=actor)
            say(
                _("%(territory)s: round %(round)s, %(count)s offers of places")
                % {
                    "territory": territory.name,
                    "round": round_.name,
                    "count": round_.programmes.count(),
                }
            )
            continue
        if step.kind == RUN_STEP:
            assert round_ is not None
            computed = run_once(round_=round_, actor=actor)
            say(
                _("%(territory)s: round %(round)s, run %(number)s")
                % {"territory": territory.name, "round": round_.name, "number": computed.number}
            )
            continue
        if step.kind not in known:  # an app of a lighter installation may not register a kind
            continue
        if step.kind == "applications" and AllocationRun.objects.filter(round=round_).exists():
            continue  # allocated: the import refuses changes, the office works on the pages
        say(f"{territory.name}: {step.kind} ({step.file})")
        run = import_file(
            territory=territory, kind=step.kind, path=folder() / step.file, actor=actor
        )
        runs.append(run)
        say(
            f"  → {run.get_status_display()}: +{run.added} ~{run.changed} ={run.unchanged} "
            f"-{run.removed}"
        )
    return runs
