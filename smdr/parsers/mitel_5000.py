"""Mitel 5000 CP / Inter-Tel CS-5x00 / Axxess / MiVoice Office 250 SMDR: 80-column records.

The one real record, decoded from the hex dump of a socket frame in the public
``ripvannwinkler/smdr-logger-5000`` script (``pbx-formats.md`` section 1.4, copied in
``tests/data/mitel-5000/socket-stream.bin``), an outgoing toll-local call of 3 seconds
(trailing blanks kept)::

    TLC 11202 94003 961-9000                     08:36 00:00:03 $00.00

On the socket (the PBX is the server, port 4000 by default) each record comes as a
4-byte little-endian length, the text and CR LF; :mod:`smdr.framing` takes the
prefix and the CR LF off, so the parser gets the bare text. The Axxess serial port
sends the same text as CR LF lines, with a header (``Station Message Detail ...``, then
``TYP EXT# TRUNK DIALED DIGITS START ELAPSED COST ACCOUNT CODE``) now and then.

Columns (1-based; Inter-Tel 5000 Administrator Guide Issue 2.3 Figure 14 and Axxess
Administrator's Guide, checked against the decoded record): 1-3 TYP (call type), 5-9
EXT# (last endpoint to handle the call; ``*****`` for an unanswered ring-in), 11-15
TRUNK (the trunk's extension number, ``P0001`` for an IP connection), 17-44 DIALED
DIGITS (28; ``>`` at the end when more were dialled), 46-50 START ``HH:MM``, 52-59
ELAPSED ``HH:MM:SS`` or ``S=nnnnnn`` seconds, 61-66 COST, 67-79 ACCOUNT CODE, 80 ``*``
when the trunk disconnected first. There is no date.

Options (``ParserSettings.options``; any other key is ignored):

* ``clock_tolerance_minutes`` (int, 0-720, default 5): how far the PBX clock may run
  ahead of ours. A START up to this much after the time of receipt is taken as today.
* ``call_types`` (object, default none): extra or overriding TYP codes, each mapped
  to ``"incoming"``, ``"outgoing"`` or ``"internal"``, for a site whose PBX prints a
  code this parser does not know (``{"ACD": "incoming"}``).

Format decisions, where the documentation leaves room:

* The date comes from ``received_at`` in the site's zone: the latest day on which
  START is at or before the time of receipt (plus the tolerance). A 23:59 call
  received at 00:01 is yesterday's; a 00:03 call received at 23:59 from a PBX whose
  clock is 4 minutes fast is tomorrow's. A local time that occurs twice (autumn) is
  the first occurrence, one that does not exist (spring) uses the offset before the
  change (``fold=0``), as in the IP Office parser.
* Call types: ``IN``, ``DID`` and ``DSA`` (DISA) are incoming; ``NET`` (a call over
  the private IP network between nodes) is internal; ``000`` (free), ``LOC``, ``TLC``,
  ``TLD``, ``O/I``, ``OP``, ``INT`` (international, not internal!) and ``CNF``
  (conference, which the manual documents with the outgoing digits) are outgoing.
  Any other code is an error naming it, unless ``call_types`` maps it.
* ELAPSED: ``HH:MM:SS``; ``S=`` and a count of seconds (the "duration in seconds"
  option, blanks allowed inside the field); and ``H:MM`` hours and minutes, which
  the manual says is printed beyond 999999 seconds.
* ``*****`` in EXT# is a ring-in nobody answered: no extension, not answered, and
  ELAPSED is taken as ring time (the manual says START is when it began ringing).
  Every other record is answered when ELAPSED is not zero.
* DIALED DIGITS is kept as printed (hyphens included), without a final ``>``, which
  becomes ``details["digits_truncated"]``. For incoming calls it holds what the trunk
  delivered (DID, ANI or caller id): it is the call's ``number`` either way.
* ``details``: ``call_type`` (TYP, always), ``cost`` as printed when not zero
  (``$12.50``, ``$00125`` above $99.99, ``$$$$$$`` above $99999),
  ``digits_truncated``, and ``trunk_disconnected_first`` for the final ``*``.
* Records may be shorter than 80 columns (trailing blanks stripped): ELAPSED must be
  there. Control bytes before the record are dropped. A record whose first four
  characters are a leaked length prefix (``R`` and three NULs, or ``R`` and three
  blanks as some text logs print them: ``R   NET 1234  P0001 94567 ...``) parses as
  the record after it.
* Noise (``None``): blank lines, the ``Station...`` and ``TYP...`` header lines, and
  separator lines of ``-`` or ``=``.
"""

from __future__ import annotations

import datetime as dt

from smdr.schema import Kind, Setting, gettext_noop, schema

