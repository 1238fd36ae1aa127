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

from .base import Direction, ParsedCall, Parser, ParserSettings, RecordError
from .clock import Receipt

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

_OUTGOING = Direction.OUTGOING
_INCOMING = Direction.INCOMING
# Flag -> direction; None means "from the dialled digits" (transfers).
_FLAGS = {
    "O": _OUTGOING,
    "I": _INCOMING,
    "A": _INCOMING,
    "DI": _INCOMING,
    "DO": _OUTGOING,
    "DE": _INCOMING,
    "FO": _OUTGOING,
    "FI": _INCOMING,
    "T": None,
    "IT": _INCOMING,
    "OT": _OUTGOING,
    "TT": None,
}
_UNANSWERED_FLAGS = frozenset(("A", "DE"))
_STATUS_MESSAGES = frozenset(("IN GROUP", "OUT GROUP", "IN DND", "OUT DND", "DND ON", "DND OFF"))
_DATE_RE = re.compile(r"[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
_LEADING_JUNK = "\r\n\x00"
_TRAILING_JUNK = "\r\n\x00 \t"
_MAX_DAY = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

# "HH:MM:SS" -> seconds, shared by every parser (durations repeat a lot).
_clock_seconds: dict[str, int] = {}


def _error(column: str, value: str, problem: str) -> RecordError:
    """A RecordError naming the column by title and position and quoting its value."""
    title, first, last = _COLUMNS[column]
    return RecordError(f"{title} (columns {first}-{last}): {value!r} {problem}")


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
        raise _error(column, value, "is not HH:MM:SS")
    seconds = int(value[:2]) * 3600 + int(value[3:5]) * 60 + int(value[6:])
    if len(_clock_seconds) < _TIME_CACHE_LIMIT:
        _clock_seconds[value] = seconds
    return seconds


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
    raise _error("ring", value, "is not HH:MM:SS, MM:SS or seconds")


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
            line = _realign(line)
            if line is None:
                return None
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

        dialled = line[53:71].strip()
        flag = line[50:52].strip()
        if dialled in _STATUS_MESSAGES:
            return None
        try:
            direction = _FLAGS[flag]
        except KeyError:
            raise _error(
                "flag",
                line[50:52],
                "is not a call type flag (O, I, A, DI, DO, DE, FO, FI, T, IT, OT, TT)",
            ) from None

        start = self._start(line[26:31], line[32:40], received_at)

        duration_text = line[41:49].strip()
        details: dict = {"flag": flag}
        if duration_text[:1] == "$" or ("." in duration_text and ":" not in duration_text):
            duration_seconds = 0
            details["duration_cost"] = duration_text
        else:
            duration_seconds = _hh_mm_ss(duration_text, "duration")
        ring_text = line[143:151].strip()
        ring_seconds = _ring(ring_text) if ring_text else 0
        if flag in _UNANSWERED_FLAGS:
            if not ring_text:
                ring_seconds = duration_seconds  # time to abandonment
            duration_seconds = 0
            answered = False
        else:
            answered = duration_seconds > 0 or "duration_cost" in details

        caller_id = line[101:117].strip()
        if direction is None:
            direction = _OUTGOING if dialled else _INCOMING
        if direction == _OUTGOING:
            number = dialled
            if caller_id:
                details["caller_id"] = caller_id
        else:
            number = caller_id
            if dialled:
                details["dialled"] = dialled
        auth_code = line[16:25].strip()
        if auth_code:
            details["auth_code"] = auth_code
        if length > 90:
            cost = line[90:100].strip()
            if cost:
                details["cost"] = cost
            if length > 118:
                caller_name = line[118:136].strip()
                if caller_name:
                    details["caller_name"] = caller_name
                group = line[137:143].strip()
                if group:
                    details["group"] = group

        return ParsedCall(
            start,
            duration_seconds,
            ring_seconds,
            direction,
            line[9:15].strip(),
            "",
            number,
            line[72:89].strip(),
            line[2:8].strip(),
            answered,
            details,
        )

    def _start(self, date_text: str, time_text: str, received_at: dt.datetime | None):
        """``MM/DD`` and ``HH:MM:SS`` local, dated from receipt, as an aware UTC datetime."""
        month_text, day_text = date_text[:2], date_text[3:]
        if not (month_text + day_text).isdigit() or not date_text.isascii():
            raise _error("date", date_text, "is not MM/DD")
        month = int(month_text)
        day = int(day_text)
        if not 1 <= month <= 12 or not 1 <= day <= _MAX_DAY[month]:
            raise _error("date", date_text, "is not a valid date")
        if (
            time_text[2:3] != ":"
            or time_text[5:6] != ":"
            or len(time_text) != 8
            or not (time_text[:2] + time_text[3:5] + time_text[6:]).isdigit()
            or not time_text.isascii()
            or time_text[:2] > "23"
            or time_text[3:5] > "59"
            or time_text[6:] > "59"
        ):
            raise _error("time", time_text, "is not HH:MM:SS")
        hour, minute, second = int(time_text[:2]), int(time_text[3:5]), int(time_text[6:])

        start = self._receipt.latest_date_time(received_at, month, day, hour, minute, second)
        if start is None:
            raise _error("date", date_text, "cannot be dated in the 8 years before receipt")
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
    raise _error("date", line[26:31], "is not MM/DD (no MM/DD HH:MM:SS in columns 27-40)")
