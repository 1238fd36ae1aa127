"""Avaya IP Office SMDR: comma-separated call records pushed over TCP, one per line.

A real record, from a production capture quoted in ``pbx-formats.md`` section 3.4 (the
Avaya IP Office examples, "Topic avaya"), an incoming SIP call answered by voicemail::

    2018/09/07 11:06:53,00:00:27,0,9145661757@172.16.2.10,I,4209,2160492,,0,1949529,1,
    T9017,Line 17.1,V9513,VM Channel 13,0,0,,,,,,,,,,,,,

(one line on the wire, ended by CR LF; wrapped here after the Continuation field).

Fields by position (1-based, as in the official field list): 1 Call Start, 2 Connected
Time, 3 Ring Time, 4 Caller, 5 Direction, 6 Called Number, 7 Dialled Number, 8 Account,
9 Is Internal, 10 Call ID, 11 Continuation, 12-15 Party1/Party2 Device and Name, 16 Hold
Time, 17 Park Time, 18-27 authorization and ISDN Advice of Charge, 28-30 external
targeting, 31-35 server addresses, unique call ids and the record time stamp (R9.1+).

Format decisions, where the documentation leaves room:

* There is no quoting: a record is split on every comma. Older systems send 30 fields,
  newer ones 35, and the official examples end in runs of empty fields of varying length,
  so 17 (up to Park Time) to 35 fields are accepted and missing trailing fields are empty.
* Call Start is local time in the site's zone, seconds optional (``2008/07/09 17:55``).
  A local time that occurs twice (autumn fold) is taken as the first occurrence, and one
  that does not exist (spring gap) with the offset in force before the change, which is
  what ``fold=0`` means (PEP 495). The PBX does not say which it meant.
* Is Internal is ``1``/``0``; one official example prints ``I``, read as ``1``.
* Records relayed through syslog carry a prefix before the date, and some captures start
  with NUL bytes: both are dropped. A Delta Server CSV header row is noise.
"""

from __future__ import annotations

import datetime as dt
import re

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
from .clock import ONE_SECOND, LocalClock, LocalDay, remember

UTC = dt.UTC

MIN_FIELDS = 17  # up to Park Time: every field the parser needs
MAX_FIELDS = 35  # R11 and later

FIELD_NAMES = (
    "Call Start",
    "Connected Time",
    "Ring Time",
    "Caller",
    "Direction",
    "Called Number",
    "Dialled Number",
    "Account",
    "Is Internal",
    "Call ID",
    "Continuation",
    "Party1Device",
    "Party1Name",
    "Party2Device",
    "Party2Name",
    "Hold Time",
    "Park Time",
    "AuthValid",
    "AuthCode",
    "User Charged",
    "Call Charge",
    "Currency",
    "Amount at Last User Change",
    "Call Units",
    "Units at Last User Change",
    "Cost per Unit",
    "Mark Up",
    "External Targeting Cause",
    "External Targeter Id",
    "External Targeted Number",
    "Calling Party Server IP Address",
    "Unique Call ID for the Caller Extension",
    "Called Party Server IP Address",
    "Unique Call ID for the Called Extension",
    "SMDR Record Time Stamp",
)

# Fields 18-35 (0-based index, details key, kind): kept in ``details`` when not empty.
# "int" becomes an int when it is all digits and stays text otherwise (Advice of Charge
# contents vary by carrier); "bool" maps 1/0 and keeps anything else as text.
_TAIL_FIELDS = (
    (17, "auth_valid", "bool"),
    (18, "auth_code", "str"),
    (19, "user_charged", "str"),
    (20, "call_charge", "int"),
    (21, "currency", "str"),
    (22, "amount_at_last_user_change", "int"),
    (23, "call_units", "int"),
    (24, "units_at_last_user_change", "int"),
    (25, "cost_per_unit", "int"),
    (26, "mark_up", "int"),
    (27, "external_targeting_cause", "str"),
    (28, "external_targeter_id", "str"),
    (29, "external_targeted_number", "str"),
    (30, "calling_party_server_ip", "str"),
    (31, "calling_party_unique_call_id", "str"),
    (32, "called_party_server_ip", "str"),
    (33, "called_party_unique_call_id", "str"),
    (34, "record_timestamp", "str"),
)

# Bytes seen before the date: NULs and other controls, a byte-order mark from a file.
_LEADING_JUNK = "".join(chr(code) for code in range(33)) + "\x7f\ufeff"
_TRAILING_JUNK = "\r\n\x00 \t"
_CALL_START_RE = re.compile(r"[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}")
_MAX_DIGITS = 9  # longest count of seconds accepted (about 31 years)
_TIME_CACHE_LIMIT = 200_000
_CALL_START_FORMAT = "is not YYYY/MM/DD HH:MM[:SS]"

# Shared by every parser (they repeat a lot): Connected Time "HH:MM:SS" -> seconds, and
# the time of day of Call Start, "HH:MM" or "HH:MM:SS" -> the time from midnight.
_connected_seconds: dict[str, int] = {}
_times_of_day: dict[str, dt.timedelta] = {}


