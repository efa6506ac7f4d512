"""The committee report (PDF of the balance) as a background job (issue 14).

The balance page's "PDF erstellen" queues ``planning.committee_pdf`` with the page's query
string; the worker renders it with the same function as the direct URL
(:func:`~kitaplan.web.planning.views.committee_pdf`) and stores the file
(:mod:`kitaplan.web.jobs.reports`); the job page links its download.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kitaplan.web.jobs.reports import register_report_kind

__all__ = ["COMMITTEE_PDF", "register_planning_jobs"]

COMMITTEE_PDF = "planning.committee_pdf"


def register_planning_jobs() -> None:
    from kitaplan.web.planning.views import committee_pdf  # the views import this module

    register_report_kind(
        code=COMMITTEE_PDF,
        label=_("Report for the committee (PDF)"),
        build=committee_pdf,
        download="planning:balance-pdf-file",
    )
