"""The page django-axes answers with when a user name and address are locked out
(``AXES_LOCKOUT_CALLABLE``): on ``/accounts/login/`` and ``/admin/login/`` alike."""

from django.conf import settings
from django.shortcuts import render


def lockout_response(request, original_response=None, credentials=None):
    """``429`` with a page saying why sign-in is refused and for how long."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes}
    return render(
        request,
        "registration/locked_out.html",
        context,
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
