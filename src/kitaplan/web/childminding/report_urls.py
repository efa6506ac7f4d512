"""Routes of the yearly report and the move to a Kita (included by ``childminding.urls``)."""

from django.urls import path

from kitaplan.web.childminding import report_views

urlpatterns = [
    path("report/", report_views.report_page, name="report"),
    path("report/report.pdf", report_views.report_pdf, name="report-pdf"),
    path("report/report.xlsx", report_views.report_xlsx, name="report-xlsx"),
    path("transition/", report_views.transition_page, name="transition"),
    path("transition/enter/", report_views.transition_enter, name="transition-enter"),
]
