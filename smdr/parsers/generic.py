"""Generic call records: any fixed-width or delimited SMDR, described by the source.

For a PBX with no parser of its own, an administrator describes its records in the
source's settings and Tarificador reads them with no code. The SX-200 manual's example
of extension 2664 dialling 95921022 on a tie trunk [MANUAL, ``pbx-formats.md`` section
2.3], placed at the columns of the MiVoice Business template (section 2.2; trailing
blanks stripped)::

    " 01/16 09:52  00:02:21 2664      95921022                  A"

is read with these settings::

    {"column_map": {"format": "fixed",
                    "fields": {"date": [2, 6], "time": [8, 12], "duration": [15, 22],
                               "extension": [24, 27], "number": [34, 59],
                               "account_code": [73, 84]},
                    "details": {"completion": [60, 60]}},
     "date_format": "%m/%d", "time_format": "%H:%M", "duration_format": "hh:mm:ss",
     "direction": {"default": "outgoing", "internal_max_digits": 4}}

as an outgoing call of 141 s from extension 2664 to 95921022, started on the most recent
16 January at 09:52 (the record has no year), with ``details == {"completion": "A"}``.

Options read from the source's settings (each is checked once, when the parser is made;
a wrong one raises RecordError with the option's path and what to change):

* ``column_map`` (required): ``{"format": "fixed" | "delimited", "fields": {...},
  "details": {...}, "delimiter": ",", "quote": "\\""}``.

  - ``fields`` maps the call's columns: ``date``, ``time``, ``duration`` (required,
    unless ``end_time`` is mapped), ``ring``, ``extension``, ``trunk``, ``number`` (the
    other party as dialled or presented), ``account_code``, ``call_id``, ``direction``,
    ``end_time``. ``date`` or ``time`` is required. Fixed: ``[first, last]`` character
    positions, 1-based and inclusive. Delimited: the column number, from 1.
  - ``details`` maps any other columns, by a name of the administrator's choosing
    (lower case, digits, ``_``), kept in ``details`` when not blank.
  - ``delimiter`` (delimited only, default ``,``) and ``quote`` (default none: the line
    is split on every delimiter; with a quote character, quoted values may hold the
    delimiter and doubled quotes, as in CSV).
* ``date_format``: strftime-style, required with a ``date`` column. ``%Y``, ``%y``
  (00-69 is 20xx), ``%m``, ``%d``, ``%b`` (English, Spanish or Portuguese) and, for a
  column holding date and time together, ``%H``, ``%I``, ``%M``, ``%S``, ``%p``; ``%%``
  is a percent sign and a space matches any run of blanks. Without a year, or without
  a date column, the call is dated from ``received_at`` in the site's zone: the most
  recent matching moment at or before receipt, allowing 10 minutes for a PBX clock running ahead.
* ``time_format``: the same directives, for the ``time`` column; default ``HH:MM`` with
  optional ``:SS``. ``%I`` needs ``%p`` (12-hour clocks, ``10:03AM``).
* ``duration_format`` and ``ring_format`` (default: ``duration_format``): ``seconds``
  (default), ``hh:mm:ss``, ``mm:ss``, ``hh:mm``, ``hh:mm'ss`` and ``mm'ss``
  (Panasonic), ``tenths-of-minute`` (``12.3`` minutes, or ``123`` tenths). A blank
  duration is zero (an unanswered call).
* ``time_is``: ``start`` (default) or ``end``; an end time is turned into the start by
  subtracting the duration.
* ``direction``: ``{"field": name, "values": {value: direction}, "default": direction,
  "internal_max_digits": N}``. ``field`` (default ``direction``) is any mapped column,
  in ``fields`` or ``details``; its value, stripped, is looked up in ``values``; a value
  not listed takes ``default`` or, without one, is an error. With no direction column
  every call takes ``default`` (``outgoing`` unless set). Then, with
  ``internal_max_digits``, a number of at most N digits (digits only) makes the call
  internal. Directions are ``incoming``, ``outgoing`` and ``internal``.
* ``skip_prefixes``: a list of strings; a line starting with one (before or after its
  leading blanks) is noise, such as a page header.
* ``min_length``: lines shorter than this (trailing blanks stripped) are errors.
* ``select``: ``{"field": name, "values": [...]}``: only records whose mapped column (in
  ``fields`` or ``details``) holds one of the values are calls; the others are noise
  (Capturador's Finanzas PBX: type ``N`` only, ``docs/pbx/finanzas-107.md``).
* ``date_lines``: ``{"prefix": "DATE", "day": [first, last], "month": [first, last]}``:
  a line starting with the prefix is noise that sets the month and day of the records
  after it (a number, or an English, Spanish or Portuguese abbreviation: ``ENE``,
  ``ABR``, ``AGO``, ``DIC``, ``FEV``, ``SET``, ``OUT``, ``DEZ``...), the year from
  receipt; not with a date column (``docs/pbx/ipam-81.md``). Before the first one,
  records are dated from receipt.
* ``duration_blanks_are_zeros``: blanks inside the duration are zeros (``" 0: 1: 5"``).
* A ``details`` column named ``meter_pulses`` is kept as an int (the PBX's meter
  pulses; prices still come from the duration).

* ``end_time`` (a ``fields`` column, instead of ``duration``): the duration is from
  ``time`` (the start) to it, both read by ``time_format``; an end before the start is
  on the next day. Unreadable or blank, it is an error naming the column.
* ``direction_columns``: ``{"incoming": {"number": [30, 45]}, ...}``: by the direction
  the direction column says, columns read instead of ``column_map``'s (already mapped
  there; not the direction column itself); ``internal_max_digits`` then looks at the
  number read.
* ``framing``: ``lines`` (default), ``stx-etx`` or ``nul``: how the framer cuts records
  (:func:`generic_framer`; bytes that fit no record are a record of their own).
* ``join``: ``{"field": kind column, "first": "1", "second": "2", "sequence": column,
  "fields": {name: column of the second record}, "modulo": 100, "expected_for":
  [directions]}``: the framer (:class:`~smdr.framing.SequenceJoinFramer`) joins a first record to
  the next record when it is a second one with the next sequence number (CR LF between
  them); ``fields`` are read from the second. A first record alone is a call with
  ``details["join_missing"] = True`` (for the directions in ``expected_for``, default
  all); a second record alone is an error naming why.
* ``preset``: ``finanzas-107`` or ``ipam-81`` (:data:`PRESETS`, ``docs/pbx/``): that
  layout's options under the source's own, and its serial line as the defaults.

``docs/pbx/generic.md`` shows each with an example.

Format decisions:

* Blank lines, form feeds, control bytes before the record and lines of ``-`` or ``=``
  are noise; trailing blanks, CR LF and NULs are stripped, so a fixed-width column past
  the end of a short line is blank.
* Values are stripped of blanks (and, in delimited records, of a pair of quotes when
  no ``quote`` is set but a value is wrapped in ``"``).
* Local times in a DST fold are the first occurrence, in a gap the offset before the
  change (``fold=0``, PEP 495).
* ``answered`` is a duration above zero.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Mapping
from typing import Final, Protocol
from zoneinfo import ZoneInfo

from smdr.framing import AnyFramer, JoinKey, LineFramer, NulFramer, SequenceJoinFramer, STXFramer
from smdr.schema import Kind, Setting, gettext_noop, schema

from .base import (
    DIRECTIONS,
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
from .clock import ONE_SECOND, Receipt, expand_year, is_valid_date

UTC = dt.UTC

FIELDS = (
    "date",
    "time",
    "duration",
    "ring",
    "extension",
    "trunk",
    "number",
    "account_code",
    "call_id",
    "direction",
    "end_time",
)
FRAMINGS = ("lines", "stx-etx", "nul")
DURATION_FORMATS = (
    "seconds",
    "hh:mm:ss",
    "mm:ss",
    "hh:mm",
    "hh:mm'ss",
    "mm'ss",
    "tenths-of-minute",
)
CLOCK_TOLERANCE = dt.timedelta(minutes=10)
_CACHE_LIMIT = 100_000
_NAME_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
_LEADING_JUNK = "".join(chr(code) for code in range(32) if chr(code) != "\t") + "\ufeff"
_TRAILING_JUNK = "\r\n\x00 \t"
_MONTHS = {
    name: number
    for names in (
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"),
        ("jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez"),
    )
    for number, name in enumerate(names, start=1)
}  # English, Spanish and Portuguese abbreviations ("set": setiembre, setembro)

# Directive -> (kind, regex, numeric). Numeric directives of 1-2 digits become exactly
# 2 when another numeric directive follows with nothing between (``%d%m%y``).
_DIRECTIVES = {
    "Y": ("year", "[0-9]{4}", True),
    "y": ("year2", "[0-9]{2}", True),
    "m": ("month", "[0-9]{1,2}", True),
    "d": ("day", "[0-9]{1,2}", True),
    "b": ("month_name", "[A-Za-z]{3}", False),
    "H": ("hour", "[0-9]{1,2}", True),
    "I": ("hour12", "[0-9]{1,2}", True),
    "M": ("minute", "[0-9]{2}", True),
    "S": ("second", "[0-9]{2}", True),
    "p": ("ampm", r"[AaPp]\.?(?:[Mm]\.?)?", False),
}
_DATE_KINDS = frozenset(("year", "year2", "month", "month_name", "day"))
_TIME_KINDS = frozenset(("hour", "hour12", "minute", "second", "ampm"))

# A date and time read from a record: (year, month, day, hour, minute, second), with
# None for the parts its format does not have.
DateTimeParts = tuple[int | None, int | None, int | None, int | None, int | None, int | None]
Directive = tuple[str, str, bool]


def _config_error(path: str, problem: str) -> RecordError:
    return RecordError(f"{path}: {problem}")


class _Format(Protocol):
    """What the parser needs of a ``date_format`` or ``time_format``."""

    text: str
    has_date: bool
    has_time: bool
    has_year: bool

    def parse(self, value: str) -> DateTimeParts | None: ...


class _Pattern:
    """A compiled ``date_format`` or ``time_format``: text -> date and time parts."""

    def __init__(self, option: str, fmt: object):
        if not isinstance(fmt, str) or not fmt.strip():
            raise _config_error(option, f"{fmt!r} is not a format such as '%d/%m/%y'")
        self.text = fmt
        self.regex, self.kinds = _compile(option, fmt, _directives(option, fmt))
        kinds = set(self.kinds)
        self.has_date = bool(kinds & _DATE_KINDS)
        self.has_time = bool(kinds & _TIME_KINDS)
        self.has_year = bool(kinds & {"year", "year2"})
        _check_parts(option, fmt, kinds)
        self._cache: dict[str, DateTimeParts] = {}

    def parse(self, value: str) -> DateTimeParts | None:
        """``(year, month, day, hour, minute, second)`` with ``None`` for absent parts.

        ``None`` when the value does not fit the format or a part is out of range.
        """
        parsed = self._cache.get(value)
        if parsed is not None:
            return parsed
        match = self.regex.fullmatch(value)
        if match is None:
            return None
        parsed = self._parts(dict(zip(self.kinds, match.groups(), strict=True)))
        if parsed is not None and len(self._cache) < _CACHE_LIMIT:
            self._cache[value] = parsed
        return parsed

    def _parts(self, texts: dict[str, str]) -> DateTimeParts | None:
        """The parts of a match, by directive kind; ``None`` when one is out of range."""
        year = _number(texts, "year")
        if "year2" in texts:
            year = expand_year(int(texts["year2"]))  # 00-69 is 20xx
        month = _number(texts, "month")
        if "month_name" in texts:
            month = _MONTHS.get(texts["month_name"].lower())
            if month is None:
                return None
        hour = _number(texts, "hour")
        if "hour12" in texts:
            hour = int(texts["hour12"])
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if texts["ampm"][0] in "Pp" else 0)  # %I goes with %p
        day, minute, second = (
            _number(texts, "day"),
            _number(texts, "minute"),
            _number(texts, "second"),
        )
        if (
            (month is not None and not 1 <= month <= 12)
            or (day is not None and not 1 <= day <= 31)
            or (hour is not None and hour > 23)
            or (minute is not None and minute > 59)
            or (second is not None and second > 59)
        ):
            return None
        if self.has_time and second is None:
            second = 0
        return year, month, day, hour, minute, second


def _number(texts: dict[str, str], kind: str) -> int | None:
    text = texts.get(kind)
    return None if text is None else int(text)


def _directives(option: str, fmt: str) -> list[Directive | str]:
    """The format as directives (kind, regex, numeric) and literal characters."""
    parts: list[Directive | str] = []
    index = 0
    while index < len(fmt):
        char = fmt[index]
        if char != "%":
            parts.append(char)
            index += 1
            continue
        code = fmt[index + 1 : index + 2]
        if code == "%":
            parts.append("%")
        elif code in _DIRECTIVES:
            parts.append(_DIRECTIVES[code])
        else:
            raise _config_error(
                option, f"%{code} is not supported; use %Y %y %m %d %b %H %I %M %S %p or %%"
            )
        index += 2
    return parts


def _compile(
    option: str, fmt: str, parts: list[Directive | str]
) -> tuple[re.Pattern[str], list[str]]:
    """The regex of a format's parts, a group per directive, and the directives' kinds."""
    regex = []
    kinds: list[str] = []
    for position, part in enumerate(parts):
        if isinstance(part, str):
            regex.append(r"\s+" if part == " " else re.escape(part))
            continue
        kind, pattern, numeric = part
        if kind in kinds:
            raise _config_error(option, f"{fmt!r} has the {kind.replace('2', '')} twice")
        following = parts[position + 1] if position + 1 < len(parts) else None
        if numeric and isinstance(following, tuple) and following[2]:
            pattern = pattern.replace("{1,2}", "{2}")
        regex.append(f"({pattern})")
        kinds.append(kind)
    return re.compile("".join(regex)), kinds


def _check_parts(option: str, fmt: str, kinds: set[str]) -> None:
    """Refuse a format whose parts do not make a date, a time of day or both."""
    has_date = bool(kinds & _DATE_KINDS)
    if has_date and not ("day" in kinds and ("month" in kinds or "month_name" in kinds)):
        raise _config_error(option, f"{fmt!r} needs a month (%m or %b) and a day (%d)")
    if kinds & {"year", "year2"} and not has_date:
        raise _config_error(option, f"{fmt!r} has a year but no month and day")
    if not kinds & _TIME_KINDS:
        return
    if not (kinds & {"hour", "hour12"}) or "minute" not in kinds:
        raise _config_error(option, f"{fmt!r} needs an hour (%H or %I) and minutes (%M)")
    if "hour" in kinds and ("ampm" in kinds or "hour12" in kinds):
        raise _config_error(option, f"{fmt!r}: use %I, not %H, with %p")
    if ("hour12" in kinds) != ("ampm" in kinds):
        raise _config_error(option, f"{fmt!r}: %I (12-hour clock) goes with %p (AM/PM)")


class _DefaultTime:
    """The default ``time_format``: ``H:MM`` or ``HH:MM`` with optional ``:SS``."""

    text = "HH:MM[:SS]"
    has_date = has_year = False
    has_time = True
    _regex = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?")

    def __init__(self) -> None:
        self._cache: dict[str, DateTimeParts] = {}

    def parse(self, value: str) -> DateTimeParts | None:
        parsed = self._cache.get(value)
        if parsed is not None:
            return parsed
        match = self._regex.fullmatch(value)
        if match is None:
            return None
        hour_text, minute_text, second_text = match.groups()
        hour, minute, second = int(hour_text), int(minute_text), int(second_text or 0)
        if hour > 23 or minute > 59 or second > 59:
            return None
        parsed = (None, None, None, hour, minute, second)
        if len(self._cache) < _CACHE_LIMIT:
            self._cache[value] = parsed
        return parsed


def _two_parts(value: str, separator: str) -> tuple[int, int] | None:
    """``N<sep>SS`` (N any count of digits, SS 00-59) as two ints, or ``None``."""
    high, found, low = value.rpartition(separator)
    if not found or not is_digits(high) or len(low) != 2 or not is_digits(low) or low > "59":
        return None
    return int(high), int(low)


def _duration(value: str, fmt: str) -> int | None:
    """``value`` in ``fmt`` as seconds, or ``None`` when it does not fit."""
    if fmt == "seconds":
        return int(value) if is_digits(value) and len(value) <= 9 else None
    if fmt == "hh:mm:ss" or fmt == "hh:mm'ss":
        separator = ":" if fmt == "hh:mm:ss" else "'"
        head, found, seconds_text = value.rpartition(separator)
        if not found or len(seconds_text) != 2 or not is_digits(seconds_text):
            return None
        hours_minutes = _two_parts(head, ":")
        if hours_minutes is None or seconds_text > "59" or len(head) > 9:
            return None
        return hours_minutes[0] * 3600 + hours_minutes[1] * 60 + int(seconds_text)
    if fmt == "mm:ss" or fmt == "mm'ss" or fmt == "hh:mm":
        parts = _two_parts(value, "'" if fmt == "mm'ss" else ":")
        if parts is None or len(value) > 12:
            return None
        if fmt == "hh:mm":
            return parts[0] * 3600 + parts[1] * 60
        return parts[0] * 60 + parts[1]
    # tenths-of-minute: "12.3" minutes, or "123" tenths
    whole, point, tenth = value.partition(".")
    if point:
        if not is_digits(whole) or len(tenth) != 1 or not is_digits(tenth) or len(whole) > 8:
            return None
        return int(whole) * 60 + int(tenth) * 6
    return int(value) * 6 if is_digits(value) and len(value) <= 9 else None


class _Column:
    """One mapped column: where it is and how errors name it."""

    __slots__ = ("end", "index", "label", "name", "start")

    def __init__(self, name: str, path: str, spec: object, fixed: bool):
        self.name = name
        if fixed:
            if (
                not isinstance(spec, list | tuple)
                or len(spec) != 2
                or not all(isinstance(item, int) and not isinstance(item, bool) for item in spec)
            ):
                raise _config_error(
                    path, f"expected [first, last] character positions (from 1), got {spec!r}"
                )
            first, last = spec
            if first < 1:
                raise _config_error(path, f"{list(spec)} starts before position 1")
            if last < first:
                raise _config_error(path, f"{list(spec)} ends before it starts")
            self.start, self.end, self.index = first - 1, last, -1
            self.label = (
                f"{name} (column {first})" if first == last else f"{name} (columns {first}-{last})"
            )
        else:
            if not isinstance(spec, int) or isinstance(spec, bool) or spec < 1:
                raise _config_error(path, f"expected a column number from 1, got {spec!r}")
            self.start = self.end = 0
            self.index = spec - 1
            self.label = f"{name} (field {spec})"


def _column_map_option(options: Options) -> tuple[Mapping[str, object], bool]:
    """``column_map``, checked to be a map with a format: (the map, fixed-width)."""
    column_map = options.get("column_map")
    if not isinstance(column_map, dict):
        raise _config_error(
            "column_map",
            'required: {"format": "fixed" or "delimited", "fields": {"date": ..., '
            '"time": ..., "duration": ...}}, or a preset (' + ", ".join(PRESETS) + ")",
        )
    layout = column_map.get("format")
    if layout not in ("fixed", "delimited"):
        raise _config_error("column_map.format", f"{layout!r} is not 'fixed' or 'delimited'")
    return column_map, layout == "fixed"


def _mapped_columns(
    column_map: Mapping[str, object], fixed: bool
) -> tuple[dict[str, _Column], tuple[_Column, ...]]:
    """The call's columns (``fields``) by field name, and the columns kept in details."""
    fields = column_map.get("fields")
    if not isinstance(fields, dict) or not fields:
        raise _config_error("column_map.fields", "required: a map of field name to column")
    columns: dict[str, _Column] = {}
    for name, spec in fields.items():
        if name not in FIELDS:
            raise _config_error(
                f"column_map.fields.{name}",
                f"unknown field; fields are {', '.join(FIELDS)} (put other columns "
                "under column_map.details)",
            )
        columns[name] = _Column(name, f"column_map.fields.{name}", spec, fixed)
    if "duration" not in columns and "end_time" not in columns:
        raise _config_error("column_map.fields", "needs duration (or time and end_time)")
    if "duration" in columns and "end_time" in columns:
        raise _config_error(
            "column_map.fields", "maps duration and end_time: the duration is one or the other"
        )
    if "end_time" in columns and "time" not in columns:
        raise _config_error("column_map.fields", "needs time (the start) with end_time")
    if "date" not in columns and "time" not in columns:
        raise _config_error("column_map.fields", "needs time, date, or both")
    extra = column_map.get("details", {})
    if not isinstance(extra, dict):
        raise _config_error("column_map.details", "expected a map of name to column")
    detail_columns: list[_Column] = []
    for name, spec in extra.items():
        if not isinstance(name, str) or not _NAME_RE.fullmatch(name) or name in FIELDS:
            raise _config_error(
                f"column_map.details.{name}",
                "names are lower case letters, digits and _, starting with a letter, and "
                "not a field name",
            )
        detail_columns.append(_Column(name, f"column_map.details.{name}", spec, fixed))
    return columns, tuple(detail_columns)


