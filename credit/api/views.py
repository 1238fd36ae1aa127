"""Credit API: authorize and settle for Asterisk; accounts, money and live calls for
the people who manage them. Each view translates the request and calls one service."""

from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from credit.models import Channel
from credit.selectors import accounts_with_available, reservations_live
from credit.services import (
    AmountRefused,
    account_adjust,
    account_top_up,
    call_authorize,
    call_refund,
    call_settle,
)

from .permissions import CreditModelPermissions, requires
from .serializers import (
    AccountSerializer,
    AuthorizationSerializer,
    AuthorizeSerializer,
    LedgerEntrySerializer,
    MoneyMovementSerializer,
    RefundSerializer,
    ReservationSerializer,
    SettlementSerializer,
    SettleSerializer,
)

CanAuthorizeCalls = requires("credit.authorize_calls")


class AuthorizeView(APIView):
    """How long may this caller talk? Holds the money for that long.

    A refusal is an answer, not an error: ``200`` with ``allowed`` false and the reason.
    """

    permission_classes = [CanAuthorizeCalls]

    @extend_schema(request=AuthorizeSerializer, responses=AuthorizationSerializer)
    def post(self, request):
        given = AuthorizeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        answer = call_authorize(
            account_code=given.validated_data["account"],
            number=given.validated_data["number"],
            call_id=given.validated_data["call_id"],
        )
        return Response(AuthorizationSerializer(answer).data)


class SettleView(APIView):
    """The call ended after ``billsec`` billable seconds: charge it, release the rest.

    Settling again with the same seconds changes nothing; other seconds get ``409``.
    """

    permission_classes = [CanAuthorizeCalls]

    @extend_schema(request=SettleSerializer, responses=SettlementSerializer)
    def post(self, request):
        given = SettleSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        settlement = call_settle(
            call_id=given.validated_data["call_id"],
            billsec=given.validated_data["billsec"],
            channel=Channel.API,
        )
        return Response(SettlementSerializer(settlement).data)


class LiveCallsView(generics.ListAPIView):
    """Calls in progress (open reservations): how many, whose, and what they hold."""

    permission_classes = [requires("credit.view_reservation")]
    serializer_class = ReservationSerializer
    pagination_class = None

    def get_queryset(self):
        return reservations_live()


class AccountViewSet(viewsets.ModelViewSet):
    """Prepaid accounts. The balance moves only through top-ups, adjustments and calls."""

    queryset = accounts_with_available()
    serializer_class = AccountSerializer
    filterset_fields = {"code": ["exact"], "active": ["exact"], "site__slug": ["exact"]}
    permission_classes = [CreditModelPermissions]
    action_permissions = {
        "topups": "credit.top_up_account",
        "adjustments": "credit.adjust_account",
        "ledger": "credit.view_ledgerentry",
    }

    def get_permissions(self):
        needed = self.action_permissions.get(self.action)
        return [requires(needed)()] if needed else super().get_permissions()

    def destroy(self, request, *args, **kwargs):
        try:
            return super().destroy(request, *args, **kwargs)
        except ProtectedError:
            return Response(
                {
                    "detail": _(
                        "This account has ledger entries or calls, which are kept: "
                        "block it (active: false) instead of deleting it."
                    )
                },
                status=status.HTTP_409_CONFLICT,
            )

    @extend_schema(request=MoneyMovementSerializer, responses={201: LedgerEntrySerializer})
    @action(detail=True, methods=["post"])
    def topups(self, request, pk=None):
        """Add money: ``{"amount": "100.00", "note": "..."}``."""
        return self._move(request, account_top_up)

    @extend_schema(request=MoneyMovementSerializer, responses={201: LedgerEntrySerializer})
    @action(detail=True, methods=["post"])
    def adjustments(self, request, pk=None):
        """Correct the balance by a signed amount; the note says why."""
        return self._move(request, account_adjust)

    def _move(self, request, service):
        account = self.get_object()
        given = MoneyMovementSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            entry = service(
                account_id=account.pk,
                amount=given.validated_data["amount"],
                note=given.validated_data["note"],
                user=request.user,
                channel=Channel.API,
            )
        except AmountRefused as refused:
            raise serializers.ValidationError({"amount": [str(refused)]}) from None
        return Response(LedgerEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=LedgerEntrySerializer(many=True))
    @action(detail=True)
    def ledger(self, request, pk=None):
        """Every movement of the account's money, newest first."""
        account = self.get_object()
        entries = account.ledger.select_related("reservation", "created_by")
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(LedgerEntrySerializer(page, many=True).data)


class RefundView(APIView):
    """Give back what a settled call was charged (once): ``{"call_id": ..., "note": ...}``."""

    permission_classes = [requires("credit.adjust_account")]

    @extend_schema(request=RefundSerializer, responses={201: LedgerEntrySerializer})
    def post(self, request):
        given = RefundSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        entry = call_refund(
            call_id=given.validated_data["call_id"],
            note=given.validated_data["note"],
            user=request.user,
            channel=Channel.API,
        )
        return Response(LedgerEntrySerializer(entry).data, status=status.HTTP_201_CREATED)
