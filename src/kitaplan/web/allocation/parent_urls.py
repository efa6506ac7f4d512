"""Routes of the parents' pages (register once, see the status, answer the offer).

The office uses the form and the answer routes too, on behalf of a family.
"""

from django.urls import path

from kitaplan.web.allocation import parent_views

urlpatterns = [
    path("my/", parent_views.my_applications, name="my-applications"),
    path("my/export.json", parent_views.my_export, name="my-export"),
    path("my/<int:pk>/", parent_views.my_application, name="my-application"),
    path("round/<int:round_pk>/apply/", parent_views.application_new, name="application-new"),
    path("application/<int:pk>/edit/", parent_views.application_edit, name="application-edit"),
    path(
        "application/<int:pk>/withdraw/",
        parent_views.application_withdraw,
        name="application-withdraw",
    ),
    path("offer/<int:pk>/answer/", parent_views.offer_answer, name="offer-answer"),
]
