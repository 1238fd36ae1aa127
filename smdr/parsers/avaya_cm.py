"""Avaya Communication Manager (DEFINITY, S8xxx, Aura CM) CDR: fixed-width records.

CM sends one record per call over a serial CDR port or a TCP "CDR1/CDR2" link, in the
format chosen on the ``system-parameters cdr`` form. This parser reads three of those
formats, chosen per source with the ``layout`` option. There is no real capture: the
layouts come from the DEFINITY ECS R8.2 and MultiVantage R1.2 Administrator's Guides as
quoted in ``pbx-formats.md`` section 4. A printer-format record [DERIVED] built from
Table 31, an ARS call (condition code 7) ended at 14:32 by extension 4567, who dialled
9 (access code dialled) and went out on trunk group 101 (access code used) to
5551234567, for 1 hour, 2 minutes and 3 tenths (3,738 s); incoming circuit blank::

    "1432 1023 7 9   101 5551234567      4567  123456"

(trailing blanks stripped; ``123456`` is the account code).

Layouts (1-based columns), option ``layout``:

* ``printer`` (default; Table 31): 1-2 hours and 3-4 minutes of the time of day,
  6 duration hours, 7-8 minutes, 9 tenths of a minute, 11 condition code, 13-15 access
  code dialled, 17-19 access code used, 21-35 dialled number, 37-41 calling number,
  43-57 account code, 59-65 authorization code, 70 FRL, 72 IXC, 74-76 incoming circuit
  id; the columns after 77 are not documented here and are ignored.
* ``expanded`` (MultiVantage Table 44): time and duration as above, 11 condition code,
  13-16 access code dialled, 18-21 access code used, 23-37 dialled number, 39-48 calling
  number, 50-64 account code. The Int-ISDN table that the expanded format follows gives
  66-72 authorization code, 76 FRL, 78-80 incoming and 82-84 outgoing circuit id,
  86 feature flag and 91-94 incoming trunk access code [INFERENCE: read when present].
* ``teleseer`` (Table 27): 1-3 blank, 4-5 hours, 6-7 minutes, 8 duration hours, 9-10
  minutes, 11 tenths, 12 condition code, 13-15 access code dialled, 16-18 access code
  used, 19-33 dialled number, 34-38 calling number, 39-53 account code, 54 FRL, 55 IXC,
  56-58 incoming and 59-61 outgoing circuit id, 62 feature flag, 63-69 authorization code.

* ``customized`` (the ``change system-parameters cdr`` form, page 2: "Data Item -
  Length"): the fields and widths the administrator chose, in order, given by the
  ``fields`` option as ``"name:width"`` texts with the form's item names, e.g.
  ``["date:6", "space:1", "time:4", "space:1", "sec-dur:5", "space:1",
  "cond-code:1", "space:1", "code-used:4", "space:1", "dialed-num:23", "space:1",
  "calling-num:15", "space:1", "acct-code:15", "space:1", "in-trk-code:4", "space:1",
  "ucid:20", "space:1", "vdn:5", "return:1", "line-feed:1"]``. The items read: ``time`` (HHMM),
  ``date`` (6, ``MMDDYY`` or, with ``date_format`` ``day/month``, ``DDMMYY``: as the
  form's "CDR Date Format"), ``duration`` (H MM T) or ``sec-dur`` (seconds; read first
  when both are there), ``cond-code``, ``code-dial``, ``code-used``, ``dialed-num``,
  ``calling-num`` or ``clg-num/in-tac``, ``acct-code``, ``auth-code``, ``frl``,
  ``ixc-code``, ``in-crt-id``, ``out-crt-id``, ``feat-flag``, ``in-trk-code`` and
  ``ucid`` (the call id); ``space`` columns must be blank; ``return``, ``line-feed``
  and ``null`` end the record; any other item (``vdn``, ``bcc``, ``node-num``...) goes
  to details under its name when not blank. A record with a ``date`` is dated by it;
  without one, from its receipt as the other formats. A customized record's incoming
  calls read like the expanded format's (the calling number is the caller's). One
  such record [DERIVED] from the example fields above, an outside call to 2001 from
  3514567890 on trunk access code 101, ended 14:32 on 10 March 2025, 95 s::

    "031025 1432    95 9      2001                    "
    "3514567890                      101  00001002031741680123"

  (one record, in two pieces here)

The "unformatted" format is not read: its table was not found in the guides at hand
(``pbx-formats.md`` section 4); a site can describe its record as ``customized``.

``printer`` is the default because it is the format section 4 documents first and most
fully, the classic output of a CDR printer port; a link set to another format needs
the option. A record whose blank separators are not blank names the option to check.

Format decisions, where the documentation leaves room:

* The time of day is when the call ENDED (MultiVantage guide, "Time" field): the start
  is that time minus the duration. None of these formats carries a date, so the end is
  dated from ``received_at`` in the site's zone: the most recent HH:MM at or before
  receipt, allowing 10 minutes for a PBX clock running ahead (23:59 received at 00:01
  is yesterday). DST folds take the first occurrence, gaps the offset before the change.
* Duration ``H MM T`` is hours, minutes and tenths of a minute (6 s each), so
  ``1023`` = 1 h 2 min 18 s. ``9999`` marks a call in progress while the clock was
  changed: duration 0 and ``details["clock_changed"]``.
* Direction from the condition code: ``0`` internal; ``9`` (incoming or tandem), ``G``,
  ``H``, ``I``, ``J``, ``K`` incoming; ``7`` (ARS/AAR), ``8`` (ringback queuing), ``A``,
  ``B`` outgoing. Any other code (``1`` attendant, ``4`` long-call interim, ``C``
  conference, ...) is outgoing when an access code was used, incoming when only an
  incoming circuit is given, internal otherwise.
* Outgoing and internal calls: the extension is the calling number, the number the
  dialled number, the trunk the access code used (the trunk group's TAC). Incoming: the
  extension is the dialled number; in the printer and TELESEER formats the calling
  number holds the incoming trunk's access code, so it is the trunk and the number is
  empty; the expanded format gives the calling party number (blank if unknown).
* ``G`` (answered) and ``H`` (abandoned) records time the ringing, not the call: the
  duration goes to ``ring_seconds``, with ``details["ring_record"]``. Codes ``E``,
  ``F``, ``H``, ``I`` and ``6`` (not completed, abandoned, busy, not recorded) are
  unanswered; every other record is a completed call.
* Lines padded with NULs, CR LF, and the date records some links send at start-up and at
  midnight (``01/02``, ``01/02/25``) are noise or stripped. TELESEER's leading blanks are
  restored if a framer stripped them.

Options read from the source's settings:

* ``layout``: ``printer`` (default), ``expanded``, ``teleseer`` or ``customized``.
* ``fields`` (customized only, required there): the record's items and widths, in order.
* ``date_format`` (customized only): ``month/day`` (default) or ``day/month``.
"""

