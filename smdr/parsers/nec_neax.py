"""NEC NEAX 2400 / 2000 IMS SMDR (and SV8500 / SV9500): ``0!K`` records in STX ... ETX.

Each record is framed by STX and ETX with no line ends (:class:`smdr.framing.STXFramer`
hands on the text between them; a text that still has them is read too). It starts
with the station address ``0``, the unit address ``!``, the entry index ``K`` (SMDR) and
the kind of data. Two layouts, one family:

**KA** (outgoing trunk call, fixed width: 132 bytes with STX and ETX), as the seven NEC
capturers of Capturador read it (``caprentas.c``, ``capdaina.c``; field names from
``emu_nec.c``, rjrpaz/Capturador commit 86e2c68; ``shared/samples/capturador/
layout-nec-ka.md``). No real KA capture exists: the record here and in the tests is
placed in those offsets **[DERIVED]**. Offsets below count STX as 0, as the layout
does: 5-10 route + trunk, 11-13 calling party information, 14-19 calling station,
20-29 start ``MMDDhhmmss``, 30-39 end ``MMDDhhmmss``, 40-49 account code, 53-55
condition code, 56-61 route advance, 62-93 called number, 94-97 call metering
(pulses, ``details["meter_pulses"]``), 106-115 authorization code, 116-117 and 118-119
the years of start and end ``YY`` (blank on some PBXs), 120-126 advice of charge.
Extension 2044 on route 001 trunk 012 dialling 0351 4234567, 13:47:05 to 13:50:12 on
12 October 2026, 2 pulses, in two halves (STX and ETX not shown)::

    0!KA001012001 2044  10121347051012135012
    ...            020      0351423456 ... 0002           ...26260000000      ...

**KK** (outgoing), **KL** (incoming) and **KM** (station to station), the flexible
formats: after the kind, fields of ``kind (2 digits) + length (2 digits) + data``, in
increasing kind order. Source: the real records of zombat/NEC-SMDR-Collector's test
data, whose parser (``parse-nec-smdr.js``) names the kinds; ``shared/samples/
nec-neax-ims/KKrecord.smdr``, the start of its text::

    0!KK01120010100522100210000120001 030800100220001063420180707120000001...

Kinds read: 01 trunk (point code 3, route 3, trunk 3, logical route 3), 02 calling
party (identification 1, tenant 3, station 6), 03 calling party number, 04 called
party (as 02), 05 called party number, 06 start and end ``YYYYMMDDhhmmss`` + ms, 07
account code, 08 condition B, 09 alternate routing, 10 dialled number, 11 office
codes, 12 authorization code, 13 charge information (a unit code, then the amount;
code 6 is call metering: the pulses, ``details["meter_pulses"]``), 14 condition D, 15 department
code, 16 calling number (ANI: 1-character indicator + number), 17 converted number, 18
multi-area id, 19 time the trunk call was received. The length does not always count
what follows: zombat's parser reads one character fewer for 07, 10 and 12; the sample
KK record's 03 says 08 before 11 characters and the KL record's 19 says 34 before 17,
the KM record's 07 says 11 before 9. So a fixed-size kind is read at its size (its
length must say that size, or twice it), and a variable one at its length or the
length minus 1 or 2, or plus 3, whichever lets the rest of the record be read (kinds
01-19 in increasing order); a record that fits none is an error.

Rules: the duration is end minus start (seconds); answered means a duration above 0.
KA and KK are outgoing (the extension is the calling station, the number the called or
dialled number, the trunk route + trunk); KL is incoming (the extension is the called
station, the number the ANI, the digits received ``details["dialled"]``); KM is
internal (the called station is the number). A KA without years is dated from its
receipt (the latest year that puts the end at or before it, the PBX clock allowed
``clock_tolerance_minutes`` ahead); a start after its end then is last year's (a call
across New Year). Other kinds (``KB``, ``KE``, ...) are errors naming the kind, so they
show up instead of vanishing.
"""

from __future__ import annotations

import datetime as dt

from smdr.schema import schema

from .base import (
    Details,
    Direction,
    ParsedCall,
    Parser,
    ParserSettings,
    RecordError,
    field_error,
    is_digits,
)
from .clock import ONE_SECOND, LocalClock, LocalDay, Receipt, expand_year, is_valid_date
from .options import tolerance_option, tolerance_setting

