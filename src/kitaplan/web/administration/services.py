"""Setting up a Jugendamt: territories with their area levels, users, roles and scopes.

Used by the administration pages and by ``kitaplan territory|user`` alike. Every service takes
the keyword-only ``actor``, refuses anyone but an administrator (``PermissionDenied``), works in
one transaction and writes one audit event per change (no personal values: a user is labelled
``user #<id>``, names and e-mail addresses are recorded as changed fields only).

Refusals the caller words for the user are :class:`SetupRefused` with a code and parameters
(:mod:`kitaplan.web.administration.messages`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet

from kitaplan.domain.territory.levels import LevelPlan, LevelProblem, ProposedLevel, plan_levels
from kitaplan.web.administration import selectors
from kitaplan.web.audit.services import AuditAction, record_audit_event, snapshot
from kitaplan.web.core.access import AnyUser
from kitaplan.web.core.models import RoleAssignment
from kitaplan.web.core.roles import Role
from kitaplan.web.facilities.models import Facility, Provider
from kitaplan.web.territory.models import AreaLevel, Territory

USER_FIELDS = ["username", "first_name", "last_name", "email", "is_active"]


class RefusalCode(StrEnum):
    TERRITORY_EXISTS = "territory_exists"
    LEVELS = "levels"  # the level list has problems (``problems``)
    USER_EXISTS = "user_exists"
    SCOPE_NEEDED = "scope_needed"  # a facility manager needs a provider or a facility
    SCOPE_NOT_FOR_ROLE = "scope_not_for_role"  # provider/facility only for facility managers
    SCOPE_OTHER_TERRITORY = "scope_other_territory"
    ROLE_EXISTS = "role_exists"
    OWN_LAST_ADMIN_ROLE = "own_last_admin_role"
    LAST_ADMIN = "last_admin"
    OWN_ACCOUNT = "own_account"  # an administrator does not deactivate their own account
    SCOPE_NEEDS_TERRITORY = "scope_needs_territory"  # a provider/facility key needs its territory
    UNKNOWN_PROVIDER = "unknown_provider"
    UNKNOWN_FACILITY = "unknown_facility"
    TERRITORY_NOT_FOR_ROLE = "territory_not_for_role"  # a parent's, a childminder's role


class SetupRefused(ValueError):
    """A change that would break stored data or lock the administration out: nothing changed."""

    def __init__(
        self, code: RefusalCode, problems: list[LevelProblem] | None = None, **params: str
    ) -> None:
        super().__init__(code.value)
        self.code = code
        self.problems = problems or []
        self.params = params


def _require_admin(actor: AnyUser) -> None:
    if not selectors.can_administer(actor):
        raise PermissionDenied


def _user_label(user: User) -> str:
    return f"user #{user.pk}"


# --------------------------------------------------------------------------- territories


def create_territory(
    *,
    actor: AnyUser,
    code: str,
    name: str,
    levels: list[ProposedLevel],
    official_code: str = "",
    attribution: str = "",
) -> Territory:
    """A new territory with its levels (coarse to fine); refused when the code exists.
    ``attribution`` credits the territory's data sources (shown on its about page and in the
    PDF reports; open-data licences such as dl-de/by-2-0 require it)."""
    _require_admin(actor)
    plan = plan_levels([], levels)
    if not isinstance(plan, LevelPlan):
        raise SetupRefused(RefusalCode.LEVELS, problems=plan)
    with transaction.atomic(durable=True):
        if Territory.objects.filter(code=code).exists():
            raise SetupRefused(RefusalCode.TERRITORY_EXISTS, key=code)
        territory = Territory.objects.create(
            code=code, name=name, official_code=official_code, attribution=attribution
        )
        for level in plan.levels:
            AreaLevel.objects.create(
                territory=territory, code=level.code, name=level.name, rank=level.rank
            )
        record_audit_event(
            actor=actor,
            action=AuditAction.ADMIN_CREATED,
            target=territory,
            after=snapshot(territory),
            details={"levels": [level.code for level in plan.levels]},
        )
    return territory


def update_territory(
    *,
    actor: AnyUser,
    territory: Territory,
    name: str,
    levels: list[ProposedLevel],
    official_code: str = "",
) -> Territory:
    """Rename the territory and change its levels: a level that areas use keeps its code and
    rank (its name may change); others may be added, changed, moved or removed."""
    _require_admin(actor)
    with transaction.atomic(durable=True):
        territory = Territory.objects.select_for_update().get(pk=territory.pk)
        stored = selectors.stored_levels(territory)
        plan = plan_levels(stored, levels)
        if not isinstance(plan, LevelPlan):
            raise SetupRefused(RefusalCode.LEVELS, problems=plan)
        before = {**snapshot(territory), "levels": [(lv.code, lv.name) for lv in stored]}
        territory.name, territory.official_code = name, official_code
        territory.save(update_fields=["name", "official_code"])
        _store_levels(territory, plan)
        after = {
            **snapshot(territory),
            "levels": [(lv.code, lv.name) for lv in plan.levels],
        }
        if after != before:
            record_audit_event(
                actor=actor,
                action=AuditAction.ADMIN_CHANGED,
                target=territory,
                before=before,
                after=after,
            )
    return territory


def _store_levels(territory: Territory, plan: LevelPlan) -> None:
    AreaLevel.objects.filter(pk__in=plan.removed).delete()
    kept = {lv.id: lv for lv in plan.levels if lv.id is not None}
    # Out of the way of the unique (territory, rank) and (territory, code) first.
    for level in AreaLevel.objects.filter(pk__in=kept):
        level.rank, level.code = 1000 + level.rank, f"~{level.pk}"
        level.save(update_fields=["rank", "code"])
    for planned in plan.levels:
        if planned.id is None:
            AreaLevel.objects.create(
                territory=territory, code=planned.code, name=planned.name, rank=planned.rank
            )
        else:
            AreaLevel.objects.filter(pk=planned.id).update(
                code=planned.code, name=planned.name, rank=planned.rank
            )


# --------------------------------------------------------------------------- users


def create_user(
    *,
    actor: AnyUser,
    username: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """A new active user with an initial password (checked by the password validators; the
    user changes it on the security page). Refused when the username is taken."""
    _require_admin(actor)
    candidate = User(username=username, first_name=first_name, last_name=last_name, email=email)
    validate_password(password, candidate)
    with transaction.atomic(durable=True):
        if User.objects.filter(username__iexact=username).exists():
            raise SetupRefused(RefusalCode.USER_EXISTS)
        candidate.set_password(password)
        candidate.save()
        record_audit_event(
            actor=actor,
            action=AuditAction.ADMIN_CREATED,
            target=candidate,
            target_label=_user_label(candidate),
            after=snapshot(candidate, USER_FIELDS),
            details={"password": "initial"},
        )
    return candidate


def update_user(*, actor: AnyUser, user: User, first_name: str, last_name: str, email: str) -> User:
    _require_admin(actor)
    with transaction.atomic(durable=True):
        before = snapshot(user, USER_FIELDS)
        user.first_name, user.last_name, user.email = first_name, last_name, email
        user.save(update_fields=["first_name", "last_name", "email"])
        after = snapshot(user, USER_FIELDS)
        if after != before:
            record_audit_event(
                actor=actor,
                action=AuditAction.ADMIN_CHANGED,
                target=user,
                target_label=_user_label(user),
                before=before,
                after=after,
            )
    return user


def set_user_active(*, actor: AnyUser, user: User, active: bool) -> None:
    """Deactivate (never delete: the audit trail names the user) or reactivate a user."""
    _require_admin(actor)
    if not active and isinstance(actor, User) and actor.pk == user.pk:
        raise SetupRefused(RefusalCode.OWN_ACCOUNT)
    with transaction.atomic(durable=True):
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.is_active == active:
            return
        if not active and _is_admin(user) and _active_admins().exclude(pk=user.pk).count() == 0:
            raise SetupRefused(RefusalCode.LAST_ADMIN)
        user.is_active = active
        user.save(update_fields=["is_active"])
        record_audit_event(
            actor=actor,
            action=AuditAction.ADMIN_CHANGED,
            target=user,
            target_label=_user_label(user),
            before={"is_active": not active},
            after={"is_active": active},
        )


# --------------------------------------------------------------------------- roles


def assign_role(
    *,
    actor: AnyUser,
    user: User,
    role: Role,
    territory: Territory | None = None,
    provider: Provider | None = None,
    facility: Facility | None = None,
) -> RoleAssignment:
    """Give ``user`` a role; a facility manager is scoped to a provider or a facility (of the
    role's territory when one is named)."""
    _require_admin(actor)
    check_scope(role, territory, provider, facility)
    with transaction.atomic(durable=True):
        same = RoleAssignment.objects.filter(
            user=user, role=role.value, territory=territory, provider=provider, facility=facility
        )
        if same.exists():
            raise SetupRefused(RefusalCode.ROLE_EXISTS)
        assignment = RoleAssignment.objects.create(
            user=user, role=role.value, territory=territory, provider=provider, facility=facility
        )
        record_audit_event(
            actor=actor,
            action=AuditAction.USER_ROLE_ASSIGNED,
            target=user,
            target_label=_user_label(user),
            details={"operation": "added", **_scope_details(assignment)},
        )
    return assignment


def remove_role(*, actor: AnyUser, assignment: RoleAssignment) -> None:
    """Take a role away; an administrator keeps their own last admin role, and the last active
    administrator keeps theirs."""
    _require_admin(actor)
    with transaction.atomic(durable=True):
        assignment = RoleAssignment.objects.select_related(
            "user", "territory", "provider", "facility"
        ).get(pk=assignment.pk)
        user = assignment.user
        if assignment.role == Role.ADMIN.value:
            others = RoleAssignment.objects.filter(user=user, role=Role.ADMIN.value).exclude(
                pk=assignment.pk
            )
            still_admin = user.is_superuser or others.exists()
            if not still_admin and isinstance(actor, User) and actor.pk == user.pk:
                raise SetupRefused(RefusalCode.OWN_LAST_ADMIN_ROLE)
            if not still_admin and _active_admins().exclude(pk=user.pk).count() == 0:
                raise SetupRefused(RefusalCode.LAST_ADMIN)
        details = {"operation": "removed", **_scope_details(assignment)}
        assignment.delete()
        record_audit_event(
            actor=actor,
            action=AuditAction.USER_ROLE_ASSIGNED,
            target=user,
            target_label=_user_label(user),
            details=details,
        )


def find_scope(
    *, territory: Territory | None, provider_key: str = "", facility_key: str = ""
) -> tuple[Provider | None, Facility | None]:
    """The provider and the facility named by their numbers in ``territory``."""
    provider_key, facility_key = provider_key.strip(), facility_key.strip()
    if (provider_key or facility_key) and territory is None:
        raise SetupRefused(RefusalCode.SCOPE_NEEDS_TERRITORY)
    provider = facility = None
    if provider_key:
        provider = Provider.objects.filter(
            territory=territory, official_number=provider_key
        ).first()
        if provider is None:
            raise SetupRefused(RefusalCode.UNKNOWN_PROVIDER, key=provider_key)
    if facility_key:
        facility = Facility.objects.filter(
            territory=territory, official_number=facility_key
        ).first()
        if facility is None:
            raise SetupRefused(RefusalCode.UNKNOWN_FACILITY, key=facility_key)
    return provider, facility


def check_scope(
    role: Role,
    territory: Territory | None,
    provider: Provider | None,
    facility: Facility | None,
) -> None:
    if role == Role.FACILITY_MANAGER and provider is None and facility is None:
        raise SetupRefused(RefusalCode.SCOPE_NEEDED)
    if role != Role.FACILITY_MANAGER and (provider is not None or facility is not None):
        raise SetupRefused(RefusalCode.SCOPE_NOT_FOR_ROLE)
    if territory is not None and role in (Role.PARENT, Role.CHILDMINDER):
        # these roles are over one's own records, wherever they are: a territory would limit
        # nothing (access.territory_ids_of), so it is refused rather than stored misleadingly
        raise SetupRefused(RefusalCode.TERRITORY_NOT_FOR_ROLE)
    if territory is not None:
        for scope in (provider, facility):
            if scope is not None and scope.territory_id != territory.pk:
                raise SetupRefused(RefusalCode.SCOPE_OTHER_TERRITORY)


def _scope_details(assignment: RoleAssignment) -> dict[str, Any]:
    return {
        "role": assignment.role,
        "territory": assignment.territory.code if assignment.territory else None,
        "provider": assignment.provider.official_number if assignment.provider else None,
        "facility": assignment.facility.official_number if assignment.facility else None,
    }


def _is_admin(user: User) -> bool:
    return user.is_superuser or user.role_assignments.filter(role=Role.ADMIN.value).exists()


def _active_admins() -> QuerySet[User]:
    return User.objects.filter(
        Q(is_superuser=True) | Q(role_assignments__role=Role.ADMIN.value), is_active=True
    ).distinct()
