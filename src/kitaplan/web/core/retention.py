"""Retention periods of personal data and their legal reasons: the one place they are defined.

The periods come from the settings ``KITAPLAN_RETENTION_*`` (environment variables of the same
name, see :mod:`kitaplan.web.settings`); the erasure services of the apps
(``allocation.erasure``, ``childminding.erasure``, ``substitutes.erasure``) and the command
``kitaplan retention`` read them from here, and the pages show the reasons from here. The run
of all erasure steps is :mod:`kitaplan.web.audit.retention` (a registry the apps fill);
``months_before`` is :func:`kitaplan.domain.common.calendar.months_before`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kitaplan.domain.common.calendar import months_before

__all__ = [
    "ERASED_NAME",
    "RetentionPeriods",
    "months_before",
    "payment_retention_reason",
    "periods",
]

#: The value an erased name is replaced with (stored data, not a user-facing message).
ERASED_NAME = "gelöscht"


@dataclass(frozen=True)
class RetentionPeriods:
    application_months: int
    parent_contact_months: int
    childminder_years: int
    payment_years: int


def periods() -> RetentionPeriods:
    """The configured periods (read on every call, so tests may override the settings)."""
    return RetentionPeriods(
        application_months=int(settings.KITAPLAN_RETENTION_APPLICATION_MONTHS),
        parent_contact_months=int(settings.KITAPLAN_RETENTION_PARENT_CONTACT_MONTHS),
        childminder_years=int(settings.KITAPLAN_RETENTION_CHILDMINDER_YEARS),
        payment_years=int(settings.KITAPLAN_RETENTION_PAYMENT_YEARS),
    )


def payment_retention_reason() -> str:
    """Why payment runs, their lines and the payee accounts frozen in them stay."""
    return str(
        _(
            "Payment runs, their lines and the bank details frozen in them are kept: retention "
            "under § 147 AO and budget law, %(years)s years."
        )
        % {"years": periods().payment_years}
    )
