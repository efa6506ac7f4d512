"""Pages of the networks: list, one network (members or, without the right to see personal
data, counts), creating and editing a network, its working groups (create, edit with members,
delete), adding a member with consent, editing one while the consent stands, erasing one on
request, the member list export,
meetings (agenda, minutes, attendance, action items) and the invitation (.ics, e-mail)."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from kitaplan.web.core import access
from kitaplan.web.core.exports import Column, export_response
from kitaplan.web.core.mail import email_configured
from kitaplan.web.facilities.models import Facility
from kitaplan.web.measures.models import Measure, Organisation
from kitaplan.web.networks import ical, selectors, services
from kitaplan.web.networks.forms import (
    ActionItemForm,
    AttendanceForm,
    MeetingForm,
    MemberEditForm,
    MemberForm,
    MinutesForm,
    NetworkForm,
    WorkingGroupForm,
)
from kitaplan.web.networks.models import (
    ActionItem,
    Attendance,
    Meeting,
    Member,
    Network,
    WorkingGroup,
)
from kitaplan.web.territory.models import Territory

MEMBER_COLUMNS = [
    Column("name", gettext_lazy("Name"), lambda m: m.name),
    Column("email", gettext_lazy("E-mail address"), lambda m: m.email),
    Column("role", gettext_lazy("Role"), lambda m: m.get_role_display()),
    Column("programme", gettext_lazy("Programme"), lambda m: m.get_programme_display()),
    Column(
        "organisation",
        gettext_lazy("Organisation"),
        lambda m: m.organisation.name if m.organisation else "",
    ),
    Column("facility", gettext_lazy("Facility"), lambda m: m.facility.name if m.facility else ""),
    Column(
        "working_groups",
        gettext_lazy("Working groups"),
        lambda m: ", ".join(g.name for g in m.working_groups.all()),
    ),
    Column("consent_given_at", gettext_lazy("Consent given at"), lambda m: m.consent_given_at),
    Column(
        "consent_text_version",
        gettext_lazy("Version of the consent text"),
        lambda m: m.consent_text_version,
    ),
]


def _require_view(request: HttpRequest) -> None:
    if not selectors.can_view(request.user):
        raise PermissionDenied


def _require_manage(request: HttpRequest) -> None:
    if not selectors.can_manage(request.user):
        raise PermissionDenied


def _network(request: HttpRequest, pk: int) -> Network:
    _require_view(request)
    return get_object_or_404(
        selectors.networks_visible_to(request.user).select_related("territory"), pk=pk
    )


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    _require_view(request)
    return get_object_or_404(
        selectors.meetings_visible_to(request.user).select_related(
            "network", "network__territory", "working_group"
        ),
        pk=pk,
    )


def network_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    return render(
        request,
        "networks/network_list.html",
        {
            "networks": selectors.network_list(request.user),
            "can_manage": selectors.can_manage(request.user),
        },
    )


def network_detail(request: HttpRequest, pk: int) -> HttpResponse:
    network = _network(request, pk)
    can_manage = selectors.can_manage(request.user)
    return render(
        request,
        "networks/network_detail.html",
        {
            "network": network,
            "can_manage": can_manage,
            "members": selectors.active_members(network) if can_manage else None,
            "counts": selectors.member_counts(network),
            "n_members": network.members.filter(erased_at__isnull=True).count(),
            "scope": network.areas.order_by("official_code"),
            "working_groups": network.working_groups.order_by("name").prefetch_related("members"),
            "meetings": network.meetings.order_by("start"),
        },
    )


def _network_values(form: NetworkForm) -> dict[str, Any]:
    """What the network form gives the create and update services."""
    d = form.cleaned_data
    return {
        "name": d["name"],
        "code": d["code"],
        "description": d["description"],
        "organiser_name": d["organiser_name"],
        "organiser_email": d["organiser_email"],
        "source": d["source"],
        "areas": d["areas"],
    }


def network_create(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    _require_manage(request)
    territories = access.within_territories(Territory.objects.order_by("name"), request.user, "")
    form = NetworkForm(request.POST or None, territories=territories)
    if request.method == "POST" and form.is_valid():
        try:
            network = services.create_network(
                territory=form.cleaned_data["territory"],
                actor=request.user,
                **_network_values(form),
            )
        except ValidationError as error:
            form.add_error("code" if error.code == "code_taken" else "name", error)
        else:
            messages.success(request, _("The network was created."))
            return redirect("networks:network-detail", pk=network.pk)
    return render(request, "networks/network_form.html", {"form": form, "network": None})


def network_edit(request: HttpRequest, pk: int) -> HttpResponse:
    network = _network(request, pk)
    _require_manage(request)
    form = NetworkForm(
        request.POST or None,
        network=network,
        initial={
            "name": network.name,
            "code": network.code,
            "scope": ", ".join(sorted(network.areas.values_list("official_code", flat=True))),
            "description": network.description,
            "organiser_name": network.organiser_name,
            "organiser_email": network.organiser_email,
            "source": network.source,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_network(network=network, actor=request.user, **_network_values(form))
        except ValidationError as error:
            form.add_error("code" if error.code == "code_taken" else "name", error)
        else:
            messages.success(request, _("The network was saved."))
            return redirect("networks:network-detail", pk=network.pk)
    return render(
        request, "networks/network_form.html", {"form": form, "network": network, "edit": True}
    )


def network_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close a network (POST ``action=close``) or reopen it (``action=reopen``); planners and
    administrators. A GET shows the question."""
    network = _network(request, pk)
    _require_manage(request)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "close":
            services.close_network(network=network, actor=request.user)
            messages.success(request, _("The network was closed."))
        elif action == "reopen":
            services.reopen_network(network=network, actor=request.user)
            messages.success(request, _("The network was reopened."))
        else:
            raise Http404
        return redirect("networks:network-detail", pk=network.pk)
    return render(request, "networks/network_close.html", {"network": network})


