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

* ``pattern``: ``"A"``, ``"B"`` or ``"C"``; missing or ``"auto"`` (default) detects it
  from where the duration ``HH:MM'SS`` sits in each record.
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

from .base import Direction, ParsedCall, Parser, ParserSettings, RecordError, is_digits
from .clock import expand_year, remember, utc_midnight
from .options import choice_option

UTC = dt.UTC

PATTERNS = ("A", "B", "C")
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

# Per pattern, 0-based (start, end) of CO, Dial Number, Ring (None: no ring) and Duration.
_COLUMNS = {
    "A": ((23, 25), (26, 51), (52, 56), (57, 65)),
    "B": ((23, 25), (26, 46), None, (47, 55)),
    "C": ((23, 27), (28, 78), (79, 83), (84, 92)),
}
_DATE_COLUMNS = (0, 8)
_TIME_COLUMNS = (9, 16)
_EXT_COLUMNS = (17, 22)

_LEADING_JUNK = "".join(chr(code) for code in range(32)) + "\x7f\ufeff"
_TRAILING_JUNK = "\r\n\x00 \t\x0c"
_DIGITS = frozenset("0123456789")
_ACCOUNT_CHARACTERS = frozenset("0123456789*#")
_COST_CHARACTERS = frozenset("0123456789.,")
# The number at the end of a dial field: a digit (or * #), then digits and the marks a
# Panasonic prints in numbers (pause, EFA, privacy, secret dial, host access, transfer).
_NUMBER_AT_END = re.compile(r"[0-9*#][0-9*#PFX.=\-]*\Z")
_CACHE_LIMIT = 100_000

# Shared by every parser: "hh:mmAM" -> minutes of the day, "HH:MM'SS" and "M'SS" ->
# seconds; None when malformed.
_clock_minutes: dict[str, int | None] = {}
_duration_seconds: dict[str, int | None] = {}
_ring_seconds: dict[str, int | None] = {}


def _error(number: int, value: str, problem: str, columns: tuple[int, int]) -> RecordError:
    """A RecordError naming field ``number`` (1-based) and its columns, quoting the value."""
    if len(value) > 60:
        value = value[:57] + "..."
    return RecordError(
        f"field {number} ({FIELD_NAMES[number - 1]}, columns {columns[0] + 1}-{columns[1]}): "
        f"{value!r} {problem}"
    )


def _minutes(value: str) -> int | None:
    """``hh:mmAM``/``hh:mmPM`` (or 24-hour ``HH:MM``) as minutes after midnight."""
    minutes = _clock_minutes.get(value, -1)
    if minutes != -1:
        return minutes
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
    if len(_clock_minutes) < _CACHE_LIMIT:
        _clock_minutes[value] = minutes
    return minutes


def _duration(value: str) -> int | None:
    """``HH:MM'SS`` in seconds."""
    seconds = _duration_seconds.get(value, -1)
    if seconds != -1:
        return seconds
    hours, minutes, secs = value[0:2], value[3:5], value[6:8]
    seconds = None
    if (
        len(value) == 8
        and value[2] == ":"
        and value[5] == "'"
        and is_digits(hours + minutes + secs)
        and minutes <= "59"
        and secs <= "59"
    ):
        seconds = int(hours) * 3600 + int(minutes) * 60 + int(secs)
    if len(_duration_seconds) < _CACHE_LIMIT:
        _duration_seconds[value] = seconds
    return seconds


def _ring(value: str) -> int | None:
    """``M'SS`` (blank-padded, 4 wide) in seconds; blank is 0."""
    seconds = _ring_seconds.get(value, -1)
    if seconds != -1:
        return seconds
    minutes, mark, secs = value.strip().partition("'")
    seconds = None
    if not value.strip():
        seconds = 0
    elif mark and is_digits(minutes) and len(secs) == 2 and is_digits(secs) and secs <= "59":
        seconds = int(minutes) * 60 + int(secs)
    if len(_ring_seconds) < _CACHE_LIMIT:
        _ring_seconds[value] = seconds
    return seconds