from .base import (
    DIRECTIONS,
    Details,
    Direction,
    Options,
    ParsedCall,
    Parser,
    ParserSettings,
    RecordError,
    field_error,
    is_digits,
)
from .clock import Receipt
from .options import tolerance_option, tolerance_setting

UTC = dt.UTC

FIELD_NAMES = (
    "TYP",
    "EXT#",
    "TRUNK",
    "DIALED DIGITS",
    "START",
    "ELAPSED",
    "COST",
    "ACCOUNT CODE",
)

CALL_TYPES = {
    "000": Direction.OUTGOING,
    "LOC": Direction.OUTGOING,
    "TLC": Direction.OUTGOING,
    "TLD": Direction.OUTGOING,
    "O/I": Direction.OUTGOING,
    "OP": Direction.OUTGOING,
    "INT": Direction.OUTGOING,
    "CNF": Direction.OUTGOING,
    "IN": Direction.INCOMING,
    "DID": Direction.INCOMING,
    "DSA": Direction.INCOMING,
    "NET": Direction.INTERNAL,
}

MIN_LENGTH = 53  # through the first character of ELAPSED (column 52)
UNANSWERED_RING_IN = "*****"
DEFAULT_TOLERANCE_MINUTES = 5
MAX_TOLERANCE_MINUTES = 720

# Columns that must be blank (0-based): parse tests each by hand, the fastest way.
_SEPARATORS = (3, 9, 15, 50)
_CONTROL = "".join(chr(code) for code in range(32))
_LEAKED_PREFIXES = ("\x00\x00\x00", "   ")
_SEPARATOR_CHARS = frozenset("-= ")
_ZERO_COSTS = frozenset({"", "$00.00", "$0.00", "$.00", "$00000"})
_TIME_CACHE_LIMIT = 100_000

# "HH:MM:SS" (or "S=nnnnnn") -> seconds, shared by every parser instance.
_elapsed_seconds: dict[str, int] = {}


def _field(number: int) -> str:
    """Field ``number`` (1-based) as error messages name it: ``field 6 (ELAPSED)``."""
    return f"field {number} ({FIELD_NAMES[number - 1]})"


def _elapsed(field: str) -> int:
    """ELAPSED (columns 52-59) in seconds, remembered in ``_elapsed_seconds``."""
    value = field.strip()
    if value[:2] == "S=":
        count = value[2:].replace(" ", "")
        if not is_digits(count):
            raise field_error(_field(6), field, "is not HH:MM:SS or S=seconds")
        seconds = int(count)
    else:
        parts = value.split(":")
        if (
            len(parts) not in (2, 3)
            or not all(is_digits(part) for part in parts)
            or any(len(part) != 2 or part > "59" for part in parts[1:])
        ):
            raise field_error(_field(6), field, "is not HH:MM:SS or S=seconds")
        seconds = int(parts[0]) * 3600 + int(parts[1]) * 60
        if len(parts) == 3:
            seconds += int(parts[2])
    if len(_elapsed_seconds) < _TIME_CACHE_LIMIT:
        _elapsed_seconds[field] = seconds
    return seconds


def _is_noise(line: str) -> bool:
    """Blank lines, the serial header lines and separator lines of ``-`` or ``=``."""
    return not line or line.startswith(("TYP", "Station")) or set(line) <= _SEPARATOR_CHARS


def _quote(line: str) -> str:
    """``line`` quoted for a message, shortened when long."""
    return repr(line if len(line) <= 60 else line[:57] + "...")


def _not_blank(line: str, index: int) -> RecordError:
    """The error for a character at ``index`` (0-based) where the layout has a blank."""
    return RecordError(
        f"column {index + 1}: {line[index]!r} where the 80-column layout has a blank "
        f"(record {_quote(line)})"
    )


def _check_cost(value: str) -> None:
    """COST: blank, ``$`` and digits with at most one point, or ``$$$$$$``."""
    if not value or value == "$$$$$$":
        return
    amount = value[1:]
    if value[0] != "$" or not is_digits(amount.replace(".", "", 1)):
        raise field_error(_field(7), value, "is not $XX.XX, $XXXXX or $$$$$$")


def _call_types(options: Options) -> dict[str, str]:
    extra = options.get("call_types") or {}
    if not isinstance(extra, dict):
        raise RecordError(
            f"option call_types: {extra!r} is not an object mapping TYP codes to directions"
        )
    call_types = dict(CALL_TYPES)
    for code, direction in extra.items():
        if not isinstance(code, str) or not 1 <= len(code.strip()) <= 3:
            raise RecordError(f"option call_types: {code!r} is not a TYP code of 1 to 3 characters")
        if not isinstance(direction, str) or direction not in DIRECTIONS:
            raise RecordError(
                f"option call_types: {code!r} maps to {direction!r}, expected one of "
                f"{', '.join(DIRECTIONS)}"
            )
        call_types[code.strip()] = direction
    return call_types