def _working_group(request: HttpRequest, pk: int) -> WorkingGroup:
    _require_manage(request)
    return get_object_or_404(
        WorkingGroup.objects.filter(
            network__in=selectors.networks_visible_to(request.user)
        ).select_related("network"),
        pk=pk,
    )


def _group_members(network: Network) -> QuerySet[Member]:
    return services.eligible_members(network).order_by("name", "pk")


def working_group_create(request: HttpRequest, pk: int) -> HttpResponse:
    network = _network(request, pk)
    _require_manage(request)
    form = WorkingGroupForm(request.POST or None, members=_group_members(network))
    if request.method == "POST" and form.is_valid():
        services.create_working_group(network=network, actor=request.user, **form.cleaned_data)
        messages.success(request, _("The working group was created."))
        return redirect(reverse("networks:network-detail", args=[network.pk]) + "#working-groups")
    return render(
        request,
        "networks/working_group_form.html",
        {"form": form, "network": network, "group": None},
    )


def working_group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = _working_group(request, pk)
    network = group.network
    form = WorkingGroupForm(
        request.POST or None,
        members=_group_members(network),
        initial={
            "name": group.name,
            "description": group.description,
            "members": list(group.members.values_list("pk", flat=True)),
        },
    )
    if request.method == "POST" and form.is_valid():
        services.update_working_group(group=group, actor=request.user, **form.cleaned_data)
        messages.success(request, _("The working group was saved."))
        return redirect(reverse("networks:network-detail", args=[network.pk]) + "#working-groups")
    return render(
        request,
        "networks/working_group_form.html",
        {"form": form, "network": network, "group": group},
    )


def working_group_delete(request: HttpRequest, pk: int) -> HttpResponse:
    group = _working_group(request, pk)
    if request.method == "POST":
        network_id = services.delete_working_group(group=group, actor=request.user)
        messages.success(request, _("The working group was deleted."))
        return redirect(reverse("networks:network-detail", args=[network_id]) + "#working-groups")
    return render(
        request,
        "networks/working_group_delete.html",
        {"group": group, "network": group.network, "n_meetings": group.meetings.count()},
    )


class MemberChoices(TypedDict):
    organisations: QuerySet[Organisation]
    facilities: QuerySet[Facility]


def _member_choices(network: Network) -> MemberChoices:
    """A member's organisation (from the measures directory) and facility: the network's
    territory's."""
    return {
        "organisations": Organisation.objects.filter(territory_id=network.territory_id).order_by(
            "name"
        ),
        "facilities": Facility.objects.filter(territory_id=network.territory_id).order_by("name"),
    }


