"""What every PBX parser returns, and how it says a record is noise or wrong.

Parsers are pure Python (no Django): they take one framed record as text and the
per-source settings, and return a :class:`ParsedCall`, ``None`` for noise such as a
page header, or raise :class:`RecordError` naming the field at fault, made by
:func:`field_error` when it quotes the field's value.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import ClassVar, Final
from zoneinfo import ZoneInfo

from smdr.schema import Schema


class Direction:
    """Call directions, as stored on ``billing.Call`` and shown by the API."""

    INCOMING: Final = "incoming"
    OUTGOING: Final = "outgoing"
    INTERNAL: Final = "internal"


DIRECTIONS: Final = (Direction.INCOMING, Direction.OUTGOING, Direction.INTERNAL)

# What a call's details hold, by name: JSON scalars, stored with the call.
Details = dict[str, str | int | bool]
# A source's parser options, as its settings (JSON) give them.
Options = Mapping[str, object]


class RecordError(ValueError):
    """A record that could not be parsed; the message names the field and the fault."""


def field_error(field: str, value: str, problem: str) -> RecordError:
    """The error for a field's value: ``<field>: <value, quoted> <problem>``.

    ``field`` names the field as the family's documentation does (``field 3 (Ring
    Time)``, ``MM/DD (columns 27-31)``); a value longer than 60 characters is shortened.
    """
    if len(value) > 60:
        value = value[:57] + "..."
    return RecordError(f"{field}: {value!r} {problem}")


def is_digits(value: str) -> bool:
    """True for a non-empty run of ASCII digits (``str.isdigit`` also takes ``²``)."""
    return value.isdigit() and value.isascii()


@dataclasses.dataclass(frozen=True, slots=True)
class ParserSettings:
    """What varies by installation: the source's settings merged over its site's."""

    time_zone: ZoneInfo
    options: Options = dataclasses.field(default_factory=dict)
    # The numbers of the site's extensions: they tell inside from outside (see
    # ``smdr.parsers.direction``). Empty: the families' own rules decide alone.
    extensions: frozenset[str] = frozenset()

    @property
    def longest_extension(self) -> int:
        """The length of the site's longest extension number (0 with none known)."""
        return max(map(len, self.extensions), default=0)


@dataclasses.dataclass(slots=True, kw_only=True)
class ParsedCall:
    """One call (or one segment of a call) as the PBX reported it.

    ``start`` is aware; durations are whole seconds. ``number`` is the other party as
    dialled (outgoing, internal) or presented (incoming), not yet normalized.
    ``details`` keeps the family's remaining fields by name, so nothing the PBX sent
    is lost between the raw record and the call. Built by keyword only: the text
    fields are all ``str``, and a positional slip would swap them silently.
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
    details: Details = dataclasses.field(default_factory=dict)


class Parser:
    """Base class of the parser registry's entries: one subclass per PBX family."""

    family: ClassVar[str]
    label: ClassVar[str]
    # The options it reads from a source's settings (smdr.schema): no other is accepted.
    options: ClassVar[Schema] = Schema()
    # The family's usual serial line, where it is not the serial transport's 9600 8N1:
    # the defaults the admin offers (``baud``, ``bytesize``, ``parity``, ``stopbits``).
    serial_defaults: ClassVar[Mapping[str, object]] = {}

    @classmethod
    def serial_defaults_for(cls, options: Options) -> Mapping[str, object]:
        """The serial defaults of a source with these parser ``options`` (a family whose
        layouts differ in their lines picks by option; most return ``serial_defaults``)."""
        return cls.serial_defaults

    def __init__(self, settings: ParserSettings):
        self.settings = settings

    def parse(self, text: str, received_at: dt.datetime | None = None) -> ParsedCall | None:
        """Parse one record; ``None`` means noise (a header, a blank line).

        ``received_at`` (aware) is when the record reached us: formats without a year
        or a date are dated from it, in the site's zone. ``None`` means now.
        """
        raise NotImplementedError
