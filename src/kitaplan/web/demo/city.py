"""Loading the demo city and creating the demo accounts (``kitaplan demo``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count

from kitaplan.demo import DemoTerritory, demo_territories
from kitaplan.web.core.models import RoleAssignment
from kitaplan.web.core.roles import Role
from kitaplan.web.demo.addresses import import_demo_registers
from kitaplan.web.demo.dresden import DRESDEN, load_dresden
from kitaplan.web.facilities.models import Provider
from kitaplan.web.imports.models import ImportRun
from kitaplan.web.imports.services import import_file
from kitaplan.web.territory.models import AreaLevel, Territory

#: The demo password of every demo account. Demo only: never use these accounts in production.
DEMO_PASSWORD = "kitaplan-demo"  # noqa: S105


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    scope: str = ""
    territory: Territory | None = None  # the territory scope (docs/howto/import-a-city.md)


@transaction.atomic
def ensure_territory(spec: DemoTerritory) -> Territory:
    """Create or update a territory and its area levels from a demo spec."""
    territory, _ = Territory.objects.update_or_create(
        code=spec.code,
        defaults={
            "name": spec.name,
            "official_code": spec.official_code,
            "attribution": spec.attribution,
        },
    )
    for level in spec.levels:
        AreaLevel.objects.update_or_create(
            territory=territory, code=level.code, defaults={"name": level.name, "rank": level.rank}
        )
    return territory


def load_demo(
    *, actor: Any, progress: Callable[[str], None] | None = None, only: tuple[str, ...] = ()
) -> list[ImportRun]:
    """Import every packaged territory with the normal importer (idempotent)."""
    say = progress or (lambda message: None)
    runs = []
    for spec in demo_territories():
        if only and spec.code not in only:
            continue
        if spec.code == DRESDEN:  # only the how-to's public steps (docs/howto/dresden.md)
            runs.extend(load_dresden(actor=actor, progress=say))
            continue
        territory = ensure_territory(spec)
        for kind, path in spec.files.items():
            say(f"{spec.name}: {kind} ({path.name})")
            run = import_file(territory=territory, kind=kind, path=path, actor=actor, progress=None)
            runs.append(run)
            say(
                f"  → {run.get_status_display()}: +{run.added} ~{run.changed} ={run.unchanged} -{run.removed}"
            )
    runs.extend(import_demo_registers(actor=actor, only=only))  # from the facilities' addresses
    return runs


#: Cell size of the demo's synthetic population grid (m); Zensus grids are 100 m, 250 m keeps
#: the demo load short (about 14,000 cells for Berlin).
DEMO_GRID_CELL_M = 250.0
DEMO_GRID_SOURCE = (
    "synthetisch: gleichmäßiges 250-m-Raster über die Planungsräume (Demo, keine Zensusdaten)"
)


def demo_population_grid_rows(territory: Territory, cell_m: float = DEMO_GRID_CELL_M) -> list[str]:
    """CSV lines (standard grid format) of an even grid over the territory's finest areas.

    Every cell centre inside an area gets one resident, so the dasymetric spreading puts each
    area's children evenly over its surface. Synthetic: a real city imports the Zensus grid.
    """
    import numpy as np
    import shapely
    from shapely.geometry import shape

    from kitaplan.domain.planning.accessibility import project_to_metres
    from kitaplan.web.imports.persisters import finest_areas

    polygons = [shape(a.geometry) for a in finest_areas(territory)]
    if not polygons:
        return []
    union = shapely.union_all(polygons)
    min_lon, min_lat, max_lon, max_lat = union.bounds
    # The grid is laid out in ETRS89 / UTM 33N metres (Berlin's zone, as the cell ids say);
    # its centres go back to WGS84.
    from kitaplan.domain.common.projection import to_wgs84

    x0, y0 = project_to_metres([min_lon], [min_lat], crs="EPSG:25833")
    x1, y1 = project_to_metres([max_lon], [max_lat], crs="EPSG:25833")
    xs = np.arange(np.floor(x0[0] / cell_m) * cell_m + cell_m / 2, x1[0] + cell_m, cell_m)
    ys = np.arange(np.floor(y0[0] / cell_m) * cell_m + cell_m / 2, y1[0] + cell_m, cell_m)
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
    to_lon_lat = to_wgs84("EPSG:25833")
    lon, lat = np.array([to_lon_lat(x, y) for x, y in zip(gx, gy, strict=True)]).reshape(-1, 2).T
    inside = shapely.contains_xy(union, lon, lat)
    lines = ["cell_id,lat,lon,population,source"]
    for x, y, la, lo in zip(gx[inside], gy[inside], lat[inside], lon[inside], strict=True):
        cell_id = f"25833-{int(cell_m)}m-E{int(x - cell_m / 2)}N{int(y - cell_m / 2)}"
        lines.append(f'{cell_id},{la:.6f},{lo:.6f},1,"{DEMO_GRID_SOURCE}"')
    return lines


def create_demo_population_grid() -> int:
    """Import the synthetic population grid for Berlin once (through the normal importer)."""
    import tempfile
    from pathlib import Path

    from kitaplan.web.core.access import SYSTEM
    from kitaplan.web.territory.models import PopulationGridCell

    territory = Territory.objects.filter(code="berlin").first()
    if territory is None or PopulationGridCell.objects.filter(territory=territory).exists():
        return 0
    lines = demo_population_grid_rows(territory)
    if len(lines) < 2:
        return 0
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo-bevoelkerungsraster-250m.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        run = import_file(territory=territory, kind="population_grid", path=path, actor=SYSTEM)
    return run.added


#: Dresden-style strategic targets for the demo (seed 000: objective 1.7 and the barrier-free goal).
DEMO_TARGETS = [
    {
        "code": "1.7",
        "name": "Mindestens zwei Kitas mit Inklusionsprofil je Bezirk",
        "metric": "facilities_with_inclusion_profile",
        "level": "bezirk",
        "comparison": "at_least",
        "threshold": 2,
        "tolerance": 1,
        "source": "Dresden, Strategische Maßnahmen inklusive Kindertagesbetreuung 2020–2027, Teilziel 1.7",
    },
    {
        "code": "1.8",
        "name": "Barrierefreie Plätze für mindestens 30 % des Bedarfs je Bezirk",
        "metric": "barrier_free_places_per_demand",
        "level": "bezirk",
        "comparison": "at_least",
        "threshold": 0.3,
        "tolerance": 0.05,
        "source": "Demo-Zielwert in Anlehnung an Dresden 2020–2027",
    },
    {
        "code": "2.1",
        "name": "Bedarf unter 3 Jahren in jeder Bezirksregion gedeckt",
        "metric": "demand_met_u3",
        "level": "bezirksregion",
        "comparison": "at_least",
        "threshold": 1.0,
        "tolerance": 0.1,
        "source": "Rechtsanspruch § 24 Abs. 2 SGB VIII",
    },
]


def create_demo_targets() -> int:
    """The demo targets for Berlin (created once; a planner's later changes are kept)."""
    from kitaplan.web.planning.models import TargetRule

    territory = Territory.objects.filter(code="berlin").first()
    if territory is None:
        return 0
    created = 0
    for spec in DEMO_TARGETS:
        level = territory.levels.get(code=spec["level"])
        _rule, is_new = TargetRule.objects.get_or_create(
            territory=territory,
            code=spec["code"],
            defaults={
                **{k: v for k, v in spec.items() if k not in ("code", "level")},
                "level": level,
            },
        )
        created += is_new
    return created


def create_demo_scenario() -> bool:
    """One shared example scenario for Berlin: two new inclusive Kitas in Spandau (target 1.7)."""
    from kitaplan.web.core.access import SYSTEM
    from kitaplan.web.planning.scenario_models import Scenario, ScenarioChange
    from kitaplan.web.planning.scenario_services import add_change, create_scenario
    from kitaplan.web.territory.models import Area

    territory = Territory.objects.filter(code="berlin").first()
    name = "Zwei inklusive Kitas für Spandau"
    if territory is None or Scenario.objects.filter(territory=territory, name=name).exists():
        return False
    areas = Area.objects.filter(
        territory=territory,
        level__code="planungsraum",
        official_code__in=["05100103", "05200421"],
        valid_to__isnull=True,
    ).order_by("official_code")
    if areas.count() < 2:
        return False
    scenario = create_scenario(
        territory=territory,
        actor=SYSTEM,
        name=name,
        shared=True,
        description="Beispiel: Zwei neue Kitas mit Inklusionsprofil, je 20 Plätze unter 3 und 60 ab 3, "
        "davon 8 Integrationsplätze. Spandau erfüllt damit Teilziel 1.7.",
    )
    for area in areas:
        add_change(
            scenario=scenario,
            actor=SYSTEM,
            kind=ScenarioChange.OPEN,
            area=area,
            parameters={
                "name": f"Neue inklusive Kita ({area.name})",
                "places_u3": 20,
                "places_ue3": 60,
                "integration_places": 8,
                "inclusion_profile": True,
                "barrier_free": True,
            },
        )
    return True


#: The demo's illustrative Sozialraumbudget rule (documented on the run page in words).
DEMO_BUDGET_RULE: dict[str, Any] = {
    "need_classes": ["3", "4"],
    "min_index": None,
    "base_cents": 500_000,
    "class_weights": {"3": "1", "4": "3/2"},
    "default_weight": "1",
    "floor_cents": None,
    "cap_cents": 4_000_000,
    "rounding": {"mode": "money", "unit_cents": 100},
}


def create_demo_budget() -> bool:
    """An illustrative Sozialraumbudget for Berlin 2026 (5,000,000 EUR, not real; 560 Kitas lie
    in class 3 or 4 areas, so 2,000,000 EUR would not even cover their base amounts) and one
    published run: Kitas in areas of MSS status class 3 or 4 get 5,000 EUR each plus an amount
    per child (places) weighted 1.0 (class 3) / 1.5 (class 4), at most 40,000 EUR, whole euros."""
    from kitaplan.domain.budget.distribution import BudgetRuleError
    from kitaplan.web.budget.models import AreaBudget
    from kitaplan.web.budget.services import create_budget, create_run, publish_run
    from kitaplan.web.core.access import SYSTEM

    territory = Territory.objects.filter(code="berlin").first()
    if territory is None or AreaBudget.objects.filter(territory=territory, year=2026).exists():
        return False
    budget = create_budget(
        territory=territory,
        actor=SYSTEM,
        year=2026,
        total_cents=500_000_000,
        source="Beispiel, nicht real",
        description="Beispielhaftes Sozialraumbudget zur Vorführung: Betrag und Regel sind "
        "erfunden. Regel: Kitas in Planungsräumen mit MSS-Statusklasse 3 oder 4 erhalten "
        "5.000 EUR Sockel und einen Betrag je Kind (Plätze), gewichtet 1,0 (Klasse 3) bzw. "
        "1,5 (Klasse 4), höchstens 40.000 EUR je Kita, auf volle Euro gerundet.",
    )
    try:
        run = create_run(budget=budget, rule=DEMO_BUDGET_RULE, actor=SYSTEM)
    except BudgetRuleError:
        return False
    publish_run(run=run, actor=SYSTEM)
    return True


def demo_provider() -> Provider | None:
    """The provider the demo facility manager "kita" manages: the Berlin non-profit provider
    with 3 to 8 Kitas and the lowest provider number (also the district of the demo rounds)."""
    return (
        Provider.objects.filter(territory__code="berlin", provider_type="non_profit")
        .annotate(n=Count("facilities"))
        .filter(n__gte=3, n__lte=8)
        .order_by("official_number")
        .first()
    )


def create_demo_accounts() -> list[DemoAccount]:
    """One account per role; the facility manager manages the first Berlin provider with most Kitas."""
    accounts = [
        DemoAccount("admin", Role.ADMIN),
        DemoAccount("planung", Role.PLANNER),
        DemoAccount("vergabe", Role.ALLOCATION_OFFICE),
        DemoAccount("fachberatung", Role.CHILDMINDER_ADVISER),
        DemoAccount("eltern", Role.PARENT),
        DemoAccount("tagesmutter", Role.CHILDMINDER),
        DemoAccount("zahlstelle", Role.PAYMENT_OFFICE),
    ]
    provider = demo_provider()
    if provider is not None:
        accounts.append(DemoAccount("kita", Role.FACILITY_MANAGER, scope=provider.name))
    dresden = Territory.objects.filter(code=DRESDEN).first()
    if dresden is not None:  # a planner who sees only Dresden (the territory scope)
        accounts.append(
            DemoAccount("planung-dresden", Role.PLANNER, scope=dresden.name, territory=dresden)
        )
    with transaction.atomic():
        for account in accounts:
            user, created = User.objects.get_or_create(username=account.username)
            if created or not user.check_password(DEMO_PASSWORD):
                user.set_password(DEMO_PASSWORD)
                user.is_superuser = user.is_staff = account.role == Role.ADMIN
                user.save()
            RoleAssignment.objects.get_or_create(
                user=user,
                role=account.role.value,
                provider=provider if account.role == Role.FACILITY_MANAGER else None,
                territory=account.territory,
            )
    return accounts
