"""A small allocation round on the test city of :mod:`tests.web.factories`."""

from __future__ import annotations

import datetime as dt

from kitaplan.domain.allocation import Criterion
from kitaplan.web.allocation.models import AllocationRound, Application, RoundProgramme
from kitaplan.web.allocation.services import save_application, save_round
from kitaplan.web.core.access import SYSTEM
from tests.web.factories import SmallCity

CARE_START = dt.date(2027, 8, 1)
TODAY = dt.date(2027, 3, 1)


def make_round(
    city: SmallCity, *, places: dict[str, tuple[int, int]] | None = None
) -> AllocationRound:
    """Round "Kita-Jahr 2027/28": F1, F2, F3 release (u3 places, of which integration)."""
    round_ = AllocationRound(
        territory=city.territory,
        name="Kita-Jahr 2027/28",
        care_start=CARE_START,
        applications_open=dt.date(2026, 11, 1),
        applications_close=dt.date(2027, 1, 31),
        offers_on=TODAY,
        response_days=14,
        max_choices=3,
        district_level="district",
    )
    save_round(
        round_=round_,
        criteria=[
            Criterion.INTEGRATION_NEED,
            Criterion.SIBLING_AT_FACILITY,
            Criterion.RESIDENCE_IN_DISTRICT,
        ],
        actor=SYSTEM,
    )
    for facility in city.facilities:
        capacity, integration = (places or {}).get(facility.official_number, (1, 0))
        RoundProgramme.objects.create(
            round=round_,
            facility=facility,
            age_group="u3",
            capacity=capacity,
            integration_places=integration,
        )
    return round_


def apply(
    round_: AllocationRound,
    city: SmallCity,
    name: str,
    choices: list[str],
    *,
    area: int = 0,
    birth_date: dt.date = dt.date(2026, 1, 15),
    parent=None,
    **fields,
) -> Application:
    """Register a child for the facilities with these official numbers, in this order."""
    by_number = {f.official_number: f for f in city.facilities}
    application = Application(
        round=round_,
        child_name=name,
        birth_date=birth_date,
        desired_start=CARE_START,
        home_area=city.areas[area],
        parent=parent,
        registered_on=dt.date(2026, 12, 1),
        **fields,
    )
    return save_application(
        application=application, facilities=[by_number[n] for n in choices], actor=SYSTEM
    )


def allocation_objects(city: SmallCity, *, parent=None) -> dict[str, int]:
    """Primary keys for the access matrix: a round open for applications today with three
    applications (one owned by ``parent`` when given) and one computed, unpublished run."""
    from django.utils import timezone

    from kitaplan.web.allocation.services import run_round

    today = timezone.localdate()
    round_ = make_round(city)
    round_.applications_open = today - dt.timedelta(days=30)
    round_.applications_close = today + dt.timedelta(days=30)
    round_.care_start = dt.date(today.year + 1, 8, 1)
    round_.offers_on = today + dt.timedelta(days=60)
    round_.save()
    own = apply(
        round_,
        city,
        "Eigenes Kind",
        ["F1", "F2"],
        parent=parent,
        birth_date=dt.date(today.year, 1, 1),
    )
    other = apply(round_, city, "Anderes Kind", ["F1"], birth_date=dt.date(today.year, 1, 1))
    apply(round_, city, "Drittes Kind", ["F1", "F3"], area=2, birth_date=dt.date(today.year, 1, 1))
    run = run_round(round_=round_, actor=SYSTEM)
    return {
        "round": round_.pk,
        "run": run.pk,
        "application": other.pk,
        "own_application": own.pk,
    }
