"""A tiny hand-made city for the substitute tests (registry rows built directly)."""

from __future__ import annotations

import datetime as dt

from kitaplan.web.childminding.models import AdvisoryService, CareContract, Childminder, Permit
from kitaplan.web.substitutes.models import Absence, ContactVisit

_today = dt.datetime.now(tz=dt.UTC).date()
#: a Monday two to three weeks ahead (the pages treat absences that have ended as over)
MONDAY = _today + dt.timedelta(days=14 + (7 - _today.weekday()) % 7)
FRIDAY = MONDAY + dt.timedelta(days=4)
FULL_WEEK = [[d, "08:00", "15:00"] for d in range(5)]


def childminder(city, number, *, lat=52.0, lon=13.0, limit=5, service=None, area=None, **fields):
    fields.setdefault("care_location", "own_home")
    cm = Childminder.objects.create(
        territory=city.territory,
        number=number,
        name=f"TP {number}",
        area=area or city.areas[0],
        service=service,
        lat=lat,
        lon=lon,
        **fields,
    )
    Permit.objects.create(
        childminder=cm,
        valid_from=MONDAY - dt.timedelta(days=900),
        valid_to=MONDAY + dt.timedelta(days=900),
        max_children=limit,
    )
    return cm


def contract(cm, ref, *, slots=FULL_WEEK, primary=None, secondary=None):
    return CareContract.objects.create(
        childminder=cm,
        child_reference=ref,
        child_birth_date=MONDAY - dt.timedelta(days=500),
        valid_from=MONDAY - dt.timedelta(days=200),
        weekly_hours=35,
        slots=slots,
        primary_substitute=primary,
        secondary_substitute=secondary,
    )


def visits(substitute, contract_, n=2):
    for k in range(n):
        ContactVisit.objects.create(
            substitute=substitute, contract=contract_, day=MONDAY - dt.timedelta(days=40 + 7 * k)
        )


def absence(cm, start=MONDAY, end=FRIDAY, kind="illness"):
    return Absence.objects.create(childminder=cm, start=start, end=end, kind=kind)


def service(city, name="Fachberatung Nord"):
    return AdvisoryService.objects.create(territory=city.territory, name=name)
