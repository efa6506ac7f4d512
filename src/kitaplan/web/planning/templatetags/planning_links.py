"""Which planning pages a user may open, for the links to them (the views check themselves)."""

from __future__ import annotations

from django import template

from kitaplan.web.core.access import AnyUser, is_city_staff
from kitaplan.web.planning.scenario_services import can_view_scenarios

register = template.Library()


@register.filter
def may_view_close_to_home(user: AnyUser) -> bool:
    """``accessibility_views._require_city_staff``: the close-to-home page is for city staff."""
    return is_city_staff(user)


@register.filter
def may_view_scenarios(user: AnyUser) -> bool:
    """``scenario_views._require_view``: the scenarios are for city staff."""
    return can_view_scenarios(user)
