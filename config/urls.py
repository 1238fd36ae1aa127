"""URLs: the report pages, sign-in, the admin, the REST API under /api/v1/, its schema
and docs, the health check."""

from csp.constants import SELF
from csp.decorators import csp_update
from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from accounts.views import PasswordResetView, language_set
from billing.api.views import CallViewSet, IngestView, RawRecordViewSet
from capture.api.views import SourceViewSet
from org.api.views import DepartmentViewSet, ExtensionViewSet, SiteViewSet
from rating.api.views import RatePlanViewSet

from .health import healthz

# The split view serves Swagger UI's init script from here (?script): no inline script.
# Swagger UI's stylesheet draws its icons as data: images, which only this page allows.
api_docs = csp_update({"img-src": [SELF, "data:"]})(
    SpectacularSwaggerSplitView.as_view(url_name="schema")
)


def favicon(request):
    """Browsers ask for /favicon.ico on pages without an icon link (the admin's)."""
    return redirect(static("reports/favicon.svg"))  # its hashed name, at request time


def org_admin_moved(request, rest):
    """The organization's admin pages moved from /admin/billing/ to /admin/org/ with
    their models (issue 13); old bookmarks follow them."""
    query = request.META.get("QUERY_STRING", "")
    return redirect(f"/admin/org/{rest}" + (f"?{query}" if query else ""), permanent=True)


router = DefaultRouter()
router.register("calls", CallViewSet, basename="call")
router.register("raw-records", RawRecordViewSet, basename="rawrecord")
router.register("sites", SiteViewSet, basename="site")
router.register("departments", DepartmentViewSet, basename="department")
router.register("extensions", ExtensionViewSet, basename="extension")
router.register("sources", SourceViewSet, basename="source")
router.register("rate-plans", RatePlanViewSet, basename="rateplan")

urlpatterns = [
    # People land on the dashboard (signing in first); administrators also have /admin/.
    path("", RedirectView.as_view(pattern_name="reports:dashboard"), name="home"),
    path("accounts/", include("accounts.urls")),
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    # Django's set_language (the language menu), which also keeps the choice in the
    # signed-in person's profile.
    path("i18n/setlang/", language_set, name="set_language"),
    re_path(r"^admin/billing/(?P<rest>(site|department|extension|trunk)/.*)$", org_admin_moved),
    path("admin/", admin.site.urls),
    path("api/v1/ingest/", IngestView.as_view(), name="ingest"),
    path("api/v1/credit/", include("credit.api.urls")),
    path("api/v1/alerts/", include("alerts.api.urls")),
    path("api/v1/reports/", include("reports.api.urls")),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
    path("reports/", include("reports.urls")),
    path("alerts/", include("alerts.urls")),
]

handler404 = "core.views.not_found"
