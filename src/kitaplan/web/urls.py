"""Root URL configuration."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language

from kitaplan.web.accounts.login import login_view
from kitaplan.web.core.health import healthz
from kitaplan.web.facilities import home
from kitaplan.web.territory.views import about

#: The start page and the page about the data sources keep their names ``core:home`` and
#: ``core:about``; their views live in the apps whose data they show.
core_pages = (
    [path("", home.home, name="home"), path("about/", about, name="about")],
    "core",
)

urlpatterns = [
    path("login/", login_view, name="login"),
    path("healthz", healthz, name="healthz"),  # answered by core.health.HealthCheckMiddleware
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("jsi18n/", login_not_required(JavaScriptCatalog.as_view()), name="javascript-catalog"),
    path("", include(core_pages)),
    path("", include("kitaplan.web.accounts.urls")),
    path("areas/", include("kitaplan.web.facilities.area_urls")),
    path("facilities/", include("kitaplan.web.facilities.urls")),
    path("imports/", include("kitaplan.web.imports.urls")),
    path("jobs/", include("kitaplan.web.jobs.urls")),
    path("planning/", include("kitaplan.web.planning.urls")),
    path("monitoring/", include("kitaplan.web.monitoring.urls")),
    path("budget/", include("kitaplan.web.budget.urls")),
    path("allocation/", include("kitaplan.web.allocation.urls")),
    path("childminding/", include("kitaplan.web.childminding.urls")),
    path("", include("kitaplan.web.reports.urls")),  # cross-capability reports, at their paths
    path("qualification/", include("kitaplan.web.qualification.urls")),
    path("inclusion/", include("kitaplan.web.inclusion.urls")),
    path("payments/", include("kitaplan.web.payments.urls")),
    path("substitutes/", include("kitaplan.web.substitutes.urls")),
    path("measures/", include("kitaplan.web.measures.urls")),
    path("networks/", include("kitaplan.web.networks.urls")),
    path("finder/", include("kitaplan.web.finder.urls")),  # public: views are login_not_required
    path("audit/", include("kitaplan.web.audit.urls")),
    path("administration/", include("kitaplan.web.administration.urls")),
    path("api/", include("kitaplan.web.api.urls")),
    path("admin/", admin.site.urls),
]
