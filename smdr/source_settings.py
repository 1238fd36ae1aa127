"""The settings a source may hold: its transport's, its parser's and the common keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .parsers import PARSERS
from .parsers.generic import preset_loaded
from .schema import COMMON, Schema
from .transports import TRANSPORT_SCHEMAS, family_serial_defaults, serial_schema


def loaded_settings(family: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    """``settings`` with the options of a generic source's ``preset`` filled in where it
    has none (``smdr.parsers.generic.PRESETS``), as they are checked and saved."""
    if family == "generic":
        return preset_loaded(settings)
    return dict(settings)


def settings_schema(
    transport: str, family: str, settings: Mapping[str, Any] | None = None
) -> Schema:
    """What a source of ``transport`` and ``family`` may hold (unknown ones add nothing).

    On a serial line the defaults are the family's usual line (``Parser.serial_defaults``),
    chosen by the source's ``settings`` where the family's layouts differ (Panasonic's
    78-column pattern is 1200 7E1).
    """
    parser = PARSERS.get(family)
    declared = TRANSPORT_SCHEMAS.get(transport, Schema())
    if transport == "serial":
        defaults = family_serial_defaults(family, settings or {})
        if defaults:
            declared = serial_schema(defaults)
    return declared | (parser.options if parser else Schema()) | COMMON
