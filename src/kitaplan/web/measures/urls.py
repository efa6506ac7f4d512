from django.urls import path

from kitaplan.web.measures import views

app_name = "measures"
urlpatterns = [
    path("", views.plan_list, name="plan-list"),
    path("plan/<int:pk>/", views.plan_detail, name="plan-detail"),
    path("plan/<int:pk>/report/", views.report_page, name="report"),
    path("plan/<int:pk>/report.pdf", views.report_pdf, name="report-pdf"),
    path("plan/<int:pk>/report.xlsx", views.report_xlsx, name="report-xlsx"),
    path("measure/<int:pk>/", views.measure_detail, name="measure-detail"),
    path("document/<int:pk>/", views.document_download, name="document"),
    path("organisations/", views.organisation_list, name="organisation-list"),
    path("organisations/new/", views.organisation_create, name="organisation-create"),
    path("organisation/<int:pk>/edit/", views.organisation_edit, name="organisation-edit"),
]
