"""Unify OpenScape Voice CDRs and HiPath 4000 / OpenScape 4000 call charge records.

Two systems, two layouts, picked by the ``variant`` option (``auto``, the default, tells
them apart: an OpenScape Voice record starts with its 8-digit record type).

**OpenScape Voice** writes billing files (``*.BF``) of comma-separated records, pushed
to or pulled by the collector over SFTP/FTP, one record a line, with ``FILENAME:``,
``DEVICE:``, ``HOSTNAME:``, ``FILETYPE:``, ``VERSION:``, ``CREATE:`` and ``CLOSE:`` lines
around them and, in the raw file, a sequence number before each record. The fields
(1-based) are those of the *OpenScape Voice V9 Interface Manual: Volume 1, CDR
Interface* (A31003-H8090-T104-04-7618, "CDR Field Definition"), as a public OSV CDR
parser (``Pipeline.Components.OSVParser``, "CdrCsvParser") reads them: 1 record type
(``00000000`` full CDR; ``00000004`` hunt group, ``00000005`` feature and ``10000100``
call forwarding records are not calls), 2 timestamp (the call's start), 3 call duration
(seconds), 5 global call ID, 11 terminating number, 12 calling party number, 18 attempt
indicator (0 completed, 1 busy, 4 caller abort, 5 no answer...), 19 release cause (16
normal clearing...), 40 and 41 originating and terminating party identifiers (900 on
OpenScape, originating; 901 off OpenScape, incoming; 902 on OpenScape, terminating; 903
off OpenScape, outgoing; 999 unknown), 48 call answer time, 49 call release time, 101
dialed number, 126 and 127 ingress and egress SIP endpoints, 128 destination party
number. No real record has been published; an outgoing call **[DERIVED]** from those
fields, of extension 2044 to 0114567890 through the SIP trunk ``10.0.172.17``, started
at 13:05:07.3 (UTC-3), answered 8 s later, 93 s long (fields 1-12, then 18-19, 40-41,
48-49 shown; the others are empty)::

    00000000,2026-10-14T13:05:07.3-0300,93,,OSV01-1a2b3c,,,,,,0114567890,2044,...,0,16,...
    900,903,...,2026-10-14T13:05:15.3-0300,2026-10-14T13:06:48.3-0300,...

**HiPath 4000 / OpenScape 4000** send their call charge records (CDRC "Gebührendaten",
output by FTFILE or a Collecting Agent) with a content "freely configurable by AMO
FTBL" (OpenScape 4000 V11 documentation, "Call detail recording, central", networks.unify.com
``OS4000_FUE/en-us/bd54135.htm``; the FTBL elements such as ``ACCTCODE`` and the end of
the connection ``ENDDAY``, ``ENDMONTH``, ``ENDHOUR``, ``ENDMIN``, ``ENDSEC``: ``bd55969.htm``).
As no layout is fixed, the record is read as separated fields (option ``separator``,
default ``;``) in the order of option ``columns``, which names what each field is:
``date`` (``DD.MM.YY``, ``DD.MM.YYYY`` or ``YYYY-MM-DD``), ``time`` (``hh:mm:ss`` or
``hh:mm``), ``duration`` (seconds or ``hh:mm:ss``), ``ring`` (seconds or ``mm:ss``),
``extension``, ``number``, ``trunk``, ``units`` (charge units), ``cost``, ``account``,
``direction`` (``I`` / ``IN`` incoming, ``O`` / ``OUT`` outgoing, ``N`` / ``INT``
internal), ``call_id``, or ``""`` for a field to skip. The default (ours **[DERIVED]**, set
the FTBL to match or the columns to the FTBL) and a record in it, an outgoing call of
extension 4321 ended 14 October 2026 at 13:06:48 after 93 s, on trunk group 12, 3 units,
account code 1001::

    14.10.26;13:06:48;93;4321;0114567890;12;3;1001;O

Options (the source's settings):

* ``variant``: ``auto`` (default), ``openscape-voice`` or ``hipath4000``.
* ``columns``, ``separator``: the HiPath 4000 record, above.
* ``time_is``: ``end`` (default: CDRC records the end of the connection) or ``start``,
  what the HiPath 4000 record's date and time are; with ``end`` the start is that time
  minus the duration and the ring time.

Format decisions:

* OpenScape Voice times carry their UTC offset and are read as such (a time without
  one is the site's); the start is field 2, the ring time the answer time (48) minus it,
  the duration field 3. The direction comes from the party identifiers: 901 to 902
  incoming, 900 to 903 outgoing, 900 to 902 internal, 901 to 903 a transit call
  (outgoing, ``details["transit"]``); otherwise from the site's extensions, else internal.
  Outgoing and internal: the extension is the calling party, the number the dialed
  number (else the terminating number); incoming: the extension is the destination party
  (else the terminating number), the number the caller; the trunk is the SIP endpoint
  on the outside. Answered: a duration and attempt indicator 0 (or none). A record with
  fewer than 41 fields is an error naming the first missing one.
* HiPath 4000: two-digit years 00-69 are 2000-2069. Lines with no digit (headers) and
  blank lines are noise.
"""

