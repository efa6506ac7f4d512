"""Set-up pages of the Bedarfsplanung: care-rate sets and target rules.

Planners and administrators only (403 for everyone else, before any form is read); every write
goes through :mod:`kitaplan.web.planning.setup_services` (one transaction, audited). The same
records can be imported (kinds ``care_rates`` and ``targets``, :mod:`.imports`).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kitaplan.web.core import access
from kitaplan.web.planning import setup_services as services
from kitaplan.web.planning.models import CareRateSet, TargetRule
from kitaplan.web.planning.setup_forms import (
    CareRateSetForm,
    CopyCareRateSetForm,
    TargetRuleForm,
)
from kitaplan.web.territory.models import Territory
from kitaplan.web.territory.requests import territory_from_request


def _require_setup(request: HttpRequest) -> None:
    if not access.can_import_data(request.user):
        raise PermissionDenied


def _territory(request: HttpRequest) -> Territory:
    territory = territory_from_request(request)
    if territory is None:
        raise PermissionDenied
    return territory


def _back(name: str, territory: Territory) -> HttpResponse:
    return redirect(reverse(name) + "?" + urlencode({"territory": territory.code}))


def care_rate_sets(request: HttpRequest) -> HttpResponse:
    _require_setup(request)
    territory = _territory(request)
    sets = territory.care_rate_sets.select_related("class_indicator").order_by(
        "-valid_from_year", "class_indicator__code", "class_value", "name"
    )
    rows = [(s, [s.to_rates().rate(age) for age in range(6)]) for s in sets]
    context = {
        "territory": territory,
        "rows": rows,
        "territories": Territory.objects.order_by("name"),
    }
    return render(request, "planning/setup_care_rate_sets.html", context)


def care_rate_set_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create a care-rate set (``pk`` None) or edit one."""
    _require_setup(request)
    rate_set = get_object_or_404(CareRateSet, pk=pk) if pk is not None else None
    territory = rate_set.territory if rate_set else _territory(request)
    data = request.POST if request.method == "POST" else None
    form = CareRateSetForm(data, territory=territory, rate_set=rate_set)
    if data is not None and form.is_valid():
        services.save_care_rate_set(
            actor=request.user,
            territory=territory,
            rate_set=rate_set,
            values=form.values(),
            active=form.cleaned_data["active"],
        )
        messages.success(request, _("The care rates were saved."))
        return _back("planning:setup-care-rates", territory)
    context = {"form": form, "territory": territory, "rate_set": rate_set}
    return render(request, "planning/setup_care_rate_form.html", context)


def care_rate_set_copy(request: HttpRequest, pk: int) -> HttpResponse:
    """Copy a set to a new year (or under another name)."""
    _require_setup(request)
    rate_set = get_object_or_404(CareRateSet, pk=pk)
    data = request.POST if request.method == "POST" else None
    initial = {"valid_from_year": rate_set.valid_from_year + 1, "name": rate_set.name}
    form = CopyCareRateSetForm(data, rate_set=rate_set, initial=initial)
    if data is not None and form.is_valid():
        services.copy_care_rate_set(
            actor=request.user,
            rate_set=rate_set,
            valid_from_year=form.cleaned_data["valid_from_year"],
            name=form.cleaned_data["name"],
        )
        messages.success(request, _("The care rates were copied."))
        return _back("planning:setup-care-rates", rate_set.territory)
    context = {"form": form, "territory": rate_set.territory, "rate_set": rate_set}
    return render(request, "planning/setup_care_rate_copy.html", context)


@require_POST
def care_rate_set_activate(request: HttpRequest, pk: int) -> HttpResponse:
    _require_setup(request)
    rate_set = get_object_or_404(CareRateSet, pk=pk)
    services.activate_care_rate_set(actor=request.user, rate_set=rate_set)
    messages.success(request, _("The care rates now apply."))
    return _back("planning:setup-care-rates", rate_set.territory)


def target_rules(request: HttpRequest) -> HttpResponse:
    _require_setup(request)
    territory = _territory(request)
    rules = territory.target_rules.select_related("level").order_by("-active", "code")
    context = {
        "territory": territory,
        "rules": rules,
        "territories": Territory.objects.order_by("name"),
    }
    return render(request, "planning/setup_target_rules.html", context)


def target_rule_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create a target rule (``pk`` None) or edit one."""
    _require_setup(request)
    rule = get_object_or_404(TargetRule, pk=pk) if pk is not None else None
    territory = rule.territory if rule else _territory(request)
    data = request.POST if request.method == "POST" else None
    form = TargetRuleForm(data, territory=territory, rule=rule)
    if data is not None and form.is_valid():
        services.save_target_rule(
            actor=request.user, territory=territory, rule=rule, values=form.values()
        )
        messages.success(request, _("The target was saved."))
        return _back("planning:setup-targets", territory)
    context = {"form": form, "territory": territory, "rule": rule}
    return render(request, "planning/setup_target_rule_form.html", context)


@require_POST
def target_rule_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate a rule (``active=0``) or activate it again."""
    _require_setup(request)
    rule = get_object_or_404(TargetRule, pk=pk)
    active = request.POST.get("active") == "1"
    services.set_target_rule_active(actor=request.user, rule=rule, active=active)
    messages.success(
        request, _("The target is active again.") if active else _("The target was deactivated.")
    )
    return _back("planning:setup-targets", rule.territory)
