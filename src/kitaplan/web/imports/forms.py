from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kitaplan.web.core.access import AnyUser
from kitaplan.web.core.uploads import too_large_message
from kitaplan.web.imports.registry import kind_choices, kind_entry, kinds_for
from kitaplan.web.territory.forms import TerritoryChoiceField
from kitaplan.web.territory.models import Territory

ALLOWED_SUFFIXES = (".csv", ".xlsx", ".geojson", ".json", ".gpkg", ".zip")


class ImportForm(forms.Form):
    territory = TerritoryChoiceField(
        label=_("Territory"), queryset=Territory.objects.order_by("name"), empty_label=None
    )
    kind = forms.ChoiceField(label=_("Kind of data"))
    mapping = forms.ChoiceField(
        label=_("Column mapping"),
        required=False,
        help_text=_("Leave empty for the kitaplan standard format of the chosen kind."),
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV, Excel (XLSX), GeoJSON, GeoPackage or a zipped Shapefile."),
    )
    effective_day = forms.DateField(
        label=_("Effective from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_(
            "Changed places hold from this day; with a complete list, facilities and areas "
            "missing from the file close the day before."
        ),
    )
    complete_list = forms.BooleanField(
        label=_("This file is the complete list"),
        required=False,
        help_text=_(
            "Only then are the stored records that the file does not list closed (areas, "
            "facilities) or deleted (population and indicator values of the file's years, grid "
            "cells). Without this choice the import only adds and updates."
        ),
    )

    def __init__(
        self, *args: Any, user: AnyUser, upload_too_large: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        #: the upload handler dropped the file for its size (core.uploads): say so, not "required"
        self.upload_too_large = upload_too_large
        if upload_too_large:
            self.fields["file"].required = False
        # only the kinds (and their mappings) this user may import are offered
        self.mappings = {m.name: m for entry in kinds_for(user) for m in entry.mappings}
        cast(forms.ChoiceField, self.fields["kind"]).choices = kind_choices(user)
        cast(forms.ChoiceField, self.fields["mapping"]).choices = [
            ("", _("standard format")),
            *[(name, name) for name in sorted(self.mappings)],
        ]

    def clean_file(self) -> object:
        if self.upload_too_large:
            raise forms.ValidationError(too_large_message())
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ALLOWED_SUFFIXES):
            raise forms.ValidationError(
                _("%(name)s: this file type is not supported (allowed: %(allowed)s)."),
                params={"name": upload.name, "allowed": ", ".join(ALLOWED_SUFFIXES)},
            )
        return upload

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        name = data.get("mapping")
        if name and self.mappings[name].kind_of_import != data.get("kind"):
            self.add_error("mapping", _("This mapping is for another kind of data."))
        kind = data.get("kind")
        if data.get("complete_list") and kind and not kind_entry(str(kind)).closes_missing:
            self.add_error(
                "complete_list",
                _("This kind of data is never closed by an import; it has no complete list."),
            )
        return data


class ConfirmImportForm(forms.Form):
    """The second step: import the file a dry run checked (a confirmation where it closes much)."""

    confirm_closing = forms.BooleanField(required=False)

    def __init__(self, *args: Any, closing: int, percent: int, needed: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["confirm_closing"]
        field.required = needed
        field.label = _("Yes, close %(count)s records (%(percent)s %% of the stored ones).") % {
            "count": closing,
            "percent": percent,
        }
        field.error_messages["required"] = _(
            "Please confirm that these records are to be closed, or import without the complete list."
        )
