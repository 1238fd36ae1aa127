"""URLs: the report pages, sign-in, the admin, the REST API under /api/v1/, its schema
and docs, the health check."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from billing.api.views import CallViewSet, DepartmentViewSet, ExtensionViewSet, SiteViewSet
from capture.api.views import IngestView, RawRecordViewSet, SourceViewSet
from core.views import healthz
from rating.api.views import RatePlanViewSet

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
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/ingest/", IngestView.as_view(), name="ingest"),
    path("api/v1/credit/", include("credit.api.urls")),
    path("api/v1/reports/", include("reports.api.urls")),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("healthz", healthz, name="healthz"),
    path("reports/", include("reports.urls")),
]

handler404 = "core.views.not_found"
