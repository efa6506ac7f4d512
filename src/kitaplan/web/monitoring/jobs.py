"""The development report of a district or Sozialraum (PDF) as a background job (issue 14).

The alerts page's "PDF erstellen" queues ``monitoring.district_pdf`` with the report's query
(territory, district or Sozialraum, periods, basis, threshold, map); the worker renders it
with the same function as the direct URL
(:func:`~kitaplan.web.monitoring.trend_views.district_pdf`) and stores the file
(:mod:`kitaplan.web.jobs.reports`); the job page links its download.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kitaplan.web.jobs.reports import register_report_kind

__all__ = ["DISTRICT_PDF", "register_monitoring_jobs"]

DISTRICT_PDF = "monitoring.district_pdf"


def register_monitoring_jobs() -> None:
    from kitaplan.web.monitoring.trend_views import district_pdf  # the views import this

    register_report_kind(
        code=DISTRICT_PDF,
        label=_("Development report (PDF)"),
        build=district_pdf,
        download="monitoring:report-pdf-file",
    )
