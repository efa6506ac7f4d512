"""Consistency checks over a territory's data (``kitaplan check``).

Each check has a stable code (API) and returns findings as data; the CLI and the page word
them. The checks take plain records, so they run without a database.

Codes:
    C001 facility outside every area of the finest level
    C002 duplicate official key (area per level, facility, provider)
    C003 population gap: an area of the finest level without counts for a year others have,
         or with missing single years of age
    C004 area without parent although its level is not the top level
    C005 facility without current places
    C006 integration or special-needs-group places exceed the facility's places
    C007 facility location outside the territory's bounding box (probably swapped lat/lon)
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: Severity
    subject: str  # e.g. "facility 01010010" or "area 01100101"
    detail: str  # values, not prose: "year=2022 missing_ages=5,6"


@dataclass(frozen=True, slots=True)
class AreaRecord:
    official_code: str
    level_code: str
    level_rank: int
    has_parent: bool


@dataclass(frozen=True, slots=True)
class FacilityRecord:
    official_number: str
    area_code: str | None
    lat: float
    lon: float
    total_places: int | None  # None: no current places record
    integration_places: int
    special_needs_group_places: int


@dataclass(frozen=True, slots=True)
class PopulationCell:
    area_code: str
    year: int
    age: int


def check_areas(areas: Sequence[AreaRecord]) -> list[Finding]:
    findings: list[Finding] = []
    counts = Counter((a.level_code, a.official_code) for a in areas)
    for (level, code), n in sorted(counts.items()):
        if n > 1:
            findings.append(
                Finding("C002", Severity.ERROR, f"area {code}", f"level={level} count={n}")
            )
    top_rank = min((a.level_rank for a in areas), default=1)
    for a in areas:
        if a.level_rank > top_rank and not a.has_parent:
            findings.append(
                Finding("C004", Severity.ERROR, f"area {a.official_code}", f"level={a.level_code}")
            )
    return findings


def check_facilities(
    facilities: Sequence[FacilityRecord],
    territory_bbox: tuple[float, float, float, float] | None,
) -> list[Finding]:
    findings: list[Finding] = []
    counts = Counter(f.official_number for f in facilities)
    for number, n in sorted(counts.items()):
        if n > 1:
            findings.append(Finding("C002", Severity.ERROR, f"facility {number}", f"count={n}"))
    for f in facilities:
        subject = f"facility {f.official_number}"
        if f.area_code is None:
            findings.append(Finding("C001", Severity.ERROR, subject, f"lat={f.lat} lon={f.lon}"))
        if territory_bbox is not None:
            min_lon, min_lat, max_lon, max_lat = territory_bbox
            if not (min_lon <= f.lon <= max_lon and min_lat <= f.lat <= max_lat):
                findings.append(
                    Finding("C007", Severity.WARNING, subject, f"lat={f.lat} lon={f.lon}")
                )
        if f.total_places is None:
            findings.append(Finding("C005", Severity.WARNING, subject, "no current places"))
        elif max(f.integration_places, f.special_needs_group_places) > f.total_places:
            findings.append(
                Finding(
                    "C006",
                    Severity.ERROR,
                    subject,
                    f"places={f.total_places} integration={f.integration_places} "
                    f"special_needs_group={f.special_needs_group_places}",
                )
            )
    return findings


def check_population(
    finest_area_codes: Iterable[str],
    cells: Iterable[PopulationCell],
    ages: Sequence[int],
) -> list[Finding]:
    """Gaps in the population table of the finest level.

    For every year that has any counts, every area must have every age in ``ages``.
    A territory without any population counts gets a single warning.
    """
    present: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for cell in cells:
        present[cell.year][cell.area_code].add(cell.age)
    codes = sorted(set(finest_area_codes))
    if not present:
        return [Finding("C003", Severity.WARNING, "population", "years=none")]
    findings: list[Finding] = []
    wanted = set(ages)
    for year in sorted(present):
        for code in codes:
            missing = sorted(wanted - present[year].get(code, set()))
            if missing:
                findings.append(
                    Finding(
                        "C003",
                        Severity.WARNING,
                        f"area {code}",
                        f"year={year} missing_ages={','.join(map(str, missing))}",
                    )
                )
    return findings