KA_LENGTH = 130  # without STX and ETX
DEFAULT_TOLERANCE_MINUTES = 5
MAX_TOLERANCE_MINUTES = 720
FLEXIBLE_DIRECTIONS = {
    "K": Direction.OUTGOING,
    "L": Direction.INCOMING,
    "M": Direction.INTERNAL,
}
# Kinds of data whose size is fixed, whatever their length field says.
FIXED_SIZES = {
    "01": 12,
    "02": 10,
    "04": 10,
    "06": 34,
    "08": 3,
    "09": 18,
    "11": 8,
    "15": 3,
    "18": 10,
    "19": 17,
}
KINDS = frozenset(f"{kind:02d}" for kind in range(1, 20))
SHORTER_BY_ONE = frozenset({"07", "10", "12"})  # zombat's parser reads length - 1
_SLACK = (0, -1, -2, 3)
METERING_CHARGE = "6"  # charge information 13 in call metering (pulses), not money
# A field's 4-character head (kind + length) -> its kind and the size the fast path
# reads: fixed kinds at their size, 07/10/12 at length - 1, the others at their length.
_HEADS: dict[str, tuple[str, int]] = {
    f"{kind}{length:02d}": (kind, size)
    for kind in sorted(KINDS)
    for length in range(100)
    if (size := FIXED_SIZES.get(kind, length - 1 if kind in SHORTER_BY_ONE else length)) >= 0
}
# "YY" -> "YYYY" (1970 to 2069).
_CENTURIES = {f"{year:02d}": str(expand_year(year)) for year in range(100)}
# "hhmmss" -> the time from midnight, once checked (shared by every parser).
_TIMES_OF_DAY: dict[str, dt.timedelta] = {}
# Kinds kept as details: (kind, name, characters before the value).
_DETAIL_KINDS = (
    ("03", "calling_number", 6),  # after the point code and the user group number
    ("05", "called_number", 6),
    ("12", "authorization_code", 0),
    ("15", "department_code", 0),
    ("17", "converted_number", 0),
)


def _ka_field(start: int, end: int, name: str) -> str:
    """How errors name a KA field: its offsets counting STX as 0, as the layout does."""
    return f"{name} (offsets {start}-{end})"


def flexible_fields(text: str) -> dict[str, str]:
    """The fields of a flexible (KK/KL/KM) record after its 4-character header, by
    kind; RecordError naming the first field that cannot be read.

    The sizes a field may have are tried in order, and one is taken only when the rest
    of the record can be read after it (a search of at most ``_MOST_STEPS`` steps).
    """
    fields = _walk(text)
    if fields is not None:
        return fields
    fields = {}
    steps = [0]
    if _read(text, 4, "", fields, steps):
        return fields
    position = 4 + sum(4 + len(data) for data in fields.values())
    raise field_error(
        f"field at offset {position + 1}", text[position : position + 4],
        "is not a kind of data (01-19, in increasing order) with a length that fits",
    )  # fmt: skip


_MOST_STEPS = 200


def _walk(text: str) -> dict[str, str] | None:
    """The fast path: every field at its first size; ``None`` when that does not fit."""
    fields: dict[str, str] = {}
    position, size, previous = 4, len(text), ""
    heads = _HEADS
    while position < size:
        head = heads.get(text[position : position + 4])
        if head is None:
            return None
        kind, data_size = head
        start = position + 4
        position = start + data_size
        if kind <= previous or position > size:
            return None
        fields[kind] = text[start:position]
        previous = kind
    return fields


def _read(
    text: str, position: int, previous: str, fields: dict[str, str], steps: list[int]
) -> bool:
    """Read the fields from ``position`` into ``fields``; False when they do not fit."""
    size = len(text)
    if position == size:
        return True
    steps[0] += 1
    kind, length_text = text[position : position + 2], text[position + 2 : position + 4]
    if steps[0] > _MOST_STEPS or not (kind in KINDS and kind > previous and is_digits(length_text)):
        return False
    data_start = position + 4
    fixed = FIXED_SIZES.get(kind)
    length = int(length_text)
    if fixed is not None:
        # Its length says its size (19 says twice its size in the KL sample).
        if length not in (fixed, 2 * fixed):
            return False
        sizes: tuple[int, ...] = (fixed,)
    else:
        first = length - 1 if kind in SHORTER_BY_ONE else length
        sizes = tuple(dict.fromkeys((first, *(length + slack for slack in _SLACK))))
    for data_size in sizes:
        end = data_start + data_size
        if data_size < 0 or end > size:
            continue
        fields[kind] = text[data_start:end]
        if _read(text, end, kind, fields, steps):
            return True
        del fields[kind]
    return False


