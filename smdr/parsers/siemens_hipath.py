"""Siemens / Unify HiPath 3000, Hicom 150 and OpenScape Business call charge output.

The PBX prints one fixed-width line per call segment on its V.24 port (or the LAN
equivalent). A real record in the compressed format, from the public test data of the
quartx call logger (``pbx-formats.md`` section 5.4), an incoming call that rang 1 s on
extension 104 and lasted 7 s, ending on 11 April 2019 at 00:35:48::

    11.04.1900:35:48  1   10400:0100:00:070876153281                           1

Compressed layout (Hicom 150 E Office Service Manual, Table 7-1; columns 1-based):
1-8 date of the call's END ``DD.MM.YY``, 9-16 time of the END ``hh:mm:ss``, 17-19 trunk,
20-25 extension (right-aligned), 26-30 ringing ``mm:ss``, 31-38 duration ``hh:mm:ss``
(blank when an incoming call was not connected), 39-63 external number, 64-74 charge
units, 75-76 information element, 77-87 project code, 88-98 MSN, 99-103 seizure code,
104-105 LCR route, 106-112 USA PRI data (nodal service, WATS band, CIC).

Long (printer) layout (Table 7-2) **[MANUAL, no real capture]**: fields separated by
blanks, date 1-8, time 10-17, trunk 19-21, extension 23-28, ringing 30-34, duration
36-43, number 45-64, amount in currency units 66-76, information element 78-79. It has
a header line in the system language, a blank line after it and a form feed every 62
lines, all of which are noise here.

Options (the source's settings):

* ``layout``: ``"compressed"`` (default) or ``"long"``.
* ``ring_notices``: ``false`` (default) or ``true``. Information element 0 lines are
  printed the moment a call arrives, one per extension rung, with no ringing, duration
  or charges; the same call is printed again (element 1, 3, 5, ...) when it ends, so by
  default they are noise. With ``true`` they become unanswered incoming calls marked
  ``details["ring_notice"]``, for missed-call reports per extension.

A wrong option value is refused when the parser is built (so when the source is saved),
with a RecordError naming the option.

Format decisions, where the documentation leaves room:

* The date and time are the call's end: ``start`` is the end minus the (connected)
  duration, computed in UTC so a DST change during the call does not shift it. Ringing
  before the connection is not included. The local end time is read with ``fold=0``
  (the first of two, the offset before a gap), as the IP Office parser does.
* Two-digit years 00-69 are 2000-2069, 70-99 are 1970-1999; an unset PBX clock prints
  ``01.01.00 00:00:00`` and is taken at face value.
* Lines arrive with trailing blanks stripped (76 characters when nothing follows the
  information element), so a record needs only up to the information element: 76
  characters (79 in the long layout). Longer than 120 (90 long) means two records ran
  together, an error.
* Control bytes before the date (``DLE STX DLE ETX DC3 DC1`` seen on a real line) and a
  form feed are dropped: the framer strips them too, but the parser must not depend on it.
* Information elements: 1 incoming, 2 outgoing, 3 incoming other service, 4 outgoing
  other service, 5 incoming forwarded, 6 outgoing forwarded, 7 conference or transit with
  an incoming call, 8 the same with an outgoing one, 9 outgoing via forwarding to an
  external number, 0 ring notice; plus 50 for DISA. Real data also has 35-39, which the
  manual does not list: their last digit is read as the element (35 in the sample is an
  incoming call from an international number) **[INFERENCE]**. The element is kept in
  ``details`` unless it is a plain 1 or 2.
* Columns 77-87 are the project code (account code) per the Hicom table; the quartx
  logger reads their last 4 digits as a DDI on newer systems **[UNCERTAIN]**. The raw
  line is kept, so a reparse can follow whichever proves right.
* The number is kept as printed, masked digits ``?`` included.
* A record is answered when its duration field is not blank (the PBX blanks it for an
  incoming call that was not connected).
"""

from __future__ import annotations

import datetime as dt

from .base import Direction, ParsedCall, Parser, ParserSettings, RecordError
from .clock import expand_year, remember, utc_midnight
from .options import bool_option, choice_option

UTC = dt.UTC

LAYOUTS = ("compressed", "long")

FIELD_NAMES = (
    "Date",
    "Time",
    "Trunk",
    "Extension",
    "Ringing",
    "Duration",
    "Number",
    "Charges",
    "Information element",
    "Project code",
    "MSN",
    "Seizure code",
    "LCR route",
    "USA PRI data",
)

