"""Template context shared by every page: the main navigation and the user's roles.

The menu entries come from :mod:`kitaplan.web.core.navigation`, filled by the apps' ``ready()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from kitaplan.web.core import access
from kitaplan.web.core import navigation as navigation_registry


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
    items = []
    for entry in navigation_registry.visible_entries(user):
        url = reverse(entry.url_name)
        active = path == url if entry.exact else path.startswith(url)
        items.append(NavItem(url=url, label=str(entry.label), active=active))
    roles = sorted(access.roles_of(user))
    return {
        "nav_items": items,
        "user_roles_label": ", ".join(role.label for role in roles) or _("no role"),
        **tiles,
    }
