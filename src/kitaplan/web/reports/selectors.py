"""Who may read the cross-capability reports and what they cover.

- The yearly report of the advisory service: administrators and the payment office (every
  childminder) and advisers (the childminders of their services).
- The move to a Kita: administrators and advisers.

Every figure is counted over
:func:`~kitaplan.web.childminding.selectors.childminders_visible_to`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from kitaplan.web.audit.services import actor_user
from kitaplan.web.childminding import selectors as childminding
from kitaplan.web.childminding.models import AdvisoryService
from kitaplan.web.core.access import has_any_role, scoped_to_territories
from kitaplan.web.core.roles import Role
from kitaplan.web.territory.models import Territory

if TYPE_CHECKING:
    from kitaplan.web.core.access import AnyUser

REPORT_ROLES = frozenset({Role.ADMIN, Role.PAYMENT_OFFICE, Role.CHILDMINDER_ADVISER})
TRANSITION_ROLES = frozenset({Role.ADMIN, Role.CHILDMINDER_ADVISER})


def can_read_yearly_report(user: AnyUser) -> bool:
    return has_any_role(user, REPORT_ROLES)


def can_use_transition(user: AnyUser) -> bool:
    """May list the children turning three and enter them into a round."""
    return has_any_role(user, TRANSITION_ROLES)


@scoped_to_territories("")
def report_territories_visible_to(user: AnyUser) -> QuerySet[Territory]:
    """The territories of the childminders the user sees (all when she sees none yet)."""
    visible = childminding.childminders_visible_to(user)
    territories = Territory.objects.filter(pk__in=visible.values("territory_id"))
    return territories if territories.exists() else Territory.objects.all()


def services_visible_to(user: AnyUser, territory: Territory) -> QuerySet[AdvisoryService]:
    """The advisory services of the territory the user may report on (advisers: their own)."""
    services = AdvisoryService.objects.filter(territory=territory).order_by("name")
    if not has_any_role(user, childminding.ALL_CHILDMINDERS):
        adviser = actor_user(user)
        services = services.filter(advisers=adviser) if adviser else services.none()
    return services
