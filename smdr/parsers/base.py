"""What every PBX parser returns, and how it says a record is noise or wrong.

Parsers are pure Python (no Django): they take one framed record as text and the
per-source settings, and return a :class:`ParsedCall`, ``None`` for noise such as a
page header, or raise :class:`RecordError` naming the field at fault.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import ClassVar
from zoneinfo import ZoneInfo


class Direction:
    """Call directions, as stored on ``billing.Call`` and shown by the API."""

    INCOMING = "incoming"
    OUTGOING = "outgoing"
    INTERNAL = "internal"


class RecordError(ValueError):
    """A record that could not be parsed; the message names the field and the fault."""


def is_digits(value: str) -> bool:
    """True for a non-empty run of ASCII digits (``str.isdigit`` also takes ``²``)."""
    return value.isdigit() and value.isascii()


@dataclass(frozen=True, slots=True)
class ParserSettings:
    """What varies by installation: the source's settings merged over its site's."""

    time_zone: ZoneInfo
    options: dict = field(default_factory=dict)


@dataclass(slots=True)
class ParsedCall:
    """One call (or one segment of a call) as the PBX reported it.

    ``start`` is aware; durations are whole seconds. ``number`` is the other party as
    dialled (outgoing, internal) or presented (incoming), not yet normalized.
    ``details`` keeps the family's remaining fields by name, so nothing the PBX sent
    is lost between the raw record and the call.
    """

    start: dt.datetime
    duration_seconds: int
    ring_seconds: int
    direction: str
    extension: str = ""
    trunk: str = ""
    number: str = ""
    account_code: str = ""
    pbx_call_id: str = ""
    answered: bool = False
    details: dict = field(default_factory=dict)


class Parser:
    """Base class of the parser registry's entries: one subclass per PBX family."""

    family: ClassVar[str]
    label: ClassVar[str]

    def __init__(self, settings: ParserSettings):
        self.settings = settings

    def parse(self, text: str, received_at: dt.datetime | None = None) -> ParsedCall | None:
        """Parse one record; ``None`` means noise (a header, a blank line).

        ``received_at`` (aware) is when the record reached us: formats without a year
        or a date are dated from it, in the site's zone. ``None`` means now.
        """
        raise NotImplementedError
