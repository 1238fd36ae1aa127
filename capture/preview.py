"""Preview of a source before it is saved: settings and sample lines in, parsed rows
out, nothing stored. The API (``POST /api/v1/sources/preview/``) and the admin's
preview page both answer through :func:`source_preview`; "which family is this?"
(``POST /api/v1/sources/choose/``, the page's button) through :func:`family_ranking`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from org.models import Site
from smdr.chooser import rank
from smdr.framing import DEFAULT_MAX_LINE, LineFramer, framer_for
from smdr.parsers import PARSERS, RecordError
from smdr.preview import Entry, framed_preview, lines_preview
from smdr.schema import COMMON, Schema, SettingsError
from smdr.source_settings import settings_schema
from smdr.transports import TRANSPORT_SCHEMAS

from .models import settings_error_text
from .parsing import parser_settings_for

MAX_PREVIEW_LINES = 1000
# A line is at most what the framer passes on to ingest (longer ones are cut there).
MAX_PREVIEW_LINE_BYTES = DEFAULT_MAX_LINE


def preview_schema(family: str, transport: str | None) -> Schema:
    """The keys a preview accepts: its transport's, or any transport's when not given
    (settings pasted from a source whose transport is not chosen yet)."""
    if transport:
        return settings_schema(transport, family)
    parser = PARSERS.get(family)
    combined = parser.options if parser else Schema()
    for declared in TRANSPORT_SCHEMAS.values():
        combined = combined | declared
    return combined | COMMON


def source_preview(
    *,
    site: Site,
    family: str,
    settings: Mapping[str, object],
    lines: Sequence[str],
    transport: str | None = None,
) -> list[Entry]:
    """How each of ``lines`` parses with ``settings``; ValidationError names the field.

    Required transport keys (host, port...) may be left out: a preview reads no link.
    """
    if family not in PARSERS:
        raise ValidationError({"family": _("No parser for %(family)r.") % {"family": family}})
    _lines_checked(lines)
    return _lines_parsed(site, family, settings, lines, transport, framed=False)


def family_ranking(*, site: Site, lines: Sequence[str]) -> list[dict[str, Any]]:
    """The families (and options) that read ``lines`` best, best first
    (:func:`smdr.chooser.rank`), with the site's zone and confirmed extensions; empty
    when no family reads a call from them. ValidationError names the field."""
    _lines_checked(lines)
    parser_settings = parser_settings_for(site=site, settings={})
    ranked = rank(
        lines,
        zone=parser_settings.time_zone,
        received_at=timezone.now(),
        extensions=parser_settings.extensions,
    )
    return [candidate.as_dict() for candidate in ranked]


def no_family_message() -> str:
    """What to say when no family reads a single call from the lines."""
    return _(
        "No family parses these lines: none reads a single call from them. Check that "
        "they are the PBX's call records (not a log or a page header), or set up a "
        "generic source with a column map."
    )


def _lines_checked(lines: Sequence[str]) -> None:
    """ValidationError when there are too many lines or one is too long."""
    if len(lines) > MAX_PREVIEW_LINES:
        raise ValidationError(
            {
                "lines": _("%(count)d lines; a preview takes at most %(limit)d.")
                % {"count": len(lines), "limit": MAX_PREVIEW_LINES}
            }
        )
    for number, line in enumerate(lines, start=1):
        if len(line.encode("utf-8", errors="replace")) > MAX_PREVIEW_LINE_BYTES:
            raise ValidationError(
                {
                    "lines": _("Line %(number)d is longer than %(limit)d bytes.")
                    % {"number": number, "limit": MAX_PREVIEW_LINE_BYTES}
                }
            )


def framed_records_preview(
    *,
    site: Site,
    family: str,
    settings: Mapping[str, object],
    records: Sequence[bytes],
    transport: str | None = None,
) -> tuple[list[str], list[Entry]]:
    """The lines of records framed from a live link (so no longer than ingest takes)
    and how each parses, as :func:`source_preview` shows pasted ones."""
    if family not in PARSERS:
        raise ValidationError({"family": _("No parser for %(family)r.") % {"family": family}})
    lines = [record.decode("utf-8", errors="replace") for record in records]
    return lines, _lines_parsed(site, family, settings, lines, transport, framed=True)


def _lines_parsed(
    site: Site,
    family: str,
    settings: Mapping[str, object],
    lines: Sequence[str],
    transport: str | None,
    *,
    framed: bool,
) -> list[Entry]:
    """How ``lines`` parse; pasted lines (not ``framed`` yet) of a generic source with
    its own framing or joins go through its framer first, as a capture would frame
    them."""
    try:
        preview_schema(family, transport).validate(settings, partial=True)
    except SettingsError as error:
        raise ValidationError({"settings": [settings_error_text(error)]}) from None
    try:
        parser = PARSERS[family](parser_settings_for(site=site, settings=settings))
    except RecordError as error:
        raise ValidationError({"settings": [str(error)]}) from None
    if not framed and family == "generic":
        framer = framer_for(family, transport, settings)
        if type(framer) is not LineFramer:
            return framed_preview(parser, framer, lines, zone=site.zone, received_at=timezone.now())
    return lines_preview(parser, lines, zone=site.zone, received_at=timezone.now())