def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    network = _network(request, pk)
    _require_manage(request)
    form = MemberForm(request.POST or None, **_member_choices(network))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.add_member(
                network=network,
                actor=request.user,
                name=d["name"],
                email=d["email"],
                role=d["role"],
                programme=d["programme"] or "",
                organisation=d["organisation"],
                facility=d["facility"],
                consent_given=d["consent"],
            )
        except ValidationError as error:
            form.add_error(None if error.code == "closed" else "consent", error)
        else:
            messages.success(request, _("The member was added."))
            return redirect("networks:network-detail", pk=network.pk)
    return render(
        request,
        "networks/member_form.html",
        {
            "network": network,
            "form": form,
            "consent_version": services.CONSENT_TEXT_VERSION,
        },
    )


def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a member while the consent stands (planners and administrators, like adding);
    an erased member is not found."""
    _require_manage(request)
    member = get_object_or_404(
        selectors.members_visible_to(request.user)
        .filter(erased_at__isnull=True)
        .select_related("network", "network__territory"),
        pk=pk,
    )
    network = member.network
    form = MemberEditForm(
        request.POST or None,
        **_member_choices(network),
        initial={
            "name": member.name,
            "email": member.email,
            "role": member.role,
            "programme": member.programme,
            "organisation": member.organisation_id,
            "facility": member.facility_id,
        },
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.update_member(
                member=member,
                actor=request.user,
                name=d["name"],
                email=d["email"],
                role=d["role"],
                programme=d["programme"] or "",
                organisation=d["organisation"],
                facility=d["facility"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The member's data were saved."))
            return redirect(reverse("networks:network-detail", args=[network.pk]) + "#members")
    return render(
        request,
        "networks/member_form.html",
        {"network": network, "form": form, "member": member, "edit": True},
    )


def member_erase(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manage(request)
    member = get_object_or_404(
        selectors.members_visible_to(request.user)
        .filter(erased_at__isnull=True)
        .select_related("network"),
        pk=pk,
    )
    if request.method == "POST":
        services.erase_member(member=member, actor=request.user)
        messages.success(request, _("The member's personal data were deleted."))
        return redirect("networks:network-detail", pk=member.network_id)
    return render(
        request, "networks/member_erase.html", {"member": member, "network": member.network}
    )


def _member_export(request: HttpRequest, pk: int, export_format: str) -> HttpResponse:
    network = _network(request, pk)
    _require_manage(request)
    return export_response(
        export_format=export_format,
        columns=MEMBER_COLUMNS,
        objects=selectors.active_members(network),
        base_name=f"netzwerk-{network.pk}-mitglieder",
    )


def member_export_csv(request: HttpRequest, pk: int) -> HttpResponse:
    return _member_export(request, pk, "csv")


def member_export_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    return _member_export(request, pk, "xlsx")


def meeting_list(request: HttpRequest, pk: int) -> HttpResponse:
    network = _network(request, pk)
    can_manage = selectors.can_manage(request.user)
    form = MeetingForm(request.POST or None, network=network) if can_manage else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            tz = timezone.get_current_timezone()
            try:
                meeting = services.create_meeting(
                    network=network,
                    actor=request.user,
                    title=d["title"],
                    start=dt.datetime.combine(d["day"], d["start"], tzinfo=tz),
                    end=dt.datetime.combine(d["day"], d["end"], tzinfo=tz),
                    venue=d["venue"],
                    agenda=d["agenda"],
                    working_group=d["working_group"],
                )
            except ValidationError as error:
                form.add_error("end", error)
            else:
                messages.success(request, _("The meeting was scheduled."))
                return redirect("networks:meeting-detail", pk=meeting.pk)
    meetings = network.meetings.select_related("working_group").order_by("start")
    return render(
        request,
        "networks/meeting_list.html",
        {"network": network, "meetings": meetings, "form": form},
    )


class MeetingForms(TypedDict):
    minutes_form: MinutesForm
    attendance_form: AttendanceForm
    item_form: ActionItemForm


def _meeting_forms(request: HttpRequest, meeting: Meeting, rows: list[Attendance]) -> MeetingForms:
    """The forms of the meeting page, bound to the POST of the action they belong to."""
    action = request.POST.get("action")
    network = meeting.network
    return {
        "minutes_form": MinutesForm(
            request.POST if action == "minutes" else None,
            initial={"agenda": meeting.agenda, "minutes": meeting.minutes},
        ),
        "attendance_form": AttendanceForm(
            request.POST if action == "attendance" else None, rows=rows
        ),
        "item_form": ActionItemForm(
            request.POST if action == "item" else None,
            members=network.members.filter(erased_at__isnull=True).order_by("name"),
            measures=Measure.objects.filter(
                objective__field__plan__territory=network.territory
            ).order_by("objective__field__plan", "objective__position", "position"),
        ),
    }


def _meeting_action(request: HttpRequest, meeting: Meeting, forms: MeetingForms) -> str | None:
    """Carry out the posted action through its service: the success message, or ``None`` when
    its form is invalid (shown again with its errors); 404 for an unknown action."""
    action = request.POST.get("action")
    if action == "minutes":
        minutes = forms["minutes_form"]
        if not minutes.is_valid():
            return None
        services.save_minutes(meeting=meeting, actor=request.user, **minutes.cleaned_data)
        return _("Agenda and minutes were saved.")
    if action == "attendance":
        attendance = forms["attendance_form"]
        if not attendance.is_valid():
            return None
        services.record_attendance(
            meeting=meeting, actor=request.user, statuses=attendance.statuses()
        )
        return _("The attendance was saved.")
    if action == "item":
        item_form = forms["item_form"]
        if not item_form.is_valid():
            return None
        services.add_action_item(meeting=meeting, actor=request.user, **item_form.cleaned_data)
        return _("The action item was added.")
    if action == "item_status":
        item = get_object_or_404(meeting.action_items, pk=request.POST.get("item") or 0)
        status = request.POST.get("status", "")
        if status not in dict(ActionItem.STATUS_CHOICES):
            raise Http404
        services.set_action_item_status(item=item, actor=request.user, status=status)
        return _("The status of the action item was saved.")
    raise Http404


def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    can_manage = selectors.can_manage(request.user)
    rows = list(meeting.attendance.select_related("member").order_by("member__name", "pk"))
    forms = _meeting_forms(request, meeting, rows) if can_manage else None
    if request.method == "POST":
        if forms is None:
            raise PermissionDenied
        message = _meeting_action(request, meeting, forms)
        if message is not None:
            messages.success(request, message)
            return redirect("networks:meeting-detail", pk=meeting.pk)
    return render(
        request,
        "networks/meeting_detail.html",
        {
            "meeting": meeting,
            "network": meeting.network,
            "can_manage": can_manage,
            "rows": rows if can_manage else None,
            "attendance_counts": selectors.attendance_counts(meeting),
            "items": meeting.action_items.select_related("owner", "measure").order_by("due", "pk"),
            "item_statuses": ActionItem.STATUS_CHOICES,
            **(forms or {}),
        },
    )


def meeting_invite(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    _require_manage(request)
    configured = email_configured()
    if request.method == "POST":
        try:
            sent = services.send_invitation(meeting=meeting, actor=request.user)
        except services.EmailNotConfigured:
            messages.warning(
                request, _("E-mail is not configured: download the calendar file instead.")
            )
        else:
            messages.success(
                request,
                ngettext("%(count)d invitation was sent.", "%(count)d invitations were sent.", sent)
                % {"count": sent},
            )
            return redirect("networks:meeting-detail", pk=meeting.pk)
    return render(
        request,
        "networks/meeting_invite.html",
        {
            "meeting": meeting,
            "network": meeting.network,
            "email_configured": configured,
            "invitees": len(services.invitees(meeting)),
        },
    )


def meeting_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting as .ics; attendees (personal data) only for those who may see them."""
    meeting = _meeting(request, pk)
    members: list[Member] = services.invitees(meeting) if selectors.can_manage(request.user) else []
    response = HttpResponse(ical.meeting_calendar(meeting, members), content_type=ical.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{ical.file_name(meeting)}"'
    return response
