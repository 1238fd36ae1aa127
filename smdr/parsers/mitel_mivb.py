"""Mitel MiVoice Business (3300 ICP / MCD), SX-2000 and SX-200 SMDR: 90-column records.

No real capture of this format is public. The record below is **[DERIVED]** from
example 1 of the MiVB online help page "SMDR Record Examples" (``smdr_examples.html``,
beside the field table cited in ``pbx-formats.md`` section 2): the help prints the
template's placeholder letters where a field is blank, and they are blanks here. An
outgoing call: station 214 dialled 6135952122 on trunk 54 at 11:42 on June 13th,
answer supervision received, 8 minutes 29 seconds, system 000::

     06/13 11:42  00:08:29 214       6135952122                A T054                    000

The layout is the help's template (``_`` is a blank), "SMDR Summary of Fields"::

    zmm/dd_hh:mmp_hh:mm:ss_pppp_fttt_xxxxxxxxxxxxxxxxxxxxxmmmmmhsqqqqk_rrrr_aaaaaaaaaaaasiii__

Columns (1-based): 1 long-call flag (`` ``, ``-``, ``%``, ``+``), 2-6 date ``mm/dd``
(no year), 8-12 start ``hh:mm``, 13 ``p`` for P.M. on a 12-hour clock, 15-22
duration ``hh:mm:ss``, 24-27 calling party (a station, ``Tnnn`` a CO trunk, ``Xnnn``
a non-CO trunk such as a tie line, or an attendant), 29 ``*`` when an attendant
handled the call, 30-32 time to answer in seconds, 34-59 digits dialled on the trunk
(26; 34-54 and a meter pulse count in 55-59 when meter pulses are recorded), 60 call
completion status, 61 speed call / ARS flag, 62-65 called party, 66 transfer or
conference flag, 68-71 third party, 73-84 account code, 85 route optimization flag,
86-88 system identifier. With "ANI/DNIS/ISDN/CLASS Number Delivery Reporting" the
record goes on with ANI in 92-101 and DNIS in 103-112; with "Standardized Network
OLI", calling and called OLI in 114-122 and 124-131.

Options (``ParserSettings.options``; any other key is ignored):

* ``clock`` (``"auto"``, ``"12"`` or ``"24"``; default ``"auto"``): how the PBX prints
  the start time. ``"auto"`` reads ``p`` as P.M. and a time without it on the 24-hour
  clock (so 12:30 without ``p`` is 12:30; only a 12-hour clock's 12:xx A.M. is
  misread, as noon). ``"12"``: hours 1-12, blank is A.M.; ``"24"``: hours 0-23 and no
  ``p``.
* ``meter_pulses`` (bool, default false): "SMDR: Record Meter Pulses" is on, so
  columns 55-59 are a pulse count (``details["meter_pulses"]``), not digits.
* ``clock_tolerance_minutes`` (int, 0-720, default 5): how far the PBX clock may run
  ahead of ours when the year is worked out.

Format decisions, where the documentation leaves room:

* The year is the one that puts the start at or before the time of receipt (plus the
  tolerance) in the site's zone: 12/31 23:50 received on January 1st is last year's,
  and 02/29 is dated in the latest leap year. A local time that occurs twice or not at
  all (DST) is read with ``fold=0``, as in the IP Office parser.
* Direction: a calling party ``Tnnn``/``Xnnn`` is an incoming trunk call (extension =
  called party); otherwise a called party ``Tnnn``/``Xnnn`` is an outgoing one
  (extension = calling party); otherwise the call is internal (internal SMDR).
  ``trunk`` keeps the letter, as the PBX names the trunk (``T054``, ``X082``).
* ``number``: outgoing, the digits dialled; incoming, the ANI when the record has the
  ANI/DNIS extension (the standard record has no caller number), and the digits the
  trunk dialled in (DID/DNIS) go to ``details["digits"]``; internal, the digits
  dialled, or the called party when no digits were recorded.
* ``ring_seconds`` is the time to answer (blank is 0). ``answered`` is true when the
  duration is not zero and the completion status is not a failure (``B`` busy, ``E``
  invalid number, ``-`` toll denied, ``O`` and ``D`` for unanswered internal calls).
* A duration of ``99:99:99`` (100 hours or more) is 360000 seconds, with
  ``details["duration_capped"]``.
* ``details`` holds what the columns do not: ``attendant``, ``completion_status``,
  ``speed_call_flag``, ``transfer_flag``, ``third_party``, ``route_optimization``,
  ``system_id``, ``meter_pulses``, ``digits``, ``called_party``, ``ani`` (on records
  that are not incoming), ``dnis``, ``calling_oli``, ``called_oli``, each only when not
  blank.
* Records may be shorter than 90 columns (trailing blanks stripped), down to the
  calling party (24 columns and up). A record that lost its leading blank (a
  collector that trims lines) is read as if it were there. Records of the Extended Digit Length
  (101 columns) and Extended Reporting layouts (start time with seconds) are not
  documented publicly: their columns do not line up, and they are rejected with an
  error saying so.
* Noise (``None``): blank lines and separator lines of ``-`` or ``=``.
"""