from __future__ import annotations

import csv
import datetime as dt
import re

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
from .clock import (
    ONE_SECOND,
    TIMES_OF_DAY,
    LocalClock,
    LocalDay,
    expand_year,
    remember,
    time_of_day,
)
from .direction import RULE_KEY, known_direction
from .options import choice_option

UTC = dt.UTC
VARIANTS = ("auto", "openscape-voice", "hipath4000")
TIME_IS = ("end", "start")

# OpenScape Voice: 1-based field numbers and their names in the manual.
OSV_FIELDS: dict[str, tuple[int, str]] = {
    "record_type": (1, "Record Type"),
    "timestamp": (2, "Timestamp"),
    "duration": (3, "Call Duration"),
    "global_call_id": (5, "Global Call ID"),
    "terminating": (11, "Terminating Number"),
    "calling": (12, "Calling Party Number"),
    "attempt": (18, "Attempt Indicator"),
    "release_cause": (19, "Release Cause"),
    "originating_party": (40, "Originating Party Identifier"),
    "terminating_party": (41, "Terminating Party Identifier"),
    "answer": (48, "Call Answer Time"),
    "release": (49, "Call Release Time"),
    "dialed": (101, "Dialed Number"),
    "ingress": (126, "Ingress SIP Endpoint"),
    "egress": (127, "Egress SIP Endpoint"),
    "destination": (128, "Destination Party Number"),
}
OSV_MIN_FIELDS = 41
_OSV_WIDTH = max(number for number, _ in OSV_FIELDS.values())  # short records are padded
FULL_CDR = "00000000"
_FULL_CDR_HEAD = FULL_CDR + ","
BF_KEYWORDS = ("FILENAME:", "DEVICE:", "HOSTNAME:", "FILETYPE:", "VERSION:", "CREATE:", "CLOSE:")
_ON_OSV_ORIGINATING, _INCOMING_PARTY, _ON_OSV_TERMINATING, _OUTGOING_PARTY = (
    "900",
    "901",
    "902",
    "903",
)

# HiPath 4000 columns.
HIPATH_KEYS = (
    "date",
    "time",
    "duration",
    "ring",
    "extension",
    "number",
    "trunk",
    "units",
    "cost",
    "account",
    "direction",
    "call_id",
    "",
)
DEFAULT_COLUMNS = (
    "date",
    "time",
    "duration",
    "extension",
    "number",
    "trunk",
    "units",
    "account",
    "direction",
)
REQUIRED_COLUMNS = ("date", "time", "duration", "extension", "direction")
HIPATH_DIRECTIONS = {
    "I": Direction.INCOMING,
    "IN": Direction.INCOMING,
    "O": Direction.OUTGOING,
    "OUT": Direction.OUTGOING,
    "N": Direction.INTERNAL,
    "INT": Direction.INTERNAL,
}
_DATE_RE = re.compile(
    r"([0-9]{2})\.([0-9]{2})\.([0-9]{2}|[0-9]{4})|([0-9]{4})-([0-9]{2})-([0-9]{2})"
)
_COST_RE = re.compile(r"[0-9]+(?:[.,][0-9]+)?")

_TRAILING_JUNK = "\r\n\x00 \t\x0c"
_LEADING_JUNK = "".join(chr(code) for code in range(32)) + "\x7f\ufeff "
_CACHE_LIMIT = 100_000
_SIXTY = {f"{number:02d}": number for number in range(60)}
_CODES = {str(number): number for number in range(1000)}  # indicators, causes
_NAIVE = dt.datetime(1, 1, 1, tzinfo=UTC)  # a time without an offset: not cached
# ("YYYY-MM-DDTHH", what follows the seconds) -> that hour as aware UTC.
_hours: dict[tuple[str, str], dt.datetime] = {}


def _is_record_type(value: str) -> bool:
    return len(value) == 8 and is_digits(value)


