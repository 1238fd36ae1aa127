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

from smdr.schema import Kind, Setting, gettext_noop, schema

from .base import Details, Direction, ParsedCall, Parser, ParserSettings, RecordError, field_error
from .clock import ONE_SECOND, LocalClock, LocalDay, expand_year
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


def _slices(*columns: tuple[int, int]) -> tuple[slice, ...]:
    return tuple(slice(start, end) for start, end in columns)


# Per layout, the 0-based slices of fields 1-9, then the shortest and longest acceptable
# record.
_COMPRESSED = (
    _slices((0, 8), (8, 16), (16, 19), (19, 25), (25, 30), (30, 38), (38, 63), (63, 74), (74, 76)),
    76,
    120,
)
_LONG = (
    _slices((0, 8), (9, 17), (18, 21), (22, 28), (29, 34), (35, 43), (44, 64), (65, 76), (77, 79)),
    79,
    90,
)

# The information element as usually printed (right-aligned or zero-padded) -> number.
_INFO_ELEMENTS = {
    **{f"{number:2d}": number for number in range(100)},
    **{f"{number:02d}": number for number in range(100)},
}
# Information element (last digit) -> direction; 1 and 2 are the plain ones.
_PLAIN = {1: Direction.INCOMING, 2: Direction.OUTGOING}
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

# Shared by every parser (they repeat a lot), once checked: the end time "hh:mm:ss" and
# the ringing "mm:ss" and duration "hh:mm:ss" fields (blank is 0) -> seconds.
_end_seconds: dict[str, int] = {}
_ring_seconds: dict[str, int] = {"     ": 0}
_duration_seconds: dict[str, int] = {"        ": 0}


def _field(number: int, columns: slice) -> str:
    """Field ``number`` (1-based) at 0-based ``columns`` as error messages name it:
    ``field 1 (Date, columns 1-8)``."""
    return f"field {number} ({FIELD_NAMES[number - 1]}, columns {columns.start + 1}-{columns.stop})"


def _clock(value: str) -> int | None:
    """``hh:mm:ss`` or ``mm:ss`` in seconds, or ``None`` when it is neither."""
    parts = value.split(":")
    if not (
        2 <= len(parts) <= 3
        and all(len(part) == 2 and part[0] in _DIGITS and part[1] in _DIGITS for part in parts)
        and all(part <= "59" for part in parts[1:])
    ):
        return None
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + int(part)
    return seconds


def _end_time(value: str, columns: slice) -> int:
    """Time (of the end) ``hh:mm:ss`` in seconds after midnight, remembered."""
    seconds = _clock(value)
    if seconds is None or seconds >= 86400 or len(value) != 8:
        raise field_error(_field(2, columns), value, "is not hh:mm:ss")
    return _remember(_end_seconds, value, seconds)


def _ring(value: str, columns: slice) -> int:
    """Ringing ``mm:ss`` (not blank) in seconds, remembered."""
    seconds = _clock(value)
    if seconds is None or len(value) != 5:
        raise field_error(_field(5, columns), value, "is not mm:ss")
    return _remember(_ring_seconds, value, seconds)


def _duration(value: str, columns: slice) -> int:
    """Duration ``hh:mm:ss`` (not blank) in seconds, remembered."""
    seconds = _clock(value)
    if seconds is None or len(value) != 8:
        raise field_error(_field(6, columns), value, "is not hh:mm:ss or blank")
    return _remember(_duration_seconds, value, seconds)


def _remember(cache: dict[str, int], value: str, seconds: int) -> int:
    if len(cache) < _CACHE_LIMIT:
        cache[value] = seconds
    return seconds


def _info_element(value: str, columns: slice) -> int:
    """The information element (columns 75-76, or 78-79 long), however it is padded."""
    digits = value.lstrip()
    if not (digits.isdigit() and digits.isascii()):
        raise field_error(_field(9, columns), digits, "is not an information element number")
    return int(digits)


def _direction(info: int, details: Details) -> str:
    """The direction of information element ``info``; DISA and the element into details."""
    element = info
    if info >= 50:
        details["disa"] = True
        element -= 50
    if info == 0:
        details["ring_notice"] = True
    elif info != 1 and info != 2:
        details["info_element"] = info
    return _DIRECTIONS[element % 10]


def _project_and_more(line: str, details: Details) -> str:
    """Columns 77-112 of a compressed record: the project code (the account code),
    returned, and MSN, seizure code, LCR route and USA PRI data into details."""
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
    return line[76:87].strip()


