"""3CX CDR: comma-separated call records, to a file or over a TCP socket, one per line.

A real record, from the ``dorel14/3CX-Cdr-Server`` sample quoted in ``pbx-formats.md``
section 12 (the 27-field order), an outside call to extension 610 transferred to 185::

    Call 9744,00000171DEE41BB3_2501,00:05:15,2020/05/04 10:53:43,2020/05/04 10:53:43,
    2020/05/04 10:58:59,TerminatedByDst,0611360468,Ext.610,10000,610,610,ReplacedDst,
    Ext.185,185,,,,,"Chain: 0611360468,Ext.610,Ext.185,",External,Internal,Internal,
    from disp,to disp,fin disp,

(one line, ended by CR LF; wrapped here). The display names in that file read ``from
disp``, ``to disp``, ``fin disp``: placeholders its author put in.

The administrator picks the fields and their order in the 3CX console. The order the
3CX documentation and that collector list: 1 historyid, 2 callid, 3 duration,
4 time_start, 5 time_answered, 6 time_end, 7 reason_terminated, 8 from_no, 9 to_no,
10 from_dn, 11 to_dn, 12 dial_no, 13 reason_changed, 14 final_number, 15 final_dn,
16 bill_code, 17 bill_rate, 18 bill_cost, 19 bill_name, 20 chain, 21 from_type,
22 to_type, 23 final_type, 24 from_dispname, 25 to_dispname, 26 final_dispname,
27 missed_queue_calls.

3CX V18 and V20 still write this CDR log (file or socket), with the fields the
administrator picks in the console, named with dashes (``time-start``,
``reason-terminated``: the 3CX "CDR - Call Data Records" documentation lists the same 27).
A real V20 line, posted to ``dorel14/3CX-Cdr-Server`` issue 16 (2024-04-30; the caller's
number masked by its poster), the 27 fields with a chain separated by ``;`` (so not
quoted) and the types ``Line``, ``Queue``, ``Extension``::

    Call 265500,89d3af2d8f010000_3456,00:08:10,2024/04/30 06:27:28,2024/04/30 06:27:36,
    2024/04/30 06:35:46,TerminatedByDst,070XXXXXXX,Ext.80002,10020,80002,80002,
    ReplacedDst,Ext.10013,10013,,,,,Chain: 070XXXXXXX;Ext.80002;Ext.10013;,Line,Queue,
    Extension,070XXXXXXX,Partnersupport,Måns Last name Last Name,

V20 may also change the values: lowercase entity types (``extension``, ``external_line``, ``ivr``)
and termination reasons such as ``src_participant_terminated`` and
``dst_participant_terminated`` (public V20 collectors match on both spellings). V20 also
keeps its records in a database table, ``cdroutput``, whose export is another layout
altogether: :mod:`smdr.parsers.threecx_v20`.

Options (the source's settings):

* ``layout``: ``auto`` (default), ``cdr-log`` or ``v20``. ``cdr-log`` reads the CDR log
  with ``columns``; ``v20`` reads V20's ``cdroutput`` rows (``columns`` then names the
  table's columns, default :data:`~smdr.parsers.threecx_v20.V20_COLUMNS`). ``auto``
  reads the CDR log until a header row says otherwise: a CDR log header
  (``historyid,callid,...`` or ``time-start,...`` in the console's order) sets the
  columns of the lines after it, a ``cdroutput`` header (``cdr_id,call_history_id,...``)
  switches to ``v20`` with its columns. A header only reaches the lines after it in the
  same run: for records parsed again later, set ``columns`` (and ``layout``) to match.
* ``columns`` (list of field names): the source's field order, as chosen in the 3CX
  console. Names match without regard to case, and ``time-start`` is ``time_start``.
  Default: the 27 fields above. ``time_start`` is required; fields the parser does not
  know go to details by name. A line with another count of fields is an error naming
  both counts and the first columns expected.
* ``max_extension_digits`` (int, default 6): when the type columns are missing or
  empty, the longest all-digit number taken as an extension.

Format decisions, where the source leaves room:

* Fields are quoted only when they hold commas (``chain``), so a line without quotes is
  split on commas and the csv module handles the rest. A UTF-8 byte-order mark (files
  saved by a spreadsheet) and control bytes before the record go; blank lines and a
  header row (``historyid,callid,...``) are noise.
* Times are ``YYYY/MM/DD HH:MM:SS`` (``-`` between date parts is accepted) and are read
  in the site's zone; for a 3CX that writes UTC, set the source's ``time_zone`` to UTC.
* ``duration`` is ``HH:MM:SS`` (hours may pass 99, up to 5 digits) and empty when
  unanswered, as is ``time_answered``: an empty answer time means unanswered (without
  that column, a zero duration does). ``ring_seconds`` runs from start to answer, or to
  the end when the call was not answered.
* The ``Call `` prefix of ``historyid`` goes (``Call 9744`` is 9744) and the id is kept
  in details as ``history_id``. ``pbx_call_id`` is ``callid`` (3CX's id of the call,
  given at its start), or the history id when ``callid`` is not logged.
* The ``Ext.`` prefix 3CX puts before an extension (``Ext.610``) is stripped from the
  parties.
* Direction from the party types: from an ``External`` (or ``Line``; V20:
  ``external_line``, ``provider``) party is incoming;
  otherwise to or finally reaching an external party is outgoing, and anything else is
  internal. With no types, an ``Ext.`` party (or a short number) is internal.
* Trunks are 3CX DNs (``10000``, ``10001``): the trunk is ``from_dn`` of an incoming and
  ``to_dn`` of an outgoing call, when it is a number that is not the party's own.
* An incoming call's extension is ``to_dn`` (the first extension rung), the final party
  going to details when different; a call from an extension has ``from_dn`` as its
  extension and the number as dialled (``dial_no``, else ``to_no``).
* ``account_code`` is ``bill_code``, the billing code dialled after the number
  (``**Sales``). Details keep the history id, the reasons, the final party, the rate,
  cost and rate name, the display names and the missed queue calls when not empty.
  ``chain`` stays in the raw record only; its parties may end with ``,``, ``;`` or
  ``'``, and a chain quoted with ``'`` rather than ``"`` is read too. When the source
  logs neither ``final_number`` nor ``final_dn``, the chain's last party is the final
  party.
* Direction: the site's known extensions first (``smdr.parsers.direction``; the
  callee is the final party), then the party types as below.
"""

