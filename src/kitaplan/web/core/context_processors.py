"""Template context shared by every page: the main navigation and the user's roles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from kitaplan.web.core import access
from kitaplan.web.core.roles import Role


@dataclass(frozen=True)
class NavItem:
    url: str
    label: str
    active: bool


def navigation(request: HttpRequest) -> dict[str, Any]:
    # No user when a middleware answered before authentication (400 for a refused host).
    user = getattr(request, "user", None)
    tiles = {
        "tile_url": settings.KITAPLAN_MAP_TILE_URL,
        "tile_attribution": settings.KITAPLAN_MAP_TILE_ATTRIBUTION,
    }
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_roles_label": "", **tiles}
    path = request.path
    entries: list[tuple[str, str]] = [("core:home", _("Overview"))]
    if access.can_view_areas(user):
        entries.append(("territory:area-list", _("Areas")))
    if access.is_staff_user(user):
        entries.append(("facilities:facility-list", _("Facilities")))
    if access.can_view_areas(user):
        entries.append(("planning:balance", _("Demand planning")))
    if access.can_view_areas(user):
        entries.append(("monitoring:index", _("Social monitoring")))
    if access.is_staff_user(user):
        entries.append(("budget:overview", _("Area budget")))
    if access.is_city_staff(user):
        entries.append(("measures:plan-list", _("Action plan")))
    if access.is_staff_user(user):
        entries.append(("allocation:round-list", _("Allocation of places")))
    elif Role.PARENT in access.roles_of(user):
        entries.append(("allocation:my-applications", _("My applications")))
    from kitaplan.web.childminding.selectors import can_use_registry

    if can_use_registry(user):
        entries.append(("childminding:childminder-list", _("Childminding")))
    from kitaplan.web.payments.selectors import can_use_payments

    if can_use_payments(user):
        entries.append(("payments:overview", _("Payments")))
    if access.can_import_data(user):
        entries.append(("imports:import-list", _("Imports")))
    if access.can_view_audit(user):
        entries.append(("audit:event-list", _("Audit trail")))
    if access.is_staff_user(user):
        entries.append(("api-docs", _("API")))
    items = []
    for name, label in entries:
        url = reverse(name)
        active = path == url if name == "core:home" else path.startswith(url)
        items.append(NavItem(url=url, label=label, active=active))
    roles = sorted(access.roles_of(user))
    return {
        "nav_items": items,
        "user_roles_label": ", ".join(role.label for role in roles) or _("no role"),
        **tiles,
    }
