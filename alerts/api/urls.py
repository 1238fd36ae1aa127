"""Alerts API URLs (DESIGN.md "Alerts"): /api/v1/alerts/rules/, /api/v1/alerts/ and
/api/v1/alerts/{id}/acknowledge/."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from .views import AlertRuleViewSet, AlertViewSet

rules = DefaultRouter()
rules.include_root_view = False  # /api/v1/alerts/ is the list of alerts
rules.register("rules", AlertRuleViewSet, basename="alertrule")
alerts = DefaultRouter()
alerts.include_root_view = False
alerts.register("", AlertViewSet, basename="alert")

urlpatterns = [path("", include(rules.urls)), path("", include(alerts.urls))]