# Per layout, (start, end) of fields 1-9 as 0-based slices, then the shortest and
# longest acceptable record.
_COMPRESSED = (
    ((0, 8), (8, 16), (16, 19), (19, 25), (25, 30), (30, 38), (38, 63), (63, 74), (74, 76)),
    76,
    120,
)
_LONG = (
    ((0, 8), (9, 17), (18, 21), (22, 28), (29, 34), (35, 43), (44, 64), (65, 76), (77, 79)),
    79,
    90,
)

# Information element (last digit) -> direction.
_DIRECTIONS = {
    0: Direction.INCOMING,
    1: Direction.INCOMING,
    2: Direction.OUTGOING,
    3: Direction.INCOMING,
    4: Direction.OUTGOING,
    5: Direction.INCOMING,
    6: Direction.OUTGOING,
    7: Direction.INCOMING,
    8: Direction.OUTGOING,
    9: Direction.OUTGOING,
}

# Bytes seen before the date: DLE STX DLE ETX DC3 DC1, form feeds, NULs.
_LEADING_JUNK = "".join(chr(code) for code in range(32)) + "\x7f\ufeff"
_TRAILING_JUNK = "\r\n\x00 \t\x0c"
_DIGITS = frozenset("0123456789")
_CACHE_LIMIT = 100_000

# "hh:mm:ss" / "mm:ss" -> seconds (None when malformed), shared by every parser.
_clock_seconds: dict[str, int | None] = {}


def _error(number: int, value: str, problem: str, columns: tuple[int, int]) -> RecordError:
    """A RecordError naming field ``number`` (1-based) and its columns, quoting the value."""
    if len(value) > 60:
        value = value[:57] + "..."
    start, end = columns
    return RecordError(
        f"field {number} ({FIELD_NAMES[number - 1]}, columns {start + 1}-{end}): "
        f"{value!r} {problem}"
    )


def _clock(value: str) -> int | None:
    """``hh:mm:ss`` or ``mm:ss`` in seconds, or ``None`` when it is neither."""
    seconds = _clock_seconds.get(value, -1)
    if seconds != -1:
        return seconds
    parts = value.split(":")
    if (
        2 <= len(parts) <= 3
        and all(len(part) == 2 and part[0] in _DIGITS and part[1] in _DIGITS for part in parts)
        and all(part <= "59" for part in parts[1:])
    ):
        seconds = 0
        for part in parts:
            seconds = seconds * 60 + int(part)
    else:
        seconds = None
    if len(_clock_seconds) < _CACHE_LIMIT:
        _clock_seconds[value] = seconds
    return seconds


