"""The form of a Sozialraum: name, description and its areas (any level of the territory)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kitaplan.web.territory.models import Area, AreaGroup, Territory


class AreaChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]  # stubs only
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.level.name}: {obj.official_code} {obj.name}"


class AreaGroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=2000, widget=forms.Textarea
    )
    areas = AreaChoiceField(
        label=_("Areas"),
        queryset=Area.objects.none(),
        help_text=_(
            "Areas of any level; hold Ctrl to choose several. An area and one of its parts "
            "cannot both be chosen."
        ),
        widget=forms.SelectMultiple(attrs={"size": 15}),
    )

    def __init__(
        self, *args: Any, territory: Territory, group: AreaGroup | None = None, **kwargs: Any
    ) -> None:
        if group is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": group.name,
                    "description": group.description,
                    "areas": list(group.areas.values_list("pk", flat=True)),
                },
            )
        super().__init__(*args, **kwargs)
        field = self.fields["areas"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = (
            Area.objects.filter(territory=territory, valid_to__isnull=True)
            .select_related("level")
            .defer("geometry", "bbox")
            .order_by("level__rank", "official_code")
        )