def _detect_pattern(line: str) -> str | None:
    """The pattern whose Duration columns hold ``HH:MM'SS``, or ``None``."""
    if line[59:60] == ":" and line[62:63] == "'":
        return "A"
    if line[86:87] == ":" and line[89:90] == "'":
        return "C"
    if line[49:50] == ":" and line[52:53] == "'":
        return "B"
    return None


def _name_and_number(text: str) -> tuple[str, str]:
    """Split ``ABC COMPANY12345678`` into the name and the trailing number."""
    if not text or is_digits(text):
        return "", text
    match = _NUMBER_AT_END.search(text)
    if match is None:
        return text, ""
    return text[: match.start()].rstrip(), match.group()


class PanasonicParser(Parser):
    """Parses Panasonic KX SMDR lines (patterns A, B and C), one call per line."""

    family = "panasonic"
    label = "Panasonic KX SMDR"

    def __init__(self, settings: ParserSettings):
        super().__init__(settings)
        options = settings.options or {}
        pattern = options.get("pattern", "auto")
        if pattern is None or pattern == "auto":
            pattern = None
        elif isinstance(pattern, str) and pattern.upper() in PATTERNS:
            pattern = pattern.upper()
        else:
            raise RecordError(f"option pattern: {pattern!r} is not 'A', 'B', 'C' or 'auto'")
        date_order = choice_option(options, "date_order", "mdy", DATE_ORDERS)
        self._pattern = pattern
        # Positions of year, month and day among the three parts of the date.
        self._date_order = (
            date_order.index("y"),
            date_order.index("m"),
            date_order.index("d"),
        )
        self._date_format = "/".join({"y": "YY", "m": "MM", "d": "DD"}[part] for part in date_order)
        # "01/02/02" -> (year, month, day, UTC time of local midnight or None on a DST day).
        self._days: dict[str, tuple[int, int, int, dt.datetime | None]] = {}

    def parse(self, text: str, received_at: dt.datetime | None = None) -> ParsedCall | None:
        """Parse one SMDR line; ``None`` for headers, separators, blanks and status events."""
        line = text.rstrip(_TRAILING_JUNK)
        # Fast path: the line starts with the date, as every record does.
        if line[2:3] != "/" or line[5:6] != "/":
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
                raise _error(1, line[:8], f"is not {self._date_format}", _DATE_COLUMNS)

        pattern = self._pattern or _detect_pattern(line)
        co_text = line[23:25] if pattern is None else line[slice(*_COLUMNS[pattern][0])]
        if pattern is None:
            if not co_text.strip():
                return None  # a status line (LOG IN, Check in, ...): no CO, no duration
            raise RecordError(
                "field 7 (Duration): no HH:MM'SS in columns 58-65 (pattern A), 48-55 (B) "
                f"or 85-92 (C); set the pattern option if this one is right: {line[:60]!r}..."
            )
        co_columns, dial_columns, ring_columns, duration_columns = _COLUMNS[pattern]
        duration_text = line[duration_columns[0] : duration_columns[1]]
        trunk = co_text.strip()
        if not duration_text.strip() and not trunk:
            return None  # a status line under a fixed pattern

        day = self._days.get(line[:8])
        if day is None:
            day = self._day(line[:8])
        time_text = line[9:16]
        minutes = _minutes(time_text)
        if minutes is None:
            raise _error(2, time_text, "is not hh:mmAM, hh:mmPM or HH:MM", _TIME_COLUMNS)
        duration_seconds = _duration(duration_text)
        if duration_seconds is None:
            raise _error(7, duration_text, "is not HH:MM'SS", duration_columns)
        if ring_columns is None:
            ring_seconds = 0
        else:
            ring_text = line[ring_columns[0] : ring_columns[1]]
            ring_seconds = _ring(ring_text)
            if ring_seconds is None:
                raise _error(6, ring_text, "is not M'SS or blank", ring_columns)
        if trunk and not is_digits(trunk):
            raise _error(4, trunk, "is not a CO line number", co_columns)

        details: dict = {}
        dial = line[dial_columns[0] : dial_columns[1]].strip()
        if dial[:1] == "<":
            direction = Direction.INCOMING
            number = self._incoming(dial, details, dial_columns)
        elif dial[:3] == "EXT":
            direction = Direction.INTERNAL
            number = dial[3:].strip()
        else:
            name, number = _name_and_number(dial)
            if name:
                details["name"] = name
            if trunk:
                direction = Direction.OUTGOING
            elif number:
                direction = Direction.INTERNAL
            else:
                return None  # a status line with a duration (Timed Reminder/Answer)

        account_code = condition = ""
        tail = line[duration_columns[1] :]
        if tail:
            account_code, condition = self._tail(tail, pattern, details, duration_columns[1])
        if condition:
            details["condition"] = condition

        midnight = day[3]
        if midnight is not None:
            start = midnight + dt.timedelta(seconds=minutes * 60 - duration_seconds)
        else:
            year, month, day_of_month, _ = day
            end = dt.datetime(
                year,
                month,
                day_of_month,
                minutes // 60,
                minutes % 60,
                tzinfo=self.settings.time_zone,
            ).astimezone(UTC)
            start = end - dt.timedelta(seconds=duration_seconds)

        return ParsedCall(
            start,
            duration_seconds,
            ring_seconds,
            direction,
            line[17:22].strip(),
            trunk,
            number,
            account_code,
            "",
            duration_seconds > 0 and condition != "NA",
            details,
        )

    @staticmethod
    def _incoming(dial: str, details: dict, columns: tuple[int, int]) -> str:
        """The caller's number from ``<I>...`` / ``<D>...<I>...``; the rest to details."""
        ddi = caller = ""
        if dial.startswith("<D>"):
            ddi, marker, caller = dial[3:].partition("<I>")
            details["dial_prefix"] = "<D><I>" if marker else "<D>"
        elif dial.startswith("<I>"):
            caller = dial[3:]
            details["dial_prefix"] = "<I>"
        else:
            raise _error(5, dial, "starts with neither <I> nor <D>", columns)
        ddi = ddi.strip()
        if ddi:
            details["ddi"] = ddi
        name, number = _name_and_number(caller.strip())
        if name:
            details["name"] = name
        return number

    @staticmethod
    def _tail(tail: str, pattern: str, details: dict, offset: int) -> tuple[str, str]:
        """Cost, account code and condition code after the duration, told apart by shape."""
        account_code = condition = ""
        cost_expected = pattern != "A"
        for token in tail.split():
            if cost_expected and token[:1] in _DIGITS and "." in token:
                amount = token.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
                if not set(amount) <= _COST_CHARACTERS:
                    raise _error(8, token, "is not a cost", (offset, offset + len(tail)))
                whole = amount.lstrip("0")
                details["cost"] = whole if whole[:1] not in ("", ".", ",") else "0" + whole
                if amount != token:
                    details["currency"] = token[len(amount) :]
                cost_expected = False
            elif not account_code and not condition and set(token) <= _ACCOUNT_CHARACTERS:
                account_code = token
            elif not condition and len(token) <= 3 and token.isalnum() and token.isascii():
                condition = token
            else:
                raise RecordError(
                    f"fields after Duration (columns {offset + 1}-{offset + len(tail)}): "
                    f"{tail.strip()!r} is not [cost] [account code] [condition code]"
                )
        return account_code, condition

    def _day(self, date_text: str) -> tuple[int, int, int, dt.datetime | None]:
        """Validate the date in the configured order and cache its local midnight in UTC."""
        parts = [part.strip() for part in date_text.split("/")]
        if (
            len(date_text) != 8
            or len(parts) != 3
            or not all(is_digits(part) and len(part) <= 2 for part in parts)
        ):
            raise _error(1, date_text, f"is not {self._date_format}", _DATE_COLUMNS)
        year_index, month_index, day_index = self._date_order
        year = expand_year(int(parts[year_index]))
        month, day = int(parts[month_index]), int(parts[day_index])
        try:
            midnight = utc_midnight(self.settings.time_zone, year, month, day)
        except ValueError:
            raise _error(
                1, date_text, f"is not a valid date ({self._date_format})", _DATE_COLUMNS
            ) from None
        return remember(self._days, date_text, (year, month, day, midnight))