def _delimiter_options(column_map: Mapping[str, object], fixed: bool) -> tuple[str, str | None]:
    """A delimited layout's ``delimiter`` and ``quote`` (``None``: split on every one)."""
    if fixed:
        for key in ("delimiter", "quote"):
            if key in column_map:
                raise _config_error(f"column_map.{key}", "applies to delimited records only")
        return ",", None
    delimiter = column_map.get("delimiter", ",")
    if not isinstance(delimiter, str) or not delimiter or delimiter in "\r\n":
        raise _config_error("column_map.delimiter", f"{delimiter!r} is not a delimiter such as ','")
    quote = column_map.get("quote")
    if quote is None:
        return delimiter, None
    if not isinstance(quote, str) or len(quote) != 1 or quote == delimiter:
        raise _config_error("column_map.quote", f"{quote!r} is not one character such as '\"'")
    if len(delimiter) != 1:
        raise _config_error("column_map.delimiter", "must be one character when a quote is set")
    return delimiter, quote


def _duration_options(options: Options) -> tuple[str, str]:
    """``duration_format`` and ``ring_format`` (the duration's unless set)."""
    duration_format = options.get("duration_format", "seconds")
    if not isinstance(duration_format, str) or duration_format not in DURATION_FORMATS:
        raise _config_error(
            "duration_format",
            f"{duration_format!r} is not one of {', '.join(DURATION_FORMATS)}",
        )
    ring_format = options.get("ring_format", duration_format)
    if not isinstance(ring_format, str) or ring_format not in DURATION_FORMATS:
        raise _config_error(
            "ring_format", f"{ring_format!r} is not one of {', '.join(DURATION_FORMATS)}"
        )
    return duration_format, ring_format