class SiemensHiPathParser(Parser):
    """Parses HiPath / Hicom / OpenScape Business call charge lines, one segment each."""

    family = "siemens-hipath"
    label = "Siemens / Unify HiPath call charge output"
    options = schema(
        Setting("layout", Kind.CHOICE, "compressed", gettext_noop("Record layout."), LAYOUTS),
        Setting(
            "ring_notices", Kind.BOOL, False, gettext_noop("The PBX also prints ring notices.")
        ),
    )

    def __init__(self, settings: ParserSettings):
        super().__init__(settings)
        options = settings.options or {}
        layout = choice_option(options, "layout", "compressed", LAYOUTS)
        ring_notices = bool_option(options, "ring_notices", False)
        self._long = layout == "long"
        self._columns, self._min_length, self._max_length = _LONG if self._long else _COMPRESSED
        self._ring_notices = ring_notices
        self._clock = LocalClock(settings.time_zone)  # its days: "DD.MM.YY" -> LocalDay

    def parse(self, text: str, received_at: dt.datetime | None = None) -> ParsedCall | None:
        """Parse one call charge line; ``None`` for blank lines, headers and ring notices."""
        line = text.rstrip(_TRAILING_JUNK)
        # Fast path: the line starts with the date, as it does once framed.
        if line[2:3] != "." or line[5:6] != ".":
            line = line.lstrip(_LEADING_JUNK)
            if not line.strip(" -=") or (self._long and line.lstrip()[:1].isalpha()):
                return None  # blank, a form feed, a separator, the long layout's header
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

        info_text = line[info_columns]
        info = _INFO_ELEMENTS.get(info_text)
        if info is None:
            info = _info_element(info_text, info_columns)
        if info == 0 and not self._ring_notices:
            return None

        date_text = line[date_columns]
        day = self._clock.days.get(date_text) or self._day(date_text, date_columns)
        time_text = line[time_columns]
        time_seconds = _end_seconds.get(time_text)
        if time_seconds is None:
            time_seconds = _end_time(time_text, time_columns)
        ring_text = line[ring_columns]
        ring_seconds = _ring_seconds.get(ring_text)
        if ring_seconds is None:
            ring_seconds = _ring(ring_text, ring_columns)
        duration_text = line[duration_columns]
        duration_seconds = _duration_seconds.get(duration_text)
        if duration_seconds is None:
            duration_seconds = _duration(duration_text, duration_columns)

        details: Details = {}
        direction = _PLAIN.get(info) or _direction(info, details)
        charges = line[charge_columns].strip()
        if charges:
            self._charges(charges, charge_columns, details)
        account_code = ""
        if length > 76 and not self._long:
            account_code = _project_and_more(line, details)

        midnight = day.midnight
        return ParsedCall(
            start=(
                midnight + ONE_SECOND * (time_seconds - duration_seconds)
                if midnight is not None
                else self._start_on_dst_day(day, time_seconds, duration_seconds)
            ),
            duration_seconds=duration_seconds,
            ring_seconds=ring_seconds,
            direction=direction,
            extension=line[extension_columns].strip(),
            trunk=line[trunk_columns].strip(),
            number=line[number_columns].strip(),
            account_code=account_code,
            pbx_call_id="",
            answered=duration_text != "        ",  # blank: an incoming call not connected
            details=details,
        )

    def _day(self, date_text: str, columns: slice) -> LocalDay:
        """Validate ``DD.MM.YY`` and cache it in the clock."""
        day_text, month_text, year_text = date_text[:2], date_text[3:5], date_text[6:8]
        digits = day_text + month_text + year_text
        if (
            len(date_text) != 8
            or date_text[2] != "."
            or date_text[5] != "."
            or not (digits.isdigit() and digits.isascii())
        ):
            raise field_error(_field(1, columns), date_text, "is not DD.MM.YY")
        year, month, day = expand_year(int(year_text)), int(month_text), int(day_text)
        try:
            return self._clock.day(date_text, year, month, day)
        except ValueError:
            raise field_error(_field(1, columns), date_text, "is not a valid date") from None

    def _start_on_dst_day(
        self, day: LocalDay, end_seconds: int, duration_seconds: int
    ) -> dt.datetime:
        """The start of a call that ended ``end_seconds`` into a day with a DST change."""
        end = self._clock.on(day, ONE_SECOND * end_seconds)
        return end - ONE_SECOND * duration_seconds

    def _charges(self, charges: str, columns: slice, details: Details) -> None:
        """Charges (not blank): an amount in the long layout, else charge units."""
        if self._long:
            amount_digits = charges.replace(".", "", 1).replace(",", "", 1)
            if not (amount_digits.isdigit() and amount_digits.isascii()):
                raise field_error(_field(8, columns), charges, "is not an amount")
            details["charge_amount"] = charges
            return
        if not (charges.isdigit() and charges.isascii()):
            raise field_error(_field(8, columns), charges, "is not a number of charge units")
        if int(charges):
            details["charge_units"] = int(charges)

    def _length_error(self, line: str) -> RecordError:
        """The error for a record shorter or longer than the layout allows."""
        layout = "long" if self._long else "compressed"
        if len(line) < self._min_length:
            problem = "too short: the information element"
            columns = self._columns[8]
            problem += f" (columns {columns.start + 1}-{columns.stop}) is missing"
        else:
            problem = "too long: two records run together?"
        shown = line if len(line) <= 60 else line[:57] + "..."
        return RecordError(
            f"record is {len(line)} characters, expected {self._min_length} to "
            f"{self._max_length} in the {layout} layout ({problem}): {shown!r}"
        )