class NECNEAXParser(Parser):
    """Parses NEC NEAX IMS SMDR records: KA (fixed) and KK / KL / KM (flexible)."""

    family = "nec-neax"
    label = "NEC NEAX IMS SMDR (STX/ETX KA, KK, KL, KM)"
    options = schema(tolerance_setting(DEFAULT_TOLERANCE_MINUTES, MAX_TOLERANCE_MINUTES))

    def __init__(self, settings: ParserSettings):
        super().__init__(settings)
        tolerance = tolerance_option(
            settings.options or {}, DEFAULT_TOLERANCE_MINUTES, MAX_TOLERANCE_MINUTES
        )
        self._receipt = Receipt(settings.time_zone, tolerance)
        self._clock = LocalClock(settings.time_zone)
        self._days = self._clock.days  # emptied in place when full, never replaced

    def parse(self, text: str, received_at: dt.datetime | None = None) -> ParsedCall | None:
        """Parse one record's text (STX and ETX optional); ``None`` for a blank one."""
        text = text.strip("\x02\x03\r\n\x00")  # a KA record ends in blanks: kept
        if not text or text.isspace():
            return None
        if text[2:3] != "K" or len(text) < 4:
            raise field_error(
                "header field (offsets 1-4)", text[:4], "is not station, unit, K and a kind of data"
            )
        kind = text[3]
        if kind == "A":
            return self._ka(text, received_at)
        direction = FLEXIBLE_DIRECTIONS.get(kind)
        if direction is None:
            raise field_error(
                "kind of data (offset 4)", "K" + kind, "is not read by this parser (KA, KK, KL, KM)"
            )
        return self._flexible(text, direction)

    def _ka(self, text: str, received_at: dt.datetime | None) -> ParsedCall:
        if len(text) != KA_LENGTH:
            raise RecordError(
                f"KA record: {len(text) + 2} bytes with STX and ETX, not 132 (truncated?)"
            )
        start_text, end_text = text[19:29], text[29:39]
        years = text[115:119]
        if is_digits(years):
            start = self._moment(_CENTURIES[years[:2]] + start_text, (20, 29))
            end = self._moment(_CENTURIES[years[2:]] + end_text, (30, 39))
        elif not years.strip():
            start, end = self._dated(start_text, end_text, received_at)
        else:
            raise field_error(_ka_field(116, 119, "years"), years, "are not YYYY digits or blank")
        pulses_text = text[93:97]
        if not is_digits(pulses_text):
            raise field_error(_ka_field(94, 97, "call metering"), pulses_text, "is not a number")
        details: Details = {"kind": "KA", "meter_pulses": int(pulses_text)}
        condition = text[52:55].strip()
        if condition:
            details["condition_code"] = condition
        authorization = text[105:115].strip()
        if authorization:
            details["authorization_code"] = authorization
        return self._call(
            start,
            end,
            Direction.OUTGOING,
            extension=text[13:19].strip(),
            trunk=text[4:10].strip(),
            number=text[61:93].strip(),
            account_code=text[39:49].strip(),
            details=details,
        )

    def _flexible(self, text: str, direction: str) -> ParsedCall:
        fields = flexible_fields(text)
        get = fields.get
        times = get("06")
        if times is None:
            raise RecordError(f"K{text[3]} record: no field 06 (start and end time)")
        start = self._moment(times[:14], (1, 14), "field 06 start")
        end = self._moment(times[17:31], (18, 31), "field 06 end")
        details: Details = {"kind": "K" + text[3]}
        dialled = get("10", "")
        if direction == Direction.OUTGOING:
            extension, number = get("02", "")[4:].strip(), dialled
        elif direction == Direction.INCOMING:
            extension, number = get("04", "")[4:].strip(), get("16", "")[1:]
            if dialled:
                details["dialled"] = dialled
        else:
            extension, number = get("02", "")[4:].strip(), get("04", "")[4:].strip()
        for kind, name, skip in _DETAIL_KINDS:
            value = get(kind)
            if value and (value := value[skip:].strip()):
                details[name] = value
        charge = get("13", "")
        if len(charge) > 1 and charge[0] != "0":
            details["charge_code"] = charge[0]
            details["charge"] = charge[1:]
            if charge[0] == METERING_CHARGE and is_digits(charge[1:].strip()):
                details["meter_pulses"] = int(charge[1:])
        return self._call(
            start,
            end,
            direction,
            extension=extension,
            trunk=get("01", "")[3:9],
            number=number,
            account_code=get("07", "").strip(),
            details=details,
        )

    def _call(
        self,
        start: dt.datetime,
        end: dt.datetime,
        direction: str,
        *,
        extension: str,
        trunk: str,
        number: str,
        account_code: str,
        details: Details,
    ) -> ParsedCall:
        seconds = (end - start) // ONE_SECOND  # start and end are whole seconds
        if seconds < 0:
            raise RecordError(
                f"end {end.isoformat()} is before start {start.isoformat()}: not a call"
            )
        return ParsedCall(
            start=start,
            duration_seconds=seconds,
            ring_seconds=0,
            direction=direction,
            extension=extension,
            trunk=trunk,
            number=number,
            account_code=account_code,
            answered=seconds > 0,
            details=details,
        )

    def _moment(self, text: str, offsets: tuple[int, int], name: str = "") -> dt.datetime:
        """``YYYYMMDDhhmmss`` in the site's zone as aware UTC."""
        day = self._days.get(text[:8])
        time_of_day = _TIMES_OF_DAY.get(text[8:14])
        if day is None or time_of_day is None:
            day, time_of_day = self._checked(text, name or _ka_field(*offsets, "time"), day)
        midnight = day.midnight
        if midnight is not None:
            return midnight + time_of_day
        return self._clock.on(day, time_of_day)

    def _checked(
        self, text: str, label: str, day: LocalDay | None
    ) -> tuple[LocalDay, dt.timedelta]:
        """The day and time of a ``YYYYMMDDhhmmss`` not both seen before, checked (a
        cached day is a valid one) and remembered."""
        if len(text) != 14 or not is_digits(text):
            raise field_error(label, text, "is not a date and time (YYYYMMDDhhmmss)")
        if day is None:
            year, month, day_number = int(text[:4]), int(text[4:6]), int(text[6:8])
            if not is_valid_date(year, month, day_number):
                raise field_error(label, text, "is not a valid date")
        hours, minutes, seconds = text[8:10], text[10:12], text[12:14]
        if hours > "23" or minutes > "59" or seconds > "59":
            raise field_error(label, text, "is not a valid time of day")
        if day is None:
            day = self._clock.day(text[:8], year, month, day_number)
        time_of_day = _TIMES_OF_DAY.get(text[8:14])
        if time_of_day is None:
            time_of_day = ONE_SECOND * (int(hours) * 3600 + int(minutes) * 60 + int(seconds))
            if len(_TIMES_OF_DAY) < 86_400:
                _TIMES_OF_DAY[text[8:14]] = time_of_day
        return day, time_of_day

    def _dated(
        self, start_text: str, end_text: str, received_at: dt.datetime | None
    ) -> tuple[dt.datetime, dt.datetime]:
        """Start and end ``MMDDhhmmss`` without a year: the end dated from receipt, the
        start in the same year, or the one before when it sorts after the end."""
        for text, offsets in ((start_text, (20, 29)), (end_text, (30, 39))):
            if not is_digits(text):
                raise field_error(_ka_field(*offsets, "time"), text, "is not MMDDhhmmss")
        month, day = int(end_text[:2]), int(end_text[2:4])
        hour, minute, second = int(end_text[4:6]), int(end_text[6:8]), int(end_text[8:])
        if hour > 23 or minute > 59 or second > 59 or not is_valid_date(2000, month, day):
            raise field_error(_ka_field(30, 39, "end"), end_text, "is not a valid MMDDhhmmss")
        end = self._receipt.latest_date_time(received_at, month, day, hour, minute, second)
        if end is None:
            raise field_error(
                _ka_field(30, 39, "end"), end_text, "cannot be dated in the 8 years before receipt"
            )
        local_end_year = end.astimezone(self._clock.zone).year
        year = local_end_year - 1 if start_text > end_text else local_end_year
        start = self._moment(f"{year:04d}{start_text}", (20, 29))
        return start, end