def _line_options(options: Options) -> tuple[tuple[str, ...], int]:
    """``skip_prefixes`` and ``min_length``."""
    prefixes = options.get("skip_prefixes", [])
    if not isinstance(prefixes, list | tuple) or not all(
        isinstance(prefix, str) and prefix for prefix in prefixes
    ):
        raise _config_error(
            "skip_prefixes", f"expected a list of non-empty strings, got {prefixes!r}"
        )
    min_length = options.get("min_length", 0)
    if not isinstance(min_length, int) or isinstance(min_length, bool) or min_length < 0:
        raise _config_error("min_length", f"{min_length!r} is not a number of characters")
    return tuple(prefixes), min_length


# Named column maps for the seed's layouts that have no family of their own (Capturador,
# docs/pbx/*.md): a source sets ``"preset": name`` and gets the options below (its own
# settings win, key by key) and, on a serial line, the layout's usual line as defaults.
PRESETS: Final[Mapping[str, Mapping[str, Mapping[str, object]]]] = {
    "finanzas-107": {
        "serial": {"baud": 2400, "bytesize": 8, "parity": "N", "stopbits": 1},
        "options": {
            "column_map": {
                "format": "fixed",
                "fields": {
                    "extension": [26, 37],
                    "number": [51, 73],
                    "date": [74, 79],
                    "time": [81, 84],
                    "duration": [86, 91],
                },
                "details": {"call_type": [44, 44]},
            },
            "select": {"field": "call_type", "values": ["N"]},
            "skip_prefixes": ["NON", "RECORDED", "CC"],
            "date_format": "%y%m%d",
            "time_format": "%H%M",
            "duration_format": "seconds",
            "direction": {"default": "outgoing", "internal_max_digits": 4},
        },
    },
    "ipam-81": {
        "serial": {"baud": 4800, "bytesize": 7, "parity": "E", "stopbits": 2},
        "options": {
            "column_map": {
                "format": "fixed",
                "fields": {
                    "extension": [2, 8],
                    "number": [25, 40],
                    "account_code": [42, 45],
                    "time": [47, 51],
                    "duration": [53, 60],
                },
                "details": {"marker": [1, 1]},
            },
            "select": {"field": "marker", "values": ["*"]},
            "date_lines": {"prefix": "DATE", "day": [8, 9], "month": [11, 13]},
            "skip_prefixes": ["END", "TOTAL", "BEGIN", "NUMBER", "SRCE", "ID", "_"],
            "time_format": "%H:%M",
            "duration_format": "hh:mm:ss",
            "duration_blanks_are_zeros": True,
            "direction": {"default": "outgoing"},
        },
    },
}
_JOIN_KEYS = ("field", "first", "second", "sequence", "fields", "modulo", "expected_for")


