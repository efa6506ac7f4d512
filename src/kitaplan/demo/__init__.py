"""The packaged demo data (derived from open data by ``scripts/derive_demo_data.py``).

See ``data/ATTRIBUTION.md`` for sources and licences. No Django here: the web layer's demo
loader reads :func:`demo_territories` and imports the files with the normal importer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

#: The order in which a territory's files are imported (later kinds refer to earlier ones).
IMPORT_ORDER = ("areas", "population", "indicators", "indicator_values", "providers", "facilities")


@dataclass(frozen=True)
class DemoLevel:
    code: str
    name: str
    rank: int


@dataclass(frozen=True)
class DemoTerritory:
    code: str
    name: str
    official_code: str
    attribution: str
    levels: tuple[DemoLevel, ...]
    files: dict[str, Path]  # kind → file, in IMPORT_ORDER


def data_dir() -> Path:
    return Path(str(resources.files("kitaplan.demo") / "data"))


def demo_territories() -> list[DemoTerritory]:
    """Every territory shipped with the package, Berlin first."""
    found = []
    for spec_path in sorted(data_dir().glob("*/territory.json")):
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
        files = {
            kind: spec_path.parent / spec["files"][kind]
            for kind in IMPORT_ORDER
            if kind in spec["files"]
        }
        found.append(
            DemoTerritory(
                code=spec["code"],
                name=spec["name"],
                official_code=spec.get("official_code", ""),
                attribution=spec.get("attribution", ""),
                levels=tuple(
                    DemoLevel(code=lv["code"], name=lv["name"], rank=int(lv["rank"]))
                    for lv in spec["levels"]
                ),
                files=files,
            )
        )
    return sorted(found, key=lambda t: (t.code != "berlin", t.code))
