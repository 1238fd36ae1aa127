"""API plumbing shared by the apps' ``api`` packages."""

from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError


def exception_handler(exc, context):
    """DRF's handler, plus domain errors mapped to their status with the same message."""
    if isinstance(exc, DomainError):
        return Response({"detail": str(exc)}, status=exc.status_code)
    return drf_exception_handler(exc, context)


class IsUser(permissions.IsAuthenticated):
    """A signed-in person or a user's token; source keys are refused."""

    def has_permission(self, request, view):
        return super().has_permission(request, view) and hasattr(request.user, "pk")
