"""Test a source's link before it is saved, and capture a few seconds of it: the
admin's "Test connection" and "Capture" buttons and ``POST
/api/v1/sources/test-connection/`` answer through :func:`source_probe`.

The link is opened once, for a bounded time (:mod:`smdr.probe`), while the request
waits: a test takes at most 10 s, a capture at most 60 s.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from org.models import Site
from smdr.framing import FAMILIES
from smdr.probe import DEFAULT_SECONDS, MAX_RECORDS, ProbeResult, Status, Step, link_probe
from smdr.schema import SettingsError
from smdr.source_settings import loaded_settings, settings_schema
from smdr.transports import transport_from_settings

from .models import Transport, settings_error_text
from .preview import framed_records_preview

DEFAULT_CAPTURE_SECONDS = 30
MAX_CAPTURE_SECONDS = 60


def source_probe(
    *,
    site: Site | None,
    family: str,
    transport: str,
    settings: Mapping[str, object],
    capture_seconds: int | None = None,
) -> dict[str, Any]:
    """Open the link ``settings`` describe once and say what happened.

    ``{"ok", "steps": [{"status", "message"}], "bytes"}``; with ``capture_seconds``
    (1 to 60), also the ``lines`` framed in that time (at most 200) and how each
    parses (``entries``), which needs ``site`` (its zone and extensions). Bad input
    raises ValidationError naming the field; a link that fails is an answer (``ok``
    false, its last step says why), never an exception.
    """
    if family not in FAMILIES:
        raise ValidationError({"family": _("No framer for %(family)r.") % {"family": family}})
    if capture_seconds is not None and not 1 <= capture_seconds <= MAX_CAPTURE_SECONDS:
        raise ValidationError(
            {
                "capture_seconds": _("A capture takes 1 to %(limit)d seconds.")
                % {"limit": MAX_CAPTURE_SECONDS}
            }
        )
    if capture_seconds is not None and site is None:
        raise ValidationError({"site": _("A capture needs the site.")})
    if transport == Transport.AGENT:
        message = _("An agent's link is on the agent's computer: test it there.")
        return {"ok": False, "steps": [{"status": Status.ERROR, "message": message}], "bytes": 0}
    settings = loaded_settings(family, settings)
    try:
        settings_schema(transport, family).validate(settings)
        link = transport_from_settings(transport, family, settings)
    except SettingsError as error:
        raise ValidationError({"settings": [settings_error_text(error)]}) from None
    except ValueError as error:
        raise ValidationError({"settings": [str(error)]}) from None
    capture = capture_seconds is not None
    result: ProbeResult = link_probe(
        link,
        family,
        seconds=capture_seconds if capture else DEFAULT_SECONDS,
        capture=capture,
        max_records=MAX_RECORDS,
        settings=settings,
    )
    answer: dict[str, Any] = {
        "ok": result.ok,
        "steps": [step_shown(step) for step in result.steps],
        "bytes": result.bytes_received,
    }
    if capture and site is not None:
        answer["lines"], answer["entries"] = framed_records_preview(
            site=site,
            family=family,
            settings=settings,
            records=result.records,
            transport=transport,
        )
    return answer


def step_shown(step: Step) -> dict[str, str]:
    """A probe step in the user's language."""
    return {"status": step.status, "message": _(step.message) % step.params}
