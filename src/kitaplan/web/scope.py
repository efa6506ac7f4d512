"""Territory scope of every route with an object in its URL (de: Gebietszuständigkeit).

A user whose role assignments name territories (``access.territory_ids_of``) works only there:
a request for an object of another territory answers **404**, as if it did not exist (its
existence is not told either). :class:`TerritoryScopeMiddleware` checks it for every page
before the view runs, from :data:`ROUTES` (route → URL parameter → model and the path from it
to its territory); a ``territory`` parameter (``?territory=CODE``, or a form field with the code
or the number) of another territory answers 404 as well. Lists are limited by the apps'
``*_visible_to`` selectors and ``territory.requests.territory_from_request``; the API's token
users by the viewsets' querysets (the API does not pass this middleware's session user).

Every named route with a URL parameter is in :data:`ROUTES` or :data:`UNSCOPED`
(``tests/web/test_territory_scope.py`` fails otherwise). The models are named by label, so
this module imports no app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse

from kitaplan.web.core.access import acting_for, territory_ids_of, within_territories

#: A parameter's model label and the path from the model to its territory; a trailing ``?``
#: keeps rows without a territory (a job of no territory).
Target = tuple[str, str]

_AREA: Target = ("territory.Area", "territory")
_FACILITY: Target = ("facilities.Facility", "territory")
_ROUND: Target = ("allocation.AllocationRound", "territory")
_APPLICATION: Target = ("allocation.Application", "round__territory")
_CHILDMINDER: Target = ("childminding.Childminder", "territory")
_PAYMENT_RUN: Target = ("payments.PaymentRun", "territory")
_PLAN: Target = ("measures.Plan", "territory")
_FIELD: Target = ("measures.ActionField", "plan__territory")
_OBJECTIVE: Target = ("measures.Objective", "field__plan__territory")
_MEASURE: Target = ("measures.Measure", "objective__field__plan__territory")
_NETWORK: Target = ("networks.Network", "territory")
_MEMBER: Target = ("networks.Member", "network__territory")
_MEETING: Target = ("networks.Meeting", "network__territory")
_WORKING_GROUP: Target = ("networks.WorkingGroup", "network__territory")
_JOB: Target = ("jobs.Job", "territory?")
_GROUP: Target = ("territory.AreaGroup", "territory")

#: Route name → URL parameter (``?name``: a query or form parameter) → its model.
ROUTES: dict[str, dict[str, Target]] = {
    "territory:area-detail": {"pk": _AREA},
    "territory:area-geojson": {"?area": _AREA},
    "territory:area-group-edit": {"pk": _GROUP},
    "territory:area-group-close": {"pk": _GROUP},
    "territory:area-group-delete": {"pk": _GROUP},
    "facilities:facility-detail": {"pk": _FACILITY},
    "facilities:facility-edit": {"pk": _FACILITY},
    "imports:import-detail": {"pk": ("imports.ImportRun", "territory?")},
    "imports:import-confirm": {"pk": ("imports.ImportRun", "territory?")},
    "jobs:job-detail": {"pk": _JOB},
    "jobs:job-status": {"pk": _JOB},
    "jobs:job-retry": {"pk": _JOB},
    "planning:setup-care-rate-edit": {"pk": ("planning.CareRateSet", "territory")},
    "planning:setup-care-rate-copy": {"pk": ("planning.CareRateSet", "territory")},
    "planning:setup-care-rate-activate": {"pk": ("planning.CareRateSet", "territory")},
    "planning:setup-target-edit": {"pk": ("planning.TargetRule", "territory")},
    "planning:setup-target-active": {"pk": ("planning.TargetRule", "territory")},
    "planning:scenario-detail": {"?scenario": ("planning.Scenario", "territory")},
    "monitoring:area-series": {"pk": _AREA},
    "monitoring:report-pdf-file": {"pk": _JOB},
    "planning:balance-pdf-file": {"pk": _JOB},
    "budget:provider-letter": {
        "run": ("budget.BudgetRun", "budget__territory"),
        "provider": ("facilities.Provider", "territory"),
    },
    "budget:provider-xlsx": {
        "run": ("budget.BudgetRun", "budget__territory"),
        "provider": ("facilities.Provider", "territory"),
    },
    "allocation:round-detail": {"pk": _ROUND},
    "allocation:round-edit": {"pk": _ROUND},
    "allocation:round-places": {"pk": _ROUND},
    "allocation:application-list": {"pk": _ROUND},
    "allocation:round-run": {"pk": _ROUND},
    "allocation:round-statistics": {"pk": _ROUND},
    "allocation:facility-applicants": {"pk": _ROUND, "facility": _FACILITY},
    "allocation:run-detail": {"pk": ("allocation.AllocationRun", "round__territory")},
    "allocation:run-publish": {"pk": ("allocation.AllocationRun", "round__territory")},
    "allocation:run-instance": {"pk": ("allocation.AllocationRun", "round__territory")},
    "allocation:run-chances-status": {"pk": ("allocation.AllocationRun", "round__territory")},
    "allocation:application-detail": {"pk": _APPLICATION},
    "allocation:application-erase": {"pk": _APPLICATION},
    "allocation:application-chances": {"pk": _APPLICATION},
    "allocation:my-application": {"pk": _APPLICATION},
    "allocation:application-new": {"round_pk": _ROUND},
    "allocation:application-edit": {"pk": _APPLICATION},
    "allocation:application-withdraw": {"pk": _APPLICATION},
    "allocation:offer-answer": {"pk": ("allocation.Offer", "run__round__territory")},
    "childminding:service-edit": {"pk": ("childminding.AdvisoryService", "territory")},
    "childminding:childminder-detail": {"pk": _CHILDMINDER},
    "childminding:childminder-edit": {"pk": _CHILDMINDER},
    "childminding:childminder-erase": {"pk": _CHILDMINDER},
    "qualification:course-detail": {"pk": ("qualification.Course", "programme__territory")},
    "qualification:childminder": {"pk": _CHILDMINDER},
    "qualification:setup-programme": {"pk": ("qualification.Programme", "territory")},
    "inclusion:facility": {"pk": _FACILITY},
    "inclusion:checklist-item": {"pk": ("inclusion.ChecklistItem", "territory")},
    "inclusion:pool-item": {"pk": ("inclusion.PoolItem", "territory")},
    "payments:rate-table": {"pk": ("payments.RateTableRecord", "territory")},
    "payments:contract": {"pk": ("childminding.CareContract", "childminder__territory")},
    "payments:childminder": {"pk": _CHILDMINDER},
    "payments:run": {"pk": _PAYMENT_RUN},
    "payments:run-csv": {"pk": _PAYMENT_RUN},
    "payments:run-sepa": {"pk": _PAYMENT_RUN},
    "payments:statement": {"pk": _PAYMENT_RUN, "childminder": _CHILDMINDER},
    "payments:statement-pdf": {"pk": _PAYMENT_RUN, "childminder": _CHILDMINDER},
    "substitutes:absence-detail": {"pk": ("substitutes.Absence", "childminder__territory")},
    "substitutes:contacts": {"pk": _CHILDMINDER},
    "substitutes:parent-contacts": {"pk": _CHILDMINDER},
    "measures:plan-detail": {"pk": _PLAN},
    "measures:plan-edit": {"pk": _PLAN},
    "measures:plan-close": {"pk": _PLAN},
    "measures:plan-version": {"pk": _PLAN},
    "measures:field-create": {"pk": _PLAN},
    "measures:field-edit": {"pk": _PLAN, "field_pk": _FIELD},
    "measures:field-remove": {"pk": _PLAN, "field_pk": _FIELD},
    "measures:objective-create": {"pk": _PLAN, "field_pk": _FIELD},
    "measures:objective-edit": {"pk": _PLAN, "field_pk": _FIELD, "objective_pk": _OBJECTIVE},
    "measures:objective-remove": {"pk": _PLAN, "objective_pk": _OBJECTIVE},
    "measures:measure-create": {"pk": _PLAN, "objective_pk": _OBJECTIVE},
    "measures:measure-edit": {"pk": _PLAN, "objective_pk": _OBJECTIVE, "measure_pk": _MEASURE},
    "measures:measure-remove": {"pk": _PLAN, "measure_pk": _MEASURE},
    "measures:report": {"pk": _PLAN},
    "measures:report-pdf": {"pk": _PLAN},
    "measures:report-xlsx": {"pk": _PLAN},
    "measures:measure-detail": {"pk": _MEASURE},
    "measures:document": {
        "pk": ("measures.Document", "measure__objective__field__plan__territory")
    },
    "measures:organisation-edit": {"pk": ("measures.Organisation", "territory")},
    "networks:network-detail": {"pk": _NETWORK},
    "networks:network-edit": {"pk": _NETWORK},
    "networks:network-close": {"pk": _NETWORK},
    "networks:working-group-create": {"pk": _NETWORK},
    "networks:working-group-edit": {"pk": _WORKING_GROUP},
    "networks:working-group-delete": {"pk": _WORKING_GROUP},
    "networks:member-add": {"pk": _NETWORK},
    "networks:member-export-csv": {"pk": _NETWORK},
    "networks:member-export-xlsx": {"pk": _NETWORK},
    "networks:meeting-list": {"pk": _NETWORK},
    "networks:member-edit": {"pk": _MEMBER},
    "networks:member-erase": {"pk": _MEMBER},
    "networks:meeting-detail": {"pk": _MEETING},
    "networks:meeting-invite": {"pk": _MEETING},
    "networks:meeting-ics": {"pk": _MEETING},
    "api-area-detail": {"pk": _AREA},
    "api-facility-detail": {"pk": _FACILITY},
}

#: Routes with a URL parameter that belongs to no territory: the installation's set-up (the
#: administrator role, which holds for every territory) and the user's own API tokens.
UNSCOPED = frozenset(
    {
        "administration:territory-edit",
        "administration:user-edit",
        "administration:user-role-add",
        "administration:user-role-remove",
        "administration:user-active",
        "api-token-revoke",
    }
)


def in_scope(user: Any, target: Target, value: object) -> bool:
    """Whether the object ``value`` (a primary key) of ``target`` lies in the user's scope;
    True for a value that names no object (the view answers for it as before)."""
    label, path = target
    model = apps.get_model(label)
    try:
        found = model._default_manager.filter(pk=value)
        if not found.exists():
            return True
    except (ValueError, TypeError, ValidationError):
        return True
    return within_territories(found, user, path.rstrip("?"), or_none=path.endswith("?")).exists()


def territory_in_scope(user: Any, value: str) -> bool:
    """Whether a ``territory`` parameter (a code, or the number a form posts) names a territory
    of the user's scope; True when it names none (the view answers for an unknown code)."""
    model = apps.get_model("territory.Territory")
    value = value.strip()
    condition = Q(code=value) | (Q(pk=int(value)) if value.isdigit() else Q(pk__in=[]))
    named = model._default_manager.filter(condition)
    return not named.exists() or within_territories(named, user, "").exists()


def _parameter(request: HttpRequest, name: str) -> str | None:
    if name in request.GET:
        return request.GET.get(name)
    if request.method == "POST":
        return request.POST.get(name)
    return None


class TerritoryScopeMiddleware:
    """404 for a page about an object, or a ``territory`` parameter, outside the user's scope."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with acting_for(getattr(request, "user", None)):  # for the forms' territory choosers
            return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> None:
        user = getattr(request, "user", None)
        if user is None or territory_ids_of(user) is None:
            return
        match = request.resolver_match
        parameters = ROUTES.get(match.view_name if match else "", {})
        for name, target in parameters.items():
            value = _parameter(request, name[1:]) if name.startswith("?") else view_kwargs.get(name)
            if value not in (None, "") and not in_scope(user, target, value):
                raise Http404
        territory = _parameter(request, "territory")
        if territory and not territory_in_scope(user, territory):
            raise Http404
