"""Pages of Sozialräume (user-defined groups of areas): list, create, edit, close, delete.

Everyone who may view areas sees the list; planners and administrators change groups (the
services check it again). Next to the area pages, under ``/areas/groups/``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kitaplan.web.core import access
from kitaplan.web.facilities import area_group_services as services
from kitaplan.web.facilities.area_group_forms import AreaGroupForm
from kitaplan.web.territory.groups import can_edit_groups, group_list, groups_visible_to
from kitaplan.web.territory.models import AreaGroup, Territory
from kitaplan.web.territory.requests import territory_from_request


def _list_url(territory: Territory) -> str:
    return reverse("territory:area-group-list") + "?" + urlencode({"territory": territory.code})


def group_index(request: HttpRequest) -> HttpResponse:
    if not access.can_view_areas(request.user):
        raise PermissionDenied
    territory = territory_from_request(request, having=("area_groups",))
    return render(
        request,
        "facilities/area_group_list.html",
        {
            "territory": territory,
            "territories": Territory.objects.order_by("name"),
            "groups": group_list(request.user, territory),
            "can_edit": can_edit_groups(request.user),
        },
    )


def _form_page(request: HttpRequest, territory: Territory, group: AreaGroup | None) -> HttpResponse:
    form = AreaGroupForm(request.POST or None, territory=territory, group=group)
    if request.method == "POST" and form.is_valid():
        values = {
            "name": form.cleaned_data["name"],
            "description": form.cleaned_data["description"],
            "areas": form.cleaned_data["areas"],
            "actor": request.user,
        }
        try:
            if group is None:
                group = services.create_group(territory=territory, **values)
            else:
                group = services.update_group(group=group, **values)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Sozialraum %(name)s saved.") % {"name": group.name})
            return redirect(_list_url(territory))
    return render(
        request,
        "facilities/area_group_form.html",
        {"form": form, "territory": territory, "group": group},
    )


def group_new(request: HttpRequest) -> HttpResponse:
    if not can_edit_groups(request.user):
        raise PermissionDenied
    territory = territory_from_request(request, having=("areas",))
    if territory is None:
        raise Http404
    return _form_page(request, territory, None)


def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    if not can_edit_groups(request.user):
        raise PermissionDenied
    group = get_object_or_404(groups_visible_to(request.user).select_related("territory"), pk=pk)
    return _form_page(request, group.territory, group)


@require_POST
def group_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close an open group (today) or reopen a closed one."""
    if not can_edit_groups(request.user):
        raise PermissionDenied
    group = get_object_or_404(groups_visible_to(request.user).select_related("territory"), pk=pk)
    reopen = group.closed_on is not None
    services.close_group(
        group=group, on=None if reopen else timezone.localdate(), actor=request.user
    )
    text = _("Sozialraum %(name)s reopened.") if reopen else _("Sozialraum %(name)s closed.")
    messages.success(request, text % {"name": group.name})
    return redirect(_list_url(group.territory))


@require_POST
def group_delete(request: HttpRequest, pk: int) -> HttpResponse:
    if not can_edit_groups(request.user):
        raise PermissionDenied
    group = get_object_or_404(groups_visible_to(request.user).select_related("territory"), pk=pk)
    territory, name = group.territory, group.name
    services.delete_group(group=group, actor=request.user)
    messages.success(request, _("Sozialraum %(name)s deleted.") % {"name": name})
    return redirect(_list_url(territory))