from __future__ import annotations

import csv
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
from .clock import TIMES_OF_DAY, LocalClock, LocalDay, time_of_day
from .direction import RULE_KEY, Rule, known_direction
from .limits import extension_fitting, trunk_fitting
from .options import choice_option, digits_option, digits_setting
from .threecx_v20 import V20_COLUMNS, CdrOutputReader, is_v20_header, v20_names

UTC = dt.UTC

DEFAULT_COLUMNS = (
    "historyid",
    "callid",
    "duration",
    "time_start",
    "time_answered",
    "time_end",
    "reason_terminated",
    "from_no",
    "to_no",
    "from_dn",
    "to_dn",
    "dial_no",
    "reason_changed",
    "final_number",
    "final_dn",
    "bill_code",
    "bill_rate",
    "bill_cost",
    "bill_name",
    "chain",
    "from_type",
    "to_type",
    "final_type",
    "from_dispname",
    "to_dispname",
    "final_dispname",
    "missed_queue_calls",
)
DEFAULT_MAX_EXTENSION_DIGITS = 6
LAYOUTS = ("auto", "cdr-log", "v20")

# Fields the parser reads itself, in the order of the tuple ``parse`` unpacks.
_READ = (
    "historyid",
    "callid",
    "duration",
    "time_start",
    "time_answered",
    "time_end",
    "from_no",
    "to_no",
    "from_dn",
    "to_dn",
    "dial_no",
    "final_number",
    "final_dn",
    "from_type",
    "to_type",
    "final_type",
    "bill_code",
)
# Read fields kept in details as they are, when not empty.
_KEPT = (
    "reason_terminated",
    "reason_changed",
    "bill_rate",
    "bill_cost",
    "bill_name",
    "from_dispname",
    "to_dispname",
    "final_dispname",
    "missed_queue_calls",
)
_HEADER_NAMES = frozenset(DEFAULT_COLUMNS)  # a line starting with one is a header
_RAW_ONLY = frozenset({"chain"})  # the call's path, long: left in the raw record
# V14-V18 write "External" and "Line"; V20 lowercase entity types ("external_line").
_EXTERNAL_TYPES = frozenset({"external", "line", "external_line", "provider"})
_CHAIN_SEPARATORS_RE = re.compile(r"[,;']")
_TIME_RE = re.compile(r"[0-9]{4}([/-])[0-9]{2}\1[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}", re.ASCII)
_DURATION_RE = re.compile(r"([0-9]{1,5}):([0-5][0-9]):([0-5][0-9])", re.ASCII)
_LEADING_JUNK = "".join(chr(code) for code in range(33)) + "\x7f\ufeff"
_TRAILING_JUNK = "\r\n\x00 \t"
_MAX_SECONDS = 999_999_999  # fits the calls table's integer columns
_DURATION_CACHE_LIMIT = 100_000

