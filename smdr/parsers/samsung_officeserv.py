"""Samsung OfficeServ 7100/7200/7400 (and older DCS / DS-24D) SMDR: fixed-width records.

The PBX streams records over TCP (the collector connects, port 5100 at the one site
documented) or a serial port. Each record ends with a NUL; the framer removes it, and a
trailing NUL left in place is ignored. Every now and then a human-readable page header
precedes a record: a form feed (``0x0C``), ``SMDR REPORT FOR [...]``, the column titles
and a row of ``=``, then CR LF. A record may arrive with that header in front of it, or
the header alone; the header is noise.

There is no real capture of this format. The layout comes from working code,
``brofield/pbxlog`` ``pbxlog.go``, quoted in ``pbx-formats.md`` section 11: records of
154 or 122 bytes counted with their NUL terminator (153 or 121 characters of text),
sliced at fixed 0-based offsets. A record built from that layout and the DS-24D
manual's row ``203 702 01/02 17:29:54 00:01:27 OT 5556420`` [DERIVED], an outgoing call
made by extension 203 and transferred (flag ``OT``), dialled 5556420, 1 min 27 s::

    "     412 203              01/02 17:29:54 00:01:27 OT 5556420"

(blank account, cost and caller-id columns stripped off the end). 1-based columns, with
pbxlog's 0-based slices in brackets:

    3-8 call id [2:8]; 10-15 extension [9:15]; 17-25 authorization code [16:25];
    27-28 month [26:28], 29 ``/``, 30-31 day, 33-40 start time HH:MM:SS [29:40];
    42-49 duration HH:MM:SS [41:49]; 51-52 call type flag (FG) [50:52];
    54-71 dialled digits [53:71]; 73-89 account code [72:89]; 91-100 cost [90:100];
    102-117 caller id number [101:117]; 154-byte records only: 119-136 caller id name
    [118:136], 138-143 group number [137:143], 144-151 ring time [143:151].

Call type flags (DS-24D / 7200 manuals): ``O`` outgoing, ``I`` incoming, ``A``
abandoned, ``DI``/``DO`` DISA in/out, ``DE`` DISA with error, ``FO`` outgoing leg of a
forwarded call, ``FI`` incoming call forwarded to an external number, ``T`` transferred
call, ``IT`` incoming transfer, ``OT`` outgoing transfer, ``TT`` transfer of a
transferred call.

Format decisions, where the sources leave room:

* Names follow pbx-formats.md (pbxlog's names). The DS-24D header reads ``EXT AUTH
  TRK``, so columns 3-25 may in fact be extension, authorization code and trunk on some
  systems: the parser keeps columns 17-25 as ``details["auth_code"]`` and leaves
  ``trunk`` empty. Raw records are kept, so a correction is a re-parse away.
* Columns are found from the date, not from the start: when the two characters before
  the call id were lost (a framer that strips a leading CR LF or blanks), the record is
  realigned on ``MM/DD HH:MM:SS``; a record whose date is not there is an error.
* There is no year: the start is dated from ``received_at`` in the site's zone, the most
  recent ``MM/DD HH:MM:SS`` at or before receipt (plus 10 minutes for a PBX clock
  running ahead), so 12/31 23:58 received on 01/01 is last year's; 02/29 goes back to the
  latest leap year. Local times in a DST fold are the first occurrence, in a gap the
  offset before the change (``fold=0``, PEP 495).
* ``T`` and ``TT`` do not say which way the call went: outgoing when digits were dialled,
  incoming otherwise. ``A`` (abandoned) and ``DE`` (DISA error) are unanswered; the time
  printed in their duration column is ringing, so it goes to ``ring_seconds`` (unless
  the 154-character record has its own ring time) and the duration is zero.
* The duration column may show a cost instead (``$ 10.75``): the duration is then zero,
  and the text is kept as ``details["duration_cost"]``.
* ``IN GROUP``/``OUT GROUP``/DND messages printed in the dialled column are status
  lines, not calls: noise.
* The number is the dialled digits for outgoing calls and the caller id for incoming
  ones; the other, when present, goes to details.

Options read from the source's settings: none (the time zone comes from the site).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TypeVar

from .base import Details, Direction, ParsedCall, Parser, ParserSettings, RecordError, field_error
from .clock import Receipt

Value = TypeVar("Value")

UTC = dt.UTC

MIN_LENGTH = 51  # up to the first character of the call type flag
MAX_LENGTH = 153  # 154 bytes with the NUL
CLOCK_TOLERANCE = dt.timedelta(minutes=10)
_TIME_CACHE_LIMIT = 200_000

# Column titles and 1-based positions, for error messages.
_COLUMNS = {
    "date": ("MM/DD", 27, 31),
    "time": ("START TIME", 33, 40),
    "duration": ("DURATION", 42, 49),
    "flag": ("FG", 51, 52),
    "ring": ("RING TIME", 144, 151),
}

# Flag -> direction; None means "from the dialled digits" (transfers).
_FLAGS = {
    "O": Direction.OUTGOING,
    "I": Direction.INCOMING,
    "A": Direction.INCOMING,
    "DI": Direction.INCOMING,
    "DO": Direction.OUTGOING,
    "DE": Direction.INCOMING,
    "FO": Direction.OUTGOING,
    "FI": Direction.INCOMING,
    "T": None,
    "IT": Direction.INCOMING,
    "OT": Direction.OUTGOING,
    "TT": None,
}
_UNANSWERED_FLAGS = frozenset(("A", "DE"))
_STATUS_MESSAGES = frozenset(("IN GROUP", "OUT GROUP", "IN DND", "OUT DND", "DND ON", "DND OFF"))
_DATE_RE = re.compile(r"[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
_LEADING_JUNK = "\r\n\x00"
_TRAILING_JUNK = "\r\n\x00 \t"
_MAX_DAY = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

# Shared by every parser (they repeat a lot), once checked: "HH:MM:SS" -> seconds, and
# the start's "MM/DD" -> (month, day) and "HH:MM:SS" -> (hour, minute, second).
_clock_seconds: dict[str, int] = {}
_dates: dict[str, tuple[int, int]] = {}
_times_of_day: dict[str, tuple[int, int, int]] = {}


def _field(column: str) -> str:
    """A column as error messages name it, by title and position: ``FG (columns 51-52)``."""
    title, first, last = _COLUMNS[column]
    return f"{title} (columns {first}-{last})"


def _remember(cache: dict[str, Value], value: str, parsed: Value) -> Value:
    if len(cache) < _TIME_CACHE_LIMIT:
        cache[value] = parsed
    return parsed


def _hh_mm_ss(value: str, column: str) -> int:
    """``HH:MM:SS`` in seconds."""
    seconds = _clock_seconds.get(value)
    if seconds is not None:
        return seconds
    if (
        len(value) != 8
        or value[2] != ":"
        or value[5] != ":"
        or not (value[:2] + value[3:5] + value[6:]).isdigit()
        or not value.isascii()
        or value[3:5] > "59"
        or value[6:] > "59"
    ):
        raise field_error(_field(column), value, "is not HH:MM:SS")
    return _remember(
        _clock_seconds, value, int(value[:2]) * 3600 + int(value[3:5]) * 60 + int(value[6:])
    )


def _ring(value: str) -> int:
    """Ring time: ``HH:MM:SS``, ``MM:SS`` or seconds (the layout gives 8 columns only)."""
    if value.isdigit() and value.isascii():
        return int(value)
    if len(value) == 8:
        return _hh_mm_ss(value, "ring")
    minutes, colon, seconds = value.partition(":")
    if (
        colon
        and 1 <= len(minutes) <= 2
        and len(seconds) == 2
        and (minutes + seconds).isdigit()
        and value.isascii()
        and seconds <= "59"
    ):
        return int(minutes) * 60 + int(seconds)
    raise field_error(_field("ring"), value, "is not HH:MM:SS, MM:SS or seconds")


def _date(value: str) -> tuple[int, int]:
    """The start's ``MM/DD`` as (month, day)."""
    month_text, day_text = value[:2], value[3:]
    if not (month_text + day_text).isdigit() or not value.isascii():
        raise field_error(_field("date"), value, "is not MM/DD")
    month = int(month_text)
    day = int(day_text)
    if not 1 <= month <= 12 or not 1 <= day <= _MAX_DAY[month]:
        raise field_error(_field("date"), value, "is not a valid date")
    return _remember(_dates, value, (month, day))


