"""API plumbing shared by the apps' ``api`` packages: the error mapping, the
permission for people, and strict query parameters (DESIGN.md, "Strict filters").

Strict query parameters: a list or report endpoint answers 400 to a query parameter
it does not know, naming it and listing those it knows, instead of ignoring it (a
script that asked for ``?category=international`` got every call). Pagination
parameters (those of the view's paginator), ``format`` and language parameters are
always allowed. List endpoints get it from :class:`StrictFilterBackend`, the default
filter backend; report endpoints (plain ``APIView``) from :class:`StrictQueryMixin`.
"""

from collections.abc import Iterable

from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import permissions, status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError

# Read by no view today; DESIGN.md lets clients send them without a 400.
LANGUAGE_PARAMS = ("lang", "language")
PAGINATION_PARAMS = (
    "page_query_param",
    "page_size_query_param",
    "cursor_query_param",
    "limit_query_param",
    "offset_query_param",
)


def exception_handler(exc, context):
    """DRF's handler, plus domain errors mapped to their status with the same message."""
    if isinstance(exc, DomainError):
        return Response({"detail": str(exc)}, status=exc.status_code)
    return drf_exception_handler(exc, context)


class IsUser(permissions.IsAuthenticated):
    """A signed-in person or a user's token; source keys are refused."""

    def has_permission(self, request, view):
        return super().has_permission(request, view) and hasattr(request.user, "pk")


class UnknownQueryParameters(APIException):
    """Query parameters the endpoint does not know: 400 with ``detail`` naming them,
    ``unknown`` (their names) and ``known`` (the endpoint's filters)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "unknown_query_parameter"

    def __init__(self, unknown: list[str], known: list[str]):
        names = ", ".join(unknown)
        known_text = ", ".join(known) or _("none")
        if len(unknown) == 1:
            message = _("Unknown query parameter: %(names)s. Known: %(known)s.")
        else:
            message = _("Unknown query parameters: %(names)s. Known: %(known)s.")
        self.detail = {  # type: ignore[assignment]  (DRF sends a dict detail as it is)
            "detail": message % {"names": names, "known": known_text},
            "unknown": unknown,
            "known": known,
        }


def query_params_allowed(view) -> set[str]:
    """The parameters every endpoint takes: its paginator's, ``format``, language."""
    allowed = {api_settings.URL_FORMAT_OVERRIDE, *LANGUAGE_PARAMS}
    paginator = getattr(view, "paginator", None)
    for attribute in PAGINATION_PARAMS:
        name = getattr(paginator, attribute, None)
        if name:
            allowed.add(name)
    allowed.discard(None)
    return allowed


def query_params_check(request, known: Iterable[str], *, view=None) -> None:
    """Raises :class:`UnknownQueryParameters` when ``request`` has a query parameter
    that is neither in ``known`` nor one every endpoint takes."""
    known = sorted(known)
    unknown = sorted(set(request.query_params) - set(known) - query_params_allowed(view))
    if unknown:
        raise UnknownQueryParameters(unknown, known)


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter's backend, refusing query parameters that are not the view's
    filters (nor pagination, format or language) on list requests. A view without a
    FilterSet knows none. Requests for one object (``detail``) are left alone."""

    def filter_queryset(self, request, queryset, view):
        if not getattr(view, "detail", False):
            filterset_class = self.get_filterset_class(view, queryset)
            known = filterset_class.base_filters if filterset_class else ()
            query_params_check(request, known, view=view)
        return super().filter_queryset(request, queryset, view)


class StrictQueryMixin:
    """For report views (``APIView``): the query parameters are the fields of
    ``query_serializer_class``; any other answers 400 before the view runs."""

    query_serializer_class: type | None = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if self.query_serializer_class is not None:
            query_params_check(request, self.query_serializer_class().fields, view=self)