from __future__ import annotations

import datetime as dt

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
from .clock import Receipt, remember
from .options import bool_option, choice_option, tolerance_option, tolerance_setting

UTC = dt.UTC

FIELD_NAMES = (
    "Long Call",
    "Date",
    "Start Time",
    "Duration",
    "Calling Party",
    "Attendant Flag",
    "Time to Answer",
    "Digits Dialed",
    "Meter Pulses",
    "Call Completion Status",
    "Speed Call Flag",
    "Called Party",
    "Transfer/Conference",
    "Third Party",
    "Account Code",
    "Route Optimization",
    "System Identifier",
    "ANI",
    "DNIS",
)

MIN_LENGTH = 24  # through the first character of the calling party
CAPPED_DURATION = "99:99:99"
CAPPED_SECONDS = 100 * 3600
CLOCKS = ("auto", "12", "24")
DEFAULT_TOLERANCE_MINUTES = 5
MAX_TOLERANCE_MINUTES = 720
FAILED_STATUSES = frozenset("BEOD-")
LONG_CALL_FLAGS = frozenset(" -%+")

# Columns that must be blank (0-based index, 1-based column).
_SEPARATORS = ((6, 7), (13, 14), (22, 23))
_LATE_SEPARATORS = ((27, 28), (32, 33), (66, 67), (71, 72))
_CONTROL = "".join(chr(code) for code in range(32))
_SEPARATOR_CHARS = frozenset("-= ")
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_TIME_CACHE_LIMIT = 100_000

# "hh:mm:ss" -> seconds and "mm/dd" -> (month, day), shared by every parser instance.
_duration_seconds: dict[str, int] = {}
_dates: dict[str, tuple[int, int]] = {}


def _field(number: int) -> str:
    """Field ``number`` (1-based) as error messages name it: ``field 4 (Duration)``."""
    return f"field {number} ({FIELD_NAMES[number - 1]})"


def _quote(line: str) -> str:
    return repr(line if len(line) <= 60 else line[:57] + "...")


def _is_trunk(party: str) -> bool:
    """``Tnnn`` (CO trunk) or ``Xnnn`` (non-CO trunk)."""
    return party[:1] in ("T", "X") and party[1:].isdigit() and party.isascii()


def _check_layout(line: str) -> None:
    """Refuse a record too short, or whose blank columns are not, or of a layout (Extended
    Digit Length, Extended Reporting) whose columns do not line up with this one."""
    if len(line) < MIN_LENGTH:
        raise RecordError(
            f"record is {len(line)} characters long, expected at least {MIN_LENGTH} "
            f"(through the calling party): {_quote(line)}"
        )
    if line[0] not in LONG_CALL_FLAGS:
        raise field_error(_field(1), line[0], "is not blank, -, % or +")
    if line[12] == ":" and line[3] == "/":
        raise RecordError(
            f"field 3 (Start Time, columns 8-15): {line[7:15]!r} has seconds (SMDR "
            f"Extended Reporting), which is not supported (record {_quote(line)})"
        )
    late = line[27:28] + line[32:33] + line[66:67] + line[71:72]  # "" past the end
    if line[6] != " " or line[13] != " " or line[22] != " " or late.strip(" "):
        raise _separator_error(line)


def _separator_error(line: str) -> RecordError:
    """The error for the first column that should be blank and is not."""
    for index, column in _SEPARATORS:
        if line[index] != " ":
            return RecordError(
                f"column {column}: {line[index]!r} where the 90-column layout has a blank "
                f"(record {_quote(line)})"
            )
    index, column = next(
        (index, column) for index, column in _LATE_SEPARATORS if line[index : index + 1].strip(" ")
    )
    return RecordError(
        f"column {column}: {line[index]!r} where the 90-column layout has a blank "
        "(Extended Digit Length records are not supported) "
        f"(record {_quote(line)})"
    )


def _date(value: str) -> tuple[int, int]:
    """Date ``mm/dd`` (columns 2-6) as (month, day), remembered in ``_dates``."""
    month_text, day_text = value[:2], value[3:5]
    digits = month_text + day_text
    if not (digits.isdigit() and digits.isascii()):
        raise field_error(_field(2), value, "is not mm/dd")
    month, day = int(month_text), int(day_text)
    if not 1 <= month <= 12 or not 1 <= day <= _DAYS_IN_MONTH[month - 1]:
        raise field_error(_field(2), value, "is not a valid date")
    return remember(_dates, value, (month, day), _TIME_CACHE_LIMIT)


