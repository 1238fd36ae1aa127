"""FreeSWITCH ``mod_cdr_csv``: one CSV line per call leg, laid out by a template.

A real record, from the FreeSWITCH documentation's Master.csv example (``pbx-formats.md``
section 8, the default ``example`` template), a call that was never answered::

    "9007","9007","0034688886392","public","2014-05-29 16:59:50","","2014-05-29 16:59:50",
    "0","0","NORMAL_CLEARING","a5c9f6c0-e752-11e3-8bfb-65b6c3cdac7d","","","",""

(one line in the file; wrapped here).

The columns are whatever the template in ``cdr_csv.conf.xml`` lists. The default
``example`` template is::

    "${caller_id_name}","${caller_id_number}","${destination_number}","${context}",
    "${start_stamp}","${answer_stamp}","${end_stamp}","${duration}","${billsec}",
    "${hangup_cause}","${uuid}","${bleg_uuid}","${accountcode}","${read_codec}",
    "${write_codec}"

Options (the source's settings):

* ``template``: the channel variables of the source's template, in order, as a list
  (``["caller_id_name", "caller_id_number", ...]``; ``"${name}"`` entries are taken too)
  or as the template text itself, copied from ``cdr_csv.conf.xml``. Default: the
  ``example`` template above. It must name a start (``start_stamp``, ``start_epoch`` or
  ``start_uepoch``) and ``billsec`` (or ``billmsec``).
* ``internal_contexts`` (list of dialplan contexts, default ``["default"]``): contexts
  where the site's registered phones place calls.
* ``incoming_contexts`` (list, default ``["public"]``): contexts that take calls from
  gateways and other outside sources.
* ``max_extension_digits`` (int, default 6): the longest all-digit number that is an
  extension rather than an outside number.

A context ending in ``*`` matches every context starting with what precedes it.

Format decisions, where the source leaves room:

* Every column the default templates write is quoted, and values may hold commas or
  doubled quotes, so the csv module splits the line; the count of fields must match the
  template. Blank lines and a header row (the template's names) are noise.
* ``*_stamp`` times are local to the PBX, read in the site's zone (set the source's own
  ``time_zone`` when the PBX runs elsewhere); ``*_epoch`` and ``*_uepoch`` are UTC.
  Starts keep whole seconds.
* An empty answer stamp (or an answer epoch of 0) means unanswered; without an answer
  column, a call is answered when ``billsec`` is not zero. ``duration_seconds`` is
  ``billsec`` (answer to hang-up); ``ring_seconds`` is ``duration - billsec`` when the
  template has ``duration``.
* Direction (``smdr.parsers.direction``; the rule goes to ``details["direction_rule"]``):
  a context in ``incoming_contexts`` set on the source is incoming; then the site's
  known extensions (caller, ``destination_number``), a number longer than the longest
  of them, and a trunk-like context. Else the defaults: a context in
  ``incoming_contexts`` is incoming. A context in
  ``internal_contexts``, or any other context with a short all-digit caller number, is a
  call from an extension: internal when ``destination_number`` is not a long number,
  outgoing when it is. Everything else is incoming. mod_cdr_csv does not name trunks or
  gateways, so ``trunk`` is empty unless the template logs ``sip_gateway_name`` (then
  that gateway is the trunk of incoming and outgoing calls).
* An incoming call's extension is ``destination_number`` when it is short; a longer one
  is the DID dialled, kept in details as ``ddi``.
* A row of a ``mod_cdr_pg_csv`` table (``database`` transport: a JSON object of column
  to text, ``docs/pbx/database-pull.md``) is read by name: the template's variables are
  the table's columns (the default schema's are the ``example`` template's, with a few
  more); a ``timestamp with time zone`` is read as the instant its offset says.
* ``pbx_call_id`` is ``call_uuid`` when logged (the legs of a bridged call share it),
  else ``uuid``.
* Details keep ``hangup_cause``, the caller's name when it is not just the number,
  ``bleg_uuid``, the codecs, ``ddi``, and every other variable of the template by name
  when not empty.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from typing import Literal, overload

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
from .direction import RULE_KEY, Rule, context_direction, known_direction
from .limits import extension_fitting, trunk_fitting
from .options import contexts_option, contexts_setting, digits_option, digits_setting
from .rows import is_row, row_error, row_values, stamp_in_zone

UTC = dt.UTC

EXAMPLE_TEMPLATE = (
    "caller_id_name",
    "caller_id_number",
    "destination_number",
    "context",
    "start_stamp",
    "answer_stamp",
    "end_stamp",
    "duration",
    "billsec",
    "hangup_cause",
    "uuid",
    "bleg_uuid",
    "accountcode",
    "read_codec",
    "write_codec",
)
DEFAULT_INTERNAL_CONTEXTS = ("default",)
DEFAULT_INCOMING_CONTEXTS = ("public",)
DEFAULT_MAX_EXTENSION_DIGITS = 6

# Variables the parser reads itself; every other template variable goes to details.
_START = ("start_stamp", "start_epoch", "start_uepoch")
_ANSWER = ("answer_stamp", "answer_epoch", "answer_uepoch")
_END = ("end_stamp", "end_epoch", "end_uepoch")
_CONSUMED = frozenset(
    {
        *_START,
        *_ANSWER,
        *_END,
        "caller_id_number",
        "caller_id_name",
        "destination_number",
        "context",
        "duration",
        "billsec",
        "billmsec",
        "uuid",
        "call_uuid",
        "accountcode",
        "sip_gateway_name",
    }
)

_VARIABLE_RE = re.compile(r"\$\{([^}]+)\}")
_STAMP_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}", re.ASCII)
_LEADING_JUNK = "".join(chr(code) for code in range(33)) + "\x7f\ufeff"
_TRAILING_JUNK = "\r\n\x00 \t"
_MAX_DIGITS = 9  # longest count of seconds accepted (about 31 years)
_MAX_EPOCH_DIGITS = 11  # seconds since 1970, up to year 5138


def _template_option(options: Options) -> tuple[str, ...]:
    """The template's variable names, from a list or from the template text."""
    value = options.get("template", EXAMPLE_TEMPLATE)
    if isinstance(value, str):
        names = tuple(_VARIABLE_RE.findall(value))
    elif isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        names = tuple(item.strip().removeprefix("${").removesuffix("}") for item in value)
    else:
        raise RecordError(
            f"option template: {value!r} is not a list of channel variable names"
            " or a cdr_csv template"
        )
    if not names or not all(names):
        raise RecordError(f"option template: {value!r} names no variables (or an empty one)")
    if not any(name in names for name in _START):
        raise RecordError(
            "option template: the template must log the call's start"
            " (start_stamp, start_epoch or start_uepoch)"
        )
    if "billsec" not in names and "billmsec" not in names:
        raise RecordError("option template: the template must log billsec (or billmsec)")
    return names


