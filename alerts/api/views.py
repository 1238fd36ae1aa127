"""Alerts API: rules for administrators; raised alerts for everyone in their scope,
with acknowledgement."""

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response

from alerts.models import Alert, AlertRule
from alerts.selectors import alerts_visible_to
from alerts.services import alert_acknowledge
from core.api import IsUser

from .serializers import AlertRuleSerializer, AlertSerializer


class AlertRuleViewSet(viewsets.ModelViewSet):
    """Alert rules (administrators): what to watch, where, and whom to tell."""

    queryset = AlertRule.objects.select_related("site").order_by("id")
    serializer_class = AlertRuleSerializer
    permission_classes = [IsAdminUser]


class AlertViewSet(viewsets.ReadOnlyModelViewSet):
    """Raised alerts, newest first. Managers see those raised by their departments' calls."""

    queryset = Alert.objects.none()  # for the schema; requests use get_queryset()
    serializer_class = AlertSerializer
    permission_classes = [IsUser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return alerts_visible_to(self.request.user).prefetch_related("alert_calls")

    @extend_schema(request=None, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """Acknowledge the alert (who and when are recorded); 409 if it already was."""
        alert = alert_acknowledge(alert=self.get_object(), user=request.user)
        return Response(self.get_serializer(alert).data)
