"""Panasonic KX-TD / KX-TDA / KX-TDE / KX-NCP / KX-NS SMDR: fixed-width lines with headers.

The PBX prints one line per call (serial port, or its telnet-style SMDR server on the
LAN) and repeats a page header. No real data row is available: the records below and
in the tests are built from the Feature Guide's column widths and the real page header
(``pbx-formats.md`` section 6) **[DERIVED, column placement not verified]**. An
incoming call answered at extension 1200 on trunk 01 after ringing 5 s, 1 min 5 s long,
ending at 10:07 AM on 2 January 2002 (Pattern A, month/day/year)::

    01/02/02 10:07AM  1200 01 <I>                       0'05 00:01'05 9876543210 AN

The real page header (``ivnglkv/smdr_server``) fixes Pattern A's columns, one blank
between fields::

      Date     Time    Ext CO        Dial Number        Ring Duration  Acc code  CD

Fields and widths per pattern (1 date, 2 time, 3 extension, 4 CO, 5 dial number, 6 ring,
7 duration, 8 cost, 9 account code, 10 condition code):

* Pattern A, 80 characters: 8, 7, 5, 2, 25, 4, 8, -, 10, 3.
* Pattern B, "80" characters with charges: 8, 7, 5, 2, 20, -, 8, 8+2, 10, 3 (that adds
  up to 81 with single blanks, so the fields after the duration are read by shape, not
  by column **[INFERENCE]**).
* Pattern C, "120" characters: 8, 7, 5, 4, 50, 4, 8, 8+3, 10, 3 (119 with single blanks;
  the columns a public Brazilian billing system reads, ``rrpsystems/desenvolvimento``,
  agree).

Options (the source's settings):

* ``pattern``: ``"A"`` (``"80"``), ``"B"``, ``"C"`` or ``"78"``; missing or ``"auto"``
  (default) detects it from where the duration ``HH:MM'SS`` sits in each record.
* Pattern ``"78"``: the 78-column lines of a small Panasonic hybrid (Capturador's
  ``capdre.c``, layout ``panasonic-78`` **[DERIVED]**): date 1-8 (``MM/DD/YY``, a blank
  for a leading zero), time 11-17 ``hh:mmAM``, a 2-digit extension in 20-21, CO 24-25,
  ``1`` in column 27 for a Centrex call (kept, ``details["centrex"]``), the dial number
  from column 28 (30 wide), duration 65-72 ``hh:mm:ss`` (colons), account code
  75-78; no ring, no condition code; the ``  Date`` page header is noise. Its serial line
  is 1200 7E1, the defaults the admin offers when the pattern is ``78``. ``"80"`` names
  Pattern A, the 80-column layout ``panasonic-80`` (``capdeportes.c``, 9600 8N1). Auto
  detection finds pattern 78 too. Neither layout prints meter pulses (Capturador sent 0).
* ``date_order``: ``"mdy"`` (default), ``"dmy"``, ``"ymd"`` or ``"ydm"``, as programmed
  on the PBX (the printout gives no hint: ``01/02/02`` fits all four).

A wrong option value is refused when the parser is built (so when the source is saved),
with a RecordError naming the option.

Format decisions, where the documentation leaves room:

* The time is the call's END, to the minute (``10:03AM``; a 24-hour ``14:03`` with
  blanks after it is accepted too): ``start`` is that minute minus the duration, in UTC.
  The seconds the PBX does not print make the start up to 59 s early or late.
* Two-digit years 00-69 are 2000-2069, 70-99 are 1970-1999. 12 AM is midnight.
* ``<I>`` (incoming, then the caller's name and number run together) and ``<D>`` (the
  DDI/DID/MSN dialled) make a call incoming; they are taken out of the number and kept
  as ``details["dial_prefix"]``, the DDI as ``details["ddi"]``, a name as
  ``details["name"]``. The number is the trailing run of digits (with ``* # P F X . = -``),
  so a name ending in digits loses them to the number.
* Outgoing numbers are kept as printed: privacy ``X``, secret-dial dots, pauses ``P``,
  ``=`` and the ``-`` of transferred calls stay.
* ``EXT1235`` is an internal call to 1235. A line without a CO and without a number
  (``LOG IN``, ``LOG OUT``, ``Check in``, ``Timed Reminder/...``, absent messages) is a
  status event, not a call: noise.
* In patterns A and B the CO column shows ``00`` for trunks from 100 on; it is kept as
  printed.
* Answered means a non-zero duration and a condition code other than ``NA``. The
  condition code (``AN``, ``RC``, ``TR``, ...) is kept in ``details["condition"]``; when the
  PBX prints both a received (``RC``) and an answered (``AN``) line, both are calls.
* Page headers, separator lines, blank lines and control bytes are noise.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from smdr.schema import Kind, Setting, gettext_noop, schema

from .base import (
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
from .clock import ONE_SECOND, LocalClock, LocalDay, expand_year
from .options import choice_option

UTC = dt.UTC

PATTERNS = ("A", "B", "C", "78")
PATTERN_ALIASES = {"80": "A"}  # the Capturador layout names: panasonic-80 is Pattern A
DATE_ORDERS = ("mdy", "dmy", "ymd", "ydm")

FIELD_NAMES = (
    "Date",
    "Time",
    "Ext",
    "CO",
    "Dial Number",
    "Ring",
    "Duration",
    "Cost",
    "ACC Code",
    "CD",
)

# Per pattern, the 0-based slices of CO, Dial Number, Ring (None: no ring) and Duration.
_COLUMNS = {
    "A": (slice(23, 25), slice(26, 51), slice(52, 56), slice(57, 65)),
    "B": (slice(23, 25), slice(26, 46), None, slice(47, 55)),
    "C": (slice(23, 27), slice(28, 78), slice(79, 83), slice(84, 92)),
    "78": (slice(23, 25), slice(27, 57), None, slice(64, 72)),
}
_DATE_COLUMNS = slice(0, 8)
_TIME_COLUMNS = slice(9, 16)
_TIME_COLUMNS_78 = slice(10, 17)
_CENTREX_COLUMN = 26  # pattern 78: "1" marks a Centrex call
_EXT_COLUMNS = slice(17, 22)

_LEADING_JUNK = "".join(chr(code) for code in range(32)) + "\x7f\ufeff"
_TRAILING_JUNK = "\r\n\x00 \t\x0c"
_DIGITS = frozenset("0123456789")
_ACCOUNT_CHARACTERS = "0123456789*#"  # tokens made only of these: strip leaves nothing
_COST_CHARACTERS = frozenset("0123456789.,")
# The number at the end of a dial field: a digit (or * #), then digits and the marks a
# Panasonic prints in numbers (pause, EFA, privacy, secret dial, host access, transfer).
_NUMBER_AT_END = re.compile(r"[0-9*#][0-9*#PFX.=\-]*\Z")
_CACHE_LIMIT = 100_000

# Shared by every parser (they repeat a lot), once checked: "hh:mmAM" -> minutes of the
# day, "HH:MM'SS" and "M'SS" (blank: 0) -> seconds.
_clock_minutes: dict[str, int] = {}
_duration_seconds: dict[str, int] = {}
_ring_seconds: dict[str, int] = {}


def _field(number: int, columns: slice) -> str:
    """Field ``number`` (1-based) at 0-based ``columns`` as error messages name it:
    ``field 7 (Duration, columns 58-65)``."""
    return f"field {number} ({FIELD_NAMES[number - 1]}, columns {columns.start + 1}-{columns.stop})"


def _remember(cache: dict[str, int], value: str, number: int) -> int:
    if len(cache) < _CACHE_LIMIT:
        cache[value] = number
    return number


def _minutes(value: str) -> int:
    """Time ``hh:mmAM``/``hh:mmPM`` (or 24-hour ``HH:MM``) as minutes after midnight."""
    hour_text, colon, rest = value.strip().partition(":")
    minute_text, suffix = rest[:2], rest[2:].upper()
    minutes = None
    if (
        colon
        and len(hour_text) <= 2
        and len(minute_text) == 2
        and is_digits(hour_text)
        and is_digits(minute_text)
        and minute_text <= "59"
    ):
        hour, minute = int(hour_text), int(minute_text)
        if suffix == "AM" or suffix == "PM":
            if 1 <= hour <= 12:
                minutes = (hour % 12 + (12 if suffix == "PM" else 0)) * 60 + minute
        elif not suffix and hour <= 23:
            minutes = hour * 60 + minute
    if minutes is None:
        raise field_error(_field(2, _TIME_COLUMNS), value, "is not hh:mmAM, hh:mmPM or HH:MM")
    return _remember(_clock_minutes, value, minutes)


def _duration(value: str, columns: slice) -> int:
    """Duration ``HH:MM'SS`` (``HH:MM:SS`` in pattern 78, columns 65-72) in seconds."""
    hours, minutes, secs = value[0:2], value[3:5], value[6:8]
    if not (
        len(value) == 8
        and value[2] == ":"
        and value[5] == ("'" if columns.start != 64 else ":")
        and is_digits(hours + minutes + secs)
        and minutes <= "59"
        and secs <= "59"
    ):
        shape = "HH:MM'SS" if columns.start != 64 else "HH:MM:SS"  # pattern 78: colons
        raise field_error(_field(7, columns), value, f"is not {shape}")
    return _remember(_duration_seconds, value, int(hours) * 3600 + int(minutes) * 60 + int(secs))


