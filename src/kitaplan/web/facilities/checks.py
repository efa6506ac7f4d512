"""Consistency checks of a territory's stored data (``kitaplan check``), worded for people.

The rules are ``kitaplan.domain.checks.consistency``; this module turns the current areas,
facilities, places and population into its records. (The deployment check ``kitaplan.E001``
is ``core.checks``.)"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from kitaplan.domain.checks import consistency as c
from kitaplan.domain.common.vocabulary import KITA_AGES
from kitaplan.web.facilities.models import Facility, FacilityPlaces
from kitaplan.web.territory.models import Area, PopulationCount, Territory


@dataclass(frozen=True)
class WordedFinding:
    code: str
    severity: str
    subject: str
    message: str


def _messages() -> dict[str, str]:
    return {
        "C001": _("lies outside every area ({detail})"),
        "C002": _("the official key occurs more than once ({detail})"),
        "C003": _("population gap ({detail})"),
        "C004": _("has no parent area ({detail})"),
        "C005": _("has no current places ({detail})"),
        "C006": _("more integration or special-needs places than places ({detail})"),
        "C007": _("location outside the territory ({detail})"),
    }


def check_territory(territory: Territory) -> list[c.Finding]:
    today = timezone.localdate()
    areas = list(
        Area.objects.filter(territory=territory, valid_to__isnull=True)
        .select_related("level")
        .defer("geometry")
    )
    findings = c.check_areas(
        [
            c.AreaRecord(
                official_code=a.official_code,
                level_code=a.level.code,
                level_rank=a.level.rank,
                has_parent=a.parent_id is not None,
            )
            for a in areas
        ]
    )
    finest = max((a.level.rank for a in areas), default=None)
    finest_codes = [a.official_code for a in areas if a.level.rank == finest]
    boxes = [a.bbox for a in areas if a.bbox]
    bbox = (
        (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )
        if boxes
        else None
    )
    places = {
        p.facility_id: p
        for p in FacilityPlaces.objects.valid_on(today, open_start=False).filter(
            facility__territory=territory
        )
    }
    facilities = (
        Facility.objects.filter(territory=territory).not_ended_on(today).select_related("area")
    )
    findings += c.check_facilities(
        [
            c.FacilityRecord(
                official_number=f.official_number,
                area_code=f.area.official_code if f.area else None,
                lat=f.lat,
                lon=f.lon,
                total_places=places[f.pk].total_places if f.pk in places else None,
                integration_places=places[f.pk].integration_places if f.pk in places else 0,
                special_needs_group_places=places[f.pk].special_needs_group_places
                if f.pk in places
                else 0,
            )
            for f in facilities
        ],
        bbox,
    )
    cells = (
        PopulationCount.objects.filter(
            area__territory=territory, area__valid_to__isnull=True, area__level__rank=finest
        ).values_list("area__official_code", "year", "age")
        if finest is not None
        else []
    )
    findings += c.check_population(
        finest_codes, [c.PopulationCell(*cell) for cell in cells], KITA_AGES
    )
    return findings


def run_checks(
    *, territories: Sequence[Territory] | None = None
) -> list[tuple[Territory, list[WordedFinding]]]:
    messages = _messages()
    results = []
    for territory in territories or Territory.objects.order_by("name"):
        worded = [
            WordedFinding(
                code=f.code,
                severity=f.severity.value,
                subject=f.subject,
                message=messages[f.code].format(detail=f.detail),
            )
            for f in check_territory(territory)
        ]
        results.append((territory, worded))
    return results