def preset_loaded(settings: Mapping[str, object]) -> dict[str, object]:
    """A source's ``settings`` with its ``preset``'s options filled in where it has none
    (the Source form and model load them, so the column map is there to edit)."""
    preset = settings.get("preset")
    if not isinstance(preset, str) or preset not in PRESETS:
        return dict(settings)
    return {**PRESETS[preset]["options"], **settings}


def generic_options(options: Options) -> Options:
    """``options`` over its ``preset``'s (none: as given); RecordError for an unknown one."""
    preset = options.get("preset")
    if preset is None:
        return options
    if not isinstance(preset, str) or preset not in PRESETS:
        raise _config_error("preset", f"{preset!r} is not one of {', '.join(PRESETS)}")
    own = {key: value for key, value in options.items() if key != "preset"}
    return {**PRESETS[preset]["options"], **own}


def generic_framer(settings: Options) -> AnyFramer:
    """The framer of a generic source: ``framing`` (lines, STX/ETX frames or NUL-ended
    records), wrapped in a :class:`~smdr.framing.SequenceJoinFramer` when ``join`` is set.

    Settings the parser refuses give the plain framer: the parser, built from the same
    settings, says what is wrong.
    """
    try:
        options = generic_options(settings)
    except RecordError:
        options = settings
    framing = options.get("framing", "lines")
    inner: LineFramer | STXFramer = (
        STXFramer() if framing == "stx-etx" else NulFramer() if framing == "nul" else LineFramer()
    )
    if options.get("join") is None:
        return inner
    try:
        parser = GenericParser(ParserSettings(ZoneInfo("UTC"), options))
    except RecordError:
        return inner
    assert parser.join is not None
    return SequenceJoinFramer(inner, parser.join_key, parser.join.modulo)