def _field(index: int, name: str) -> str:
    """The field at ``index`` (0-based) as error messages name it: ``field 5 (start_stamp)``."""
    return f"field {index + 1} ({name})"


class FreeSWITCHCSVParser(Parser):
    """Parses FreeSWITCH ``mod_cdr_csv`` records laid out by the source's template."""

    family = "freeswitch-csv"
    label = "FreeSWITCH mod_cdr_csv"
    options = schema(
        Setting(
            "template",
            Kind.LIST,
            EXAMPLE_TEMPLATE,
            gettext_noop("The cdr_csv template, or its channel variable names in order."),
            text_ok=True,
        ),
        contexts_setting("internal_contexts", DEFAULT_INTERNAL_CONTEXTS, "Internal contexts"),
        contexts_setting("incoming_contexts", DEFAULT_INCOMING_CONTEXTS, "Incoming contexts"),
        digits_setting(DEFAULT_MAX_EXTENSION_DIGITS),
    )

    def __init__(self, settings: ParserSettings):
        super().__init__(settings)
        options = settings.options or {}
        names = _template_option(options)
        self._names = names
        self._count = len(names)
        position: dict[str, int] = {}
        for index, name in enumerate(names):
            position.setdefault(name, index)  # a repeated variable: its first column
        self._position = position

        def first(*candidates: str) -> tuple[int, str]:
            for name in candidates:
                if name in position:
                    return position[name], name
            return -1, ""

        # Columns by index; a variable the template does not log reads the "" appended
        # to every row (index -1).
        self._start = first(*_START)
        self._answer = first(*_ANSWER)
        self._end = first(*_END)
        self._billsec = first("billsec", "billmsec")
        self._duration = position.get("duration", -1)
        self._caller_number = position.get("caller_id_number", -1)
        self._caller_name = position.get("caller_id_name", -1)
        self._destination = position.get("destination_number", -1)
        self._context = position.get("context", -1)
        self._call_id = first("call_uuid", "uuid")[0]
        self._uuid = position.get("uuid", -1)
        self._account_code = position.get("accountcode", -1)
        self._gateway = position.get("sip_gateway_name", -1)
        self._extras = tuple(
            (index, name) for name, index in position.items() if name not in _CONSUMED
        )
        self._internal = contexts_option(options, "internal_contexts", DEFAULT_INTERNAL_CONTEXTS)
        self._incoming = contexts_option(options, "incoming_contexts", DEFAULT_INCOMING_CONTEXTS)
        self._max_extension_digits = digits_option(
            options, "max_extension_digits", DEFAULT_MAX_EXTENSION_DIGITS
        )
        self._zone = settings.time_zone
        self._clock = LocalClock(settings.time_zone)  # its days: "YYYY-MM-DD" -> LocalDay
        self._extensions = settings.extensions
        self._longest = settings.longest_extension
        # Incoming contexts the source set itself override what the site knows.
        self._incoming_set = "incoming_contexts" in options

    def parse(self, text: str, received_at: dt.datetime | None = None) -> ParsedCall | None:
        """Parse one Master.csv line, or one row of a ``cdr_pg_csv`` table (a JSON object,
        as the ``database`` transport stores it); ``None`` for a blank line or a header row."""
        if is_row(text):
            try:
                return self._parse_fields(self._row_fields(text))
            except RecordError as error:  # name the table's column
                raise row_error(error) from None
        fields = self._fields(text)
        if fields is None:
            return None
        return self._parse_fields(fields)

    def _row_fields(self, text: str) -> list[str]:
        """A ``cdr_pg_csv`` table row in the template's order (its columns are named by
        the channel variables, as the template's are), and "" after them."""
        values = row_values(text, "cdr_pg_csv table")
        start = self._start[1]
        if start not in values:
            raise RecordError(
                f"row lacks the column {start} (the template names {', '.join(self._names[:4])},"
                " ...: set the template to the table's columns)"
            )
        for name in self._names:
            if name.endswith("_stamp") and name in values:
                values[name] = stamp_in_zone(values[name], self._zone)
        return [values.get(name, "") for name in self._names] + [""]

    def _parse_fields(self, fields: list[str]) -> ParsedCall:
        index, name = self._start
        start = self._time(fields[index], index, name, required=True)
        duration, billsec = self._durations(fields)
        index, name = self._answer
        # An empty answer stamp is an unanswered call; no answer column: billsec says.
        answered = billsec > 0 if index < 0 else self._time(fields[index], index, name) is not None
        index, name = self._end
        if index >= 0:
            self._time(fields[index], index, name)  # validated, not needed

        details: Details = {}
        caller = fields[self._caller_number]
        direction, extension, number = self._parties(
            caller, fields[self._destination], fields[self._context], details
        )
        trunk = fields[self._gateway] if direction != Direction.INTERNAL else ""
        pbx_call_id = self._details(fields, caller, details)

        return ParsedCall(
            start=start,
            duration_seconds=billsec,
            ring_seconds=duration - billsec if duration > billsec else 0,
            direction=direction,
            extension=extension_fitting(extension),
            trunk=trunk_fitting(trunk),
            number=number,
            account_code=fields[self._account_code],
            pbx_call_id=pbx_call_id,
            answered=answered,
            details=details,
        )

    def _fields(self, text: str) -> list[str] | None:
        """The record's fields, and "" after them for the variables not logged; ``None``
        for a blank line or a header row."""
        line = text.rstrip(_TRAILING_JUNK)
        if line[:1] != '"':
            line = line.lstrip(_LEADING_JUNK)
            if not line:
                return None
        try:
            fields = next(csv.reader((line,)), None) or []
        except csv.Error as error:
            raise RecordError(f"record is not valid CSV: {error}") from None
        if len(fields) != self._count:
            if fields and all(field.strip() in self._position for field in fields):
                return None  # a header row naming the template's variables
            raise RecordError(
                f"record has {len(fields)} comma-separated fields, the template has "
                f"{self._count} ({', '.join(self._names[:4])}, ...)"
            )
        index, name = self._start
        if fields[index] == name:
            return None  # a header row naming the template's variables
        fields.append("")
        return fields

    def _durations(self, fields: list[str]) -> tuple[int, int]:
        """(duration, billsec) in seconds; the duration is billsec when not logged."""
        index, name = self._billsec
        billsec = self._seconds(fields[index], index, name)
        if name == "billmsec":
            billsec //= 1000
        if self._duration < 0:
            return billsec, billsec
        return self._seconds(fields[self._duration], self._duration, "duration"), billsec

    def _parties(
        self, caller: str, destination: str, context: str, details: Details
    ) -> tuple[str, str, str]:
        """(direction, extension, number): see the module docstring. The rule that decided
        the direction goes to ``details``."""
        max_digits = self._max_extension_digits
        if self._incoming_set or self._extensions:
            direction, rule = self._decided(caller, destination, context)
        else:  # only the context's name can say: this runs on every record
            direction, rule = context_direction(context), Rule.TRUNK_NAME
        if direction:
            from_extension = direction != Direction.INCOMING
        else:
            rule = Rule.DEFAULT
            exact, prefixes = self._incoming
            if context in exact or context.startswith(prefixes):
                from_extension = False
            else:
                exact, prefixes = self._internal
                from_extension = (context in exact or context.startswith(prefixes)) or (
                    is_digits(caller) and len(caller) <= max_digits
                )
        details[RULE_KEY] = rule
        if from_extension:
            if direction:
                return direction, caller, destination
            national = destination[1:] if destination[:1] == "+" else destination
            if is_digits(national) and len(national) > max_digits:
                return Direction.OUTGOING, caller, destination
            return Direction.INTERNAL, caller, destination
        known = self._extensions
        if (
            (destination in known)
            if known
            else (is_digits(destination) and len(destination) <= max_digits)
        ):
            return Direction.INCOMING, destination, caller
        if destination:
            details["ddi"] = destination
        return Direction.INCOMING, "", caller

    def _decided(self, caller: str, destination: str, context: str) -> tuple[str, str]:
        """(direction, rule) by the source's own context options, then by what the site
        knows; ``("", "")`` leaves it to the family's default."""
        if self._incoming_set:
            exact, prefixes = self._incoming
            if context in exact or context.startswith(prefixes):
                return Direction.INCOMING, Rule.OPTION
        if self._extensions:
            known = known_direction(self._extensions, self._longest, (caller,), (destination,))
            if known is not None:
                return known
        direction = context_direction(context)
        return (direction, Rule.TRUNK_NAME) if direction else ("", "")

    def _details(self, fields: list[str], caller: str, details: Details) -> str:
        """The caller's name and every other variable logged into details; returns the
        call's id (``call_uuid``, else ``uuid``, kept in details when it differs)."""
        caller_name = fields[self._caller_name]
        if caller_name and caller_name != caller:
            details["caller_name"] = caller_name
        for index, name in self._extras:
            value = fields[index]
            if value:
                details[name] = value
        pbx_call_id = fields[self._call_id]
        if self._uuid != self._call_id:
            uuid = fields[self._uuid]
            if uuid and uuid != pbx_call_id:
                details["uuid"] = uuid
        return pbx_call_id

    def _seconds(self, value: str, index: int, name: str) -> int:
        """A count of seconds (``billmsec``: milliseconds, three digits more)."""
        digits = _MAX_DIGITS + 3 if name == "billmsec" else _MAX_DIGITS
        if not value.isdigit() or not value.isascii() or len(value) > digits:
            raise field_error(_field(index, name), value, "is not a number of seconds")
        return int(value)

    @overload
    def _time(self, value: str, index: int, name: str, required: Literal[True]) -> dt.datetime: ...

    @overload
    def _time(
        self, value: str, index: int, name: str, required: bool = False
    ) -> dt.datetime | None: ...

    def _time(
        self, value: str, index: int, name: str, required: bool = False
    ) -> dt.datetime | None:
        """A ``*_stamp`` (local), ``*_epoch`` or ``*_uepoch`` value as aware UTC.

        ``None`` for an empty value or an epoch of 0 (not reached), unless required.
        """
        if name.endswith("_stamp"):
            if not value and not required:
                return None
            return self._local(value, index, name)
        if not value or value == "0":
            if not required:
                return None
            raise field_error(_field(index, name), value, "is not a time in seconds since 1970")
        digits = _MAX_EPOCH_DIGITS + (6 if name.endswith("_uepoch") else 0)
        if not is_digits(value) or len(value) > digits:
            raise field_error(_field(index, name), value, "is not a time in seconds since 1970")
        seconds = int(value)
        if name.endswith("_uepoch"):
            seconds //= 1_000_000
        try:
            return dt.datetime.fromtimestamp(seconds, UTC)
        except (ValueError, OverflowError, OSError):
            raise field_error(_field(index, name), value, "is out of range") from None

    def _local(self, value: str, index: int, name: str) -> dt.datetime:
        """A ``YYYY-MM-DD HH:MM:SS`` local time as aware UTC."""
        day = self._clock.days.get(value[:10])
        since_midnight = TIMES_OF_DAY.get(value[11:])
        # Both parts remembered and a blank between them: the shape was checked before.
        checked = day is not None and since_midnight is not None and value[10:11] == " "
        if not checked and not _STAMP_RE.fullmatch(value):
            raise field_error(_field(index, name), value, "is not YYYY-MM-DD HH:MM:SS")
        try:
            day = day or self._day(value)
            if since_midnight is None:
                since_midnight = time_of_day(value[11:])
            return self._clock.on(day, since_midnight)
        except ValueError:
            raise field_error(_field(index, name), value, "is not a valid date and time") from None
        except OverflowError:
            raise field_error(_field(index, name), value, "is out of range") from None

    def _day(self, value: str) -> LocalDay:
        """Cache the date of ``value`` in the clock (ValueError: it does not exist)."""
        year, month, day = int(value[:4]), int(value[5:7]), int(value[8:10])
        return self._clock.day(value[:10], year, month, day)
