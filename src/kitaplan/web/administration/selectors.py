"""Who may administer (the admin role only), and the reads of the administration pages."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import Count, Prefetch, Q, QuerySet

from kitaplan.domain.territory.levels import StoredLevel
from kitaplan.web.core.access import AnyUser, roles_of
from kitaplan.web.core.models import RoleAssignment
from kitaplan.web.core.roles import Role
from kitaplan.web.territory.models import AreaLevel, Territory

USERS_PER_PAGE = 50


def can_administer(user: AnyUser) -> bool:
    """Territories, users and roles are changed by administrators only (least privilege)."""
    return Role.ADMIN in roles_of(user)


def territories_for_list() -> QuerySet[Territory]:
    """Every territory with its levels (in rank order) and its number of areas."""
    return (
        Territory.objects.annotate(n_areas=Count("areas", distinct=True))
        .prefetch_related(Prefetch("levels", queryset=AreaLevel.objects.order_by("rank")))
        .order_by("name")
    )


def stored_levels(territory: Territory) -> list[StoredLevel]:
    """The territory's levels in rank order, each with whether areas use it."""
    levels = AreaLevel.objects.filter(territory=territory).annotate(n_areas=Count("areas"))
    return [
        StoredLevel(id=lv.pk, code=lv.code, name=lv.name, rank=lv.rank, in_use=lv.n_areas > 0)
        for lv in levels.order_by("rank")
    ]


def users_for_list(query: str = "") -> QuerySet[User]:
    """Users by username, with their role assignments; ``query`` searches username, names and
    e-mail (case-insensitive)."""
    users = User.objects.all()
    query = query.strip()
    if query:
        users = users.filter(
            Q(username__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(email__icontains=query)
        )
    return users.prefetch_related(
        Prefetch(
            "role_assignments",
            queryset=RoleAssignment.objects.select_related(
                "territory", "provider", "facility"
            ).order_by("role", "pk"),
        )
    ).order_by("username")


def assignments_of(user: User) -> QuerySet[RoleAssignment]:
    return (
        RoleAssignment.objects.filter(user=user)
        .select_related("territory", "provider", "facility")
        .order_by("role", "pk")
    )
