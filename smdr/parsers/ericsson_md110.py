"""Ericsson MD110 / MX-ONE call information logging (CIL): 121-character records.

The Córdoba police PBX printed one record per call on its serial port, each 121
characters, then CR LF and three NULs. No real capture is available: the record below
and those in the tests are built from the Capturador layout description
``layout-md110-cil.md`` (``cappolicia.c`` and ``1/cappolicia.c``, rjrpaz/Capturador
86e2c68) **[DERIVED]**. An outgoing call from extension 4321 to 4234567, started 14:35 on
8 October, 2 min 18 s long (``0023``: 2.3 minutes), 3 meter pulses, condition code blank
(plain outgoing), shown without the blanks padding it to 121 characters::

    00010081435 0023     3                  4234567           4321

Columns (0-based offsets, as the layout gives them): 3-10 ``MMDDhhmm`` (no year, no
seconds), 12-15 duration, 18-21 meter (tax) pulses, blank when none, 23-24 the
condition code, 40-56 the called number, 58-74 the calling number; the rest is not
read. A line shorter than 75 characters (after its CR LF and NULs are dropped; blanks
count) is an error.

Options (the source's settings):

* ``duration_unit``: ``"tenths-of-minute"`` (default, the later capturer ``1/cappolicia.c``:
  ``MMMT`` is minutes and tenths, ``0023`` = 138 s) or ``"seconds"`` (the first one took
  the 4 digits as seconds).
* ``time_is``: ``"start"`` (default, as Capturador dated its calls) or ``"end"`` (MD110
  CIL is usually printed at the call's end **[UNVERIFIED]**): with ``end`` the start is
  the printed minute minus the duration.
* ``clock_tolerance_minutes`` (0-720, default 5): how far the PBX clock may run ahead of
  ours.

Serial line: 9600 8N1 (``cappolicia.c:22``, the defaults the admin offers; the police
capturers ``cappolicia-internet.c`` and ``barrer_policia.c`` ran at 1200 8N1).

Condition codes (``cappolicia.c:171-254``; the letters are the MD110/MX-ONE CIL
categories: ``D`` long duration, ``V`` data, ``N`` answered by another party than the one
dialled, ``X`` external follow-me, ``L`` conference, ``M`` least-cost routing, ``R``
intrusion, ``T`` transfer, ``A`` operator, ``I``/``O``/``J`` incoming/outgoing/internal)::

    code              direction   notes
    (blank)           outgoing    a plain outgoing call
    DO DX VO          outgoing    long outgoing, long external follow-me, outgoing data
    L T X M           outgoing    conference, transfer*, external follow-me, least-cost
    I DI VI NI        incoming    NI: a DID call answered by another party
    NC CI             incoming    NC unknown, CI an abandoned non-DISA call (not answered)
    J DJ VJ NJ R      internal    R: intrusion
    A                 by pulses   operator: outgoing with pulses, else incoming
    * T               by pulses   with the later capturer (default); outgoing if
                                  ``transfer_by_pulses`` is false

``transferred`` (``details["transferred"]``) is set for ``T``; ``details["condition"]`` keeps
every non-blank code. A code that is in no row above is an error naming it (Capturador
dropped such a record with "type not handled").

Format decisions:

* Outgoing (and internal) calls: the calling number is the extension and the called one
  the number; incoming: the called number is the extension and the caller the number.
  Numbers are kept as printed (Capturador's own rewriting of ``0351`` and ``0101`` is
  the dial plan's business in Tarificador).
* Meter pulses are kept as ``details["meter_pulses"]`` (an int); prices come from the
  duration, as Capturador's did.
* Answered means a non-zero duration, except ``CI`` (abandoned). A zero duration is a
  call not answered (Capturador dropped it).
* The year: the latest ``MM/DD hh:mm`` at or before receipt (plus the clock tolerance),
  as for NEC (the shared :class:`~smdr.parsers.clock.Receipt`).
* The test line ``ABCDEFGHIJKLMNOPQRSTUVWXYZ`` (three times) the PBX sends at the start
  of a frame is noise; a record run on after it is parsed. NUL padding, CR LF and
  blanks at the ends of a line are dropped (the line framer drops NULs at a line's
  start).
"""

