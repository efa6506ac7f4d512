"""Dresden loaded the way a new Jugendamt would load its city (docs/howto/dresden.md).

The territory is set up first (``kitaplan territory create dresden Dresden --levels
stadtbezirk,stadtteil``); every file then goes through the normal import service, in the
order of :data:`DRESDEN_STEPS` – the same files and the same ``kitaplan import --kind …
--territory dresden`` steps the how-to lists (a test checks that both agree). Children by age
are estimated and the Kitas and providers are SYNTHETIC (``scripts/derive_dresden.py``).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kitaplan.demo import data_dir
from kitaplan.web.imports.models import ImportRun
from kitaplan.web.imports.registry import kind_entries
from kitaplan.web.imports.services import import_file

if TYPE_CHECKING:
    from kitaplan.web.core.access import AnyUser
    from kitaplan.web.territory.models import Territory

DRESDEN = "dresden"

#: (import kind, file in ``kitaplan/demo/data/dresden/``), in the order of the how-to.
DRESDEN_STEPS: tuple[tuple[str, str], ...] = (
    ("areas", "areas.geojson"),
    ("population", "population.csv"),
    ("indicators", "indicators.csv"),
    ("indicator_values", "indicator_values.csv"),
    ("providers", "providers.csv"),
    ("facilities", "facilities.csv"),
    ("targets", "targets.csv"),
)


def registered_kinds() -> set[str]:
    return {entry.kind.value for entry in kind_entries()}


def load_dresden(
    *, territory: Territory, actor: AnyUser, progress: Callable[[str], None] | None = None
) -> list[ImportRun]:
    """Import every Dresden file of :data:`DRESDEN_STEPS` into ``territory`` (idempotent: a
    second load reports everything unchanged)."""
    say = progress or (lambda message: None)
    folder = data_dir() / DRESDEN
    known = registered_kinds()
    runs = []
    for kind, name in DRESDEN_STEPS:
        path = folder / name
        if kind not in known:
            # TODO(issue 13): the ``targets`` import is being built; until it is registered the
            # demo stores the same file's rules directly (docs/howto/dresden.md says so).
            if kind == "targets":
                say(f"{territory.name}: {kind} ({name}) – {store_targets(territory, path)} neu")
            continue
        say(f"{territory.name}: {kind} ({name})")
        run = import_file(territory=territory, kind=kind, path=path, actor=actor, progress=None)
        runs.append(run)
        say(
            f"  → {run.get_status_display()}: +{run.added} ~{run.changed} ={run.unchanged} "
            f"-{run.removed}"
        )
    return runs


def store_targets(territory: Territory, path: Any) -> int:
    """Stand-in for the ``targets`` import (TODO(issue 13)): the rules of the file, created
    once per code (a planner's later changes are kept, as for the Berlin demo targets)."""
    from kitaplan.web.planning.models import TargetRule

    created = 0
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            level = territory.levels.get(code=row["level"])
            _rule, is_new = TargetRule.objects.get_or_create(
                territory=territory,
                code=row["code"],
                defaults={
                    "name": row["name"],
                    "metric": row["metric"],
                    "level": level,
                    "comparison": row["comparison"],
                    "threshold": float(row["threshold"]),
                    "tolerance": float(row["tolerance"]),
                    "source": row["source"],
                },
            )
            created += is_new
    return created
