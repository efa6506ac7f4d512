"""Dresden loaded the way a new Jugendamt would load its city (docs/howto/dresden.md).

The territory is set up first (``kitaplan territory create dresden Dresden --levels
stadtbezirk,stadtteil``); every file then goes through the normal import service, in the
order of :data:`DRESDEN_STEPS` – the same files and the same ``kitaplan import --kind …
--territory dresden`` steps the how-to lists (a test checks that both agree). Children by age
are estimated and the Kitas and providers are SYNTHETIC (``scripts/derive_dresden.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

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
        if kind not in known:  # an app of a lighter installation may not register a kind
            continue
        say(f"{territory.name}: {kind} ({name})")
        run = import_file(territory=territory, kind=kind, path=path, actor=actor, progress=None)
        runs.append(run)
        say(
            f"  → {run.get_status_display()}: +{run.added} ~{run.changed} ={run.unchanged} "
            f"-{run.removed}"
        )
    return runs
