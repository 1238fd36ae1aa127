"""The parser registry: one parser per PBX family, looked up by the family id.

Family ids are a contract (DESIGN.md); a source names its family and gets the
matching parser. Adding a family means adding a module here and one line below.
"""

from __future__ import annotations

from .avaya_ipoffice import AvayaIPOfficeParser
from .base import Direction, ParsedCall, Parser, ParserSettings, RecordError

PARSERS: dict[str, type[Parser]] = {parser.family: parser for parser in (AvayaIPOfficeParser,)}


def parser_for(family: str, settings: ParserSettings) -> Parser:
    """The parser of ``family`` configured with ``settings``."""
    try:
        parser_class = PARSERS[family]
    except KeyError:
        raise RecordError(f"no parser for PBX family {family!r} yet") from None
    return parser_class(settings)


__all__ = [
    "PARSERS",
    "Direction",
    "ParsedCall",
    "Parser",
    "ParserSettings",
    "RecordError",
    "parser_for",
]
