"""Roles of kitaplan users (de: Rollen) and what they may see."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    PLANNER = "planner"
    ALLOCATION_OFFICE = "allocation_office"
    FACILITY_MANAGER = "facility_manager"
    CHILDMINDER_ADVISER = "childminder_adviser"
    CHILDMINDER = "childminder"
    PAYMENT_OFFICE = "payment_office"
    PARENT = "parent"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.PLANNER: _("Planner"),
    Role.ALLOCATION_OFFICE: _("Allocation office"),
    Role.FACILITY_MANAGER: _("Facility manager"),
    Role.CHILDMINDER_ADVISER: _("Childminder adviser"),
    Role.CHILDMINDER: _("Childminder"),
    Role.PAYMENT_OFFICE: _("Payment office"),
    Role.PARENT: _("Parent"),
    Role.ADMIN: _("Administrator"),
}

ROLE_CHOICES = [(role.value, ROLE_LABELS[role]) for role in Role]

#: Staff of the city who see the whole territory (areas, all facilities).
CITY_STAFF_ROLES = frozenset(
    {Role.PLANNER, Role.ALLOCATION_OFFICE, Role.CHILDMINDER_ADVISER, Role.ADMIN}
)
#: Roles that may import and change city-wide data (areas, population, indicators, facilities).
DATA_STEWARD_ROLES = frozenset({Role.PLANNER, Role.ADMIN})
#: Everyone who works with facility data.
STAFF_ROLES = CITY_STAFF_ROLES | {Role.FACILITY_MANAGER}