def _ring(value: str, columns: slice) -> int:
    """Ring ``M'SS`` (blank-padded, 4 wide) in seconds; blank is 0."""
    minutes, mark, secs = value.strip().partition("'")
    if not value.strip():
        seconds = 0
    elif mark and is_digits(minutes) and len(secs) == 2 and is_digits(secs) and secs <= "59":
        seconds = int(minutes) * 60 + int(secs)
    else:
        raise field_error(_field(6, columns), value, "is not M'SS or blank")
    return _remember(_ring_seconds, value, seconds)


def _detect_pattern(line: str) -> str | None:
    """The pattern whose Duration columns hold ``HH:MM'SS``, or ``None``."""
    if line[59:60] == ":" and line[62:63] == "'":
        return "A"
    if line[86:87] == ":" and line[89:90] == "'":
        return "C"
    if line[49:50] == ":" and line[52:53] == "'":
        return "B"
    if line[66:67] == ":" and line[69:70] == ":":
        return "78"
    return None


def _name_and_number(text: str) -> tuple[str, str]:
    """Split ``ABC COMPANY12345678`` into the name and the trailing number."""
    if not text or (text.isdigit() and text.isascii()):
        return "", text
    match = _NUMBER_AT_END.search(text)
    if match is None:
        return text, ""
    return text[: match.start()].rstrip(), match.group()


