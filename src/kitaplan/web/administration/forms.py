"""Forms of the administration pages (labels in English, worded German by the catalogue)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from kitaplan.domain.territory.levels import ProposedLevel
from kitaplan.web.core.roles import ROLE_CHOICES
from kitaplan.web.territory.models import Territory


class TerritoryForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("Short name in addresses and on the command line, e.g. dresden."),
    )
    name = forms.CharField(label=_("Name"), max_length=120)
    official_code = forms.CharField(
        label=_("Official municipality key"),
        max_length=12,
        required=False,
        help_text=_("Amtlicher Gemeindeschlüssel, e.g. 14612000 for Dresden."),
    )


class LevelForm(forms.Form):
    level_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    code = forms.SlugField(label=_("Level code"), max_length=40, required=False)
    name = forms.CharField(label=_("Level name"), max_length=80, required=False)
    position = forms.IntegerField(
        label=_("Position (1 = top level)"), min_value=1, max_value=99, required=False
    )
    remove = forms.BooleanField(label=_("Remove this level"), required=False)

    def __init__(self, *args: Any, allowed_ids: frozenset[int] = frozenset(), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.allowed_ids = allowed_ids

    def clean_level_id(self) -> int | None:
        value: int | None = self.cleaned_data.get("level_id")
        if value is not None and value not in self.allowed_ids:
            raise forms.ValidationError(_("This level does not belong to the territory."))
        return value


LevelFormSet = forms.formset_factory(LevelForm, extra=2, max_num=20, absolute_max=30)


def proposed_levels(formset: forms.BaseFormSet[LevelForm]) -> list[ProposedLevel]:
    """The filled, not removed rows ordered by position (then by their place in the form)."""
    rows = []
    for index, form in enumerate(formset.forms):
        data = form.cleaned_data
        if not data or data.get("remove") or not (data.get("code") or data.get("name")):
            continue
        position = data.get("position") or 100 + index
        level = ProposedLevel(code=data["code"], name=data["name"], id=data.get("level_id"))
        rows.append((position, index, level))
    return [level for _p, _i, level in sorted(rows, key=lambda r: (r[0], r[1]))]


def level_initial(levels: list[Any]) -> list[dict[str, Any]]:
    return [
        {"level_id": lv.id, "code": lv.code, "name": lv.name, "position": lv.rank} for lv in levels
    ]


class UserForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)


class NewUserForm(UserForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=User._meta.get_field("username").validators,
        help_text=_("Letters, digits and @ . + - _ only."),
    )
    password1 = forms.CharField(
        label=_("Initial password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Hand it over in person; the user changes it on the security page. At least 8 "
            "characters, not a common password, not like the username."
        ),
    )
    password2 = forms.CharField(
        label=_("Initial password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    field_order = ["username", "first_name", "last_name", "email", "password1", "password2"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            candidate = User(username=data.get("username", ""), email=data.get("email", ""))
            try:
                validate_password(first, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)
    territory = forms.ModelChoiceField(
        label=_("Territory"),
        queryset=Territory.objects.order_by("name"),
        required=False,
        empty_label=_("every territory"),
        to_field_name="code",
    )
    provider = forms.CharField(
        label=_("Provider number"),
        max_length=32,
        required=False,
        help_text=_("Facility managers only: sees all facilities of this provider."),
    )
    facility = forms.CharField(
        label=_("Facility number"),
        max_length=32,
        required=False,
        help_text=_("Facility managers only: sees only this facility."),
    )