from __future__ import annotations

import datetime as dt
import operator
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
from .clock import ONE_SECOND, LocalClock, Receipt, expand_year

UTC = dt.UTC

LAYOUTS = ("printer", "expanded", "teleseer", "customized")
DATE_FORMATS = ("month/day", "day/month")
DEFAULT_LAYOUT = "printer"
CLOCK_TOLERANCE = dt.timedelta(minutes=10)
_DURATION_CACHE_LIMIT = 100_000

# Per layout: 0-based slices of every field, the blank columns (0-based) checked to
# catch a wrong layout, and the shortest record (through the condition code).
_SLICES = {
    "printer": {
        "time": (0, 4),
        "duration": (5, 9),
        "condition": (10, 11),
        "access_dialled": (12, 15),
        "access_used": (16, 19),
        "dialled": (20, 35),
        "calling": (36, 41),
        "account": (42, 57),
        "auth": (58, 65),
        "frl": (69, 70),
        "ixc": (71, 72),
        "in_circuit": (73, 76),
    },
    "expanded": {
        "time": (0, 4),
        "duration": (5, 9),
        "condition": (10, 11),
        "access_dialled": (12, 16),
        "access_used": (17, 21),
        "dialled": (22, 37),
        "calling": (38, 48),
        "account": (49, 64),
        "auth": (65, 72),
        "frl": (75, 76),
        "in_circuit": (77, 80),
        "out_circuit": (81, 84),
        "feature_flag": (85, 86),
        "in_trunk_code": (90, 94),
    },
    "teleseer": {
        "time": (3, 7),
        "duration": (7, 11),
        "condition": (11, 12),
        "access_dialled": (12, 15),
        "access_used": (15, 18),
        "dialled": (18, 33),
        "calling": (33, 38),
        "account": (38, 53),
        "frl": (53, 54),
        "ixc": (54, 55),
        "in_circuit": (55, 58),
        "out_circuit": (58, 61),
        "feature_flag": (61, 62),
        "auth": (62, 69),
    },
}
_SEPARATORS = {
    "printer": (4, 9, 11, 15, 19, 35, 41, 57),
    "expanded": (4, 9, 11, 16, 21, 37, 48, 64),
    "teleseer": (69, 70, 71, 72, 73, 74, 75),
}
_MIN_LENGTH = {"printer": 11, "expanded": 11, "teleseer": 12}
_MAX_LENGTH = {"printer": 120, "expanded": 160, "teleseer": 80}