from __future__ import annotations

import datetime as dt

from smdr.schema import Kind, Setting, gettext_noop, schema

from .base import Details, Direction, ParsedCall, Parser, ParserSettings, field_error, is_digits
from .clock import ONE_SECOND, Receipt
from .options import bool_option, choice_option, tolerance_option, tolerance_setting

RECORD_LENGTH = 121
MIN_LENGTH = 75  # through the calling number
DURATION_UNITS = ("tenths-of-minute", "seconds")
TIME_IS = ("start", "end")
DEFAULT_TOLERANCE_MINUTES = 5
MAX_TOLERANCE_MINUTES = 720
TEST_PATTERN = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

BY_PULSES = "pulses"
CONDITION_CODES: dict[str, str] = {
    "": Direction.OUTGOING,
    "DO": Direction.OUTGOING,
    "DX": Direction.OUTGOING,
    "VO": Direction.OUTGOING,
    "L": Direction.OUTGOING,
    "T": BY_PULSES,
    "X": Direction.OUTGOING,
    "M": Direction.OUTGOING,
    "I": Direction.INCOMING,
    "DI": Direction.INCOMING,
    "VI": Direction.INCOMING,
    "NI": Direction.INCOMING,
    "NC": Direction.INCOMING,
    "CI": Direction.INCOMING,
    "J": Direction.INTERNAL,
    "DJ": Direction.INTERNAL,
    "VJ": Direction.INTERNAL,
    "NJ": Direction.INTERNAL,
    "R": Direction.INTERNAL,
    "A": BY_PULSES,
}
NOT_ANSWERED_CODES = frozenset({"CI"})

_LEADING_JUNK = "".join(chr(code) for code in range(32)) + "\x7f\ufeff"
_TRAILING_JUNK = "\r\n\x00\x0c"  # not blanks: they pad the 121 columns
_DAYS_IN_MONTH = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_CACHE_LIMIT = 100_000

# Shared by every parser, once checked: "MMDDhhmm" -> (month, day, hour, minute).
_stamps: dict[str, tuple[int, int, int, int]] = {}
_durations: dict[tuple[str, bool], int] = {}


def _stamp(value: str) -> tuple[int, int, int, int]:
    if len(value) == 8 and is_digits(value):
        month, day, hour, minute = int(value[:2]), int(value[2:4]), int(value[4:6]), int(value[6:])
        if 1 <= month <= 12 and 1 <= day <= _DAYS_IN_MONTH[month] and hour < 24 and minute < 60:
            parts = (month, day, hour, minute)
            if len(_stamps) < _CACHE_LIMIT:
                _stamps[value] = parts
            return parts
    raise field_error(
        "MMDDhhmm field (offsets 3-10)", value, "is not a valid MMDDhhmm date and time"
    )


