"""Billing API: calls, for everyone in their scope."""

from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import IsUser
from rating.services import call_explain

from ..filters import CallFilterSet
from ..models import Call
from ..pagination import CallCursorPagination
from ..selectors import calls_visible_to
from ..services import CALL_COST_MAX
from .serializers import CallSerializer


class CallViewSet(viewsets.ReadOnlyModelViewSet):
    """Calls, newest first. Managers see their departments' calls only."""

    queryset = Call.objects.none()  # for the schema; requests use get_queryset()
    serializer_class = CallSerializer
    filterset_class = CallFilterSet
    pagination_class = CallCursorPagination
    permission_classes = [IsUser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return calls_visible_to(self.request.user)

    @action(detail=True)
    def explain(self, request, pk=None):
        """How the call's price is reached, step by step, with today's tariff; says so
        when that differs from the stored price (re-rate to apply a tariff change)."""
        call = self.get_object()
        price = call_explain(site=call.site, call=call, max_cost=CALL_COST_MAX, trunk=call.trunk)
        stored = None if call.cost is None else f"{call.cost:.4f}"
        current = None if price.cost is None else f"{price.cost:.4f}"
        return Response(
            {
                "call": call.pk,
                "cost": stored,
                "currency": call.currency,
                "current_cost": current,
                "matches_stored_cost": stored == current,
                "unrated_reason": price.unrated_reason,
                "steps": price.steps,
            }
        )
