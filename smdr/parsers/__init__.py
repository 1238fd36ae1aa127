"""The parser registry: one parser per PBX family, looked up by the family id.

Family ids are a contract (DESIGN.md); a source names its family and gets the
matching parser. Adding a family means adding a module here and one entry below.
"""

from __future__ import annotations

from .alcatel_omnipcx import AlcatelOmniPCXParser
from .asterisk_csv import AsteriskCSVParser
from .avaya_cm import AvayaCMParser
from .avaya_ipoffice import AvayaIPOfficeParser
from .base import Direction, ParsedCall, Parser, ParserSettings, RecordError
from .cisco_cucm import CiscoCUCMParser
from .ericsson_md110 import EricssonMD110Parser
from .freeswitch_csv import FreeSWITCHCSVParser
from .generic import GenericParser
from .grandstream_ucm import GrandstreamUCMParser
from .mitel_5000 import Mitel5000Parser
from .mitel_mivb import MitelMiVBParser
from .nec import NECParser
from .nec_neax import NECNEAXParser
from .panasonic import PanasonicParser
from .samsung_officeserv import SamsungOfficeServParser
from .siemens_hipath import SiemensHiPathParser
from .star_hash import StarHashParser
from .threecx import ThreeCXParser
from .unify_openscape import UnifyOpenScapeParser
from .yeastar import YeastarParser

PARSERS: dict[str, type[Parser]] = {
    parser.family: parser
    for parser in (
        Mitel5000Parser,
        MitelMiVBParser,
        AvayaIPOfficeParser,
        AvayaCMParser,
        SiemensHiPathParser,
        PanasonicParser,
        NECParser,
        SamsungOfficeServParser,
        AsteriskCSVParser,
        FreeSWITCHCSVParser,
        CiscoCUCMParser,
        ThreeCXParser,
        EricssonMD110Parser,
        GenericParser,
        StarHashParser,
        NECNEAXParser,
        AlcatelOmniPCXParser,
        UnifyOpenScapeParser,
        GrandstreamUCMParser,
        YeastarParser,
    )
}


def parser_for(family: str, settings: ParserSettings) -> Parser:
    """The parser of ``family`` configured with ``settings``.

    Raises :class:`RecordError` for an unknown family or settings the parser
    rejects, with a message naming the setting.
    """
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