def _duration(value: str, tenths: bool) -> int:
    text = value.strip()
    if not is_digits(text):
        raise field_error("duration field (offsets 12-15)", value, "is not 4 digits")
    number = int(text)
    seconds = (number // 10 * 60 + number % 10 * 6) if tenths else number
    if len(_durations) < _CACHE_LIMIT:
        _durations[value, tenths] = seconds
    return seconds


def _unframed(line: str) -> str | None:
    """A line that is not a plain record: the record after control bytes and the test
    line, ``None`` for noise, an error for a line too short."""
    line = line.lstrip(_LEADING_JUNK)
    while line.startswith(TEST_PATTERN):
        line = line[len(TEST_PATTERN) :].lstrip(_LEADING_JUNK)
    if not line.strip():
        return None
    if len(line) < MIN_LENGTH:
        raise field_error(
            f"record ({RECORD_LENGTH} characters)",
            line,
            f"is {len(line)} characters, shorter than the {MIN_LENGTH} read",
        )
    return line


class EricssonMD110Parser(Parser):
    """Parses Ericsson MD110 / MX-ONE CIL records (the Capturador police layout)."""

    family = "ericsson-md110"
    label = "Ericsson MD110 / MX-ONE call logging"
    options = schema(
        Setting(
            "duration_unit",
            Kind.CHOICE,
            "tenths-of-minute",
            gettext_noop("How the 4 duration digits count: minutes and tenths (MMMT) or seconds."),
            DURATION_UNITS,
        ),
        Setting(
            "time_is",
            Kind.CHOICE,
            "start",
            gettext_noop("Whether the printed time is the call's start or its end."),
            TIME_IS,
        ),
        Setting(
            "transfer_by_pulses",
            Kind.BOOL,
            True,
            gettext_noop("A transferred call (T) is outgoing with meter pulses, else incoming."),
        ),
        tolerance_setting(DEFAULT_TOLERANCE_MINUTES, MAX_TOLERANCE_MINUTES),
    )
    # cappolicia.c:22, 613 (cappolicia-internet.c and barrer_policia.c ran at 1200 8N1).
    serial_defaults = {"baud": 9600, "bytesize": 8, "parity": "N", "stopbits": 1}

    def __init__(self, settings: ParserSettings):
        super().__init__(settings)
        options = settings.options or {}
        self._tenths = (
            choice_option(options, "duration_unit", "tenths-of-minute", DURATION_UNITS)
            == "tenths-of-minute"
        )
        self._at_end = choice_option(options, "time_is", "start", TIME_IS) == "end"
        self._codes = dict(CONDITION_CODES)
        if not bool_option(options, "transfer_by_pulses", True):
            self._codes["T"] = Direction.OUTGOING
        tolerance = tolerance_option(options, DEFAULT_TOLERANCE_MINUTES, MAX_TOLERANCE_MINUTES)
        self._receipt = Receipt(settings.time_zone, tolerance)

    def parse(self, text: str, received_at: dt.datetime | None = None) -> ParsedCall | None:
        """Parse one CIL record; ``None`` for blank lines and the ``ABC…`` test line."""
        line = text.rstrip(_TRAILING_JUNK)
        if len(line) < MIN_LENGTH or not is_digits(line[3:11]):
            record = _unframed(line)
            if record is None:
                return None
            line = record

        stamp_text = line[3:11]
        stamp = _stamps.get(stamp_text) or _stamp(stamp_text)
        duration_text = line[12:16]
        duration_seconds = _durations.get((duration_text, self._tenths))
        if duration_seconds is None:
            duration_seconds = _duration(duration_text, self._tenths)

        details: Details = {}
        pulses_text = line[18:22].strip()
        if pulses_text:
            if not is_digits(pulses_text):
                raise field_error(
                    "meter pulses field (offsets 18-21)", line[18:22], "is not a number"
                )
            details["meter_pulses"] = int(pulses_text)
        code = line[23:25].strip()
        direction = self._codes.get(code)
        if direction is None:
            raise field_error(
                "condition code field (offsets 23-24)", line[23:25], "is not a known MD110 code"
            )
        if direction == BY_PULSES:
            direction = Direction.OUTGOING if pulses_text else Direction.INCOMING
        if code:
            details["condition"] = code
        if code == "T":
            details["transferred"] = True

        called = line[40:57].strip()
        calling = line[58:75].strip()
        if direction == Direction.INCOMING:
            extension, number = called, calling
        else:
            extension, number = calling, called

        month, day, hour, minute = stamp
        start = self._receipt.latest_date_time(received_at, month, day, hour, minute)
        if start is None:
            raise field_error(
                "MMDDhhmm field (offsets 3-10)",
                stamp_text,
                "cannot be dated in the 8 years before receipt",
            )
        if self._at_end:
            start -= ONE_SECOND * duration_seconds

        return ParsedCall(
            start=start,
            duration_seconds=duration_seconds,
            ring_seconds=0,
            direction=direction,
            extension=extension,
            trunk="",
            number=number,
            account_code="",
            pbx_call_id="",
            answered=duration_seconds > 0 and code not in NOT_ANSWERED_CODES,
            details=details,
        )