_FIELD_TITLES = {
    "time": "time of day",
    "duration": "duration",
    "condition": "condition code",
    "sec_duration": "sec-dur",
    "date": "date",
}

# The customized form's data items the parser reads -> its slice keys.
CUSTOM_ITEMS = {
    "time": "time",
    "date": "date",
    "duration": "duration",
    "sec-dur": "sec_duration",
    "cond-code": "condition",
    "code-dial": "access_dialled",
    "code-used": "access_used",
    "dialed-num": "dialled",
    "calling-num": "calling",
    "clg-num/in-tac": "calling",
    "acct-code": "account",
    "auth-code": "auth",
    "frl": "frl",
    "ixc-code": "ixc",
    "in-crt-id": "in_circuit",
    "out-crt-id": "out_circuit",
    "feat-flag": "feature_flag",
    "in-trk-code": "in_trunk_code",
    "ucid": "ucid",
}
_CUSTOM_FILLERS = frozenset({"space", "return", "line-feed", "null"})
_CUSTOM_ITEM_RE = re.compile(r"\s*([a-z0-9_/-]+)\s*[: ]\s*([0-9]{1,2})\s*")
# Slices every layout reads: blank (an empty slice) where a customized record has none.
_ALWAYS_READ = ("access_dialled", "access_used", "dialled", "calling", "account", "in_circuit")

_INCOMING_CODES = frozenset("9GHIJK")
_OUTGOING_CODES = frozenset("78AB")
_UNANSWERED_CODES = frozenset("EFHI6")
_RING_CODES = frozenset("GH")
# Optional columns kept in details when not blank: (slice key, details key).
_DETAIL_FIELDS = (
    ("auth", "auth_code"),
    ("frl", "frl"),
    ("ixc", "ixc"),
    ("in_circuit", "incoming_circuit"),
    ("out_circuit", "outgoing_circuit"),
    ("feature_flag", "feature_flag"),
)
_DATE_RECORD_RE = re.compile(r"\s*[0-9]{1,2}[/.-][0-9]{1,2}(?:[/.-][0-9]{2,4})?\s*")
_LEADING_JUNK = "\x00\r\n"
_TRAILING_JUNK = "\x00\r\n \t"
_CLOCK_CHANGED = "9999"

# "HMMT" -> seconds, shared by every parser.
_duration_seconds: dict[str, int] = {}


def _direction(condition: str, access_used: str, in_circuit: str) -> str:
    """The call's direction from its condition code, else from the trunks it used."""
    if condition == "0":
        return Direction.INTERNAL
    if condition in _INCOMING_CODES:
        return Direction.INCOMING
    if condition in _OUTGOING_CODES or access_used:
        return Direction.OUTGOING
    if in_circuit:
        return Direction.INCOMING
    return Direction.INTERNAL


