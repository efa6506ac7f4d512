from django.urls import path

from kitaplan.web.measures import plan_views, views

app_name = "measures"
urlpatterns = [
    path("", views.plan_list, name="plan-list"),
    path("plan/<int:pk>/", views.plan_detail, name="plan-detail"),
    path("plan/new/", plan_views.plan_create, name="plan-create"),
    path("plan/<int:pk>/edit/", plan_views.plan_edit, name="plan-edit"),
    path("plan/<int:pk>/close/", plan_views.plan_close, name="plan-close"),
    path("plan/<int:pk>/new-version/", plan_views.plan_version, name="plan-version"),
    path("plan/<int:pk>/field/new/", plan_views.field_form, name="field-create"),
    path("plan/<int:pk>/field/<int:field_pk>/", plan_views.field_form, name="field-edit"),
    path(
        "plan/<int:pk>/field/<int:field_pk>/remove/",
        plan_views.field_remove,
        name="field-remove",
    ),
    path(
        "plan/<int:pk>/field/<int:field_pk>/objective/new/",
        plan_views.objective_form,
        name="objective-create",
    ),
    path(
        "plan/<int:pk>/field/<int:field_pk>/objective/<int:objective_pk>/",
        plan_views.objective_form,
        name="objective-edit",
    ),
    path(
        "plan/<int:pk>/objective/<int:objective_pk>/remove/",
        plan_views.objective_remove,
        name="objective-remove",
    ),
    path(
        "plan/<int:pk>/objective/<int:objective_pk>/measure/new/",
        plan_views.measure_form,
        name="measure-create",
    ),
    path(
        "plan/<int:pk>/objective/<int:objective_pk>/measure/<int:measure_pk>/",
        plan_views.measure_form,
        name="measure-edit",
    ),
    path(
        "plan/<int:pk>/measure/<int:measure_pk>/remove/",
        plan_views.measure_remove,
        name="measure-remove",
    ),
    path("plan/<int:pk>/report/", views.report_page, name="report"),
    path("plan/<int:pk>/report.pdf", views.report_pdf, name="report-pdf"),
    path("plan/<int:pk>/report.xlsx", views.report_xlsx, name="report-xlsx"),
    path("measure/<int:pk>/", views.measure_detail, name="measure-detail"),
    path("document/<int:pk>/", views.document_download, name="document"),
    path("organisations/", views.organisation_list, name="organisation-list"),
    path("organisations/new/", views.organisation_create, name="organisation-create"),
    path("organisation/<int:pk>/edit/", views.organisation_edit, name="organisation-edit"),
]