def _dialled(dial: str, trunk: str, columns: slice, details: Details) -> tuple[str, str]:
    """(direction, number) from Dial Number; no direction for a status line that has a
    duration (Timed Reminder/Answer)."""
    if dial.isdigit() and dial.isascii():  # the most common: a number, and no name
        return (Direction.OUTGOING if trunk else Direction.INTERNAL), dial
    if dial[:1] == "<":
        return Direction.INCOMING, _incoming(dial, details, columns)
    if dial[:3] == "EXT":
        return Direction.INTERNAL, dial[3:].strip()
    name, number = _name_and_number(dial)
    if name:
        details["name"] = name
    if trunk:
        return Direction.OUTGOING, number
    return (Direction.INTERNAL if number else ""), number


def _incoming(dial: str, details: Details, columns: slice) -> str:
    """The caller's number from ``<I>...`` / ``<D>...<I>...``; the rest to details."""
    ddi = caller = ""
    if dial.startswith("<D>"):
        ddi, marker, caller = dial[3:].partition("<I>")
        details["dial_prefix"] = "<D><I>" if marker else "<D>"
    elif dial.startswith("<I>"):
        caller = dial[3:]
        details["dial_prefix"] = "<I>"
    else:
        raise field_error(_field(5, columns), dial, "starts with neither <I> nor <D>")
    ddi = ddi.strip()
    if ddi:
        details["ddi"] = ddi
    name, number = _name_and_number(caller.strip())
    if name:
        details["name"] = name
    return number


