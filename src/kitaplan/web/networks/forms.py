from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kitaplan.web.childminding.forms import set_model_choices
from kitaplan.web.networks.models import ActionItem, Attendance, Member, Network, WorkingGroup
from kitaplan.web.territory.models import Area

if TYPE_CHECKING:
    from kitaplan.web.facilities.models import Facility
    from kitaplan.web.measures.models import Measure, Organisation
    from kitaplan.web.territory.models import Territory

CONSENT_TEXT = _(
    "The member agrees that the city stores their name, e-mail address, organisation and role "
    "to organise the network, and knows that they can have them deleted at any time."
)

NAME_TAKEN = _("The territory already has a network of this name.")


# ``ModelChoiceField`` is generic only in django-stubs (it cannot be subscripted at run time),
# hence the bare base classes of the labelled choice fields with ``type: ignore[type-arg]``.


class _MemberChoices(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]  # see above
    def label_from_instance(self, obj: Member) -> str:
        return f"{obj.name} ({obj.get_role_display()})"


class _MemberChoice(forms.ModelChoiceField):  # type: ignore[type-arg]  # see above
    def label_from_instance(self, obj: Member) -> str:
        return obj.display_name


class _MeasureChoice(forms.ModelChoiceField):  # type: ignore[type-arg]  # see above
    def label_from_instance(self, obj: Measure) -> str:
        return f"{obj.code} {obj.text[:80]}"


class NetworkForm(forms.Form):
    """A network's name, description, organiser and source; the territory only when created."""

    territory: forms.ModelChoiceField[Territory] = forms.ModelChoiceField(
        label=_("Territory"), queryset=None
    )
    name = forms.CharField(label=_("Name"), max_length=255)
    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        required=False,
        help_text=_(
            "A short key, unique in the territory, that imports name (e.g. fruehpraevention); "
            "left empty, it is made from the name."
        ),
    )
    scope = forms.CharField(
        label=_("Scope: area codes"),
        required=False,
        help_text=_(
            "The official codes of the areas the network works in, separated by commas "
            "(e.g. the Stadtteile of a Sozialraum); empty: the whole territory."
        ),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    organiser_name = forms.CharField(
        label=_("Organiser"),
        max_length=255,
        required=False,
        help_text=_("The unit that organises the network, e.g. the youth welfare office."),
    )
    organiser_email = forms.EmailField(
        label=_("Organiser's e-mail address"),
        required=False,
        help_text=_("Invitations are sent from this address."),
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=500,
        required=False,
        help_text=_("Where the information on the network comes from, e.g. a council paper."),
    )

    def __init__(
        self,
        *args: Any,
        territories: QuerySet[Territory] | None = None,
        network: Network | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.network = network
        if network is not None:
            del self.fields["territory"]
        else:
            assert territories is not None, "a new network needs the territories to choose from"
            set_model_choices(self, "territory", territories)
            if len(territories) == 1:
                self.fields["territory"].initial = territories[0].pk

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        return name.strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        territory_id = (
            self.network.territory_id
            if self.network is not None
            else getattr(data.get("territory"), "pk", None)
        )
        name = data.get("name")
        if territory_id is not None and name:
            others = Network.objects.filter(territory_id=territory_id, name=name)
            if self.network is not None:
                others = others.exclude(pk=self.network.pk)
            if others.exists():
                self.add_error("name", NAME_TAKEN)
        data["areas"] = self._scope_areas(territory_id, data.get("scope") or "")
        return data

    def _scope_areas(self, territory_id: int | None, text: str) -> list[Area]:
        """The current areas of the territory whose codes the scope lists; unknown codes are an
        error of the field naming them."""
        codes = sorted({c.strip() for c in text.replace(";", ",").split(",") if c.strip()})
        if territory_id is None or not codes:
            return []
        found = {
            a.official_code: a
            for a in Area.objects.filter(
                territory_id=territory_id, official_code__in=codes, valid_to__isnull=True
            )
        }
        unknown = [c for c in codes if c not in found]
        if unknown:
            self.add_error(
                "scope",
                _("The territory has no current area with the code(s) %(codes)s.")
                % {"codes": ", ".join(unknown)},
            )
        return [found[c] for c in codes if c in found]


class WorkingGroupForm(forms.Form):
    """A working group with its members, chosen from the network's members with consent."""

    name = forms.CharField(label=_("Name"), max_length=255)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    members = _MemberChoices(
        label=_("Members"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only members who gave their consent are listed; deleted members are not."),
    )

    def __init__(self, *args: Any, members: QuerySet[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_model_choices(self, "members", members)

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        return name.strip()


class MemberForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=Member.ROLE_CHOICES)
    programme = forms.ChoiceField(
        label=_("Programme"), choices=Member.PROGRAMME_CHOICES, required=False
    )
    organisation: forms.ModelChoiceField[Organisation] = forms.ModelChoiceField(
        label=_("Organisation"), queryset=None, required=False
    )
    facility: forms.ModelChoiceField[Facility] = forms.ModelChoiceField(
        label=_("Facility"), queryset=None, required=False
    )
    consent = forms.BooleanField(
        label=CONSENT_TEXT,
        required=True,
        error_messages={"required": _("Without the member's consent nothing is stored.")},
    )

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation],
        facilities: QuerySet[Facility],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_model_choices(self, "organisation", organisations)
        set_model_choices(self, "facility", facilities)


class MemberEditForm(MemberForm):
    """Editing a member with consent: the same fields and checks as adding one, without asking
    for the consent again (the consent record stays as it was given)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["consent"]


class MinutesForm(forms.Form):
    agenda = forms.CharField(
        label=_("Agenda"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    minutes = forms.CharField(
        label=_("Minutes of the meeting"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )


class AttendanceForm(forms.Form):
    """One choice per invited member (``member_<id>``)."""

    def __init__(self, *args: Any, rows: list[Attendance], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for row in rows:
            self.fields[f"member_{row.member_id}"] = forms.ChoiceField(
                label=row.member.display_name,
                choices=Attendance.STATUS_CHOICES,
                initial=row.status,
                required=False,
            )

    def statuses(self) -> dict[int, str]:
        return {
            int(name.removeprefix("member_")): value
            for name, value in self.cleaned_data.items()
            if value
        }


class ActionItemForm(forms.Form):
    text = forms.CharField(label=_("Action item"), widget=forms.Textarea(attrs={"rows": 3}))
    owner = _MemberChoice(label=_("Responsible"), queryset=None, required=False)
    due = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    measure = _MeasureChoice(label=_("Action-plan measure"), queryset=None, required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=ActionItem.STATUS_CHOICES, initial=ActionItem.OPEN
    )

    def __init__(
        self, *args: Any, members: QuerySet[Member], measures: QuerySet[Measure], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        set_model_choices(self, "owner", members)
        set_model_choices(self, "measure", measures)


class MeetingForm(forms.Form):
    """A new meeting of the network (times in the city's time zone)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}))
    venue = forms.CharField(label=_("Venue"), max_length=200, required=False)
    agenda = forms.CharField(
        label=_("Agenda"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    working_group: forms.ModelChoiceField[WorkingGroup] = forms.ModelChoiceField(
        label=_("Working group"), queryset=None, required=False, empty_label=_("whole network")
    )

    def __init__(self, *args: Any, network: Network, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_model_choices(self, "working_group", network.working_groups.order_by("name"))