def _time_of_day(value: str) -> tuple[int, int, int]:
    """The start's ``HH:MM:SS`` as (hour, minute, second)."""
    if (
        value[2:3] != ":"
        or value[5:6] != ":"
        or len(value) != 8
        or not (value[:2] + value[3:5] + value[6:]).isdigit()
        or not value.isascii()
        or value[:2] > "23"
        or value[3:5] > "59"
        or value[6:] > "59"
    ):
        raise field_error(_field("time"), value, "is not HH:MM:SS")
    return _remember(_times_of_day, value, (int(value[:2]), int(value[3:5]), int(value[6:])))


def _check_length(line: str) -> None:
    length = len(line)
    if length < MIN_LENGTH:
        raise RecordError(
            f"record is {length} characters; an OfficeServ record runs at least to the "
            f"call type flag in column {MIN_LENGTH}"
        )
    if length > MAX_LENGTH:
        raise RecordError(
            f"record is {length} characters; OfficeServ records have at most "
            f"{MAX_LENGTH} (154 bytes with the NUL)"
        )


def _durations(line: str, flag: str, details: Details) -> tuple[int, int, bool]:
    """(duration, ring seconds, answered) from the duration and ring time columns and the
    flag; a cost printed in the duration column into details."""
    duration_text = line[41:49].strip()
    if duration_text[:1] == "$" or ("." in duration_text and ":" not in duration_text):
        duration_seconds = 0
        details["duration_cost"] = duration_text
    else:
        duration_seconds = _hh_mm_ss(duration_text, "duration")
    ring_text = line[143:151].strip()
    ring_seconds = _ring(ring_text) if ring_text else 0
    if flag in _UNANSWERED_FLAGS:
        # The duration column timed the ringing, unless the record has its own.
        return 0, ring_seconds if ring_text else duration_seconds, False
    return duration_seconds, ring_seconds, duration_seconds > 0 or "duration_cost" in details