def _field(number: int) -> str:
    """Field ``number`` (1-based) as error messages name it: ``field 3 (Ring Time)``."""
    return f"field {number} ({FIELD_NAMES[number - 1]})"


def _seconds(value: str, number: int) -> int:
    """A count of seconds such as Ring Time or Hold Time."""
    if not value.isdigit() or not value.isascii() or len(value) > _MAX_DIGITS:
        raise field_error(_field(number), value, "is not a number of seconds")
    return int(value)


def _connected(value: str) -> int:
    """Connected Time ``HH:MM:SS`` (hours may run past 99) in seconds, remembered in
    ``_connected_seconds``."""
    parts = value.split(":")
    if (
        len(parts) != 3
        or not all(is_digits(part) for part in parts)
        or len(parts[0]) > 6
        or len(parts[1]) != 2
        or len(parts[2]) != 2
        or parts[1] > "59"
        or parts[2] > "59"
    ):
        raise field_error(_field(2), value, "is not HH:MM:SS")
    seconds = int(parts[0]) * 3600 + int(parts[1]) * 60 + int(parts[2])
    if len(_connected_seconds) < _TIME_CACHE_LIMIT:
        _connected_seconds[value] = seconds
    return seconds


def _time_of_day(value: str, call_start: str) -> dt.timedelta:
    """``HH:MM`` or ``HH:MM:SS`` (from Call Start) as the time from midnight, remembered
    in ``_times_of_day``."""
    hour_text, minute_text, second_text = value[:2], value[3:5], value[6:] or "00"
    digits = hour_text + minute_text + second_text
    if (
        len(value) not in (5, 8)
        or value[2] != ":"
        or value[5:6] not in ("", ":")
        or not is_digits(digits)
        or hour_text > "23"
        or minute_text > "59"
        or second_text > "59"
    ):
        raise field_error(_field(1), call_start, _CALL_START_FORMAT)
    seconds = int(hour_text) * 3600 + int(minute_text) * 60 + int(second_text)
    return remember(_times_of_day, value, ONE_SECOND * seconds, _TIME_CACHE_LIMIT)


def _direction(direction_code: str, is_internal: str) -> str:
    """Direction (field 5) and Is Internal (field 9) as the call's direction."""
    if direction_code == "I":
        direction = Direction.INCOMING
    elif direction_code == "O":
        direction = Direction.OUTGOING
    else:
        raise field_error(_field(5), direction_code, "is not I or O")
    if is_internal == "1" or is_internal == "I" or is_internal == "i":  # "I": doc typo
        return Direction.INTERNAL
    if is_internal != "0" and is_internal != "":
        raise field_error(_field(9), is_internal, "is not 1 or 0")
    return direction


def _continuation(value: str) -> bool:
    """Continuation (field 11): whether more segments of the call follow."""
    if value == "0" or value == "":
        return False
    if value == "1":
        return True
    raise field_error(_field(11), value, "is not 1 or 0")


def _devices(party1_device: str, party2_device: str) -> tuple[str, str]:
    """The extension (``E2001``) and trunk (``T9001``) among the two parties' devices."""
    extension = trunk = ""
    for device in (party1_device, party2_device):
        kind, number = device[:1], device[1:]
        if kind == "E":
            if not extension and number.isdigit() and number.isascii():
                extension = number
        elif kind == "T" and not trunk and number.isdigit() and number.isascii():
            trunk = number
    return extension, trunk


def _party_details(fields: list[str], extension: str, trunk: str, details: Details) -> None:
    """Fields 12-17 into details: the devices that are not the extension or the trunk,
    the parties' names, and hold and park times that are not zero."""
    party1_device, party1_name, party2_device, party2_name, hold_time, park_time = fields[11:17]
    if party1_device and party1_device[1:] not in (extension, trunk):
        details["party1_device"] = party1_device
    if party2_device and party2_device[1:] not in (extension, trunk):
        details["party2_device"] = party2_device
    if party1_name:
        details["party1_name"] = party1_name
    if party2_name:
        details["party2_name"] = party2_name
    hold_seconds = _seconds(hold_time, 16) if hold_time else 0
    if hold_seconds:
        details["hold_seconds"] = hold_seconds
    park_seconds = _seconds(park_time, 17) if park_time else 0
    if park_seconds:
        details["park_seconds"] = park_seconds


def _tail_details(fields: list[str], details: Details) -> None:
    """Fields 18-35 (R11 and later) into details, when not empty."""
    count = len(fields)
    for index, key, kind in _TAIL_FIELDS:
        if index >= count:
            break
        value = fields[index]
        if value:
            if kind == "int":
                details[key] = _text_or_int(value)
            elif kind == "bool":
                details[key] = _text_or_bool(value)
            else:
                details[key] = value


def _text_or_int(value: str) -> int | str:
    return int(value) if is_digits(value) and len(value) <= 18 else value


def _text_or_bool(value: str) -> bool | str:
    if value == "1":
        return True
    if value == "0":
        return False
    return value


