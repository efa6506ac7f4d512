from django.urls import path

from kitaplan.web.payments import hours_views, master_data_views, views

app_name = "payments"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("tables/new/", views.table_upload, name="table-upload"),
    path("tables/<int:pk>/", views.rate_table_detail, name="rate-table"),
    path("fees/", views.fees, name="fees"),
    path("debtor/", master_data_views.debtor, name="debtor"),
    path("hours/", hours_views.hours, name="hours"),
    path("contracts/<int:pk>/", master_data_views.contract_detail, name="contract"),
    path("childminders/", master_data_views.childminder_list, name="childminders"),
    path("childminders/<int:pk>/", master_data_views.childminder_payment_data, name="childminder"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/lines.csv", views.run_csv, name="run-csv"),
    path("runs/<int:pk>/sepa.xml", views.run_sepa, name="run-sepa"),
    path("runs/<int:pk>/statements/<int:childminder>/", views.statement, name="statement"),
    path(
        "runs/<int:pk>/statements/<int:childminder>/pdf/",
        views.statement_pdf,
        name="statement-pdf",
    ),
]