def _duration(value: str) -> int:
    """Duration ``hh:mm:ss`` in seconds; ``99:99:99`` is the 100-hour cap."""
    seconds = _duration_seconds.get(value)
    if seconds is not None:
        return seconds
    if value == CAPPED_DURATION:
        return CAPPED_SECONDS
    hours, minutes, secs = value[:2], value[3:5], value[6:]
    if (
        value[2:3] != ":"
        or value[5:6] != ":"
        or not is_digits(hours + minutes + secs)
        or len(secs) != 2
        or minutes > "59"
        or secs > "59"
    ):
        raise field_error(_field(4), value, "is not hh:mm:ss")
    seconds = int(hours) * 3600 + int(minutes) * 60 + int(secs)
    if len(_duration_seconds) < _TIME_CACHE_LIMIT:
        _duration_seconds[value] = seconds
    return seconds


def _time_to_answer(line: str, details: Details) -> int:
    """The Attendant Flag (column 29) into details, and Time to Answer (30-32) in seconds."""
    if line[28:29] == "*":
        details["attendant"] = True
    elif line[28:29] not in ("", " "):
        raise field_error(_field(6), line[28], "is not blank or *")
    answer_text = line[29:32].strip()
    if not answer_text:
        return 0
    if not is_digits(answer_text):
        raise field_error(_field(7), line[29:32], "is not a number of seconds")
    return int(answer_text)


def _completion(line: str, details: Details) -> tuple[str, str, str, str]:
    """Columns 60-88 and the ANI/DNIS and OLI extension: (completion status, called
    party, account code, ANI); the flags and the rest into details."""
    status = line[59].strip()
    if status:
        details["completion_status"] = status
    if line[60:61].strip():
        details["speed_call_flag"] = line[60]
    called = line[61:65].strip()
    if line[65:66].strip():
        details["transfer_flag"] = line[65]
    third_party = line[67:71].strip()
    if third_party:
        details["third_party"] = third_party
    account_code = line[72:84].strip()
    if line[84:85].strip():
        details["route_optimization"] = line[84]
    system_id = line[85:88].strip()
    if system_id:
        details["system_id"] = system_id
    ani = _network_numbers(line, details) if len(line) > 90 else ""
    return status, called, account_code, ani


def _network_numbers(line: str, details: Details) -> str:
    """ANI (columns 92-101), returned; DNIS (103-112) and network OLI (114-131) into
    details, when the record has them."""
    dnis = line[102:112].strip()
    if dnis:
        details["dnis"] = dnis
    calling_oli = line[113:122].strip()
    if calling_oli:
        details["calling_oli"] = calling_oli
    called_oli = line[123:131].strip()
    if called_oli:
        details["called_oli"] = called_oli
    return line[91:101].strip()


def _parties(
    calling: str, called: str, digits: str, ani: str, details: Details
) -> tuple[str, str, str, str]:
    """(direction, extension, trunk, number) from the calling and called parties."""
    if _is_trunk(calling):
        extension = called
        if _is_trunk(called):
            details["called_party"] = called
            extension = ""
        if digits:
            details["digits"] = digits
        return Direction.INCOMING, extension, calling, ani
    if ani:
        details["ani"] = ani
    if _is_trunk(called):
        return Direction.OUTGOING, calling, called, digits
    number = digits or called
    if called and called != number:
        details["called_party"] = called
    return Direction.INTERNAL, calling, "", number


def _options(options: Options) -> tuple[str, bool, dt.timedelta]:
    clock = choice_option(options, "clock", "auto", CLOCKS)
    meter_pulses = bool_option(options, "meter_pulses", False)
    tolerance = tolerance_option(options, DEFAULT_TOLERANCE_MINUTES, MAX_TOLERANCE_MINUTES)
    return clock, meter_pulses, tolerance


