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

* ``layout``: ``printer`` (default), ``expanded`` or ``teleseer``.
"""

from __future__ import annotations

import datetime as dt
import operator
import re

from smdr.schema import Kind, Setting, schema

from .base import Details, Direction, ParsedCall, Parser, ParserSettings, RecordError, field_error
from .clock import ONE_SECOND, Receipt

UTC = dt.UTC

LAYOUTS = ("printer", "expanded", "teleseer")
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
}

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
        self._slices = _SLICES[layout]
        self._columns = {key: slice(a, b) for key, (a, b) in self._slices.items()}
        self._detail_columns = tuple(
            (self._columns[key], name) for key, name in _DETAIL_FIELDS if key in self._columns
        )
        self._separators = _SEPARATORS[layout]
        # The separator columns at once, of the record padded with blanks past its end.
        self._separator_chars = operator.itemgetter(*self._separators)
        self._separators_width = max(self._separators) + 1
        self._blanks = (" ",) * len(self._separators)
        self._min_length = _MIN_LENGTH[layout]
        self._max_length = _MAX_LENGTH[layout]
        self._time_at, _ = self._slices["time"]
        self._duration_at, _ = self._slices["duration"]
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
        at = self._duration_at
        duration_text = line[at : at + 4]
        details: Details = {}
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
            pbx_call_id="",
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
        if self.layout == "expanded":
            return dialled, calling, line[columns["in_trunk_code"]].strip()
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