# Durations "HH:MM:SS" -> seconds, shared by every parser (durations repeat a lot).
_duration_seconds: dict[str, int] = {}


def _party(value: str) -> str:
    """A party without 3CX's ``Ext.`` prefix (``Ext.610`` -> ``610``)."""
    return value[4:] if value[:4] == "Ext." else value


def chain_parties(chain: str) -> list[str]:
    """The parties of a ``chain`` field, in order, as 3CX writes them: ``Chain: `` then
    parties each ended by ``,`` (older versions), ``;`` or ``'`` (newer ones)."""
    path = chain.removeprefix("Chain:").strip()
    return [part.strip() for part in _CHAIN_SEPARATORS_RE.split(path) if part.strip()]


def _columns_option(options: Options) -> tuple[str, ...]:
    value = options.get("columns", DEFAULT_COLUMNS)
    if (
        not isinstance(value, list | tuple)
        or not value
        or not all(isinstance(item, str) and item.strip() for item in value)
    ):
        raise RecordError(f"option columns: {value!r} is not a list of 3CX CDR field names")
    names = tuple(item.strip().lower().replace("-", "_") for item in value)
    if "time_start" not in names:
        raise RecordError("option columns: the fields must include time_start (time-start)")
    return names


class ThreeCXParser(Parser):
    """Parses 3CX CDR records, one call per line, in the source's field order."""

    family = "3cx"
    label = "3CX CDR"
    options = schema(
        Setting(
            "columns",
            Kind.LIST,
            list(DEFAULT_COLUMNS),
            gettext_noop("The CDR fields, in the order 3CX sends."),
        ),
        Setting(
            "layout",
            Kind.CHOICE,
            "auto",
            gettext_noop(
                "cdr-log: the CDR log or socket (V14 to V20), fields as in columns; v20: "
                "V20's CDR table (cdroutput) exported as CSV; auto: as a header row says, "
                "else cdr-log."
            ),
            LAYOUTS,
        ),
        digits_setting(DEFAULT_MAX_EXTENSION_DIGITS),
    )

    def __init__(self, settings: ParserSettings):
        super().__init__(settings)
        options = settings.options or {}
        self._layout = choice_option(options, "layout", "auto", LAYOUTS)
        self._max_extension_digits = digits_option(
            options, "max_extension_digits", DEFAULT_MAX_EXTENSION_DIGITS
        )
        self._clock = LocalClock(settings.time_zone)  # its days: "YYYY/MM/DD" -> LocalDay
        self._extensions = settings.extensions
        self._longest = settings.longest_extension
        # The V20 table's reader, when the layout is v20 (or auto has seen its header).
        self._v20: CdrOutputReader | None = None
        if self._layout == "v20":
            given = options.get("columns")
            self._v20 = CdrOutputReader(
                v20_names(given)
                if isinstance(given, list | tuple) and tuple(given) != DEFAULT_COLUMNS
                else V20_COLUMNS,
                settings,
            )
        self._configure(_columns_option(options) if self._v20 is None else DEFAULT_COLUMNS)

    def _configure(self, names: tuple[str, ...]) -> None:
        """Read CDR log lines with the fields ``names``, in that order."""
        self._names = names
        self._count = len(names)
        position: dict[str, int] = {}
        for index, name in enumerate(names):
            position.setdefault(name, index)
        # An absent field reads the "" appended to every row (index -1).
        self._read = tuple(position.get(name, -1) for name in _READ)
        self._get = operator.itemgetter(*self._read)
        self._kept = tuple((position[name], name) for name in _KEPT if name in position)
        self._extras = tuple(
            (index, name)
            for name, index in position.items()
            if name not in _READ and name not in _KEPT and name not in _RAW_ONLY
        )
        self._has_answer_time = "time_answered" in position
        # Without final_number and final_dn, the chain's last party is the final one.
        no_final = "final_number" not in position and "final_dn" not in position
        self._chain = position.get("chain", -1) if no_final else -1

    def parse(self, text: str, received_at: dt.datetime | None = None) -> ParsedCall | None:
        """Parse one CDR line; ``None`` for a blank line or a header row."""
        fields = self._fields(text)
        if fields is None:
            return None
        if self._v20 is not None:
            return self._v20.parse(fields)
        (
            history_id,
            call_id,
            duration_text,
            start_text,
            answer_text,
            end_text,
            from_no,
            to_no,
            from_dn,
            to_dn,
            dial_no,
            final_number,
            final_dn,
            from_type,
            to_type,
            final_type,
            bill_code,
        ) = self._get(fields)

        if start_text.lower().replace("-", "_") == "time_start" or history_id == "historyid":
            return None  # a header row
        start = self._time(start_text, 3, "is not YYYY/MM/DD HH:MM:SS")
        duration = 0
        if duration_text:
            cached = _duration_seconds.get(duration_text)
            duration = cached if cached is not None else self._duration(duration_text)
        ring_seconds, answered_at = self._ringing(start, answer_text, end_text)
        answered = answered_at if self._has_answer_time else duration > 0

        if self._chain >= 0:
            chain = chain_parties(fields[self._chain])
            final_number = chain[-1] if chain else ""
        if history_id[:5] == "Call ":
            history_id = history_id[5:]
        details: Details = {"history_id": history_id} if history_id else {}
        direction, extension, number, trunk = self._parties(
            (from_no, to_no, from_dn, to_dn, dial_no, final_number, final_dn),
            (from_type, to_type, final_type),
            details,
        )
        final_party = _party(final_number) or final_dn
        if final_party and final_party not in (number, extension):
            details["final_number"] = final_party
        self._more_details(fields, details)

        return ParsedCall(
            start=start,
            duration_seconds=duration,
            ring_seconds=ring_seconds if ring_seconds > 0 else 0,
            direction=direction,
            extension=extension_fitting(extension),
            trunk=trunk_fitting(trunk),
            number=number,
            account_code=bill_code,
            pbx_call_id=call_id or history_id,
            answered=answered,
            details=details,
        )

    def _fields(self, text: str) -> list[str] | None:
        """The record's fields, and "" after them for the fields not logged; ``None`` for
        a blank line or a header row."""
        line = text.rstrip("\r\n\x00")
        if line[:1] in _LEADING_JUNK:  # "" too: blank, byte-order mark, control bytes
            line = line.lstrip(_LEADING_JUNK)
            if not line.strip(_TRAILING_JUNK):
                return None
        if self._v20 is not None:
            if is_v20_header(line.partition(",")[0]):
                self._header(line)
                return None
            return self._v20.fields(line)
        if '"' in line:
            try:
                fields = next(csv.reader((line,)), None) or []
            except csv.Error as error:
                raise RecordError(f"record is not valid CSV: {error}") from None
        else:
            fields = line.split(",")
        head = fields[0]
        if not head[:1].isdigit() and head[:5] != "Call " and self._is_header(head):
            self._header(line)
            return None
        count = len(fields)
        if count != self._count and "'Chain:" in line:
            # A chain quoted with ' instead of " (its commas split it above).
            try:
                fields = next(csv.reader((line,), quotechar="'"), [])
            except csv.Error as error:
                raise RecordError(f"record is not valid CSV: {error}") from None
            count = len(fields)
        if count != self._count:
            if count == self._count + 1 and not fields[-1]:
                fields.pop()  # a trailing comma after the last field
            else:
                raise RecordError(
                    f"record has {count} comma-separated fields, the source's columns"
                    f" option has {self._count} ({', '.join(self._names[:4])}, ...)"
                )
        fields.append("")
        return fields

    def _is_header(self, head: str) -> bool:
        """Whether a line whose first field is ``head`` is a header row."""
        name = head.strip().strip('"').lower().replace("-", "_")
        return name in _HEADER_NAMES or name in self._names or is_v20_header(name)

    def _header(self, line: str) -> None:
        """A header row is noise; with the ``auto`` layout it also sets the columns of
        the lines after it (a V20 table's header switches to that layout)."""
        if self._layout != "auto":
            return
        names = next(csv.reader((line,)), [])
        if is_v20_header(names[0] if names else ""):
            self._v20 = CdrOutputReader(v20_names(names), self.settings)
            return
        try:
            header = _columns_option({"columns": [name.strip('"') for name in names]})
        except RecordError:
            return  # not a whole header (no time_start): noise, the columns stay
        self._v20 = None
        self._configure(header)

    def _ringing(self, start: dt.datetime, answer_text: str, end_text: str) -> tuple[int, bool]:
        """(seconds from start to answer, or to the end when not answered; whether the
        call has an answer time)."""
        answered_at = self._time(answer_text, 4) if answer_text else None
        ended_at = self._time(end_text, 5) if end_text else None
        if answered_at is not None:
            ring_seconds = int((answered_at - start).total_seconds())
            if ring_seconds > _MAX_SECONDS:
                raise field_error(self._field(4), answer_text, "is too long after time_start")
            return ring_seconds, True
        if ended_at is not None:
            ring_seconds = int((ended_at - start).total_seconds())
            if ring_seconds > _MAX_SECONDS:
                raise field_error(self._field(5), end_text, "is too long after time_start")
            return ring_seconds, False
        return 0, False

    def _parties(
        self,
        parties: tuple[str, str, str, str, str, str, str],
        types: tuple[str, str, str],
        details: Details,
    ) -> tuple[str, str, str, str]:
        """(direction, extension, number, trunk) from the parties (from_no, to_no,
        from_dn, to_dn, dial_no) and their types (from, to, final)."""
        from_no, to_no, from_dn, to_dn, dial_no, final_number, final_dn = parties
        from_type, to_type, final_type = types
        from_party = _party(from_no)
        to_party = _party(to_no)
        max_digits = self._max_extension_digits
        if from_type:
            from_internal = from_type.lower() not in _EXTERNAL_TYPES
            to_internal = to_type.lower() not in _EXTERNAL_TYPES
            final_internal = final_type.lower() not in _EXTERNAL_TYPES
        else:  # no types logged: an Ext. party or a short number is internal
            from_internal = from_no[:4] == "Ext." or (
                is_digits(from_party) and len(from_party) <= max_digits
            )
            to_internal = to_no[:4] == "Ext." or (
                is_digits(to_party) and len(to_party) <= max_digits
            )
            final_internal = True
        final_party = _party(final_number) or final_dn
        known = (
            known_direction(
                self._extensions,
                self._longest,
                (from_party, from_dn),
                (final_party,) if final_party else (to_party, to_dn),
            )
            if self._extensions
            else None
        )
        if known is None:
            details[RULE_KEY] = Rule.DEFAULT
        else:
            details[RULE_KEY] = known[1]
            from_internal = known[0] != Direction.INCOMING
            to_internal = final_internal = known[0] != Direction.OUTGOING
        if not from_internal:
            extension = (to_dn or to_party) if to_internal else ""
            if dial_no and dial_no not in (extension, to_party):
                details["dial_no"] = dial_no
            trunk = from_dn if is_digits(from_dn) and from_dn != from_party else ""
            return Direction.INCOMING, extension, from_party, trunk
        extension = from_dn or from_party
        number = dial_no or to_party
        if to_internal and final_internal:
            return Direction.INTERNAL, extension, number, ""
        trunk = ""
        if not to_internal and is_digits(to_dn) and to_dn not in (to_party, dial_no):
            trunk = to_dn
        return Direction.OUTGOING, extension, number, trunk

    def _more_details(self, fields: list[str], details: Details) -> None:
        """The kept fields (reasons, rate, names, ...) and the source's extra fields, when
        not empty."""
        for index, name in self._kept:
            value = fields[index]
            if value:
                details[name] = value
        for index, name in self._extras:
            value = fields[index]
            if value:
                details[name] = value

    def _field(self, read_index: int) -> str:
        """A field read as error messages name it, by number (1-based, in the line) and
        name: ``field 4 (time_start)``."""
        return f"field {self._read[read_index] + 1} ({_READ[read_index]})"

    def _duration(self, value: str) -> int:
        """``HH:MM:SS`` in seconds (cached)."""
        match = _DURATION_RE.fullmatch(value)
        if match is None:
            raise field_error(self._field(2), value, "is not empty or HH:MM:SS")
        hours, minutes, seconds = match.groups()
        total = int(hours) * 3600 + int(minutes) * 60 + int(seconds)
        if len(_duration_seconds) < _DURATION_CACHE_LIMIT:
            _duration_seconds[value] = total
        return total

    def _time(
        self, value: str, read_index: int, shape: str = "is not empty or a time"
    ) -> dt.datetime:
        """A ``YYYY/MM/DD HH:MM:SS`` local time as an aware UTC datetime."""
        day = self._clock.days.get(value[:10])
        since_midnight = TIMES_OF_DAY.get(value[11:])
        # Both parts remembered and a blank between them: the shape was checked before.
        checked = day is not None and since_midnight is not None and value[10:11] == " "
        if not checked and not _TIME_RE.fullmatch(value):
            raise field_error(self._field(read_index), value, shape)
        try:
            day = day or self._day(value[:10])
            if since_midnight is None:
                since_midnight = time_of_day(value[11:])
            return self._clock.on(day, since_midnight)
        except ValueError:
            raise field_error(
                self._field(read_index), value, "is not a valid date and time"
            ) from None
        except OverflowError:
            raise field_error(self._field(read_index), value, "is out of range") from None

    def _day(self, date_text: str) -> LocalDay:
        """Cache the date in the clock (ValueError: it does not exist)."""
        year, month, day = int(date_text[:4]), int(date_text[5:7]), int(date_text[8:10])
        return self._clock.day(date_text, year, month, day)
