"""NEC SL1000 / SL1100 / SL2100 and SV8100 / SV9100 SMDR ("PRG 35"): fixed-width lines.

The PBX prints one line per call on its serial or LAN port, with page headers, ``NEXT``
lines carrying a caller's name and, once a day, a summary report in between. No real
capture is available: the layout comes from the SL1100 Features & Specifications
(Tables 1-68/1-69) and the records here and in the tests are placed in its columns
(``pbx-formats.md`` section 10) **[DERIVED]**. The SL1000 manual's outgoing example, an
outgoing call on line 002 from extension 2001, 10 s long, started 10:52 on 9 December,
account code 08754, in those columns::

    POT  10:52 12/09  002 00:00:10 2001       2142623801           08754

Columns (1-based, PRG 35-02-14 = 1, date shown): 1-4 class (``IVOTP`` takes 5),
6-10 start time ``HH:MM`` (24 h), 12-16 date ``MM/DD``, 18-21 line (trunk; alignment
not documented, either works), 23-30 duration ``HH:MM:SS``, 32-41 station number or
name, 43-62 number dialled or CLI, 64-79 account code, or ``NO ANSWER``. With
PRG 35-02-14 = 0 there is no date and columns 12-21 hold the line; both forms are
recognised per record, no option needed. The manual's mirror collapses runs of blanks
(``POT 10:52 12/09 002 ...``); such a line is an error, not a guess.

Options: ``clock_tolerance_minutes`` (int, 0-720, default 5), how far the PBX clock may
run ahead of ours. The zone comes from the settings; the year (and, without a date, the
day) from ``received_at`` (a naive one is UTC).

Format decisions, where the documentation leaves room:

* No year is printed (only the page header has one, and records are parsed one at a
  time, so it cannot be used). A record is dated at the most recent ``MM/DD HH:MM`` at
  or before its receipt in the site's zone, allowing the PBX clock 5 minutes ahead:
  ``12/31 23:58`` received at 00:05 on 1 January is last year's. ``02/29`` goes back to
  the last leap year. Without a date, the time is taken today or, when later than the
  receipt (plus the same 5 minutes), yesterday. Moments are compared in UTC (the shared
  :class:`~smdr.parsers.clock.Receipt`), so the hour repeated when clocks go back
  dates no call a day or a year early; a time in it is its first occurrence.
* The time is the call's start, to the minute; seconds are 0.
* Classes and directions: ``POT``, ``POTA``, ``POTP``, ``POTW``, ``IVOT``, ``IVOTP``,
  ``IDOT``, ``SAD``, ``WAD`` are outgoing; ``PIN``, ``IVIN``, ``IDIN`` incoming; ``ICM``,
  ``SDTA`` internal; ``ALB`` (all lines busy) and ``BRD`` (blocked by toll restriction)
  are outgoing attempts, never answered; ``PTRS`` and ``ITRS`` (transferred calls) are
  taken as incoming, the common case, since the record does not say **[INFERENCE]**.
  Classes other than the plain ``POT``, ``PIN`` and ``ICM`` are kept in
  ``details["class"]``.
* ``NEXT`` lines carry the caller's name of the call before them. The NEC framer
  (:class:`smdr.framing.NECFramer`) joins them to that call, with the line of a name
  wrapped between the two (PRG 35-02-18), so one raw record holds the call and its
  ``NEXT`` lines (CR LF between them). The ``NEXT`` name is the caller's,
  ``details["caller_name"]``; the wrapped line repeats part of it and adds nothing. A
  ``NEXT`` line on its own (a connection that starts with it) is noise. ``BFL`` (SMDR
  buffer full) reports lost records, not a call: noise, but its raw line stays for
  whoever looks.
* Page headers (the ``MM/DD/YYYY PAGE nnn`` line, the column titles), page numbers, the
  daily summary report (its title and ``TOTAL`` lines), rulers and blank lines are
  noise. Any other line is an error naming why: a line that starts like a call
  (``XYZ  10:52``) with an unknown class, and a line of no known kind (another PBX
  family's records on a source set to ``nec``: the real Capturador capture was all
  "noise" before), so they show up instead of vanishing. A name wrapped onto a line
  of its own is read with its call's ``NEXT`` line; on its own it is such an error.
* The station column holds a number or a name: a number is the extension, a name goes
  to ``details["station_name"]``. Text other than digits in an incoming call's account
  column is the caller's name (the manual's example prints it there):
  ``details["caller_name"]``. ``NO ANSWER`` there means not answered.
* Answered means a non-zero duration and no ``NO ANSWER``.
"""

from __future__ import annotations

import datetime as dt
import re

from smdr.schema import schema

from .base import Details, Direction, ParsedCall, Parser, ParserSettings, field_error, is_digits
from .clock import Receipt
from .options import tolerance_option, tolerance_setting

UTC = dt.UTC

FIELD_NAMES = (
    "Class",
    "Time",
    "Date",
    "Line",
    "Duration",
    "Station",
    "Dialled No./CLI",
    "Account",
)