class Mitel5000Parser(Parser):
    """Parses Mitel 5000 / Axxess SMDR records, one call per record, dated on receipt."""

    family = "mitel-5000"
    label = "Mitel 5000 / Inter-Tel / Axxess SMDR"
    options = schema(
        tolerance_setting(DEFAULT_TOLERANCE_MINUTES, MAX_TOLERANCE_MINUTES),
        Setting(
            "call_types",
            Kind.MAPPING,
            help=gettext_noop('Extra TYP codes and their direction, e.g. {"ACD": "incoming"}.'),
        ),
    )

    def __init__(self, settings: ParserSettings):
        super().__init__(settings)
        options = settings.options or {}
        self._tolerance = tolerance_option(
            options, DEFAULT_TOLERANCE_MINUTES, MAX_TOLERANCE_MINUTES
        )
        self._call_types = _call_types(options)
        self._receipt = Receipt(settings.time_zone, self._tolerance, "time of receipt", 1000)

    def parse(self, text: str, received_at: dt.datetime | None = None) -> ParsedCall | None:
        """Parse one SMDR record; ``None`` for a header, separator or blank line."""
        line = text.rstrip()
        if line[:1] < " ":
            line = line.lstrip(_CONTROL).rstrip()
        type_code = line[:3].strip()
        direction = self._call_types.get(type_code)
        if direction is None or len(line) < MIN_LENGTH:
            if _is_noise(line):
                return None
            line, type_code, direction = self._recover(line)
        if line[3] != " " or line[9] != " " or line[15] != " " or line[50] != " ":
            raise _not_blank(line, next(index for index in _SEPARATORS if line[index] != " "))

        extension = line[4:9].strip()
        if not extension:
            raise field_error(_field(2), line[4:9], "is blank")
        trunk = line[10:15].strip()
        digits = line[16:44].rstrip()
        details: Details = {"call_type": type_code}
        if digits.endswith(">") or line[44] == ">":
            details["digits_truncated"] = True
            digits = digits.removesuffix(">").rstrip()
        elif line[44] != " ":
            raise _not_blank(line, 44)
        number = digits.lstrip()

        start_text = line[45:50]
        hour_text = start_text[:2]
        minute_text = start_text[3:]
        if (
            start_text[2:3] != ":"
            or not is_digits(hour_text + minute_text)
            or hour_text > "23"
            or minute_text > "59"
        ):
            raise field_error(_field(5), start_text, "is not HH:MM")
        elapsed = line[51:59]
        seconds = _elapsed_seconds.get(elapsed)
        if seconds is None:
            seconds = _elapsed(elapsed)

        length = len(line)
        if length > 59:
            if line[59] != " ":
                raise _not_blank(line, 59)
            cost = line[60:66].strip()
            if cost not in _ZERO_COSTS:
                _check_cost(cost)
                details["cost"] = cost
            account_code = line[66:]
            if length >= 80 and account_code[-1] == "*":
                details["trunk_disconnected_first"] = True
                account_code = account_code[:-1]
            account_code = account_code.strip()
        else:
            account_code = ""

        # An unanswered ring-in: ELAPSED is how long it rang.
        unanswered = extension == UNANSWERED_RING_IN
        return ParsedCall(
            start=self._receipt.latest_time(received_at, int(hour_text), int(minute_text)),
            duration_seconds=0 if unanswered else seconds,
            ring_seconds=seconds if unanswered else 0,
            direction=direction,
            extension="" if unanswered else extension,
            trunk=trunk,
            number=number,
            account_code=account_code,
            pbx_call_id="",
            answered=not unanswered and seconds > 0,
            details=details,
        )

    def _recover(self, line: str) -> tuple[str, str, str]:
        """A record that is short or of an unknown type: the record after a leaked length
        prefix, with its type and direction; else the error saying what is wrong."""
        type_code = line[:3].strip()
        direction = self._call_types.get(type_code)
        if line[1:4] in _LEAKED_PREFIXES:
            line = line[4:]
            type_code = line[:3].strip()
            direction = self._call_types.get(type_code)
        if len(line) < MIN_LENGTH:
            raise RecordError(
                f"record is {len(line)} characters long, expected at least {MIN_LENGTH} "
                f"(TYP to ELAPSED): {_quote(line)}"
            )
        if direction is None:
            raise field_error(_field(1), line[:3], "is not a known call type")
        return line, type_code, direction
