"""The demo's address register, derived from the open data at hand.

No open house-coordinate file is packaged, but every Berlin Kita of the Kita WFS is a real
address with its location (Geoportal Berlin / Kindertagesstätten, reprojected to WGS84). The
demo therefore writes the stored facilities' addresses (street, house number, postcode, town,
point) as a file in the standard ``address_register`` format and imports it with the normal
importer, for every demo territory that has facilities. Several Kitas at one address count
once (the first by official number); facilities without street or house number are left out.
So the finder, the application form and the move-to-a-Kita page can place the demo's
addresses; any other address is "unknown" in the demo.
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path
from typing import Any

from kitaplan.domain.territory.addresses import house_number_key, street_key
from kitaplan.web.facilities.models import Facility
from kitaplan.web.imports.models import ImportRun
from kitaplan.web.imports.services import import_file
from kitaplan.web.territory.models import Territory

#: the credit of each demo register, as the facilities' source is credited (ATTRIBUTION.md)
REGISTER_SOURCES = {
    "berlin": (
        "Geoportal Berlin / Kindertagesstätten (SenBJF, dl-de/by-2-0): Adressen und Lage der "
        "Kitas als Demo-Adressverzeichnis"
    ),
}
HEADER = ("street", "house_number", "postcode", "city", "lat", "lon", "source")
#: Territories that import a packaged register of their own (Dresden: its synthetic
#: ``address_register.csv``, a step of docs/howto/dresden.md), so none is derived here.
OWN_REGISTER = {"dresden"}


def register_source(territory: Territory) -> str:
    return REGISTER_SOURCES.get(
        territory.code,
        f"Adressen der Kitas der Demo {territory.name} als Demo-Adressverzeichnis "
        "(siehe ATTRIBUTION.md)",
    )


def register_rows(territory: Territory) -> list[tuple[str, ...]]:
    """One row per distinct address of the territory's current facilities."""
    source = register_source(territory)
    seen: set[tuple[str, str, str]] = set()
    rows: list[tuple[str, ...]] = []
    facilities = (
        Facility.objects.filter(territory=territory, valid_to__isnull=True)
        .exclude(street="")
        .exclude(house_number="")
        .order_by("official_number")
    )
    for f in facilities:
        key = (street_key(f.street), house_number_key(f.house_number), f.postcode.strip())
        if not key[0] or key in seen:
            continue
        seen.add(key)
        rows.append(
            (f.street, f.house_number, f.postcode, f.city, f"{f.lat:.6f}", f"{f.lon:.6f}", source)
        )
    return rows


def import_demo_registers(*, actor: Any, only: tuple[str, ...] = ()) -> list[ImportRun]:
    """Import the derived register of every territory with facilities (idempotent)."""
    runs = []
    for territory in Territory.objects.order_by("code"):
        if (only and territory.code not in only) or territory.code in OWN_REGISTER:
            continue
        rows = register_rows(territory)
        if not rows:
            continue
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"demo-adressverzeichnis-{territory.code}.csv"
            with path.open("w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out, delimiter=";")
                writer.writerow(HEADER)
                writer.writerows(rows)
            runs.append(
                import_file(territory=territory, kind="address_register", path=path, actor=actor)
            )
    return runs