_OUTGOING_CLASSES = ("POT", "POTA", "POTP", "POTW", "IVOT", "IVOTP", "IDOT", "SAD", "WAD")
_INCOMING_CLASSES = ("PIN", "IVIN", "IDIN", "PTRS", "ITRS")
_INTERNAL_CLASSES = ("ICM", "SDTA")
_ATTEMPT_CLASSES = ("ALB", "BRD")
_NOISE_CLASSES = ("NEXT", "BFL")
_DIRECTIONS = {
    **dict.fromkeys(_OUTGOING_CLASSES, Direction.OUTGOING),
    **dict.fromkeys(_ATTEMPT_CLASSES, Direction.OUTGOING),
    **dict.fromkeys(_INCOMING_CLASSES, Direction.INCOMING),
    **dict.fromkeys(_INTERNAL_CLASSES, Direction.INTERNAL),
}
_PLAIN_CLASSES = frozenset(("POT", "PIN", "ICM"))

DEFAULT_TOLERANCE_MINUTES = 5
MAX_TOLERANCE_MINUTES = 720
NO_ANSWER = "NO ANSWER"

_LEADING_JUNK = "".join(chr(code) for code in range(32) if code != 9) + "\x7f\ufeff"
_TRAILING_JUNK = "\r\n\x00 \t\x0c"
_LOOKS_LIKE_A_RECORD = re.compile(r"[A-Z]{2,5} +[0-9]{1,2}:[0-9]{2}")
# The lines besides calls that the PBX prints (SL1100 Features & Specifications, SMDR
# and the daily summary report): blank, ``MM/DD/YYYY PAGE nnn`` (alone or right
# aligned), the column titles, ``PAGE nnn``, summary lines, rulers.
_KNOWN_NOISE = re.compile(
    r"""[ \t\x0c]*(?:
        $
      | (?:[0-9]{2}/[0-9]{2}/[0-9]{2,4}[ ]+)?PAGE[ ]+[0-9]+[ ]*$
      | CLASS[ ]+TIME\b
      | [A-Z /]*SUMMARY\b
      | TOTAL[ ]
      | [-=*_ ]+$
    )""",
    re.VERBOSE,
)
_DAYS_IN_MONTH = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_CACHE_LIMIT = 100_000

# Shared by every parser (they repeat a lot), once checked: "HH:MM" -> minutes of the
# day, "HH:MM:SS" (blank: 0) -> seconds.
_clock_minutes: dict[str, int] = {}
_duration_seconds: dict[str, int] = {}


def _field(number: int, columns: str) -> str:
    """Field ``number`` (1-based) in ``columns`` as error messages name it:
    ``field 2 (Time, columns 6-10)``."""
    return f"field {number} ({FIELD_NAMES[number - 1]}, columns {columns})"


def _remember(cache: dict[str, int], value: str, number: int) -> int:
    if len(cache) < _CACHE_LIMIT:
        cache[value] = number
    return number


def _minutes(value: str) -> int:
    """Time ``HH:MM`` (24 h) as minutes after midnight."""
    hours, minutes_text = value[:2], value[3:5]
    if not (
        len(value) == 5
        and value[2] == ":"
        and is_digits(hours + minutes_text)
        and hours <= "23"
        and minutes_text <= "59"
    ):
        raise field_error(_field(2, "6-10"), value, "is not HH:MM")
    return _remember(_clock_minutes, value, int(hours) * 60 + int(minutes_text))


def _duration(value: str) -> int:
    """Duration ``HH:MM:SS`` in seconds; blank is 0."""
    hours, minutes, secs = value[:2], value[3:5], value[6:8]
    if not value.strip():
        seconds = 0
    elif (
        len(value) == 8
        and value[2] == ":"
        and value[5] == ":"
        and is_digits(hours + minutes + secs)
        and minutes <= "59"
        and secs <= "59"
    ):
        seconds = int(hours) * 3600 + int(minutes) * 60 + int(secs)
    else:
        raise field_error(_field(5, "23-30"), value, "is not HH:MM:SS or blank")
    return _remember(_duration_seconds, value, seconds)


def _unframed(line: str) -> tuple[str, str, str] | None:
    """A line that does not start with a known class and a time: the record after
    control bytes, with its class and direction, or ``None`` for noise (a header, a
    summary, a ``NEXT`` line on its own); an error for what looks like a record."""
    line = line.lstrip(_LEADING_JUNK)
    class_code = line[:5].rstrip()
    direction = _DIRECTIONS.get(class_code)
    if direction is None:
        first_word = line[:6].split(" ", 1)[0]
        if first_word in _NOISE_CLASSES:
            return None  # NEXT (caller name of the previous record), BFL
        if first_word in _DIRECTIONS:
            raise field_error(_field(2, "6-10"), line[5:10], "is not HH:MM (columns collapsed?)")
        if _LOOKS_LIKE_A_RECORD.match(line):
            raise field_error(_field(1, "1-5"), first_word, "is not a known NEC call class")
        if _KNOWN_NOISE.match(line):
            return None  # blank, page header, column titles, page number, summary, ruler
        raise field_error(
            "record",
            line,
            "is not an NEC PRG 35 call line (class, then HH:MM), page header or daily "
            "summary: another PBX family's records, or a new kind of line",
        )
    if line[7:8] != ":":
        raise field_error(_field(2, "6-10"), line[5:10], "is not HH:MM")
    return line, class_code, direction


