"""Who may see and change what in the Platzvergabe (least privilege).

- The allocation office and administrators run rounds and see every application.
- Facility managers see the rounds of their territory, release their facilities' places, publish
  their own criteria and see the applicants of their own facilities (waiting lists), never the
  rank a family gave them.
- Parents see and change only their own applications.
- Planners see aggregate statistics, never a single child.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from kitaplan.web.allocation.models import (
    AllocationRound,
    AllocationRun,
    Application,
    ApplicationChoice,
    FacilityCriterion,
    Offer,
    RoundProgramme,
)
from kitaplan.web.audit.services import actor_user
from kitaplan.web.core.access import has_any_role, is_city_staff, roles_of, scoped_to_territories
from kitaplan.web.core.roles import STAFF_ROLES, Role
from kitaplan.web.facilities.models import Facility
from kitaplan.web.facilities.selectors import facilities_visible_to

if TYPE_CHECKING:
    from kitaplan.web.childminding.models import Childminder
    from kitaplan.web.core.access import AnyUser

OFFICE_ROLES = frozenset({Role.ALLOCATION_OFFICE, Role.ADMIN})
#: Who registers a child on the family's behalf (no parent account): the office, and childminder
#: advisers for children moving from a childminder to a Kita (:mod:`childminding.transition`).
ON_BEHALF_ROLES = OFFICE_ROLES | {Role.CHILDMINDER_ADVISER}


def is_office(user: AnyUser) -> bool:
    return has_any_role(user, OFFICE_ROLES)


def is_parent(user: AnyUser) -> bool:
    return Role.PARENT in roles_of(user)


def is_manager(user: AnyUser) -> bool:
    return Role.FACILITY_MANAGER in roles_of(user)


def _own(user: AnyUser, application: Application) -> bool:
    return application.parent_id is not None and application.parent_id == getattr(user, "pk", None)


def can_view_statistics(user: AnyUser) -> bool:
    return has_any_role(user, STAFF_ROLES)


@scoped_to_territories()
def rounds_visible_to(user: AnyUser) -> QuerySet[AllocationRound]:
    rounds = AllocationRound.objects.select_related("territory")
    if has_any_role(user, STAFF_ROLES - {Role.FACILITY_MANAGER}):
        return rounds.all()
    scope = Q(pk__in=[])
    if Role.FACILITY_MANAGER in roles_of(user):
        # Every round of their territory: a facility releases places before it takes part.
        scope |= Q(territory__facilities__in=facilities_visible_to(user))
    if is_parent(user):
        scope |= Q(applications__parent=user)
    ids = AllocationRound.objects.filter(scope).values("pk")
    return rounds.filter(pk__in=ids)


def rounds_open_to_parents(user: AnyUser) -> QuerySet[AllocationRound]:
    """Rounds a parent may register a child for today (window open)."""
    from django.utils import timezone

    today = timezone.localdate()
    return AllocationRound.objects.filter(
        applications_open__lte=today, applications_close__gte=today
    ).select_related("territory")


@scoped_to_territories("round__territory")
def applications_visible_to(user: AnyUser) -> QuerySet[Application]:
    """Single applications: the office all, facility managers those naming their facilities,
    parents their own, everyone else none."""
    applications = Application.objects.select_related("round", "home_area")
    if is_office(user):
        return applications.all()
    scope = Q(pk__in=[])
    if Role.FACILITY_MANAGER in roles_of(user):
        scope |= Q(choices__facility__in=facilities_visible_to(user))
    if is_parent(user) and getattr(user, "pk", None) is not None:
        scope |= Q(parent=user)
    ids = Application.objects.filter(scope).values("pk")
    return applications.filter(pk__in=ids)


def own_applications(user: AnyUser) -> QuerySet[Application]:
    parent = actor_user(user)
    if parent is None:
        return Application.objects.none()
    return Application.objects.filter(parent=parent).select_related("round", "home_area")


# --- what a user may change (the services ask these; a view may ask them to answer 403 early) --


def round_facilities_editable_by(
    user: AnyUser, round_: AllocationRound
) -> QuerySet[Facility] | None:
    """Facilities whose released places and own criteria the user sets in the round: the office
    every facility of the round's territory, a facility manager the own ones there; ``None`` for
    everyone else (no form at all)."""
    if is_office(user):
        return Facility.objects.filter(territory=round_.territory_id)
    if is_manager(user):
        return facilities_visible_to(user).filter(territory=round_.territory_id)
    return None


def can_edit_facility_in_round(user: AnyUser, round_: AllocationRound, facility: Facility) -> bool:
    editable = round_facilities_editable_by(user, round_)
    return editable is not None and editable.filter(pk=facility.pk).exists()


def round_childminders_editable_by(
    user: AnyUser, round_: AllocationRound
) -> QuerySet[Childminder] | None:
    """Childminders whose places the user releases in the round: the office only."""
    if not is_office(user):
        return None
    from kitaplan.web.childminding.models import Childminder

    return Childminder.objects.filter(territory=round_.territory_id, status="active")


def can_manage_applicants(user: AnyUser) -> bool:
    """The office and facility managers see a facility's applicants and confirm its criteria."""
    return is_office(user) or is_manager(user)


