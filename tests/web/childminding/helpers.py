"""Registry objects for the access matrix."""

from __future__ import annotations

import datetime as dt

from kitaplan.web.childminding.models import AdvisoryService, Childminder, Permit
from kitaplan.web.core.access import roles_of
from kitaplan.web.core.roles import Role
from tests.web.factories import SmallCity


def childminder_objects(city: SmallCity, *, user=None) -> dict[str, int]:
    """A childminder the given adviser (service member) or childminder (own record) may see."""
    existing = Childminder.objects.filter(user=user).first() if user is not None else None
    if existing is not None:  # a childminder login has one record (another helper made it)
        from kitaplan.web.substitutes.models import Absence

        absent = Absence.objects.create(
            childminder=existing,
            start=dt.date(2026, 12, 7),
            end=dt.date(2026, 12, 11),
            kind="illness",
        )
        return {"childminder": existing.pk, "absence": absent.pk}
    service = AdvisoryService.objects.create(
        territory=city.territory, name=f"Fachberatung {AdvisoryService.objects.count() + 1}"
    )
    cm = Childminder.objects.create(
        territory=city.territory,
        number=f"TP-M{Childminder.objects.count() + 1}",
        name="Tagesmutter Matrix",
        care_location="own_home",
        area=city.areas[0],
        service=service,
    )
    Permit.objects.create(
        childminder=cm, valid_from=dt.date(2024, 1, 1), valid_to=dt.date(2028, 12, 31)
    )
    if user is not None and Role.CHILDMINDER_ADVISER in roles_of(user):
        service.advisers.add(user)
    if user is not None and Role.CHILDMINDER in roles_of(user):
        cm.user = user
        cm.save()
    from kitaplan.web.substitutes.models import Absence

    absent = Absence.objects.create(
        childminder=cm, start=dt.date(2026, 12, 7), end=dt.date(2026, 12, 11), kind="illness"
    )
    return {"childminder": cm.pk, "absence": absent.pk}
