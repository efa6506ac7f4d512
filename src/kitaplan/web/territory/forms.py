from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kitaplan.web.core import access
from kitaplan.web.territory.models import AreaLevel, IndicatorDefinition, Territory

if TYPE_CHECKING:
    _TerritoryField = forms.ModelChoiceField[Territory]
else:  # not subscriptable at run time
    _TerritoryField = forms.ModelChoiceField


class TerritoryChoiceField(_TerritoryField):
    """A territory chooser that offers, and accepts, only the territories of the request's
    user (``access.territory_ids_of``; without a request, e.g. in a job: all it was given)."""

    def _scoped_queryset(self) -> QuerySet[Territory] | None:
        queryset: QuerySet[Territory] | None = self._queryset
        user = access.request_user()
        if queryset is None or user is None:
            return queryset
        return access.within_territories(queryset, user, "")

    def _store_queryset(self, queryset: Any) -> None:
        self._queryset = None if queryset is None else queryset.all()
        self.widget.choices = self.choices

    queryset = property(_scoped_queryset, _store_queryset)


class AreaFilterForm(forms.Form):
    territory = TerritoryChoiceField(
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
    show = forms.ChoiceField(label=_("Map shows"), required=False)
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: object, territory: Territory | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if territory is not None:
            self.fields["level"].queryset = territory.levels.order_by("rank")  # type: ignore[attr-defined]
        self.fields["show"].choices = map_value_choices(territory)  # type: ignore[attr-defined]


#: Values of the area statistics that the area map can show as classes (key → label).
STATISTIC_VALUES = {
    "places_per_100_children": _("Places per 100 children under 6"),
    "children_u3": _("Children under 3"),
    "children_ue3": _("Children 3 to under 6"),
    "places_total": _("Places"),
    "facilities": _("Facilities"),
}


def map_value_choices(territory: Territory | None) -> list[tuple[str, object]]:
    """The statistics, then every indicator that has values in the territory."""
    choices: list[tuple[str, object]] = [("", _("boundaries only"))]
    choices += list(STATISTIC_VALUES.items())
    if territory is not None:
        indicators = IndicatorDefinition.objects.filter(
            values__area__territory=territory
        ).distinct()
        choices += [(f"indicator:{i.code}", i.name) for i in indicators.order_by("name")]
    return choices
