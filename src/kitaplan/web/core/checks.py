"""Consistency checks of the stored data (``kitaplan check``), worded for people, and the
Django system check that keeps the demo's secret key off a reachable installation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core import checks
from django.db.models import Q
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
        for p in FacilityPlaces.objects.filter(
            facility__territory=territory, valid_from__lte=today
        ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
    }
    facilities = (
        Facility.objects.filter(territory=territory)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .select_related("area")
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
    cells = PopulationCount.objects.filter(
        area__territory=territory, area__valid_to__isnull=True, area__level__rank=finest
    ).values_list("area__official_code", "year", "age")
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


#: Host names that only this machine (or Django's test client) uses.
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]", "testserver"})


def check_demo_secret_key(
    app_configs: object = None, **kwargs: object
) -> list[checks.CheckMessage]:
    """With DEBUG off, the demo's secret key is an error once the app answers beyond loopback.

    "Beyond loopback" means ALLOWED_HOSTS names any host other than ``LOCAL_HOSTS`` (``*``
    included). So the demo (``kitaplan demo --serve`` on 127.0.0.1) and the tests, which keep
    the default ALLOWED_HOSTS, work with the demo's key, while a server that accepts requests
    for its real name refuses to start (``migrate``, ``check``, ``runserver`` run system checks).
    Registered in ``CoreConfig.ready``; runs without ``--deploy`` too.
    """
    if settings.DEBUG or settings.SECRET_KEY != settings.DEMO_SECRET_KEY:
        return []
    beyond = [host for host in settings.ALLOWED_HOSTS if host.lower() not in LOCAL_HOSTS]
    if not beyond:
        return []
    return [
        checks.Error(
            _(
                "The demo's secret key is in use while ALLOWED_HOSTS accepts %(hosts)s: anyone "
                "who knows the key can forge sessions and signed links."
            )
            % {"hosts": ", ".join(beyond)},
            hint=_(
                "Set SECRET_KEY to a long random value of your own "
                "(docs/operations.md, Production settings)."
            ),
            id="kitaplan.E001",
        )
    ]