class MitelMiVBParser(Parser):
    """Parses MiVoice Business / SX-2000 / SX-200 SMDR records, dated on receipt."""

    family = "mitel-mivb"
    label = "Mitel MiVoice Business / SX-2000 / SX-200 SMDR"
    options = schema(
        Setting(
            "clock", Kind.CHOICE, "auto", gettext_noop("12- or 24-hour times, or auto."), CLOCKS
        ),
        Setting("meter_pulses", Kind.BOOL, False, gettext_noop("The record carries meter pulses.")),
        tolerance_setting(DEFAULT_TOLERANCE_MINUTES, MAX_TOLERANCE_MINUTES),
    )

    def __init__(self, settings: ParserSettings):
        super().__init__(settings)
        self._clock, self._meter_pulses, self._tolerance = _options(settings.options or {})
        self._receipt = Receipt(settings.time_zone, self._tolerance, "time of receipt", 1000)
        # "hh:mmp" -> (hour, minute) on this source's clock.
        self._times: dict[str, tuple[int, int]] = {}

    def parse(self, text: str, received_at: dt.datetime | None = None) -> ParsedCall | None:
        """Parse one SMDR record; ``None`` for a blank or separator line."""
        line = text.rstrip()
        if line[:1] < " " and line:
            line = line.lstrip(_CONTROL).rstrip()
        if line[3:4] != "/":
            if line[2:3] == "/" and line[:2].isdigit():
                line = " " + line  # the leading long-call blank was trimmed
            elif not line or set(line) <= _SEPARATOR_CHARS:
                return None
        _check_layout(line)
        date_text, time_text = line[1:6], line[7:13]
        month, day = _dates.get(date_text) or _date(date_text)
        hour, minute = self._times.get(time_text) or self._time(time_text)
        duration_text = line[14:22]
        duration_seconds = _duration(duration_text)
        calling = line[23:27].strip()
        if not calling:
            raise field_error(_field(5), line[23:27], "is blank")

        details: Details = {}
        if duration_text == CAPPED_DURATION:
            details["duration_capped"] = True
        ring_seconds = _time_to_answer(line, details)
        digits = self._digits(line, details)
        status = called = account_code = ani = ""
        if len(line) > 59:
            status, called, account_code, ani = _completion(line, details)
        direction, extension, trunk, number = _parties(calling, called, digits, ani, details)

        return ParsedCall(
            start=self._start(month, day, hour, minute, received_at),
            duration_seconds=duration_seconds,
            ring_seconds=ring_seconds,
            direction=direction,
            extension=extension,
            trunk=trunk,
            number=number,
            account_code=account_code,
            pbx_call_id="",
            answered=duration_seconds > 0 and status not in FAILED_STATUSES,
            details=details,
        )

    def _time(self, value: str) -> tuple[int, int]:
        """Start time ``hh:mm`` and the P.M. flag (columns 8-13) as 24-hour (hour, minute),
        remembered in ``_times``."""
        return remember(self._times, value, self._clock_time(value), _TIME_CACHE_LIMIT)

    def _clock_time(self, value: str) -> tuple[int, int]:
        """:meth:`_time`, not remembered."""
        hour_text, minute_text, suffix = value[:2], value[3:5], value[5:6]
        digits = hour_text + minute_text
        if (
            value[2:3] != ":"
            or not (digits.isdigit() and digits.isascii())
            or len(minute_text) != 2
            or minute_text > "59"
        ):
            raise field_error(_field(3), value, "is not hh:mm")
        hour = int(hour_text)
        clock = self._clock
        if suffix in ("p", "P"):
            if clock == "24" or not 1 <= hour <= 12:
                raise field_error(_field(3), value, "is not a 12-hour P.M. time")
            return (hour if hour == 12 else hour + 12), int(minute_text)
        if suffix not in ("", " "):
            raise field_error(_field(3), value, "is not hh:mm followed by p or a blank")
        if clock == "12":
            if not 1 <= hour <= 12:
                raise field_error(_field(3), value, "is not a 12-hour time")
            return (0 if hour == 12 else hour), int(minute_text)
        if hour > 23:
            raise field_error(_field(3), value, "is not hh:mm")
        return hour, int(minute_text)

    def _digits(self, line: str, details: Details) -> str:
        """Digits Dialed (columns 34-59, or 34-54 and the Meter Pulses in 55-59)."""
        if not self._meter_pulses:
            return line[33:59].strip()
        pulses = line[54:59].strip()
        if pulses:
            if not is_digits(pulses):
                raise field_error(_field(9), line[54:59], "is not a pulse count")
            details["meter_pulses"] = int(pulses)
        return line[33:54].strip()

    def _start(
        self, month: int, day: int, hour: int, minute: int, received_at: dt.datetime | None
    ) -> dt.datetime:
        """The start in the latest year that puts it at or before receipt, in UTC."""
        start = self._receipt.latest_date_time(received_at, month, day, hour, minute)
        if start is not None:
            return start
        if received_at is None:
            received_at = dt.datetime.now(UTC)
        elif received_at.tzinfo is None:
            received_at = received_at.replace(tzinfo=UTC)
        raise RecordError(
            f"field 2 (Date): {month:02}/{day:02} cannot be dated before {received_at.isoformat()}"
        )