def _tail(tail: str, pattern: str, details: Details, offset: int) -> tuple[str, str]:
    """Cost, account code and condition code after the duration, told apart by shape."""
    account_code = condition = ""
    cost_expected = pattern in ("B", "C")
    for token in tail.split():
        if cost_expected and token[:1] in _DIGITS and "." in token:
            amount = token.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
            if not set(amount) <= _COST_CHARACTERS:
                raise field_error(
                    _field(8, slice(offset, offset + len(tail))), token, "is not a cost"
                )
            whole = amount.lstrip("0")
            details["cost"] = whole if whole[:1] not in ("", ".", ",") else "0" + whole
            if amount != token:
                details["currency"] = token[len(amount) :]
            cost_expected = False
        elif not account_code and not condition and not token.strip(_ACCOUNT_CHARACTERS):
            account_code = token
        elif not condition and len(token) <= 3 and token.isalnum() and token.isascii():
            condition = token
        else:
            raise RecordError(
                f"fields after Duration (columns {offset + 1}-{offset + len(tail)}): "
                f"{tail.strip()!r} is not [cost] [account code] [condition code]"
            )
    return account_code, condition


class PanasonicParser(Parser):
    """Parses Panasonic KX SMDR lines (patterns A, B and C), one call per line."""

    family = "panasonic"
    label = "Panasonic KX SMDR"
    options = schema(
        Setting(
            "pattern",
            Kind.TEXT,
            "auto",
            gettext_noop(
                "Record pattern: A (80 columns), B, C (120 columns), 78 (78 columns, "
                "2-digit extensions, HH:MM:SS duration) or auto."
            ),
        ),
        Setting(
            "date_order",
            Kind.CHOICE,
            "mdy",
            gettext_noop("Order of the date's parts."),
            DATE_ORDERS,
        ),
    )

    # capdeportes.c:30, 462 (the 80-column Pattern A); pattern 78 runs at 1200 7E1.
    serial_defaults = {"baud": 9600, "bytesize": 8, "parity": "N", "stopbits": 1}
    serial_defaults_78 = {"baud": 1200, "bytesize": 7, "parity": "E", "stopbits": 1}

    @classmethod
    def serial_defaults_for(cls, options: Options) -> Mapping[str, object]:
        """Pattern 78's line is 1200 7E1 (``capdre.c:30``, ``464``); the others 9600 8N1."""
        if options.get("pattern") == "78":
            return cls.serial_defaults_78
        return cls.serial_defaults

    def __init__(self, settings: ParserSettings):
        super().__init__(settings)
        options = settings.options or {}
        pattern = options.get("pattern", "auto")
        if pattern is None or pattern == "auto":
            self._pattern = None
        elif isinstance(pattern, str) and PATTERN_ALIASES.get(pattern, pattern.upper()) in PATTERNS:
            self._pattern = PATTERN_ALIASES.get(pattern, pattern.upper())
        else:
            raise RecordError(
                f"option pattern: {pattern!r} is not 'A', 'B', 'C', '78', '80' or 'auto'"
            )
        date_order = choice_option(options, "date_order", "mdy", DATE_ORDERS)
        # Positions of year, month and day among the three parts of the date.
        self._date_order = (
            date_order.index("y"),
            date_order.index("m"),
            date_order.index("d"),
        )
        self._date_format = "/".join({"y": "YY", "m": "MM", "d": "DD"}[part] for part in date_order)
        self._clock = LocalClock(settings.time_zone)  # its days: "01/02/02" -> LocalDay

    def parse(self, text: str, received_at: dt.datetime | None = None) -> ParsedCall | None:
        """Parse one SMDR line; ``None`` for headers, separators, blanks and status events."""
        line = text.rstrip(_TRAILING_JUNK)
        # Fast path: the line starts with the date, as every record does.
        if line[2:3] != "/" or line[5:6] != "/":
            record = self._unframed(line)
            if record is None:
                return None
            line = record

        pattern = self._pattern or _detect_pattern(line)
        if pattern is None:
            return self._without_pattern(line)
        co_columns, dial_columns, ring_columns, duration_columns = _COLUMNS[pattern]
        trunk = line[co_columns].strip()
        duration_text = line[duration_columns]
        if not trunk and not duration_text.strip():
            return None  # a status line under a fixed pattern

        date_text = line[_DATE_COLUMNS]
        day = self._clock.days.get(date_text) or self._day(date_text)
        time_text = line[_TIME_COLUMNS if pattern != "78" else _TIME_COLUMNS_78]
        minutes = _clock_minutes.get(time_text)
        if minutes is None:
            minutes = _minutes(time_text)
        duration_seconds = _duration_seconds.get(duration_text)
        if duration_seconds is None:
            duration_seconds = _duration(duration_text, duration_columns)
        ring_seconds = 0
        if ring_columns is not None:
            ring_text = line[ring_columns]
            cached = _ring_seconds.get(ring_text)
            ring_seconds = cached if cached is not None else _ring(ring_text, ring_columns)
        if trunk and not (trunk.isdigit() and trunk.isascii()):
            raise field_error(_field(4, co_columns), trunk, "is not a CO line number")

        details: Details = {}
        if pattern == "78" and line[_CENTREX_COLUMN] == "1":
            details["centrex"] = True
        dial = line[dial_columns].strip()
        direction, number = _dialled(dial, trunk, dial_columns, details)
        if not direction:
            return None  # a status line with a duration (Timed Reminder/Answer)

        account_code = condition = ""
        tail = line[duration_columns.stop :]
        if tail:
            account_code, condition = _tail(tail, pattern, details, duration_columns.stop)
        if condition:
            details["condition"] = condition

        midnight = day.midnight
        return ParsedCall(
            start=(
                midnight + ONE_SECOND * (minutes * 60 - duration_seconds)
                if midnight is not None
                else self._start_on_dst_day(day, minutes, duration_seconds)
            ),
            duration_seconds=duration_seconds,
            ring_seconds=ring_seconds,
            direction=direction,
            extension=line[_EXT_COLUMNS].strip(),
            trunk=trunk,
            number=number,
            account_code=account_code,
            pbx_call_id="",
            answered=duration_seconds > 0 and condition != "NA",
            details=details,
        )

    def _unframed(self, line: str) -> str | None:
        """A line that does not start with the date: the record after control bytes, or
        ``None`` for a header, a separator or a blank line."""
        line = line.lstrip(_LEADING_JUNK)
        stripped = line.strip()
        if (
            not stripped
            or not stripped.strip("-=")
            or stripped.startswith("Date ")
            or stripped == "Date"
        ):
            return None
        if line[2:3] != "/" or line[5:6] != "/":
            raise field_error(_field(1, _DATE_COLUMNS), line[:8], f"is not {self._date_format}")
        return line

    @staticmethod
    def _without_pattern(line: str) -> None:
        """A line with no duration where a pattern has one: a status line (LOG IN,
        Check in, ...) when it has no CO either, else an error."""
        if not line[23:25].strip():
            return None
        raise RecordError(
            "field 7 (Duration): no HH:MM'SS in columns 58-65 (pattern A), 48-55 (B) "
            f"or 85-92 (C); set the pattern option if this one is right: {line[:60]!r}..."
        )

    def _day(self, date_text: str) -> LocalDay:
        """Validate the date in the configured order and cache it in the clock."""
        parts = [part.strip() for part in date_text.split("/")]
        if (
            len(date_text) != 8
            or len(parts) != 3
            or not all(is_digits(part) and len(part) <= 2 for part in parts)
        ):
            raise field_error(_field(1, _DATE_COLUMNS), date_text, f"is not {self._date_format}")
        year_index, month_index, day_index = self._date_order
        year = expand_year(int(parts[year_index]))
        month, day = int(parts[month_index]), int(parts[day_index])
        try:
            return self._clock.day(date_text, year, month, day)
        except ValueError:
            raise field_error(
                _field(1, _DATE_COLUMNS), date_text, f"is not a valid date ({self._date_format})"
            ) from None

    def _start_on_dst_day(
        self, day: LocalDay, end_minutes: int, duration_seconds: int
    ) -> dt.datetime:
        """The start of a call that ended ``end_minutes`` into a day with a DST change."""
        end = self._clock.on(day, ONE_SECOND * (end_minutes * 60))
        return end - ONE_SECOND * duration_seconds
