"""The form that creates an API token: a label and a lifetime."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kitaplan.web.api import tokens
from kitaplan.web.api.models import LABEL_MAX_LENGTH


class TokenForm(forms.Form):
    label = forms.CharField(
        label=_("Label"),
        max_length=LABEL_MAX_LENGTH,
        help_text=_("What the token is for, e.g. the system that uses it."),
        error_messages={
            "required": _("Label: please enter what the token is for."),
            "max_length": _("Label: at most %(limit_value)d characters (it has %(show_value)d)."),
        },
    )
    days = forms.TypedChoiceField(
        label=_("Valid for"),
        coerce=int,
        error_messages={
            "required": _("Valid for: please choose a lifetime."),
            "invalid_choice": _("Valid for: please choose one of the lifetimes offered."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = tokens.lifetime_choices()
        field = cast(forms.TypedChoiceField, self.fields["days"])
        field.choices = [
            (days, ngettext("%(days)d day", "%(days)d days", days) % {"days": days})
            for days in choices
        ]
        field.initial = 90 if 90 in choices else choices[-1]
        self.fields["label"].widget.attrs["autocomplete"] = "off"
