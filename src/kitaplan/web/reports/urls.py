"""Routes of the cross-capability reports, under the paths of the capability they report on:
the yearly report of the advisory service and the move to a Kita (``/childminding/…``)."""

from django.urls import path

from kitaplan.web.reports import views

app_name = "reports"
urlpatterns = [
    path("childminding/report/", views.report_page, name="yearly-report"),
    path("childminding/report/report.pdf", views.report_pdf, name="yearly-report-pdf"),
    path("childminding/report/report.xlsx", views.report_xlsx, name="yearly-report-xlsx"),
    path("childminding/transition/", views.transition_page, name="transition"),
    path("childminding/transition/enter/", views.transition_enter, name="transition-enter"),
]