def _more_details(line: str, details: Details) -> None:
    """The authorization code, cost, caller id name and group into details, when given."""
    auth_code = line[16:25].strip()
    if auth_code:
        details["auth_code"] = auth_code
    if len(line) > 90:
        cost = line[90:100].strip()
        if cost:
            details["cost"] = cost
        if len(line) > 118:
            caller_name = line[118:136].strip()
            if caller_name:
                details["caller_name"] = caller_name
            group = line[137:143].strip()
            if group:
                details["group"] = group


class SamsungOfficeServParser(Parser):
    """Parses OfficeServ SMDR records, one call (or transfer leg) per record."""

    family = "samsung-officeserv"
    label = "Samsung OfficeServ SMDR"

    def __init__(self, settings: ParserSettings):
        super().__init__(settings)
        self._receipt = Receipt(settings.time_zone, CLOCK_TOLERANCE)

    def parse(self, text: str, received_at: dt.datetime | None = None) -> ParsedCall | None:
        """Parse one SMDR record; ``None`` for a page header, a status line or a blank."""
        if "====" in text or "\x0c" in text:
            text = _drop_header(text)
        line = text.rstrip(_TRAILING_JUNK)
        if line[:1] in ("\r", "\n", "\x00"):
            line = line.lstrip(_LEADING_JUNK)
        if line[28:29] != "/":
            realigned = _realign(line)
            if realigned is None:
                return None
            line = realigned
        _check_length(line)

        dialled = line[53:71].strip()
        flag = line[50:52].strip()
        if dialled in _STATUS_MESSAGES:
            return None
        if flag not in _FLAGS:
            raise field_error(
                _field("flag"),
                line[50:52],
                "is not a call type flag (O, I, A, DI, DO, DE, FO, FI, T, IT, OT, TT)",
            )
        start = self._start(line[26:31], line[32:40], received_at)
        details: Details = {"flag": flag}
        duration_seconds, ring_seconds, answered = _durations(line, flag, details)

        caller_id = line[101:117].strip()
        # Transfers (no direction of their own) are outgoing when digits were dialled.
        direction = _FLAGS[flag] or (Direction.OUTGOING if dialled else Direction.INCOMING)
        if direction == Direction.OUTGOING:
            number = dialled
            if caller_id:
                details["caller_id"] = caller_id
        else:
            number = caller_id
            if dialled:
                details["dialled"] = dialled
        _more_details(line, details)

        return ParsedCall(
            start=start,
            duration_seconds=duration_seconds,
            ring_seconds=ring_seconds,
            direction=direction,
            extension=line[9:15].strip(),
            trunk="",
            number=number,
            account_code=line[72:89].strip(),
            pbx_call_id=line[2:8].strip(),
            answered=answered,
            details=details,
        )

    def _start(
        self, date_text: str, time_text: str, received_at: dt.datetime | None
    ) -> dt.datetime:
        """``MM/DD`` and ``HH:MM:SS`` local, dated from receipt, as an aware UTC datetime."""
        month, day = _dates.get(date_text) or _date(date_text)
        hour, minute, second = _times_of_day.get(time_text) or _time_of_day(time_text)
        start = self._receipt.latest_date_time(received_at, month, day, hour, minute, second)
        if start is None:
            raise field_error(
                _field("date"), date_text, "cannot be dated in the 8 years before receipt"
            )
        return start


def _drop_header(text: str) -> str:
    """The record after a page header (form feed ... ``====`` CR LF), or ``""``."""
    end = text.rfind("====")
    if end < 0:
        return text.replace("\x0c", "")
    rest = text[end + 4 :]
    # pbxlog skips exactly CR LF after the row of "=": keep any blanks that follow.
    for junk in ("\r\n", "\n", "\r"):
        if rest.startswith(junk):
            return rest[len(junk) :]
    return rest


def _realign(line: str) -> str | None:
    """``line`` with its date moved back to column 27; ``None`` for a header or a blank."""
    if not line.strip(" \t\x0c"):
        return None
    match = _DATE_RE.search(line, 0, 80)
    if match is not None:
        shift = 26 - match.start()
        if shift > 0:
            return " " * shift + line
        if not line[:-shift].strip(" \t"):
            return line[-shift:]
    upper = line.upper()
    if "SMDR REPORT" in upper or ("DURATION" in upper and "DIAL" in upper):
        return None  # a page header without its row of "="
    raise field_error(
        _field("date"), line[26:31], "is not MM/DD (no MM/DD HH:MM:SS in columns 27-40)"
    )