class _Join:
    """The ``join`` option: which column tells the two kinds apart, which holds the
    sequence, and the columns read from the second record."""

    __slots__ = ("columns", "expected_for", "first", "kind", "modulo", "second", "sequence")
    columns: tuple[_Column, ...]
    expected_for: frozenset[str]
    first: str
    kind: _Column
    modulo: int | None
    second: str
    sequence: _Column

    def __init__(
        self,
        rule: object,
        columns: Mapping[str, _Column],
        details: tuple[_Column, ...],
        fixed: bool,
    ):
        example = (
            '{"field": "kind", "first": "1", "second": "2", "sequence": "seq", '
            '"fields": {"number": [9, 28]}}'
        )
        if not isinstance(rule, dict):
            raise _config_error("join", f"expected {example}")
        for key in rule:
            if key not in _JOIN_KEYS:
                raise _config_error(f"join.{key}", f"unknown; use {', '.join(_JOIN_KEYS)}")
        for key in ("field", "first", "second", "sequence", "fields"):
            if key not in rule:
                raise _config_error(f"join.{key}", f"required: {example}")
        self.kind = _mapped(columns, details, "join.field", rule["field"])
        self.sequence = _mapped(columns, details, "join.sequence", rule["sequence"])
        first, second = rule["first"], rule["second"]
        for key, value in (("first", first), ("second", second)):
            if not isinstance(value, str) or not value.strip():
                raise _config_error(f"join.{key}", f"{value!r} is not a value of {self.kind.name}")
        self.first, self.second = first.strip(), second.strip()
        if self.first == self.second:
            raise _config_error("join.second", "is the same value as join.first")
        fields = rule["fields"]
        if not isinstance(fields, dict) or not fields:
            raise _config_error("join.fields", "expected a map of field name to column")
        taken: list[_Column] = []
        for name, spec in fields.items():
            path = f"join.fields.{name}"
            if name == "direction" or not isinstance(name, str) or not _NAME_RE.fullmatch(name):
                raise _config_error(
                    path, "not a field or detail name (the direction comes from the first record)"
                )
            column = _Column(name, path, spec, fixed)
            column.label = f"second record's {column.label}"
            taken.append(column)
        self.columns = tuple(taken)
        modulo = rule.get("modulo")
        if modulo is not None and (
            not isinstance(modulo, int) or isinstance(modulo, bool) or modulo < 2
        ):
            raise _config_error("join.modulo", f"{modulo!r} is not a number such as 100")
        self.modulo = modulo
        expected = rule.get("expected_for", list(DIRECTIONS))
        if (
            not isinstance(expected, list | tuple)
            or not expected
            or not all(direction in DIRECTIONS for direction in expected)
        ):
            raise _config_error(
                "join.expected_for", f"expected a list of {', '.join(DIRECTIONS)}, got {expected!r}"
            )
        self.expected_for = frozenset(expected)


def _mapped(
    columns: Mapping[str, _Column], details: tuple[_Column, ...], path: str, name: object
) -> _Column:
    """The column of ``column_map`` (fields or details) named ``name``."""
    column = columns.get(name) if isinstance(name, str) else None
    if column is None:
        column = next((column for column in details if column.name == name), None)
    if column is None:
        raise _config_error(path, f"{name!r} is not a column in column_map")
    return column