def _looks_osv(line: str) -> bool:
    """An OpenScape Voice line: a record type first (after a billing file's sequence
    number), 40 commas or more (a CDR with its record type garbled), or a file header."""
    head = line[:18].split(",", 2)
    return (
        _is_record_type(head[0])
        or (len(head) > 1 and _is_record_type(head[1]))
        or line.count(",") >= OSV_MIN_FIELDS - 1
        or line.startswith(BF_KEYWORDS)
    )


def _osv_values(line: str) -> list[str] | None:
    """The fields of a full CDR (a billing file's sequence number dropped); ``None`` for a
    file header or a record of another type; an error for a line that is neither."""
    if line[0] != "0" and line.startswith(BF_KEYWORDS):
        return None
    if '"' in line:
        try:
            values = next(csv.reader([line]))
        except csv.Error as error:
            raise field_error("record", line, f"is not a CSV line ({error})") from None
    else:
        values = line.split(",")
    if values[0] != FULL_CDR and not _is_record_type(values[0]):
        if len(values) > 1 and _is_record_type(values[1]) and is_digits(values[0]):
            values = values[1:]  # a billing file's sequence number
        else:
            raise field_error(
                "field 1 (Record Type)", values[0], "is not an 8-digit CDR record type"
            )
    if values[0] != FULL_CDR:
        return None  # hunt group, feature and call forwarding records: not calls
    if len(values) < OSV_MIN_FIELDS:
        first, name = next(
            (number, name) for number, name in OSV_FIELDS.values() if number > len(values)
        )
        raise RecordError(
            f"field {first} ({name}): missing, the record has {len(values)} fields; "
            f"a full CDR has at least {OSV_MIN_FIELDS}"
        )
    return values


def _columns_option(options: Options) -> tuple[str, ...]:
    value = options.get("columns", list(DEFAULT_COLUMNS))
    if not isinstance(value, list | tuple) or not all(
        isinstance(item, str) and item in HIPATH_KEYS for item in value
    ):
        names = ", ".join(key or '""' for key in HIPATH_KEYS)
        raise RecordError(f"option columns: {value!r} is not a list of {names}")
    named = [item for item in value if item]
    if len(set(named)) != len(named):
        raise RecordError(f"option columns: {value!r} names a column twice")
    missing = [key for key in REQUIRED_COLUMNS if key not in named]
    if missing:
        raise RecordError(f"option columns: {value!r} lacks {', '.join(missing)}")
    return tuple(value)


def _separator_option(options: Options) -> str:
    value = options.get("separator", ";")
    if not isinstance(value, str) or len(value) != 1 or value.isalnum() or value in "\r\n":
        raise RecordError(f"option separator: {value!r} is not one punctuation character")
    return value


