"""The committee report (PDF of the balance) as a background job (issue 14).

The balance page's "PDF erstellen" queues ``planning.committee_pdf`` with the page's query
string; the worker renders it with the same function as the direct URL
(:func:`~kitaplan.web.planning.views.committee_pdf`) and stores the file
(:mod:`kitaplan.web.jobs.reports`); the job page links its download.
The kind is registered in the app's ``ready()`` (its builder lives in the views, which
import this module for the code).
"""

from __future__ import annotations

__all__ = ["COMMITTEE_PDF"]

COMMITTEE_PDF = "planning.committee_pdf"