def parent_may_edit(application: Application) -> bool:
    """Parents change an application while the window is open and no offers were sent."""
    return (
        not application.withdrawn
        and application.round.is_open_for_applications()
        and not application.round.runs.filter(published_at__isnull=False).exists()
    )


def office_may_edit(application: Application) -> bool:
    """The office changes an application until the child has had an offer."""
    return not application.withdrawn and not application.offers.exists()


def can_save_application(user: AnyUser, application: Application) -> bool:
    """Register (no pk yet) or change an application: the office (a change until the child had
    an offer), the family itself (its own, while parents may change it), staff registering on a
    family's behalf."""
    created = application.pk is None
    if is_office(user):
        return created or office_may_edit(application)
    if created and application.parent_id is None:
        return has_any_role(user, ON_BEHALF_ROLES)
    if not (is_parent(user) and _own(user, application)):
        return False
    return application.round.is_open_for_applications() if created else parent_may_edit(application)


def can_answer_for(user: AnyUser, application: Application) -> bool:
    """Withdraw an application or answer its offer: the office, or the family itself."""
    return is_office(user) or (is_parent(user) and _own(user, application))


# --- what a user may see of a round ---------------------------------------------------------


def programmes_visible_to(user: AnyUser, round_: AllocationRound) -> QuerySet[RoundProgramme]:
    """The round's released places: city staff all, facility managers their own facilities'."""
    programmes = round_.programmes.select_related("facility", "facility__provider", "childminder")
    if not is_city_staff(user):
        programmes = programmes.filter(facility__in=facilities_visible_to(user))
    return programmes


def facility_criteria_visible_to(
    user: AnyUser, round_: AllocationRound
) -> QuerySet[FacilityCriterion]:
    criteria = FacilityCriterion.objects.filter(round=round_).select_related("facility")
    if not is_city_staff(user):
        criteria = criteria.filter(facility__in=facilities_visible_to(user))
    return criteria.order_by("facility__name", "position")


def programme_for(
    round_: AllocationRound,
    *,
    facility_id: str | None,
    childminder_id: str | None,
    age_group: str | None,
) -> RoundProgramme | None:
    """The programme a posted places form changes (a facility's or a childminder's age group),
    ``None`` when the places are new."""
    if facility_id and age_group:
        found = RoundProgramme.objects.filter(
            round=round_, facility_id=facility_id, age_group=age_group
        )
    elif childminder_id and age_group:
        found = RoundProgramme.objects.filter(
            round=round_, childminder_id=childminder_id, age_group=age_group
        )
    else:
        return None
    return found.first()


