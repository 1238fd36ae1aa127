"""The alerts' page actions: acknowledging an alert from the dashboard's panel."""

import contextlib

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .selectors import alerts_visible_to
from .services import AlreadyAcknowledged, alert_acknowledge


@login_required
@require_POST
def acknowledge(request, pk: int):
    """Acknowledge an alert in the signed-in person's scope (as the API does), then
    go back to the page it was acknowledged on; someone else's acknowledgement
    first stands."""
    alert = get_object_or_404(alerts_visible_to(request.user), pk=pk)
    with contextlib.suppress(AlreadyAcknowledged):  # off the panel either way
        alert_acknowledge(alert=alert, user=request.user)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    return redirect(target)