def _account(
    account_text: str, direction: str, answered: bool, details: Details
) -> tuple[str, bool]:
    """(account code, answered) from the Account column, which may say ``NO ANSWER`` or
    hold an incoming caller's name instead."""
    if account_text == NO_ANSWER:
        return "", False
    if (
        account_text
        and direction == Direction.INCOMING
        and not is_digits(account_text.replace("*", "").replace("#", ""))
    ):
        details["caller_name"] = account_text
        return "", answered
    return account_text, answered


class NECParser(Parser):
    """Parses NEC SL / SV "PRG 35" SMDR lines, one call per line."""

    family = "nec"
    label = "NEC SL / SV SMDR"
    options = schema(tolerance_setting(DEFAULT_TOLERANCE_MINUTES, MAX_TOLERANCE_MINUTES))

    def __init__(self, settings: ParserSettings):
        super().__init__(settings)
        tolerance = tolerance_option(
            settings.options or {}, DEFAULT_TOLERANCE_MINUTES, MAX_TOLERANCE_MINUTES
        )
        self._receipt = Receipt(settings.time_zone, tolerance)

    def parse(self, text: str, received_at: dt.datetime | None = None) -> ParsedCall | None:
        """Parse one SMDR line and its ``NEXT`` lines; ``None`` for headers, summaries,
        a ``NEXT`` line on its own and blank lines."""
        line = text.rstrip(_TRAILING_JUNK)
        if "\n" in line or "\r" in line:
            return self._with_continuations(line, received_at)
        class_code = line[:5].rstrip()
        direction = _DIRECTIONS.get(class_code)
        # Fast path: a known class, then the time's colon in column 8.
        if direction is None or line[7:8] != ":":
            record = _unframed(line)
            if record is None:
                return None
            line, class_code, direction = record

        time_text = line[5:10]
        minutes = _clock_minutes.get(time_text)
        if minutes is None:
            minutes = _minutes(time_text)
        dated = line[13:14] == "/"
        trunk = line[17:21].strip() if dated else line[11:21].strip()
        if trunk and not (trunk.isdigit() and trunk.isascii()):
            raise field_error(
                _field(4, "18-21" if dated else "12-21"), trunk, "is not a line number"
            )
        duration_text = line[22:30]
        duration_seconds = _duration_seconds.get(duration_text)
        if duration_seconds is None:
            duration_seconds = _duration(duration_text)

        start = self._start(line, minutes, dated, received_at)

        details: Details = {}
        if class_code not in _PLAIN_CLASSES:
            details["class"] = class_code
        station = line[31:41].strip()
        extension = station
        if station and not (station.isdigit() and station.isascii()):
            extension = ""
            details["station_name"] = station
        account_code, answered = _account(
            line[63:].strip(), direction, duration_seconds > 0, details
        )

        return ParsedCall(
            start=start,
            duration_seconds=duration_seconds,
            ring_seconds=0,
            direction=direction,
            extension=extension,
            trunk=trunk,
            number=line[42:62].strip(),
            account_code=account_code,
            pbx_call_id="",
            answered=answered and class_code not in _ATTEMPT_CLASSES,
            details=details,
        )

    def _with_continuations(self, text: str, received_at: dt.datetime | None) -> ParsedCall | None:
        """A call line, then its ``NEXT`` lines as the NEC framer joins them (the line of a
        wrapped name may come first): the ``NEXT`` name is ``details["caller_name"]``."""
        first, *rest = text.lstrip("\r\n").splitlines()
        names = []
        for continuation in rest:
            word, _, name = continuation.strip(_LEADING_JUNK + _TRAILING_JUNK).partition(" ")
            if word == "NEXT" and name.strip():
                names.append(name.strip())
        call = self.parse(first, received_at)
        if call is not None and names:
            call.details["caller_name"] = " ".join(names)
        return call

    def _start(
        self, line: str, minutes: int, dated: bool, received_at: dt.datetime | None
    ) -> dt.datetime:
        """The call's start in UTC: its date (or the day) placed before its receipt."""
        hour, minute = divmod(minutes, 60)
        if not dated:
            return self._receipt.latest_time(received_at, hour, minute)
        date_text = line[11:16]
        month_text, day_text = date_text[:2], date_text[3:]
        if date_text[2] != "/" or not (is_digits(month_text) and is_digits(day_text)):
            raise field_error(_field(3, "12-16"), date_text, "is not MM/DD")
        month, day = int(month_text), int(day_text)
        if not (1 <= month <= 12 and 1 <= day <= _DAYS_IN_MONTH[month]):
            raise field_error(_field(3, "12-16"), date_text, "is not a valid date")
        start = self._receipt.latest_date_time(received_at, month, day, hour, minute)
        if start is None:
            raise field_error(
                _field(3, "12-16"), date_text, "cannot be dated in the 8 years before receipt"
            )
        return start
