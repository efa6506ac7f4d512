"""The development report of a district or Sozialraum (PDF) as a background job (issue 14).

The alerts page's "PDF erstellen" queues ``monitoring.district_pdf`` with the report's query
(territory, district or Sozialraum, periods, basis, threshold, map); the worker renders it
with the same function as the direct URL
(:func:`~kitaplan.web.monitoring.trend_views.district_pdf`) and stores the file
(:mod:`kitaplan.web.jobs.reports`); the job page links its download.
The kind is registered in the app's ``ready()`` (its builder lives in the views, which
import this module for the code).
"""

from __future__ import annotations

__all__ = ["DISTRICT_PDF"]

DISTRICT_PDF = "monitoring.district_pdf"