def facilities_taking_part(
    facilities: QuerySet[Facility], round_: AllocationRound
) -> QuerySet[Facility]:
    """Of ``facilities``, those that released places in the round (own criteria make sense only
    for them)."""
    return facilities.filter(round_programmes__round=round_).distinct()


def applications_in_round(
    round_: AllocationRound, query: str = "", status: str = ""
) -> QuerySet[Application]:
    """The round's applications for the office's list, searched by reference or child's name,
    ordered by reference, each annotated in the database with its status (:func:`with_status`) and its
    number of choices (``n_choices``); ``status`` keeps those with that status code."""
    applications = with_status(
        Application.objects.filter(round=round_)
        .select_related("home_area")
        .defer("home_area__geometry", "home_area__bbox")  # the list draws no map
        .annotate(
            n_choices=Coalesce(
                Subquery(
                    ApplicationChoice.objects.filter(application=OuterRef("pk"))
                    .order_by()
                    .values("application")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            )
        )
        .order_by("reference")
    )
    if query:
        applications = applications.filter(
            Q(reference__icontains=query) | Q(child_name__icontains=query)
        )
    if status:
        applications = applications.filter(Q(status_code=status))  # an annotation (with_status)
    return applications


def with_status(applications: QuerySet[Application]) -> QuerySet[Application]:
    """``applications`` annotated with ``status_code`` (``withdrawn``, the status of the offer
    the child holds, ``left`` after offers it holds no more, else ``registered``) and
    ``status_offer_id`` (the offer the status refers to: the latest one it holds, else its
    latest offer), as :func:`kitaplan.web.allocation.presenters.application_status` decides."""
    latest = Offer.objects.filter(application=OuterRef("pk")).order_by("-run__number", "-pk")
    holding = latest.filter(status__in=Offer.HOLDING)
    return applications.annotate(
        holding_status=Subquery(holding.values("status")[:1]),
        holding_offer_id=Subquery(holding.values("pk")[:1]),
        latest_offer_id=Subquery(latest.values("pk")[:1]),
    ).annotate(
        status_code=Case(
            When(withdrawn=True, then=Value("withdrawn")),
            When(holding_status__isnull=False, then=F("holding_status")),
            When(latest_offer_id__isnull=False, then=Value("left")),
            default=Value("registered"),
            output_field=CharField(),
        ),
        status_offer_id=Case(
            When(withdrawn=True, then=None),
            When(holding_offer_id__isnull=False, then=F("holding_offer_id")),
            default=F("latest_offer_id"),
            output_field=IntegerField(),
        ),
    )


def offers_by_id(ids: Iterable[int | None]) -> dict[int, Offer]:
    """The offers with these ids (``None`` left out), with their places, in one query."""
    wanted = {pk for pk in ids if pk is not None}
    if not wanted:
        return {}
    return {
        offer.pk: offer
        for offer in Offer.objects.filter(pk__in=wanted).select_related("facility", "childminder")
    }


def latest_published_run(round_: AllocationRound) -> AllocationRun | None:
    return round_.runs.filter(published_at__isnull=False).order_by("-number").first()


def facility_choices(round_: AllocationRound, place: Facility) -> QuerySet[ApplicationChoice]:
    """The round's applications (not withdrawn) that name the facility, by reference; the rank
    a family gave it is not for the facility to see."""
    return (
        ApplicationChoice.objects.filter(
            application__round=round_, application__withdrawn=False, facility=place
        )
        .select_related("application")
        .prefetch_related("own_criteria_met")
        .order_by("application__reference")
    )


def offer_holders(round_: AllocationRound, place: Facility) -> QuerySet[Offer]:
    """The offers of the facility in the round that were not replaced by a better one."""
    return (
        Offer.objects.filter(application__round=round_, facility=place)
        .exclude(status=Offer.REPLACED)
        .select_related("application")
        .order_by("status", "application__reference")
    )
