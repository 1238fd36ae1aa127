"""The Capturador "star-hash" layout: ``* #`` standard records, and an accounting record
after each outgoing one (the Córdoba Casa de Gobierno PBX, vendor not identified).

Source: ``prueba.log`` of rjrpaz/Capturador (commit 86e2c68), a real capture of 1,999
CR LF lines from 17-18 July 2001; the offsets are those ``capgobierno.c`` reads
(``shared/samples/capturador/layout-star-hash.md``). Lines 6 and 7 of the capture, an
outgoing call from extension 8455 at 20:13 on 17 July 2001 on trunk 0474716 to mobile
156567283, answered, 21 s seized, 13 s metered, 1 pulse (the 102-character standard
record shown in two halves, offsets 0-49 and 50-101; :class:`smdr.framing.StarHashFramer`
joins the two records, CR LF between them; trailing blanks not shown)::

    * #0171101071720138455
    0474716                         13140000100531000021
    * #01722156567283           0000            000000001000013

Every record starts ``* #``, a 2-digit unit (``01``), a 2-digit sequence number (+1
per record of either type, 99 wraps to 00) and the record type: ``1`` standard (102
characters), ``2`` accounting (59 characters). Standard record, 0-based offsets:
8-17 start ``YYMMDDHHMM`` (2-digit year, to the minute), 18-29 party A, 30-49 party A
extra (an incoming caller's number), 50-61 party B, 62-81 party B extra (the extension
that answered, when it differs), 82 party A type and 83 party B type (``1``
extension, ``2`` operator, ``3`` trunk), 84-89 unknown, 90 answered (``1``/``0``),
91-93 answer delay, 94 delay type, 95 unknown, 96-101 duration in seconds (seizure to
release). Accounting record: 8-27 number dialled, 28-31 flags, 44-46 unknown, 47-52
meter pulses, 53-58 metered seconds.

Rules:

* Direction from the two type codes: ``13`` and ``23`` outgoing, ``31`` and ``32``
  incoming, ``11``, ``12``, ``21`` and ``22`` internal; any other pair (``33``, a
  trunk-to-trunk call) is an error naming it.
* An outgoing call is its standard record joined to the accounting record whose
  sequence number is the next one. The number dialled, the duration (the metered
  seconds: the network's billable time, which capgobierno uploads) and the pulses
  (``details["meter_pulses"]``) come from the accounting record; start, parties and
  the answered flag from the standard one, whose whole-call seconds are
  ``details["call_seconds"]`` (the metered ones ``details["metered_seconds"]``). A call
  not answered lasts 0 s: its seconds are ringing (or a tie line's, which the
  capturers never charged), kept in the details. Prices come from the duration, never the pulses
  (national calls print 1 pulse whatever their length).
* An outgoing standard record whose accounting record never came is kept, with the
  standard duration and ``details["accounting_missing"] = True``. An accounting record
  on its own is an error: it names no extension and no start.
* Incoming and internal calls are one standard record. Incoming: the extension is
  party B, the trunk party A, the number the caller's (party A extra). Internal: the
  extension is party A, the number party B.
* ``ring_seconds`` is the answer delay (offsets 91-93), read as seconds
  **[INFERENCE]** (capgobierno-sumario.c prints it as "Demora en Respuesta").
* The capturers' filters (dropping 0-second, 4-digit and unanswered calls, the leading
  ``0`` of ``04`` numbers) are not applied: every call is kept as the PBX printed it.
* Years ``70``-``99`` are 19xx, ``00``-``69`` 20xx.

No options: the zone comes from the settings.
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
from .clock import LocalClock, expand_year, is_valid_date

MARK = "* #"
STANDARD = "1"
ACCOUNTING = "2"
STANDARD_LENGTH = 102
ACCOUNTING_LENGTH = 59
_TRAILING = "\r\n\x00 "
_MINUTES = tuple(dt.timedelta(minutes=minute) for minute in range(1440))

# (party A type, party B type) -> direction.
DIRECTIONS = {
    "13": Direction.OUTGOING,
    "23": Direction.OUTGOING,
    "31": Direction.INCOMING,
    "32": Direction.INCOMING,
    "11": Direction.INTERNAL,
    "12": Direction.INTERNAL,
    "21": Direction.INTERNAL,
    "22": Direction.INTERNAL,
}


def is_outgoing_standard(record: bytes | str) -> bool:
    """True for a standard record whose types say outgoing: it waits for its accounting
    record (the framer uses this)."""
    types = record[82:84]
    return record[7:8] in ("1", b"1") and types in ("13", "23", b"13", b"23")


def _number(text: str, field: str) -> int:
    if not is_digits(text):
        raise field_error(field, text, "is not a number")
    return int(text)


def _prefix(record: str, kind: str, length: int) -> int:
    """Check the common prefix and length of one record; its sequence number."""
    if record[:3] != MARK:
        raise field_error("marker field (offsets 0-2)", record[:3], f"is not {MARK!r}")
    name = "standard" if kind == STANDARD else "accounting"
    if len(record) != length:
        raise RecordError(
            f"{name} record: {len(record)} characters, not {length} (truncated or joined?)"
        )
    _number(record[3:5], "unit field (offsets 3-4)")
    return _number(record[5:7], "sequence field (offsets 5-6)")


class StarHashParser(Parser):
    """Parses the Capturador ``* #`` records: a standard record, joined to its
    accounting record on outgoing calls."""

    family = "star-hash"
    label = "Capturador * # (standard + accounting records)"
    options = schema()

    def __init__(self, settings: ParserSettings):
        super().__init__(settings)
        self._clock = LocalClock(settings.time_zone)

    def parse(self, text: str, received_at: dt.datetime | None = None) -> ParsedCall | None:
        """Parse a standard record, or a standard and its accounting record joined by
        CR LF; ``None`` for a blank line."""
        text = text.rstrip(_TRAILING)
        if not text.strip():
            return None
        standard, separator, accounting = text.partition("\n")
        standard = standard.rstrip("\r")
        kind = standard[7:8]
        if kind == ACCOUNTING and not separator:
            raise RecordError(
                f"accounting record (type 2, sequence {standard[5:7]!r}) without the "
                "outgoing standard record before it: it names no extension nor start"
            )
        if kind != STANDARD:
            if standard[:3] != MARK:
                raise field_error("marker field (offsets 0-2)", standard[:3], f"is not {MARK!r}")
            raise field_error("record type (offset 7)", kind, "is not 1 (standard) or 2")
        sequence = _prefix(standard, STANDARD, STANDARD_LENGTH)
        call = self._standard(standard, sequence)
        if separator:
            self._join(call, standard, sequence, accounting.rstrip("\r"))
        elif call.direction == Direction.OUTGOING:
            call.details["accounting_missing"] = True
        return call

    def _standard(self, record: str, sequence: int) -> ParsedCall:
        types = record[82:84]
        direction = DIRECTIONS.get(types)
        if direction is None:
            raise field_error(
                "party types field (offsets 82-83)", types, "is not a known pair (13, 31, 11, ...)"
            )
        start = self._start(record[8:18])
        answered_text = record[90]
        if answered_text not in "01":
            raise field_error("answered (offset 90)", answered_text, "is not 1 or 0")
        duration = _number(record[96:102], "duration field (offsets 96-101)")
        delay = record[91:94]
        ring = _number(delay, "answer delay field (offsets 91-93)")
        party_a, party_b = record[18:30].strip(), record[50:62].strip()
        details: Details = {"sequence": sequence, "party_types": types}
        answered_by = record[62:82].strip()
        if answered_by:
            details["answered_by"] = answered_by
        if direction == Direction.INCOMING:
            extension, trunk, number = party_b, party_a, record[30:50].strip()
        elif direction == Direction.OUTGOING:
            extension, trunk, number = party_a, party_b, ""
        else:
            extension, trunk, number = party_a, "", party_b
        if answered_text == "0":
            details["call_seconds"] = duration
        return ParsedCall(
            start=start,
            duration_seconds=duration if answered_text == "1" else 0,
            ring_seconds=ring,
            direction=direction,
            extension=extension,
            trunk=trunk,
            number=number,
            answered=answered_text == "1",
            details=details,
        )

    def _join(self, call: ParsedCall, standard: str, sequence: int, accounting: str) -> None:
        """The accounting record's number, metered seconds and pulses onto the call."""
        if "\n" in accounting:
            raise RecordError("more than two records joined: a standard and an accounting")
        if call.direction != Direction.OUTGOING:
            raise RecordError(
                f"accounting record joined to a {call.direction} call (party types "
                f"{standard[82:84]!r}): only outgoing calls have one"
            )
        if accounting[7:8] != ACCOUNTING:
            raise field_error(
                "second record type (offset 7)", accounting[7:8], "is not 2 (accounting)"
            )
        accounting_sequence = _prefix(accounting, ACCOUNTING, ACCOUNTING_LENGTH)
        if accounting_sequence != (sequence + 1) % 100 or accounting[3:5] != standard[3:5]:
            raise field_error(
                "accounting sequence field (offsets 3-6)",
                accounting[3:7],
                f"does not follow the standard record's {standard[3:7]!r}",
            )
        details = call.details
        details["call_seconds"] = call.duration_seconds
        details["meter_pulses"] = _number(accounting[47:53], "pulses field (offsets 47-52)")
        metered = _number(accounting[53:59], "metered seconds field (offsets 53-58)")
        details["metered_seconds"] = metered
        call.duration_seconds = metered if call.answered else 0
        call.number = accounting[8:28].strip()
        flags = accounting[28:32]
        if flags != "0000":
            details["accounting_flags"] = flags
        code = accounting[44:47]
        if code != "000":
            details["accounting_code"] = code

    def _start(self, text: str) -> dt.datetime:
        """``YYMMDDHHMM`` in the site's zone, as aware UTC."""
        clock = self._clock
        day = clock.days.get(text[:6])
        hour_text, minute_text = text[6:8], text[8:10]
        if (
            day is None
            or not (hour_text + minute_text).isdigit()
            or hour_text > "23"
            or minute_text > "59"
        ):
            if not is_digits(text) or len(text) != 10:
                raise field_error("start field (offsets 8-17)", text, "is not YYMMDDHHMM")
            year, month, day_number = expand_year(int(text[:2])), int(text[2:4]), int(text[4:6])
            if not is_valid_date(year, month, day_number):
                raise field_error("start field (offsets 8-17)", text, "is not a valid date")
            if hour_text > "23" or minute_text > "59":
                raise field_error("start field (offsets 8-17)", text, "is not a valid time")
            day = clock.day(text[:6], year, month, day_number)
        return clock.on(day, _MINUTES[int(hour_text) * 60 + int(minute_text)])
