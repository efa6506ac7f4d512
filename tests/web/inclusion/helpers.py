"""Inclusion objects for tests and the access matrix."""

from __future__ import annotations

import datetime as dt

from kitaplan.web.inclusion.models import Booking, ChecklistItem, PoolItem
from kitaplan.web.qualification.models import Course, EducationProvider, Programme
from tests.web.factories import SmallCity


def make_programme(territory) -> tuple[Programme, Course]:
    """The heilpädagogische Zusatzqualifikation with one course."""
    programme, _new = Programme.objects.get_or_create(
        territory=territory,
        code="HPZ",
        defaults={"name": "Heilpädagogische Zusatzqualifikation", "kind": "other"},
    )
    provider, _new = EducationProvider.objects.get_or_create(
        territory=territory, name="Fachschule Test"
    )
    course, _new = Course.objects.get_or_create(
        programme=programme,
        provider=provider,
        title="HPZ 2025",
        defaults={"start": dt.date(2025, 2, 1), "end": dt.date(2025, 11, 30)},
    )
    return programme, course


def make_checklist(territory) -> dict[str, ChecklistItem]:
    """BF (barrier-free), HPZ (≥ 1 completion), THER (confirmation)."""
    programme, _course = make_programme(territory)
    specs = {
        "BF": {"label": "Barrierefrei", "kind": "feature", "feature": "barrier_free"},
        "HPZ": {"label": "Fachkraft HPZ", "kind": "staff_qualification", "programme": programme},
        "THER": {"label": "Therapie-Kooperation", "kind": "confirmation"},
    }
    items = {}
    for position, (code, spec) in enumerate(specs.items(), start=1):
        items[code], _new = ChecklistItem.objects.get_or_create(
            territory=territory, code=code, defaults={**spec, "position": position}
        )
    return items


def inclusion_objects(city: SmallCity, user=None) -> dict[str, int]:
    """A checklist on the test city and a pool item with one booking by the first facility.

    Keys: ``checklist_facility`` (F1, managed by the test facility manager),
    ``checklist_item`` (the confirmation item) and ``pool_item``."""
    items = make_checklist(city.territory)
    item = PoolItem.objects.filter(territory=city.territory, name="Therapiestuhl").first()
    if item is None:
        item = PoolItem.objects.create(
            territory=city.territory,
            name="Therapiestuhl",
            kind="aid",
            owner_name="Jugendamt",
            location="Lager",
        )
        Booking.objects.create(
            item=item,
            facility=city.facilities[0],
            start=dt.date(2025, 3, 1),
            end=dt.date(2025, 3, 10),
            status="returned",
            lent_on=dt.date(2025, 3, 1),
            returned_at=dt.date(2025, 3, 10),
        )
    return {
        "checklist_facility": city.facilities[0].pk,
        "checklist_item": items["THER"].pk,
        "pool_item": item.pk,
    }