class GenericParser(Parser):
    """Parses records of any fixed-width or delimited layout given by ``column_map``."""

    family = "generic"
    label = "Generic (column map)"
    options = schema(
        Setting(
            "column_map",
            Kind.MAPPING,
            help=gettext_noop(
                '{"format": "fixed" or "delimited", "fields": {"date": ..., "time": ..., '
                '"duration": ...}} (README, generic parser).'
            ),
            required=True,
        ),
        Setting(
            "preset",
            Kind.CHOICE,
            help=gettext_noop(
                "A named column map of a known layout (docs/pbx): its settings, and on a "
                "serial line its usual speed and parity; the source's own settings win."
            ),
            choices=tuple(PRESETS),
        ),
        Setting(
            "framing",
            Kind.CHOICE,
            "lines",
            gettext_noop(
                "How records are cut from the stream: lines (CR/LF), stx-etx (each record "
                "between STX and ETX) or nul (each record ends with a NUL)."
            ),
            FRAMINGS,
        ),
        Setting(
            "join",
            Kind.MAPPING,
            help=gettext_noop(
                "Join a record to the next one of another kind with the next sequence "
                'number: {"field": "kind", "first": "1", "second": "2", "sequence": "seq", '
                '"fields": {"number": [9, 28]}} (fields read from the second record).'
            ),
        ),
        Setting(
            "direction_columns",
            Kind.MAPPING,
            help=gettext_noop(
                'Columns that move with the direction: {"incoming": {"number": [30, 45]}} '
                "replaces column_map's for the records whose direction column says incoming."
            ),
        ),
        Setting("date_format", Kind.TEXT, help=gettext_noop("e.g. DD/MM/YYYY.")),
        Setting("time_format", Kind.TEXT, help=gettext_noop("e.g. HH:MM:SS.")),
        Setting(
            "duration_format",
            Kind.CHOICE,
            "seconds",
            gettext_noop("How durations are written."),
            DURATION_FORMATS,
        ),
        Setting(
            "ring_format",
            Kind.CHOICE,
            help=gettext_noop("Default: the duration's."),
            choices=DURATION_FORMATS,
        ),
        Setting(
            "time_is",
            Kind.CHOICE,
            "start",
            gettext_noop("The time is the call's start or end."),
            ("start", "end"),
        ),
        Setting(
            "direction", Kind.MAPPING, help=gettext_noop("How the direction is read (README).")
        ),
        Setting(
            "skip_prefixes", Kind.LIST, [], gettext_noop("Lines starting with these are noise.")
        ),
        Setting(
            "min_length", Kind.INT, 0, gettext_noop("Shorter lines are noise."), low=0, high=65536
        ),
        Setting(
            "select",
            Kind.MAPPING,
            help=gettext_noop(
                'Keep only records whose column has one of these values: {"field": "kind", '
                '"values": ["N"]}; the others are noise.'
            ),
        ),
        Setting(
            "date_lines",
            Kind.MAPPING,
            help=gettext_noop(
                'Header lines that carry the date of the records after them: {"prefix": '
                '"DATE", "day": [8, 9], "month": [11, 13]} (month as a number or a name).'
            ),
        ),
        Setting(
            "duration_blanks_are_zeros",
            Kind.BOOL,
            False,
            gettext_noop("Blanks inside the duration are zeros (' 0: 1: 5')."),
        ),
    )

    @classmethod
    def serial_defaults_for(cls, options: Options) -> Mapping[str, object]:
        """The serial line of the source's ``preset``, if it names one."""
        preset = options.get("preset")
        if isinstance(preset, str) and preset in PRESETS:
            return PRESETS[preset]["serial"]
        return cls.serial_defaults

    def __init__(self, settings: ParserSettings):
        super().__init__(settings)
        options = generic_options(settings.options)
        framing = options.get("framing", "lines")
        if framing not in FRAMINGS:
            raise _config_error("framing", f"{framing!r} is not one of {', '.join(FRAMINGS)}")
        column_map, self._fixed = _column_map_option(options)
        self._columns, self._detail_columns = _mapped_columns(column_map, self._fixed)
        self._delimiter, self._quote = _delimiter_options(column_map, self._fixed)
        # Where each fixed-width column is, as slices (read for every record).
        self._field_slices = tuple(
            (name, slice(column.start, column.end)) for name, column in self._columns.items()
        )
        self._detail_slices = tuple(
            (column.name, slice(column.start, column.end)) for column in self._detail_columns
        )
        # The last column a delimited record needs.
        required = [
            self._columns[name]
            for name in ("date", "time", "duration", "end_time")
            if name in self._columns
        ]
        self._needed = max(required, key=lambda column: column.index)
        self._date_pattern, self._time_pattern = self._date_and_time_formats(options)
        self._has_date = self._date_pattern is not None
        self._has_year = self._date_pattern is not None and self._date_pattern.has_year
        self._duration_format, self._ring_format = _duration_options(options)
        self._durations: dict[str, int] = {}
        self._rings: dict[str, int] = {}
        time_is = options.get("time_is", "start")
        if time_is not in ("start", "end"):
            raise _config_error("time_is", f"{time_is!r} is not 'start' or 'end'")
        self._time_is_end = time_is == "end"
        self._end_time = self._columns.get("end_time")
        if self._end_time is not None and self._time_is_end:
            raise _config_error("time_is", "'end' with an end_time column: time is the start")
        self._configure_direction(options.get("direction"))
        self._overrides = self._direction_columns_option(options.get("direction_columns"))
        join = options.get("join")
        self.join = (
            None if join is None else _Join(join, self._columns, self._detail_columns, self._fixed)
        )
        self._skip, self._min_length = _line_options(options)
        self._select = self._select_option(options.get("select"))
        self._date_line = _date_lines_option(options.get("date_lines"))
        if self._date_line is not None and "date" in self._columns:
            raise _config_error("date_lines", "set, but column_map.fields also maps a date")
        self._carried: tuple[int, int] | None = None  # (month, day) of the last date line
        blanks = options.get("duration_blanks_are_zeros", False)
        if not isinstance(blanks, bool):
            raise _config_error("duration_blanks_are_zeros", f"{blanks!r} is not true or false")
        self._blanks_are_zeros = blanks
        self._receipt = Receipt(settings.time_zone, CLOCK_TOLERANCE)
        self._local_clock = self._receipt.clock

    def _date_and_time_formats(self, options: Options) -> tuple[_Pattern | None, _Format | None]:
        """The ``date_format`` of the date column and the ``time_format`` of the time
        column, checked against each other and the columns mapped."""
        date_pattern = None
        if "date" in self._columns:
            if "date_format" not in options:
                raise _config_error("date_format", "required with a date column (e.g. '%d/%m/%y')")
            date_pattern = _Pattern("date_format", options["date_format"])
            if not date_pattern.has_date:
                raise _config_error(
                    "date_format", f"{options['date_format']!r} has no month and day"
                )
        elif "date_format" in options:
            raise _config_error("date_format", "set, but column_map.fields has no date")
        if "time" not in self._columns:
            if "time_format" in options:
                raise _config_error("time_format", "set, but column_map.fields has no time")
            if date_pattern is None or not date_pattern.has_time:
                raise _config_error(
                    "column_map.fields",
                    "needs a time column, or a date_format with the time (%H:%M)",
                )
            return date_pattern, None
        if date_pattern is not None and date_pattern.has_time:
            raise _config_error(
                "date_format", "has a time of day, and column_map.fields also maps time"
            )
        time_format = options.get("time_format")
        time_pattern: _Format = (
            _DefaultTime() if time_format is None else _Pattern("time_format", time_format)
        )
        if time_pattern.has_date:
            raise _config_error("time_format", "has date parts; map a date column instead")
        if not time_pattern.has_time:
            raise _config_error("time_format", "needs an hour and minutes")
        return date_pattern, time_pattern

    def _configure_direction(self, rule: object) -> None:
        """Check the ``direction`` option and keep its parts."""
        if rule is None:
            rule = {}
        if not isinstance(rule, dict):
            raise _config_error(
                "direction", 'expected {"values": {...}, "default": ..., "internal_max_digits": N}'
            )
        for key in rule:
            if key not in ("field", "values", "default", "internal_max_digits"):
                raise _config_error(
                    f"direction.{key}",
                    "unknown; use field, values, default, internal_max_digits",
                )
        values = rule.get("values", {})
        if not isinstance(values, dict) or not all(
            isinstance(key, str) and value in DIRECTIONS for key, value in values.items()
        ):
            raise _config_error(
                "direction.values",
                f"expected a map of column value to {', '.join(DIRECTIONS)}, got {values!r}",
            )
        self._direction_values: dict[str, str] = {
            key.strip(): value for key, value in values.items()
        }
        default = rule.get("default")
        if default is not None and default not in DIRECTIONS:
            raise _config_error(
                "direction.default", f"{default!r} is not one of {', '.join(DIRECTIONS)}"
            )
        self._direction_column = self._direction_column_option(rule, values)
        # Without a default, a value of the column not listed is an error; with no
        # column either, every call is outgoing.
        self._direction_default: str = default or Direction.OUTGOING
        self._direction_required = self._direction_column is not None and default is None
        max_digits = rule.get("internal_max_digits")
        if max_digits is not None and (
            not isinstance(max_digits, int) or isinstance(max_digits, bool) or max_digits < 1
        ):
            raise _config_error(
                "direction.internal_max_digits", f"{max_digits!r} is not a number of digits"
            )
        self._internal_max_digits: int | None = max_digits

    def _direction_column_option(
        self, rule: Mapping[str, object], values: Mapping[str, str]
    ) -> _Column | None:
        """``direction.field``: the mapped column (in fields or details) read for the
        direction, or ``None`` when there is none to read."""
        field_name = rule.get("field", "direction")
        if not isinstance(field_name, str):
            raise _config_error("direction.field", f"{field_name!r} is not a column name")
        column = self._columns.get(field_name) or next(
            (column for column in self._detail_columns if column.name == field_name), None
        )
        if "field" in rule and column is None:
            raise _config_error("direction.field", f"{field_name!r} is not a column in column_map")
        if column is not None and not values:
            raise _config_error("direction.values", f"required to read the {field_name} column")
        if column is None and values:
            raise _config_error("direction.values", "set, but there is no direction column to read")
        return column

    def _direction_columns_option(self, rule: object) -> dict[str, tuple[_Column, ...]]:
        """``direction_columns``: by direction, the columns read instead of column_map's."""
        if rule is None:
            return {}
        if not isinstance(rule, dict) or not rule:
            raise _config_error(
                "direction_columns", 'expected {"incoming": {"number": [first, last]}, ...}'
            )
        direction_column = self._direction_column
        if direction_column is None:
            raise _config_error(
                "direction_columns",
                "set, but there is no direction column to read (direction.field, direction.values)",
            )
        overrides: dict[str, tuple[_Column, ...]] = {}
        for direction, columns in rule.items():
            path = f"direction_columns.{direction}"
            if direction not in DIRECTIONS:
                raise _config_error(path, f"unknown direction; use {', '.join(DIRECTIONS)}")
            if not isinstance(columns, dict) or not columns:
                raise _config_error(path, "expected a map of column name to column")
            read: list[_Column] = []
            for name, spec in columns.items():
                if name == direction_column.name:
                    raise _config_error(
                        f"{path}.{name}", "the direction column cannot move with the direction"
                    )
                _mapped(self._columns, self._detail_columns, f"{path}.{name}", name)
                read.append(_Column(name, f"{path}.{name}", spec, self._fixed))
            overrides[direction] = tuple(read)
        return overrides

    def _select_option(self, rule: object) -> tuple[_Column, frozenset[str]] | None:
        """``select``: the mapped column read and the values kept, or ``None``."""
        if rule is None:
            return None
        if not isinstance(rule, dict) or set(rule) != {"field", "values"}:
            raise _config_error("select", 'expected {"field": column name, "values": [...]}')
        name, kept = rule["field"], rule["values"]
        column = self._columns.get(name) or next(
            (column for column in self._detail_columns if column.name == name), None
        )
        if column is None:
            raise _config_error("select.field", f"{name!r} is not a column in column_map")
        if (
            not isinstance(kept, list | tuple)
            or not kept
            or not all(isinstance(value, str) for value in kept)
        ):
            raise _config_error("select.values", f"expected a list of values, got {kept!r}")
        return column, frozenset(value.strip() for value in kept)

    def parse(self, text: str, received_at: dt.datetime | None = None) -> ParsedCall | None:
        """Parse one record; ``None`` for blank, separator, skipped and unselected lines
        and for date lines (their date is kept for the records after them)."""
        if self._date_line is not None and self._read_date_line(text):
            return None
        join, second = self.join, None
        if join is not None and "\r\n" in text:
            text, _, second = text.partition("\r\n")
        line = self._line(text)
        if line is None:
            return None
        values, details = self._fixed_values(line) if self._fixed else self._split(line)
        if self._select is not None:
            column, kept = self._select
            value = values[column.name] if column.name in values else details.get(column.name, "")
            if value not in kept:
                return None
        direction = (
            self._direction_default
            if self._direction_column is None
            else self._column_direction(values, details)
        )
        alone = False
        if join is not None or self._overrides:
            if direction in self._overrides:
                self._read_columns(line, self._overrides[direction], values, details)
            alone = join is not None and self._joined(values, details, second)
        if "meter_pulses" in details:
            pulses = str(details["meter_pulses"])
            if not is_digits(pulses) or len(pulses) > 9:
                column = next(c for c in self._detail_columns if c.name == "meter_pulses")
                raise field_error(column.label, pulses, "is not a number of pulses")
            details["meter_pulses"] = int(pulses)
        moment = self._moment(values, received_at)
        duration_seconds, ring_seconds = self._durations_of(values)
        if self._time_is_end:
            try:
                moment -= ONE_SECOND * duration_seconds
            except OverflowError:
                raise field_error(
                    self._columns["duration"].label, values["duration"], "is out of range"
                ) from None

        number = values.get("number", "")
        max_digits = self._internal_max_digits
        if max_digits is not None and number and len(number) <= max_digits and is_digits(number):
            direction = Direction.INTERNAL
        if alone and direction in join.expected_for:  # type: ignore[union-attr]
            details["join_missing"] = True
        return ParsedCall(
            start=moment,
            duration_seconds=duration_seconds,
            ring_seconds=ring_seconds,
            direction=direction,
            extension=values.get("extension", ""),
            trunk=values.get("trunk", ""),
            number=number,
            account_code=values.get("account_code", ""),
            pbx_call_id=values.get("call_id", ""),
            answered=duration_seconds > 0,
            details=details,
        )

    def _read_date_line(self, text: str) -> bool:
        """True for a date line (``DATE 08 OCT``): its month and day are carried."""
        prefix, day_slice, month_slice = self._date_line  # type: ignore[misc]
        line = text.lstrip(_LEADING_JUNK)
        if not line.startswith(prefix):
            return False
        day_text, month_text = line[day_slice].strip(), line[month_slice].strip()
        month = int(month_text) if is_digits(month_text) else _MONTHS.get(month_text.lower())
        if (
            not is_digits(day_text)
            or month is None
            or not is_valid_date(2000, month, int(day_text))
        ):
            raise field_error(
                f"date line ({prefix!r})", line.rstrip(_TRAILING_JUNK), "has no valid day and month"
            )
        self._carried = month, int(day_text)
        return True

    def _line(self, text: str) -> str | None:
        """The record without junk around it; ``None`` for a blank, separator or skipped
        line. A line shorter than ``min_length`` is an error."""
        line = text.rstrip(_TRAILING_JUNK)
        if line[:1] < " " or line[:1] == "\ufeff":
            line = line.lstrip(_LEADING_JUNK)
            if not line:
                return None
        if "\x0c" in line:
            line = line.replace("\x0c", "")
        first = line.lstrip(" \t")[:1]
        if not first or (first in "-=" and not line.strip(" \t-=")):
            return None
        if self._skip and (line.startswith(self._skip) or line.lstrip().startswith(self._skip)):
            return None
        if len(line) < self._min_length:
            raise RecordError(
                f"record is {len(line)} characters, shorter than min_length {self._min_length}"
            )
        return line

    def _fixed_values(self, line: str) -> tuple[dict[str, str], Details]:
        """The mapped values and details of a fixed-width record."""
        values = {name: line[where].strip() for name, where in self._field_slices}
        details: Details = {}
        for name, where in self._detail_slices:
            value = line[where].strip()
            if value:
                details[name] = value
        return values, details

    def _split(self, line: str) -> tuple[dict[str, str], Details]:
        """The mapped values and details of a delimited record."""
        parts = self._parts(line)
        count = len(parts)
        needed = self._needed
        if count <= needed.index:
            raise RecordError(
                f"record has {count} fields separated by {self._delimiter!r}; column_map needs "
                f"at least {needed.index + 1} ({needed.label.split(' (')[0]} is field "
                f"{needed.index + 1})"
            )
        values = {}
        for name, column in self._columns.items():
            values[name] = _clean(parts[column.index]) if column.index < count else ""
        details: Details = {}
        for column in self._detail_columns:
            if column.index < count:
                value = _clean(parts[column.index])
                if value:
                    details[column.name] = value
        return values, details

    def _parts(self, line: str) -> list[str]:
        """The fields of a delimited record, unstripped."""
        quote = self._quote
        if quote is not None and quote in line:
            try:
                return next(
                    csv.reader([line], delimiter=self._delimiter, quotechar=quote, strict=True)
                )
            except csv.Error as error:
                raise RecordError(f"record is not valid delimited text: {error}") from None
        return line.split(self._delimiter)

    def _seconds_between(self, values: dict[str, str]) -> int:
        """The duration from ``time`` to ``end_time``; an end before the start is on the
        next day."""
        pattern, end_column = self._time_pattern, self._end_time
        assert pattern is not None and end_column is not None
        start = pattern.parse(values["time"])
        if start is None:
            raise field_error(
                self._columns["time"].label, values["time"], f"does not match {pattern.text!r}"
            )
        text = values["end_time"]
        end = pattern.parse(text) if text else None
        if end is None:
            problem = f"does not match {pattern.text!r}" if text else "is blank"
            raise field_error(end_column.label, text, f"{problem}: no duration without it")
        seconds = (end[3] or 0) * 3600 + (end[4] or 0) * 60 + (end[5] or 0)
        seconds -= (start[3] or 0) * 3600 + (start[4] or 0) * 60 + (start[5] or 0)
        return seconds % 86400

    def _durations_of(self, values: dict[str, str]) -> tuple[int, int]:
        """(duration, ring) in seconds, remembered by their text."""
        if self._end_time is not None:
            between = self._seconds_between(values)
            value = values.get("ring", "")
            if not value:
                return between, 0
            return between, self._seconds(value, self._columns["ring"], self._ring_format)
        value = values["duration"]
        if self._blanks_are_zeros and " " in value:
            value = value.replace(" ", "0")
        duration_seconds = self._durations.get(value)
        if duration_seconds is None:
            duration_seconds = self._seconds(
                value, self._columns["duration"], self._duration_format
            )
            if len(self._durations) < _CACHE_LIMIT:
                self._durations[value] = duration_seconds
        value = values.get("ring", "")
        if not value:
            return duration_seconds, 0
        ring_seconds = self._rings.get(value)
        if ring_seconds is None:
            ring_seconds = self._seconds(value, self._columns["ring"], self._ring_format)
            if len(self._rings) < _CACHE_LIMIT:
                self._rings[value] = ring_seconds
        return duration_seconds, ring_seconds

    @staticmethod
    def _seconds(value: str, column: _Column, fmt: str) -> int:
        if not value:
            return 0
        seconds = _duration(value, fmt)
        if seconds is None:
            raise field_error(column.label, value, f"is not {fmt}")
        return seconds

    def _column_direction(self, values: dict[str, str], details: Details) -> str:
        """The direction the direction column (or the default) says, before
        ``internal_max_digits`` looks at the number."""
        column = self._direction_column
        direction = self._direction_default
        if column is not None:
            value = values[column.name] if column.name in values else details.get(column.name, "")
            found = self._direction_values.get(str(value))
            if found is not None:
                direction = found
            elif self._direction_required:
                listed = ", ".join(repr(key) for key in self._direction_values)
                raise field_error(
                    column.label,
                    str(value),
                    f"is not one of {listed} (direction.default accepts any other)",
                )
        return direction

    def _read_columns(
        self, line: str, columns: tuple[_Column, ...], values: dict[str, str], details: Details
    ) -> None:
        """Read ``columns`` of ``line`` into ``values`` (call fields) or ``details``."""
        parts = None if self._fixed else self._parts(line)
        for column in columns:
            if parts is None:
                value = line[column.start : column.end].strip()
            else:
                value = _clean(parts[column.index]) if column.index < len(parts) else ""
            if column.name in FIELDS:
                values[column.name] = value
            elif value:
                details[column.name] = value
            else:
                details.pop(column.name, None)

    def _joined(self, values: dict[str, str], details: Details, second: str | None) -> bool:
        """Take the join's fields from the ``second`` record; True for a first record
        whose second never came. A lone second record is an error."""
        join = self.join
        assert join is not None
        kind = join.kind
        value: str = values[kind.name] if kind.name in values else str(details.get(kind.name, ""))
        if second is not None:
            line = self._line(second)
            if line is not None:
                self._read_columns(line, join.columns, values, details)
                return False
        if value == join.second:
            sequence = join.sequence
            number = (
                values[sequence.name]
                if sequence.name in values
                else str(details.get(sequence.name, ""))
            )
            raise field_error(
                kind.label,
                value,
                f"is a second record (join) with no {join.first!r} record before it with "
                f"the sequence before {number!r} ({sequence.label})",
            )
        return value == join.first

    def join_key(self, record: bytes) -> JoinKey:
        """The join's kind (``"first"``, ``"second"`` or ``None``) and sequence number of
        a framed record, as :class:`~smdr.framing.SequenceJoinFramer` asks."""
        join = self.join
        if join is None:
            return None, None
        try:
            line = self._line(record.decode("utf-8", errors="replace"))
            if line is None:
                return None, None
            values: dict[str, str] = {}
            details: Details = {}
            self._read_columns(line, (join.kind, join.sequence), values, details)
        except RecordError:
            return None, None
        kind = values.get(join.kind.name, details.get(join.kind.name, ""))
        sequence = str(values.get(join.sequence.name, details.get(join.sequence.name, "")))
        role = "first" if kind == join.first else "second" if kind == join.second else None
        return role, int(sequence) if is_digits(sequence) and len(sequence) <= 9 else None

    def _moment(self, values: dict[str, str], received_at: dt.datetime | None) -> dt.datetime:
        """The record's local date and time, completed from receipt, as aware UTC."""
        date_parts = time_parts = None
        if self._date_pattern is not None:
            value = values["date"]
            date_parts = self._date_pattern.parse(value)
            if date_parts is None:
                raise field_error(
                    self._columns["date"].label,
                    value,
                    f"does not match {self._date_pattern.text!r}",
                )
        if self._time_pattern is not None:
            value = values["time"]
            time_parts = self._time_pattern.parse(value)
            if time_parts is None:
                raise field_error(
                    self._columns["time"].label,
                    value,
                    f"does not match {self._time_pattern.text!r}",
                )
        year, month, day, hour, minute, second = date_parts or (None,) * 6
        if time_parts is not None:
            hour, minute, second = time_parts[3:]
        # Every format has an hour and minutes (checked when the parser is made); the
        # seconds are 0 when not printed.
        assert hour is not None and minute is not None and second is not None
        if (month is None or day is None) and self._carried is not None:
            month, day = self._carried
        if month is None or day is None:
            return self._receipt.latest_time(received_at, hour, minute, second)
        if year is None:
            return self._dated_from_receipt(received_at, month, day, hour, minute, second)
        try:
            return self._local_clock.utc(year, month, day, hour, minute, second)
        except ValueError:
            raise self._date_error(year, month, day, "is not a valid date") from None
        except OverflowError:
            raise self._date_error(year, month, day, "is out of range") from None

    def _dated_from_receipt(
        self,
        received_at: dt.datetime | None,
        month: int,
        day: int,
        hour: int,
        minute: int,
        second: int,
    ) -> dt.datetime:
        """A date without a year: the latest year that puts it at or before receipt."""
        moment = None
        if is_valid_date(2000, month, day):  # 2000 is a leap year: 02/29 is a date
            moment = self._receipt.latest_date_time(received_at, month, day, hour, minute, second)
        if moment is None:
            column = self._columns.get("date") or self._columns["time"]
            raise RecordError(
                f"{column.label}: {month:02d}/{day:02d} is not a date in the 8 years before receipt"
            )
        return moment

    def _date_error(self, year: int, month: int, day: int, problem: str) -> RecordError:
        """The error for a date read whole that does not exist or cannot be stored; the
        date is shown as read, in ISO order, whatever the date_format."""
        column = self._columns.get("date") or self._columns["time"]
        return RecordError(f"{column.label}: {year:04d}-{month:02d}-{day:02d} {problem}")


def _date_lines_option(rule: object) -> tuple[str, slice, slice] | None:
    """``date_lines``: (prefix, day columns, month columns), or ``None``."""
    if rule is None:
        return None
    if not isinstance(rule, dict) or set(rule) != {"prefix", "day", "month"}:
        raise _config_error(
            "date_lines",
            'expected {"prefix": "DATE", "day": [first, last], "month": [first, last]}',
        )
    prefix = rule["prefix"]
    if not isinstance(prefix, str) or not prefix:
        raise _config_error("date_lines.prefix", f"{prefix!r} is not the start of a date line")
    day = _Column("day", "date_lines.day", rule["day"], True)
    month = _Column("month", "date_lines.month", rule["month"], True)
    return prefix, slice(day.start, day.end), slice(month.start, month.end)


def _clean(value: str) -> str:
    """A delimited value without blanks, or quotes when no quote character is set."""
    value = value.strip()
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        value = value[1:-1].strip()
    return value