class AvayaCMParser(Parser):
    """Parses CM CDR records in the printer, expanded or TELESEER format."""

    family = "avaya-cm"
    label = "Avaya Communication Manager CDR"
    options = schema(
        Setting("layout", Kind.TEXT, DEFAULT_LAYOUT, "CDR format: " + ", ".join(LAYOUTS) + "."),
        Setting(
            "fields",
            Kind.LIST,
            None,
            gettext_noop(
                "Customized format: the data items and lengths of the system-parameters"
                " cdr form, in order (name:length)."
            ),
        ),
        Setting(
            "date_format",
            Kind.CHOICE,
            DATE_FORMATS[0],
            gettext_noop("Customized format: the form's CDR Date Format."),
            choices=DATE_FORMATS,
        ),
    )

    def __init__(self, settings: ParserSettings):
        super().__init__(settings)
        layout = settings.options.get("layout", DEFAULT_LAYOUT)
        if isinstance(layout, str):
            layout = layout.strip().lower()
        if not isinstance(layout, str) or layout not in LAYOUTS:
            raise RecordError(
                f"option layout: {layout!r} is not one of {', '.join(LAYOUTS)} (the CDR format set "
                "on the system-parameters cdr form)"
            )
        self.layout = layout
        self._extra_items: tuple[tuple[slice, str], ...] = ()
        self._day_first = False
        if layout == "customized":
            self._customize(settings.options)
        else:
            self._slices = _SLICES[layout]
            self._separators = _SEPARATORS[layout]
            self._min_length = _MIN_LENGTH[layout]
            self._max_length = _MAX_LENGTH[layout]
        self._columns = {key: slice(a, b) for key, (a, b) in self._slices.items()}
        self._detail_columns = tuple(
            (self._columns[key], name) for key, name in _DETAIL_FIELDS if key in self._columns
        )
        for key in _ALWAYS_READ:
            self._columns.setdefault(key, slice(0, 0))
        self._sec_duration = self._columns.get("sec_duration")
        self._date = self._columns.get("date")
        self._ucid = self._columns.get("ucid")
        self._clock = LocalClock(settings.time_zone)
        # The separator columns at once, of the record padded with blanks past its end.
        # Always a tuple, however many blank columns (itemgetter of one gives a scalar).
        separators = self._separators
        self._separator_chars = (
            operator.itemgetter(*separators)
            if len(separators) > 1
            else lambda line: tuple(line[index] for index in separators)
        )
        self._separators_width = max(self._separators, default=0) + 1
        self._blanks = (" ",) * len(self._separators)
        self._time_at, _ = self._slices["time"]
        self._duration_at, _ = self._slices.get("duration", (0, 0))
        self._condition_at, _ = self._slices["condition"]
        self._receipt = Receipt(settings.time_zone, CLOCK_TOLERANCE)

    def parse(self, text: str, received_at: dt.datetime | None = None) -> ParsedCall | None:
        """Parse one CDR record; ``None`` for a blank line or a date record."""
        line = self._record(text)
        if line is None:
            return None
        self._check_layout(line)

        at = self._time_at
        time_text = line[at : at + 4]
        if (
            not time_text.isdigit()
            or not time_text.isascii()
            or time_text[:2] > "23"
            or time_text[2:] > "59"
        ):
            raise field_error(self._field("time"), time_text, "is not HHMM")
        details: Details = {}
        if self._sec_duration is not None:
            seconds = self._seconds(line)
        else:
            at = self._duration_at
            duration_text = line[at : at + 4]
            if duration_text == _CLOCK_CHANGED:
                seconds = 0
                details["clock_changed"] = True
            else:
                cached = _duration_seconds.get(duration_text)
                seconds = cached if cached is not None else self._duration(duration_text)
        condition = line[self._condition_at]
        if condition == " " or not condition.isalnum() or not condition.isascii():
            raise field_error(self._field("condition"), condition, "is not a condition code")
        details["condition_code"] = condition

        if self._date is not None:
            end = self._dated_end(line, int(time_text[:2]), int(time_text[2:]))
        else:
            end = self._receipt.latest_time(received_at, int(time_text[:2]), int(time_text[2:]))
        try:
            start = end - ONE_SECOND * seconds
        except OverflowError:
            raise self._receipt.out_of_range(received_at) from None

        columns = self._columns
        access_used = line[columns["access_used"]].strip()
        direction = _direction(condition, access_used, line[columns["in_circuit"]].strip())
        extension, number, trunk = self._parties(line, direction, access_used, details)
        self._optional_details(line, details)

        ring_seconds = 0
        if condition in _RING_CODES:
            ring_seconds, seconds = seconds, 0
            details["ring_record"] = True
        return ParsedCall(
            start=start,
            duration_seconds=seconds,
            ring_seconds=ring_seconds,
            direction=direction,
            extension=extension,
            trunk=trunk,
            number=number,
            account_code=line[columns["account"]].strip(),
            pbx_call_id=line[self._ucid].strip() if self._ucid is not None else "",
            answered=condition not in _UNANSWERED_CODES,
            details=details,
        )

    def _record(self, text: str) -> str | None:
        """The record without the padding links add; ``None`` for a blank or a date record."""
        line = text.rstrip(_TRAILING_JUNK)
        if line[:1] in ("\x00", "\r", "\n"):
            line = line.lstrip(_LEADING_JUNK)
        if self.layout == "teleseer" and line[:3] != "   ":
            line = "   " + line.lstrip(" ")  # a framer stripped the leading blanks
            if not line.strip():
                return None
        if len(line) < 16 and (not line.strip() or _DATE_RECORD_RE.fullmatch(line)):
            return None
        return line

    def _check_layout(self, line: str) -> None:
        """Refuse a record shorter or longer than the layout's, or whose blank columns are
        not: most likely a record of another layout."""
        length = len(line)
        layout = self.layout
        if length < self._min_length:
            raise RecordError(
                f"record is {length} characters; a {layout} record runs at least to the "
                f"condition code in column {self._min_length}"
            )
        if length > self._max_length:
            raise RecordError(
                f"record is {length} characters, longer than a {layout} record "
                f"({self._max_length}); check the source's layout option"
            )
        if self._separator_chars(line.ljust(self._separators_width)) != self._blanks:
            index = next(i for i in self._separators if i < length and line[i] != " ")
            raise RecordError(
                f"column {index + 1} is {line[index]!r}, blank in the {layout} layout; "
                "check the source's layout option"
            )

    def _parties(
        self, line: str, direction: str, access_used: str, details: Details
    ) -> tuple[str, str, str]:
        """(extension, number, trunk) from the dialled and calling numbers."""
        columns = self._columns
        dialled = line[columns["dialled"]].strip()
        calling = line[columns["calling"]].strip()
        if direction != Direction.INCOMING:
            return calling, dialled, access_used
        if access_used:
            details["access_code_used"] = access_used  # a tandem call's way out
        if self.layout in ("expanded", "customized"):
            in_trunk = columns.get("in_trunk_code")
            return dialled, calling, line[in_trunk].strip() if in_trunk else ""
        return dialled, "", calling  # calling: the incoming trunk group's access code

    def _optional_details(self, line: str, details: Details) -> None:
        """The access code dialled and the columns after it, when not blank."""
        access_dialled_column = self._columns["access_dialled"]
        access_dialled = line[access_dialled_column].strip()
        if access_dialled:
            details["access_code_dialled"] = access_dialled
        if len(line) > access_dialled_column.stop:
            for column, name in self._detail_columns:
                value = line[column].strip()  # "" past the end of the record
                if value:
                    details[name] = value
        for column, name in self._extra_items:
            value = line[column].strip()
            if value:
                details[name] = value

    def _customize(self, options: Options) -> None:
        """The slices, blank columns and lengths of a customized record, from the
        ``fields`` option (the form's data items and lengths, in order)."""
        value = options.get("fields")
        if not isinstance(value, list | tuple) or not value:
            raise RecordError(
                f"option fields: {value!r} is not a list of the customized record's data"
                " items and lengths (name:length), as on the system-parameters cdr form"
            )
        slices: dict[str, tuple[int, int]] = {}
        separators: list[int] = []
        extras: list[tuple[slice, str]] = []
        at = 0
        for item in value:
            match = _CUSTOM_ITEM_RE.fullmatch(item) if isinstance(item, str) else None
            if match is None or int(match.group(2)) == 0:
                raise RecordError(
                    f"option fields: {item!r} is not a data item and its length (time:4)"
                )
            name, width = match.group(1), int(match.group(2))
            key = CUSTOM_ITEMS.get(name)
            if key is not None:
                if key in slices:
                    raise RecordError(f"option fields: {name!r} is given twice")
                slices[key] = (at, at + width)
            elif name == "space":
                separators.extend(range(at, at + width))
            elif name not in _CUSTOM_FILLERS:
                extras.append((slice(at, at + width), name))
            at += width
        missing = [
            name
            for name, key in (("time", "time"), ("cond-code", "condition"))
            if key not in slices
        ]
        if "duration" not in slices and "sec_duration" not in slices:
            missing.append("duration or sec-dur")
        if missing:
            raise RecordError(f"option fields: the record needs {', '.join(missing)}")
        if slices["time"][1] - slices["time"][0] != 4:
            raise RecordError("option fields: time is 4 characters (HHMM)")
        if "duration" in slices and slices["duration"][1] - slices["duration"][0] != 4:
            raise RecordError("option fields: duration is 4 characters (H MM T)")
        if "date" in slices and slices["date"][1] - slices["date"][0] != 6:
            raise RecordError("option fields: date is 6 characters (MMDDYY or DDMMYY)")
        date_format = options.get("date_format", DATE_FORMATS[0])
        if date_format not in DATE_FORMATS:
            raise RecordError(
                f"option date_format: {date_format!r} is not one of {', '.join(DATE_FORMATS)}"
            )
        self._day_first = date_format == "day/month"
        self._slices = slices
        # Only the blank columns before the record's last read field can be checked:
        # a record may end (trailing blanks stripped) anywhere after it.
        self._separators = tuple(separators)
        self._extra_items = tuple(extras)
        self._min_length = max(end for _, end in (slices["time"], slices["condition"]))
        self._max_length = at + 8

    def _seconds(self, line: str) -> int:
        """A customized record's ``sec-dur``: seconds, right-aligned (blank is 0)."""
        column = self._sec_duration
        assert column is not None
        text = line[column].strip()
        if not text:
            return 0
        if not is_digits(text):
            raise field_error(self._field("sec_duration"), text, "is not a count of seconds")
        return int(text)

    def _dated_end(self, line: str, hour: int, minute: int) -> dt.datetime:
        """The end of a customized record with a ``date``: its date and time of day."""
        column = self._date
        assert column is not None
        text = line[column]
        if not is_digits(text) or len(text) != 6:
            shape = "DDMMYY" if self._day_first else "MMDDYY"
            raise field_error(self._field("date"), text, f"is not {shape}")
        first, second, year = int(text[:2]), int(text[2:4]), expand_year(int(text[4:]))
        month, day = (second, first) if self._day_first else (first, second)
        try:
            return self._clock.utc(year, month, day, hour, minute)
        except (ValueError, OverflowError):
            raise field_error(self._field("date"), text, "is not a valid date") from None

    def _duration(self, value: str) -> int:
        """``H MM T`` (hours, minutes, tenths of a minute) in seconds."""
        if not value.isdigit() or not value.isascii() or len(value) != 4 or value[1:3] > "59":
            raise field_error(
                self._field("duration"), value, "is not H MM T (hours, minutes, tenths)"
            )
        seconds = int(value[0]) * 3600 + int(value[1:3]) * 60 + int(value[3]) * 6
        if len(_duration_seconds) < _DURATION_CACHE_LIMIT:
            _duration_seconds[value] = seconds
        return seconds

    def _field(self, key: str) -> str:
        """A field as error messages name it, with its columns: ``duration (columns 6-9)``."""
        a, b = self._slices[key]
        columns = f"column {b}" if b == a + 1 else f"columns {a + 1}-{b}"
        return f"{_FIELD_TITLES[key]} ({columns})"
