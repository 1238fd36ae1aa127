"""Billing API: calls, for everyone in their scope; the ingest endpoint, which
stores batches and queues their parse; raw records, for administrators, with parsing
them again."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.authentication import TokenAuthentication
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.filters import CallFilterSet
from billing.models import Call
from billing.pagination import CallCursorPagination
from billing.pipeline import raw_records_ingest, raw_records_reprocess
from billing.selectors import calls_visible_to
from billing.services import CALL_COST_MAX, call_personal_mark
from capture.api.authentication import SourceKeyAuthentication
from capture.api.serializers import RawRecordSerializer
from capture.filters import RawRecordFilterSet
from capture.models import RawRecord, Source
from core.api import IsUser
from rating.services import call_explain

from .ingest import BatchRejected, BatchTooLarge, ingest_batch_parse
from .serializers import CallPersonalSerializer, CallSerializer

CALLS_LIST_DESCRIPTION = (
    "Calls, newest first by (`start`, `id`), in your scope (managers: their "
    "departments' calls). Paged by cursor: follow `next` until it is null. The "
    "answer has no `count`: each page is one indexed query however deep it is, and "
    "counting every matching call would scan them all on each page; the reports "
    "(`/api/v1/reports/`) give totals. `unrated_reason` says why a call has no price. "
    "A query parameter that is not a filter below (nor `cursor`, `page_size`, "
    "`format`) answers 400 naming it."
)


CALL_PERSONAL_DESCRIPTION = (
    'Mark the call personal (`{"personal": true, "personal_note": "..."}`) or '
    'business again (`{"personal": false}`, which clears the note). Allowed for the '
    "holder of the call's extension (the account linked to it) and administrators "
    "(403 otherwise), until the call's month is closed (400 naming the month). "
    "Costs and totals do not change; the personal-calls report charges them back."
)


@extend_schema_view(
    list=extend_schema(description=CALLS_LIST_DESCRIPTION),
    partial_update=extend_schema(
        description=CALL_PERSONAL_DESCRIPTION,
        request=CallPersonalSerializer,
        responses={
            200: CallSerializer,
            400: OpenApiResponse(description="A closed month, or a note too long."),
            403: OpenApiResponse(description="Not the extension's holder nor an administrator."),
        },
    ),
)
class CallViewSet(mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Calls, newest first. Managers see their departments' calls only; the holder of
    an extension and administrators mark its calls personal (PATCH)."""

    queryset = Call.objects.none()  # for the schema; requests use get_queryset()
    serializer_class = CallSerializer
    filterset_class = CallFilterSet
    pagination_class = CallCursorPagination
    permission_classes = [IsUser]
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        if self.action == "partial_update":
            # The holder may not read their department's calls, but marks their own:
            # who may is the service's to say (403), not the scope's (404).
            return Call.objects.select_related("site", "source", "extension", "trunk")
        return calls_visible_to(self.request.user)

    def filter_queryset(self, queryset):
        if self.action == "partial_update":
            return queryset  # no filters on a write
        return super().filter_queryset(queryset)

    def partial_update(self, request, *args, **kwargs):
        call = self.get_object()
        given = CallPersonalSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        personal = data.get("personal", call.personal)
        call = call_personal_mark(
            call=call, user=request.user, personal=personal, note=data.get("personal_note")
        )
        return Response(CallSerializer(call, context=self.get_serializer_context()).data)

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


class IsSource(permissions.BasePermission):
    message = gettext_lazy(
        "Ingest takes a source key (Authorization: Token KEY); user tokens cannot ingest."
    )

    def has_permission(self, request, view):
        return isinstance(request.auth, Source)


