from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kitaplan.web.territory.models import AreaLevel, Territory


class AreaFilterForm(forms.Form):
    territory = forms.ModelChoiceField(
        label=_("Territory"),
        queryset=Territory.objects.order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=None,
    )
    level = forms.ModelChoiceField(
        label=_("Level"),
        queryset=AreaLevel.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("finest level"),
    )
    q = forms.CharField(label=_("Search name or code"), required=False, max_length=100)
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: object, territory: Territory | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if territory is not None:
            self.fields["level"].queryset = territory.levels.order_by("rank")  # type: ignore[attr-defined]
