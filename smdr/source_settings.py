"""The settings a source may hold: its transport's, its parser's and the common keys."""

from __future__ import annotations

from .parsers import PARSERS
from .schema import COMMON, Schema
from .transports import TRANSPORT_SCHEMAS


def settings_schema(transport: str, family: str) -> Schema:
    """What a source of ``transport`` and ``family`` may hold (unknown ones add nothing)."""
    parser = PARSERS.get(family)
    return (
        TRANSPORT_SCHEMAS.get(transport, Schema())
        | (parser.options if parser else Schema())
        | COMMON
    )
