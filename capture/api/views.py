"""Capture API: PBX sources, for administrators.

The ingest endpoint and the raw records (which parsing reaches) are billing's API,
in ``billing.api.views``: capture sits below billing's pipeline.
"""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from capture.models import Source
from capture.preview import family_ranking, no_family_message, source_preview
from capture.probe import source_probe
from capture.services import source_rotate_key

from .serializers import (
    SourceChooseResultSerializer,
    SourceChooseSerializer,
    SourceKeySerializer,
    SourcePreviewLineSerializer,
    SourcePreviewSerializer,
    SourceSerializer,
    SourceTestConnectionResultSerializer,
    SourceTestConnectionSerializer,
)


class SourceViewSet(viewsets.ModelViewSet):
    """PBX feeds. Creating one, or rotating its key, answers with the key once."""

    queryset = Source.objects.select_related("site")
    serializer_class = SourceSerializer
    lookup_field = "slug"
    filterset_fields = ["site__slug", "family", "transport", "enabled"]

    @extend_schema(responses={201: SourceSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        source = serializer.save()
        key = source_rotate_key(source=source)
        return Response({**serializer.data, "key": key}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: SourceKeySerializer})
    @action(detail=True, methods=["post"], url_path="rotate-key")
    def rotate_key(self, request, slug=None):
        """Issue a new key; the old one stops working at once."""
        return Response({"key": source_rotate_key(source=self.get_object())})

    @extend_schema(
        request=SourcePreviewSerializer, responses={200: SourcePreviewLineSerializer(many=True)}
    )
    @action(detail=False, methods=["post"])
    def preview(self, request):
        """How sample lines parse with these settings; nothing is stored."""
        serializer = SourcePreviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            entries = source_preview(**serializer.validated_data)
        except ValidationError as error:
            return Response(error.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(entries)

    @extend_schema(request=SourceChooseSerializer, responses={200: SourceChooseResultSerializer})
    @action(detail=False, methods=["post"])
    def choose(self, request):
        """Which family is this? The families and options that read sample lines best,
        best first; nothing is stored."""
        serializer = SourceChooseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            candidates = family_ranking(**serializer.validated_data)
        except ValidationError as error:
            return Response(error.message_dict, status=status.HTTP_400_BAD_REQUEST)
        message = "" if candidates else no_family_message()
        return Response({"candidates": candidates, "message": message})

    @extend_schema(
        request=SourceTestConnectionSerializer,
        responses={200: SourceTestConnectionResultSerializer},
    )
    @action(detail=False, methods=["post"], url_path="test-connection")
    def test_connection(self, request):
        """Open the link once and say what happened; with ``capture_seconds``, also the
        records framed in that time and how each parses. Nothing is stored; the
        request waits for the test (at most 10 s) or the capture (at most 60 s)."""
        serializer = SourceTestConnectionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            data = dict(serializer.validated_data)
            answer = source_probe(site=data.pop("site", None), **data)
        except ValidationError as error:
            return Response(error.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(answer)