class IngestView(APIView):
    """Store a batch of raw records from a remote agent or any client.

    Answers once the records are committed; parsing happens afterwards. A batch
    sent again stores nothing twice: ``(source, seq)`` is unique.
    """

    authentication_classes = [SourceKeyAuthentication, TokenAuthentication]
    permission_classes = [IsSource]

    @extend_schema(
        request=inline_serializer(
            "IngestBatch",
            {
                "source": serializers.SlugField(),
                "records": serializers.ListField(
                    child=inline_serializer(
                        "IngestRecord",
                        {
                            "seq": serializers.IntegerField(min_value=1),
                            "received_at": serializers.DateTimeField(),
                            "line": serializers.CharField(required=False),
                            "data": serializers.CharField(
                                required=False, help_text="base64, for bytes that are not UTF-8"
                            ),
                        },
                    ),
                    max_length=5000,
                ),
            },
        ),
        responses={
            200: inline_serializer(
                "IngestResult",
                {
                    "stored": serializers.IntegerField(),
                    "duplicates": serializers.IntegerField(),
                    "last_seq": serializers.IntegerField(allow_null=True),
                },
            ),
            400: OpenApiResponse(description="Malformed batch; nothing stored."),
            401: OpenApiResponse(description="No key, or an unknown key."),
            403: OpenApiResponse(description="The key belongs to another source."),
            411: OpenApiResponse(description="A chunked body, on a server that cannot read one."),
            413: OpenApiResponse(description="More than 5,000 records."),
        },
    )
    def post(self, request):
        source: Source = request.auth
        max_records = settings.TARIFICADOR_INGEST_MAX_RECORDS
        try:
            batch = ingest_batch_parse(_body(request), max_records=max_records)
        except LengthRequired:
            return _error(
                status.HTTP_411_LENGTH_REQUIRED,
                _("This server cannot read a chunked body: send a Content-Length header."),
            )
        except RequestDataTooBig:
            return _error(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, "The body is too large.")
        except BatchTooLarge as error:
            return _error(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, str(error))
        except BatchRejected as error:
            return _error(status.HTTP_400_BAD_REQUEST, error.detail, errors=error.errors)
        if batch.source != source.slug:
            return _error(
                status.HTTP_403_FORBIDDEN,
                f"This key belongs to source {source.slug!r}; it cannot ingest for "
                f"{batch.source!r}.",
            )
        if not source.enabled:
            return _error(status.HTTP_403_FORBIDDEN, f"Source {source.slug!r} is disabled.")
        result = raw_records_ingest(source=source, records=batch.records)
        return Response(
            {"stored": result.stored, "duplicates": result.duplicates, "last_seq": result.last_seq}
        )


class LengthRequired(Exception):
    pass


def _body(request) -> bytes:
    """The request body, also when it comes chunked (``Transfer-Encoding: chunked`` and no
    ``Content-Length``), which Django reads as empty.

    A chunked body is read from the WSGI input when the server ends that stream at the
    body's end (gunicorn does, saying so in ``wsgi.input_terminated``); otherwise
    reading it would wait on the socket forever, so :class:`LengthRequired` is raised.
    Both ways the body is held to ``DATA_UPLOAD_MAX_MEMORY_SIZE``.
    """
    meta = request.META
    chunked = "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower()
    if meta.get("CONTENT_LENGTH") or not chunked:
        return request.body
    if not meta.get("wsgi.input_terminated"):
        raise LengthRequired
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    stream, parts, size = meta["wsgi.input"], [], 0
    while part := stream.read(64 * 1024):
        size += len(part)
        if limit is not None and size > limit:
            raise RequestDataTooBig
        parts.append(part)
    return b"".join(parts)


def _error(code: int, detail: str, **extra) -> Response:
    return Response({"detail": detail, **extra}, status=code)


class RawRecordViewSet(viewsets.ReadOnlyModelViewSet):
    """Records exactly as received, with their state; ``?state=error`` lists failures."""

    queryset = RawRecord.objects.select_related("source", "call").order_by("-id")
    serializer_class = RawRecordSerializer
    filterset_class = RawRecordFilterSet

    @extend_schema(
        request=None,
        responses={
            202: inline_serializer("Reprocessed", {"reprocessed": serializers.IntegerField()})
        },
    )
    @action(detail=False, methods=["post"])
    def reprocess(self, request):
        """Parse again the records the filters select (at least one filter is required)."""
        if not any(request.query_params.get(name) for name in RawRecordFilterSet.Meta.fields):
            return _error(
                status.HTTP_400_BAD_REQUEST,
                "Say which records to reprocess, e.g. ?source=SLUG&state=error.",
            )
        count = raw_records_reprocess(queryset=self.filter_queryset(self.get_queryset()))
        return Response({"reprocessed": count}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        operation_id="raw_records_reprocess_one",
        request=None,
        responses={
            202: inline_serializer("ReprocessedOne", {"reprocessed": serializers.IntegerField()})
        },
    )
    @action(detail=True, methods=["post"], url_path="reprocess", url_name="reprocess-one")
    def reprocess_one(self, request, pk=None):
        """Parse this record again."""
        count = raw_records_reprocess(records=[self.get_object()])
        return Response({"reprocessed": count}, status=status.HTTP_202_ACCEPTED)