class AvayaIPOfficeParser(Parser):
    """Parses IP Office SMDR records, one call segment per record."""

    family = "avaya-ipoffice"
    label = "Avaya IP Office SMDR"

    def __init__(self, settings: ParserSettings):
        super().__init__(settings)
        self._clock = LocalClock(settings.time_zone)

    def parse(self, text: str, received_at: dt.datetime | None = None) -> ParsedCall | None:
        """Parse one SMDR record; ``None`` for a blank line or a CSV header row."""
        line = text.rstrip(_TRAILING_JUNK)
        # Fast path: the record starts with the year, as it does on the socket.
        if line[4:5] != "/" or not line[:4].isdigit():
            record = self._strip_prefix(line)
            if record is None:
                return None
            line = record
        fields = line.split(",")
        count = len(fields)
        if count < MIN_FIELDS or count > MAX_FIELDS:
            raise self._count_error(count)
        (
            call_start,
            connected_time,
            ring_time,
            caller,
            direction_code,
            called_number,
            dialled_number,
            account_code,
            is_internal,
            call_id,
            continuation,
            party1_device,
            _party1_name,
            party2_device,
        ) = fields[:14]

        start = self._start(call_start)
        duration_seconds = _connected_seconds.get(connected_time)
        if duration_seconds is None:
            duration_seconds = _connected(connected_time)
        ring_seconds = _seconds(ring_time, 3)
        direction = _direction(direction_code, is_internal)
        if not call_id.isdigit() or not call_id.isascii():
            raise field_error(_field(10), call_id, "is not an integer")
        more_segments = _continuation(continuation)
        extension, trunk = _devices(party1_device, party2_device)

        # Details keep what the call's own columns do not already say: every call
        # row carries them, and the raw record keeps the rest byte for byte.
        details: Details = {}
        caller, at, caller_ip = caller.partition("@")
        if at:
            details["caller_ip"] = caller_ip
        if more_segments:
            details["continuation"] = True
        _party_details(fields, extension, trunk, details)
        if count > MIN_FIELDS and any(fields[MIN_FIELDS:]):
            _tail_details(fields, details)

        if direction == Direction.INCOMING:
            number = caller
            if not extension and is_digits(called_number) and len(called_number) <= 5:
                # Answered by a group, voicemail or nobody: a short target is the extension
                # (longer ones, such as 299999 in Avaya's examples, are DDIs or groups).
                extension = called_number
            if dialled_number and dialled_number != extension:
                details["ddi"] = dialled_number  # the number the caller dialled
        else:
            number = dialled_number

        return ParsedCall(
            start=start,
            duration_seconds=duration_seconds,
            ring_seconds=ring_seconds,
            direction=direction,
            extension=extension,
            trunk=trunk,
            number=number,
            account_code=account_code,
            pbx_call_id=call_id,
            answered=duration_seconds > 0,
            details=details,
        )

    def _strip_prefix(self, line: str) -> str | None:
        """Drop control bytes and a syslog prefix; ``None`` when the line is noise."""
        line = line.lstrip(_LEADING_JUNK)
        if not line:
            return None
        first_field = line.partition(",")[0]
        match = _CALL_START_RE.search(first_field)
        if match is not None:
            return line[match.start() :]
        key = first_field.replace(" ", "").replace("_", "").replace('"', "").lower()
        if key.endswith("callstart"):
            return None  # Delta Server CSV header row
        raise field_error(_field(1), first_field, _CALL_START_FORMAT)

    def _start(self, value: str) -> dt.datetime:
        """Call Start, local to the site, as an aware UTC datetime."""
        if value[10:11] != " ":
            raise field_error(_field(1), value, _CALL_START_FORMAT)
        time_text = value[11:]
        since_midnight = _times_of_day.get(time_text)
        if since_midnight is None:
            since_midnight = _time_of_day(time_text, value)
        day = self._clock.days.get(value[:10]) or self._day(value)
        try:
            return self._clock.on(day, since_midnight)
        except OverflowError:
            raise field_error(_field(1), value, "is out of range") from None

    def _day(self, value: str) -> LocalDay:
        """Validate the date of Call Start ``value`` and cache it in the clock."""
        date_text = value[:10]
        year_text, month_text, day_text = date_text[:4], date_text[5:7], date_text[8:10]
        if (
            date_text[4] != "/"
            or date_text[7] != "/"
            or not is_digits(year_text + month_text + day_text)
        ):
            raise field_error(_field(1), value, _CALL_START_FORMAT)
        try:
            return self._clock.day(date_text, int(year_text), int(month_text), int(day_text))
        except ValueError:
            raise field_error(_field(1), value, "is not a valid date") from None
        except OverflowError:
            raise field_error(_field(1), value, "is out of range") from None

    @staticmethod
    def _count_error(count: int) -> RecordError:
        if count < MIN_FIELDS:
            missing = (
                f"field {count + 1} ({FIELD_NAMES[count]}) to field {MIN_FIELDS} "
                f"({FIELD_NAMES[MIN_FIELDS - 1]}) missing"
            )
            return RecordError(
                f"record has {count} comma-separated fields, expected {MIN_FIELDS} to "
                f"{MAX_FIELDS} ({missing})"
            )
        return RecordError(
            f"record has {count} comma-separated fields, expected {MIN_FIELDS} to {MAX_FIELDS}"
        )
