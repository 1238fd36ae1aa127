"""The parser settings of a site's source, built one way for the pipeline and the
preview, so a preview decides a call's direction exactly as the pipeline will."""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from org.models import Extension, Site
from smdr.parsers import ParserSettings, RecordError


def parser_settings_for(*, site: Site, settings: Mapping[str, object] | None) -> ParserSettings:
    """``settings`` (a source's) over ``site``'s time zone, with the numbers of the
    site's confirmed extensions; RecordError names a bad time zone.

    Extensions discovered from call records are left out: a wrong guess (an account
    number taken for the extension) must not tell inside from outside
    (``smdr.parsers.direction``) until an administrator confirms it.
    """
    options = dict(settings or {})
    time_zone = options.pop("time_zone", None) or site.time_zone
    try:
        zone = ZoneInfo(str(time_zone))
    except (TypeError, ValueError, ZoneInfoNotFoundError):  # settings that skipped clean()
        raise RecordError(f"time_zone: {time_zone!r} is not an IANA time zone") from None
    # Read once per batch (or preview), not per record.
    extensions = frozenset(
        Extension.objects.filter(site_id=site.pk, discovered=False).values_list("number", flat=True)
    )
    return ParserSettings(time_zone=zone, options=options, extensions=extensions)