class UnifyOpenScapeParser(Parser):
    """Parses OpenScape Voice CDRs and HiPath 4000 / OpenScape 4000 charge records."""

    family = "unify-openscape"
    label = "Unify OpenScape Voice / OpenScape 4000 CDR"
    options = schema(
        Setting(
            "variant",
            Kind.CHOICE,
            "auto",
            gettext_noop(
                "OpenScape Voice CDRs or HiPath 4000 records (auto: told apart by their shape)."
            ),
            VARIANTS,
        ),
        Setting(
            "columns",
            Kind.LIST,
            list(DEFAULT_COLUMNS),
            gettext_noop("What each field of a HiPath 4000 record is, in order (AMO FTBL)."),
        ),
        Setting(
            "separator",
            Kind.TEXT,
            ";",
            gettext_noop("The character between the fields of a HiPath 4000 record."),
        ),
        Setting(
            "time_is",
            Kind.CHOICE,
            "end",
            gettext_noop("Whether a HiPath 4000 record's time is the call's end or its start."),
            TIME_IS,
        ),
    )

    def __init__(self, settings: ParserSettings):
        super().__init__(settings)
        options = settings.options or {}
        self.variant = choice_option(options, "variant", "auto", VARIANTS)
        columns = _columns_option(options)
        self._columns = {key: index for index, key in enumerate(columns) if key}
        self._width = len(columns)
        self._separator = _separator_option(options)
        self._at_end = choice_option(options, "time_is", "end", TIME_IS) == "end"
        self._clock = LocalClock(settings.time_zone)
        self._extensions = settings.extensions
        self._longest = settings.longest_extension

    def parse(self, text: str, received_at: dt.datetime | None = None) -> ParsedCall | None:
        """Parse one record; ``None`` for blank lines, file headers and non-call records."""
        line = text.rstrip(_TRAILING_JUNK)
        if line[:1] <= " ":
            line = line.lstrip(_LEADING_JUNK)
        if not line:
            return None
        variant = self.variant
        if line.startswith(_FULL_CDR_HEAD) and variant != "hipath4000":
            return self._osv(line)  # the common case, told at a glance
        if variant == "auto":
            variant = "openscape-voice" if _looks_osv(line) else "hipath4000"
        if variant == "openscape-voice":
            return self._osv(line)
        return self._hipath(line)

    # OpenScape Voice

    def _osv(self, line: str) -> ParsedCall | None:
        values = _osv_values(line)
        if values is None:
            return None
        if len(values) < _OSV_WIDTH:
            values += [""] * (_OSV_WIDTH - len(values))
        # 0-based: the field numbers of OSV_FIELDS minus one.
        timestamp = values[1].strip()
        start = self._osv_time(timestamp, "timestamp")
        if start is None:
            raise field_error(self._osv_name("timestamp"), timestamp, "is missing")
        duration_text = values[2].strip()
        if not (duration_text.isdigit() and duration_text.isascii()):
            raise field_error(self._osv_name("duration"), duration_text, "is not seconds")
        duration = int(duration_text)
        answer = self._osv_time(values[47].strip(), "answer")
        ring_end = answer or self._osv_time(values[48].strip(), "release")
        ring = max(int((ring_end - start).total_seconds()), 0) if ring_end else 0

        details: Details = {}
        attempt = values[17].strip()
        for key, text in (("attempt", attempt), ("release_cause", values[18].strip())):
            if text:
                code = _CODES.get(text)
                if code is None:
                    if not is_digits(text):
                        raise field_error(self._osv_name(key), text, "is not a number")
                    code = int(text)
                details[key] = code
        calling, terminating = values[11].strip(), values[10].strip()
        dialed, destination = values[100].strip(), values[127].strip()
        origin, end = values[39].strip(), values[40].strip()
        direction = self._osv_direction(origin, end, calling, dialed or terminating, details)
        if direction == Direction.INCOMING:
            extension, number, trunk = destination or terminating, calling, values[125].strip()
        else:
            extension, number = calling, dialed or terminating
            trunk = values[126].strip() if direction == Direction.OUTGOING else ""
        return ParsedCall(
            start=start,
            duration_seconds=duration,
            ring_seconds=ring,
            direction=direction,
            extension=extension,
            trunk=trunk,
            number=number,
            account_code="",
            pbx_call_id=values[4].strip(),
            answered=duration > 0 and attempt in ("", "0"),
            details=details,
        )

    @staticmethod
    def _osv_name(key: str) -> str:
        number, name = OSV_FIELDS[key]
        return f"field {number} ({name})"

    def _osv_time(self, text: str, key_name: str) -> dt.datetime | None:
        """An ISO 8601 time as aware UTC (the site's zone when it has no offset)."""
        if not text:
            return None
        # The common form, "YYYY-MM-DDTHH:MM:SS[.f]+hhmm": the hour with what follows the
        # seconds (fraction, offset) is cached, the minutes and seconds added.
        minute, second = _SIXTY.get(text[14:16]), _SIXTY.get(text[17:19])
        if minute is not None and second is not None and text[13:14] == text[16:17] == ":":
            key = (text[:13], text[19:])
            hour = _hours.get(key)
            if hour is None:
                hour = self._iso_hour(key, text, key_name)
            if hour is not _NAIVE:
                return hour + ONE_SECOND * (minute * 60 + second)
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            raise field_error(self._osv_name(key_name), text, "is not an ISO 8601 time") from None
        if parsed.tzinfo is None:
            return self._clock.utc(
                parsed.year, parsed.month, parsed.day, parsed.hour, parsed.minute, parsed.second
            )
        return parsed.astimezone(UTC).replace(microsecond=0)

    def _iso_hour(self, key: tuple[str, str], text: str, key_name: str) -> dt.datetime:
        """The hour ``key`` (with a fraction and offset) as aware UTC, or ``_NAIVE``."""
        hour_text, rest = key
        try:
            hour = dt.datetime.fromisoformat(f"{hour_text}:00:00{rest}")
        except ValueError:
            raise field_error(self._osv_name(key_name), text, "is not an ISO 8601 time") from None
        if hour.tzinfo is None:
            return _NAIVE  # the site's zone: converted one by one (DST)
        return remember(_hours, key, hour.astimezone(UTC).replace(microsecond=0), _CACHE_LIMIT)

    def _osv_direction(
        self, origin: str, end: str, calling: str, called: str, details: Details
    ) -> str:
        if origin == _INCOMING_PARTY:
            if end == _OUTGOING_PARTY:
                details["transit"] = True
                return Direction.OUTGOING
            return Direction.INCOMING
        if origin == _ON_OSV_ORIGINATING:
            if end == _OUTGOING_PARTY:
                return Direction.OUTGOING
            if end == _ON_OSV_TERMINATING:
                return Direction.INTERNAL
        known = known_direction(self._extensions, self._longest, (calling,), (called,))
        if known:
            direction, rule = known
            details[RULE_KEY] = rule
            return direction
        return Direction.INTERNAL

    # HiPath 4000 / OpenScape 4000

    def _hipath(self, line: str) -> ParsedCall | None:
        if not any(character.isdigit() for character in line):
            return None  # a header
        values = line.split(self._separator)
        if len(values) < self._width:
            missing = next(key for key, index in self._columns.items() if index >= len(values))
            raise RecordError(
                f"{self._hipath_name(missing)}: missing, the record has {len(values)} fields "
                f"of the {self._width} in the source's columns option"
            )
        columns = self._columns

        def value(key: str) -> str:
            index = columns.get(key)
            return values[index].strip() if index is not None else ""

        moment = self._hipath_moment(value("date"), value("time"))
        duration = self._hipath_seconds(value("duration"), "duration")
        ring = self._hipath_seconds(value("ring"), "ring") if "ring" in columns else 0
        direction_text = value("direction").upper()
        direction = HIPATH_DIRECTIONS.get(direction_text)
        if direction is None:
            raise field_error(
                self._hipath_name("direction"), direction_text, "is not I, O or N (IN, OUT, INT)"
            )
        if self._at_end:
            moment -= ONE_SECOND * (duration + ring)
        details: Details = {}
        units = value("units")
        if units:
            if not is_digits(units):
                raise field_error(self._hipath_name("units"), units, "is not a number")
            details["units"] = int(units)
        cost = value("cost")
        if cost:
            if not _COST_RE.fullmatch(cost):
                raise field_error(self._hipath_name("cost"), cost, "is not an amount")
            details["cost"] = cost
        return ParsedCall(
            start=moment,
            duration_seconds=duration,
            ring_seconds=ring,
            direction=direction,
            extension=value("extension"),
            trunk=value("trunk"),
            number=value("number"),
            account_code=value("account"),
            pbx_call_id=value("call_id"),
            answered=duration > 0,
            details=details,
        )

    def _hipath_name(self, key: str) -> str:
        return f"field {self._columns[key] + 1} ({key})"

    def _hipath_moment(self, date_text: str, time_text: str) -> dt.datetime:
        day = self._clock.days.get(date_text) or self._hipath_day(date_text)
        if len(time_text) == 5:
            time_text += ":00"
        since_midnight = TIMES_OF_DAY.get(time_text)
        if since_midnight is None:
            try:
                since_midnight = time_of_day(time_text)
            except ValueError:
                raise field_error(self._hipath_name("time"), time_text, "is not hh:mm:ss") from None
        return self._clock.on(day, since_midnight)

    def _hipath_day(self, text: str) -> LocalDay:
        match = _DATE_RE.fullmatch(text)
        if match is None:
            raise field_error(
                self._hipath_name("date"), text, "is not DD.MM.YY, DD.MM.YYYY or YYYY-MM-DD"
            )
        day, month, year, iso_year, iso_month, iso_day = match.groups()
        if iso_year:
            numbers = int(iso_year), int(iso_month), int(iso_day)
        else:
            full_year = int(year) if len(year) == 4 else expand_year(int(year))
            numbers = full_year, int(month), int(day)
        try:
            return self._clock.day(text, *numbers)
        except (ValueError, OverflowError):
            raise field_error(self._hipath_name("date"), text, "is not a date") from None

    def _hipath_seconds(self, text: str, key: str) -> int:
        if is_digits(text):
            return int(text)
        if not text:
            return 0
        parts = text.split(":")
        if 2 <= len(parts) <= 3 and all(len(part) == 2 and is_digits(part) for part in parts):
            seconds = 0
            for part in parts:
                seconds = seconds * 60 + int(part)
            return seconds
        raise field_error(self._hipath_name(key), text, "is not seconds, mm:ss or hh:mm:ss")
