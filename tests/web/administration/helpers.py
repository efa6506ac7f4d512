"""Objects of the access matrix's administration rows: a territory, another user and a role."""

from __future__ import annotations

from kitaplan.web.core.models import RoleAssignment
from kitaplan.web.core.roles import Role
from tests.web.factories import SmallCity, make_user


def administration_objects(city: SmallCity) -> dict[str, int]:
    other = make_user("matrix-other", Role.PLANNER)
    assignment = RoleAssignment.objects.get(user=other)
    return {
        "admin_territory": city.territory.pk,
        "admin_user": other.pk,
        "admin_role": assignment.pk,
    }
