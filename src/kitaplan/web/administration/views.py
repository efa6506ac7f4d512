"""The administration pages: territories with their levels, users with their roles.

Administrators only (403 for everyone else, before any form is read); every write goes through
:mod:`kitaplan.web.administration.services`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kitaplan.domain.territory.levels import ProposedLevel
from kitaplan.web.administration import selectors, services
from kitaplan.web.administration.forms import (
    LevelFormSet,
    NewUserForm,
    RoleForm,
    TerritoryForm,
    UserForm,
    level_initial,
    proposed_levels,
)
from kitaplan.web.administration.messages import describe_refusal
from kitaplan.web.core.models import RoleAssignment
from kitaplan.web.core.roles import Role
from kitaplan.web.territory.models import Territory


def _require_admin(request: HttpRequest) -> None:
    if not selectors.can_administer(request.user):
        raise PermissionDenied


def _refused(form: Form, refusal: services.SetupRefused) -> None:
    for text in describe_refusal(refusal):
        form.add_error(None, text)


def territory_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    return render(
        request,
        "administration/territory_list.html",
        {"territories": selectors.territories_for_list()},
    )


def territory_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create a territory (``pk`` None) or change its name and levels."""
    _require_admin(request)
    territory = get_object_or_404(Territory, pk=pk) if pk is not None else None
    stored = selectors.stored_levels(territory) if territory else []
    data = request.POST if request.method == "POST" else None
    initial = {}
    if territory:
        initial = {
            "code": territory.code,
            "name": territory.name,
            "official_code": territory.official_code,
        }
    form = TerritoryForm(data, initial=initial)
    if territory:
        form.fields["code"].disabled = True  # areas, imports and URLs name it
    levels = LevelFormSet(
        data,
        initial=level_initial(stored),
        prefix="levels",
        form_kwargs={"allowed_ids": frozenset(lv.id for lv in stored)},
    )
    if data is not None and form.is_valid() and levels.is_valid():
        try:
            _save_territory(request, territory, form.cleaned_data, proposed_levels(levels))
        except services.SetupRefused as refusal:
            _refused(form, refusal)
        else:
            messages.success(request, _("The territory was saved."))
            return redirect("administration:territory-list")
    context = {"form": form, "levels": levels, "territory": territory, "stored": stored}
    return render(request, "administration/territory_form.html", context)


def _save_territory(
    request: HttpRequest,
    territory: Territory | None,
    data: dict[str, Any],
    levels: list[ProposedLevel],
) -> Territory:
    if territory is None:
        return services.create_territory(
            actor=request.user,
            code=data["code"],
            name=data["name"],
            official_code=data["official_code"],
            levels=levels,
        )
    return services.update_territory(
        actor=request.user,
        territory=territory,
        name=data["name"],
        official_code=data["official_code"],
        levels=levels,
    )


def user_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    query = request.GET.get("q", "")
    paginator = Paginator(selectors.users_for_list(query), selectors.USERS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "administration/user_list.html",
        {
            "page_obj": page,
            "query": query,
            "page_range": paginator.get_elided_page_range(page.number),
        },
    )


def user_create(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = NewUserForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            user = services.create_user(
                actor=request.user,
                username=d["username"],
                password=d["password1"],
                first_name=d["first_name"],
                last_name=d["last_name"],
                email=d["email"],
            )
        except services.SetupRefused as refusal:
            _refused(form, refusal)
        else:
            messages.success(request, _("The user was created. Now give them a role."))
            return redirect("administration:user-edit", pk=user.pk)
    return render(request, "administration/user_create.html", {"form": form})


def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The user's names and e-mail, their roles with scopes, and deactivation."""
    _require_admin(request)
    user = get_object_or_404(User, pk=pk)
    initial = {"first_name": user.first_name, "last_name": user.last_name, "email": user.email}
    form = UserForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.update_user(actor=request.user, user=user, **form.cleaned_data)
        messages.success(request, _("The user was saved."))
        return redirect("administration:user-edit", pk=user.pk)
    return _user_page(request, user, form, RoleForm())


def _user_page(request: HttpRequest, user: User, form: Form, role_form: Form) -> HttpResponse:
    context = {
        "account": user,
        "form": form,
        "role_form": role_form,
        "assignments": selectors.assignments_of(user),
    }
    return render(request, "administration/user_edit.html", context)


@require_POST
def user_role_add(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    user = get_object_or_404(User, pk=pk)
    role_form = RoleForm(request.POST)
    if role_form.is_valid():
        d = role_form.cleaned_data
        try:
            provider, facility = services.find_scope(
                territory=d["territory"], provider_key=d["provider"], facility_key=d["facility"]
            )
            services.assign_role(
                actor=request.user,
                user=user,
                role=Role(d["role"]),
                territory=d["territory"],
                provider=provider,
                facility=facility,
            )
        except services.SetupRefused as refusal:
            _refused(role_form, refusal)
        else:
            messages.success(request, _("The role was given."))
            return redirect("administration:user-edit", pk=user.pk)
    return _user_page(request, user, UserForm(initial=_names(user)), role_form)


def _names(user: User) -> dict[str, str]:
    return {"first_name": user.first_name, "last_name": user.last_name, "email": user.email}


@require_POST
def user_role_remove(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    assignment = get_object_or_404(RoleAssignment, pk=pk)
    try:
        services.remove_role(actor=request.user, assignment=assignment)
    except services.SetupRefused as refusal:
        for text in describe_refusal(refusal):
            messages.error(request, text)
    else:
        messages.success(request, _("The role was removed."))
    return redirect("administration:user-edit", pk=assignment.user_id)


@require_POST
def user_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate (``active=0``; never delete) or reactivate (``active=1``) a user."""
    _require_admin(request)
    user = get_object_or_404(User, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.set_user_active(actor=request.user, user=user, active=active)
    except services.SetupRefused as refusal:
        for text in describe_refusal(refusal):
            messages.error(request, text)
    else:
        messages.success(
            request, _("The user was reactivated.") if active else _("The user was deactivated.")
        )
    return redirect("administration:user-edit", pk=user.pk)