class SiemensHiPathParser(Parser):
    """Parses HiPath / Hicom / OpenScape Business call charge lines, one segment each."""

    family = "siemens-hipath"
    label = "Siemens / Unify HiPath call charge output"

    def __init__(self, settings: ParserSettings):
        super().__init__(settings)
        options = settings.options or {}
        layout = choice_option(options, "layout", "compressed", LAYOUTS)
        ring_notices = bool_option(options, "ring_notices", False)
        self._long = layout == "long"
        self._columns, self._min_length, self._max_length = _LONG if self._long else _COMPRESSED
        self._ring_notices = ring_notices
        # "DD.MM.YY" -> UTC time of that local midnight, or None on a DST change day.
        self._days: dict[str, tuple[int, int, int, dt.datetime | None]] = {}

    def parse(self, text: str, received_at: dt.datetime | None = None) -> ParsedCall | None:
        """Parse one call charge line; ``None`` for blank lines, headers and ring notices."""
        line = text.rstrip(_TRAILING_JUNK)
        # Fast path: the line starts with the date, as it does once framed.
        if line[2:3] != "." or line[5:6] != ".":
            line = line.lstrip(_LEADING_JUNK)
            if not line.strip(" -="):
                return None  # blank, a form feed, a separator
            if self._long and line.lstrip()[:1].isalpha():
                return None  # the long layout's header, in the system language
        length = len(line)
        if length < self._min_length or length > self._max_length:
            raise self._length_error(line)
        (
            date_columns,
            time_columns,
            trunk_columns,
            extension_columns,
            ring_columns,
            duration_columns,
            number_columns,
            charge_columns,
            info_columns,
        ) = self._columns

        info_text = line[info_columns[0] : info_columns[1]].lstrip()
        if not (info_text.isdigit() and info_text.isascii()):
            raise _error(9, info_text, "is not an information element number", info_columns)
        info = int(info_text)
        if info == 0 and not self._ring_notices:
            return None

        date_text = line[: date_columns[1]]
        day = self._days.get(date_text)
        if day is None:
            day = self._day(date_text, date_columns)
        time_text = line[time_columns[0] : time_columns[1]]
        time_seconds = _clock(time_text)
        if time_seconds is None or time_seconds >= 86400 or len(time_text) != 8:
            raise _error(2, time_text, "is not hh:mm:ss", time_columns)

        ring_text = line[ring_columns[0] : ring_columns[1]]
        if ring_text == "     ":
            ring_seconds = 0
        else:
            ring_seconds = _clock(ring_text)
            if ring_seconds is None or len(ring_text) != 5:
                raise _error(5, ring_text, "is not mm:ss", ring_columns)
        duration_text = line[duration_columns[0] : duration_columns[1]]
        if duration_text == "        ":
            duration_seconds = 0
            answered = False
        else:
            duration_seconds = _clock(duration_text)
            if duration_seconds is None or len(duration_text) != 8:
                raise _error(6, duration_text, "is not hh:mm:ss or blank", duration_columns)
            answered = True

        midnight = day[3]
        if midnight is not None:
            start = midnight + dt.timedelta(seconds=time_seconds - duration_seconds)
        else:
            year, month, day_of_month, _ = day
            hours, rest = divmod(time_seconds, 3600)
            end = dt.datetime(
                year,
                month,
                day_of_month,
                hours,
                rest // 60,
                rest % 60,
                tzinfo=self.settings.time_zone,
            ).astimezone(UTC)
            start = end - dt.timedelta(seconds=duration_seconds)

        details: dict = {}
        if info >= 50:
            details["disa"] = True
            element = info - 50
        else:
            element = info
        direction = _DIRECTIONS[element % 10]
        if info == 0:
            details["ring_notice"] = True
        elif info != 1 and info != 2:
            details["info_element"] = info

        charges = line[charge_columns[0] : charge_columns[1]].strip()
        if charges:
            if self._long:
                amount_digits = charges.replace(".", "", 1).replace(",", "", 1)
                if not (amount_digits.isdigit() and amount_digits.isascii()):
                    raise _error(8, charges, "is not an amount", charge_columns)
                details["charge_amount"] = charges
            else:
                if not (charges.isdigit() and charges.isascii()):
                    raise _error(8, charges, "is not a number of charge units", charge_columns)
                if int(charges):
                    details["charge_units"] = int(charges)

        account_code = ""
        if length > 76 and not self._long:
            account_code = line[76:87].strip()
            msn = line[87:98].strip()
            if msn:
                details["msn"] = msn
            seizure_code = line[98:103].strip()
            if seizure_code:
                details["seizure_code"] = seizure_code
            lcr_route = line[103:105].strip()
            if lcr_route:
                details["lcr_route"] = lcr_route
            usa_pri = line[105:112].strip()
            if usa_pri:
                details["usa_pri"] = usa_pri

        return ParsedCall(
            start,
            duration_seconds,
            ring_seconds,
            direction,
            line[extension_columns[0] : extension_columns[1]].strip(),
            line[trunk_columns[0] : trunk_columns[1]].strip(),
            line[number_columns[0] : number_columns[1]].strip(),
            account_code,
            "",
            answered,
            details,
        )

    def _day(
        self, date_text: str, columns: tuple[int, int]
    ) -> tuple[int, int, int, dt.datetime | None]:
        """Validate ``DD.MM.YY``, find the UTC time of its local midnight, cache both."""
        day_text, month_text, year_text = date_text[:2], date_text[3:5], date_text[6:8]
        digits = day_text + month_text + year_text
        if (
            len(date_text) != 8
            or date_text[2] != "."
            or date_text[5] != "."
            or not (digits.isdigit() and digits.isascii())
        ):
            raise _error(1, date_text, "is not DD.MM.YY", columns)
        year, month, day = expand_year(int(year_text)), int(month_text), int(day_text)
        try:
            midnight = utc_midnight(self.settings.time_zone, year, month, day)
        except ValueError:
            raise _error(1, date_text, "is not a valid date", columns) from None
        return remember(self._days, date_text, (year, month, day, midnight))

    def _length_error(self, line: str) -> RecordError:
        """The error for a record shorter or longer than the layout allows."""
        layout = "long" if self._long else "compressed"
        if len(line) < self._min_length:
            problem = "too short: the information element"
            columns = self._columns[8]
            problem += f" (columns {columns[0] + 1}-{columns[1]}) is missing"
        else:
            problem = "too long: two records run together?"
        shown = line if len(line) <= 60 else line[:57] + "..."
        return RecordError(
            f"record is {len(line)} characters, expected {self._min_length} to "
            f"{self._max_length} in the {layout} layout ({problem}): {shown!r}"
        )
