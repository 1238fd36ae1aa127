"""CSV exports whose header names the columns, and the JSON objects of the same records.

Grandstream UCM and Yeastar write their CDR as CSV with a header row (a web download,
a CDR API answer) or as JSON objects (the same APIs, a pushed event), under names
that differ between firmware versions and between the web page and the API. A family
gives an alias table (every name it knows, written any way, to one canonical name)
and the canonical names it reads; :class:`NamedColumns` turns a line or an object into
those fields, in that order:

* A header row is noise, and from then on it decides the columns (a file import is
  parsed in order, one parser for the batch). A record parsed again alone is read by
  the ``columns`` option, so set it to the export's header when it is not the default.
* A line's count of fields must be the columns', else the error says both counts and
  names the first columns; a family may name one column that can hold unquoted commas
  (Grandstream's ``lastdata``, ``SIP/5301,60,``): the extra fields go back into it.
* A JSON object is read by its keys, through the same aliases, so no option applies.

Pure Python, no Django, like every parser.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import operator
import re
from collections.abc import Callable, Mapping, Sequence

from .base import Options, RecordError, field_error, is_digits
from .clock import TIMES_OF_DAY, LocalClock, remember, time_of_day

_LEADING_JUNK = "".join(chr(code) for code in range(33)) + "\x7f\ufeff"
_NOT_NAME_RE = re.compile(r"[^0-9a-z]+")
_DATE_RE = re.compile(r"[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}")
_CACHE_LIMIT = 100_000


def normal_name(name: str) -> str:
    """A column name compared without case, blanks or punctuation: ``Call From``,
    ``call_from`` and ``callfrom`` are all ``callfrom``."""
    return _NOT_NAME_RE.sub("", name.strip().strip('"').lower())


def alias_table(aliases: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """``{canonical: (other names...)}`` as ``{normal name: canonical}``."""
    table: dict[str, str] = {}
    for canonical, others in aliases.items():
        for name in (canonical, *others):
            table[normal_name(name)] = canonical
    return table


def split_line(text: str) -> list[str] | None:
    """A CSV line's fields (the csv module only when it holds quotes); ``None`` for a
    blank line. A byte-order mark and control bytes before the record go."""
    line = text.rstrip("\r\n\x00")
    if line[:1] in _LEADING_JUNK:  # "" too: blank, byte-order mark, control bytes
        line = line.lstrip(_LEADING_JUNK)
        if not line.strip():
            return None
    if '"' not in line:
        return line.split(",")
    if line.count('"') == 2 and '" <' in line:
        # A display name quoted before its number ("pn01" <5300>), as the UCM writes
        # clid without quoting the field: the commas all separate fields.
        return line.split(",")
    try:
        return next(csv.reader((line,)), None) or []
    except csv.Error as error:
        raise RecordError(f"record is not valid CSV: {error}") from None


class NamedColumns:
    """One source's columns: which field of a line (or key of an object) is which.

    ``aliases`` is the family's :func:`alias_table`; ``read`` the canonical names the
    parser unpacks, in order (an absent column reads ""); ``default`` the columns when
    the ``columns`` option is not set; ``required`` the names a layout must have;
    ``spill`` the column that may hold unquoted commas (given back to it: as many as put
    the first ``required`` column, a date after it, on a date); ``raw_only`` the columns
    neither read nor kept in details (they stay in the raw record).
    """

    def __init__(
        self,
        *,
        options: Options,
        aliases: dict[str, str],
        read: tuple[str, ...],
        default: tuple[str, ...],
        required: tuple[str, ...],
        spill: str = "",
        raw_only: frozenset[str] = frozenset(),
    ):
        self._aliases = aliases
        self._raw_only = raw_only
        self._read = read
        self._required = required
        self._spill = spill
        value = options.get("columns", list(default))
        if (
            not isinstance(value, list | tuple)
            or not value
            or not all(isinstance(item, str) and item.strip() for item in value)
        ):
            raise RecordError(f"option columns: {value!r} is not a list of CDR column names")
        self.use(tuple(value), "option columns")

    def use(self, names: Sequence[str], where: str) -> None:
        """Read lines by these column names (from the option, or a header row)."""
        canonical = tuple(self._aliases.get(normal_name(name), name.strip()) for name in names)
        missing = [name for name in self._required if name not in canonical]
        if missing:
            raise RecordError(
                f"{where}: the columns lack {', '.join(missing)}, which the parser needs"
            )
        self.names = canonical
        self.count = len(canonical)
        position: dict[str, int] = {}
        for index, name in enumerate(canonical):
            position.setdefault(name, index)
        self.position = position
        # An absent column reads the "" appended to every row (index -1).
        indexes = tuple(position.get(name, -1) for name in self._read)
        self._getter: Callable[[list[str]], tuple[str, ...]] = (
            operator.itemgetter(*indexes)
            if len(indexes) > 1
            else lambda fields: (fields[indexes[0]],)
        )
        self.extras = tuple(
            (index, name)
            for name, index in position.items()
            if name not in self._read and name not in self._raw_only
        )
        # Error messages' names of the columns: "field 11 (start)" (absent: the name).
        self.labels = KeyLabels(
            {name: f"field {index + 1} ({name})" for name, index in position.items()}
        )
        self._spill_at = position.get(self._spill, -1) if self._spill else -1

    def fields(self, text: str) -> list[str] | None:
        """The line's fields, then "" for the columns it lacks; ``None`` for a blank line
        or a header row (which decides the columns from then on)."""
        fields = split_line(text)
        if fields is None:
            return None
        count = len(fields)
        if self._is_header(fields):
            self.use(fields, "header row")
            return None
        spilt = 0
        if count > self.count and self._spill_at >= 0:
            spilt = self._spilt(fields, count - self.count)
            end = self._spill_at + spilt + 1
            fields[self._spill_at : end] = [",".join(fields[self._spill_at : end])]
        if len(fields) != self.count:
            if len(fields) == self.count + 1 and not fields[-1]:
                fields.pop()  # a trailing comma after the last field
            else:
                inside = f" ({spilt} of them commas in {self._spill})" if spilt else ""
                raise RecordError(
                    f"record has {count} comma-separated fields{inside}, the columns have"
                    f" {self.count} ({', '.join(self.names[:4])}, ...); set the source's"
                    " columns option to the export's header row"
                )
        fields.append("")
        return fields

    def _spilt(self, fields: list[str], extra: int) -> int:
        """How many of the ``extra`` fields are the spill column's commas: the fewest
        that put the date column (``required[0]``, after the spill) on a date (more
        dates may follow it); all of them when none does (the date's error names it)."""
        date_at = self.position.get(self._required[0], -1)
        if date_at <= self._spill_at:
            return extra
        for spilt in range(extra + 1):
            if _DATE_RE.match(fields[date_at + spilt].strip()):
                return spilt
        return extra

    def values(self, fields: list[str]) -> tuple[str, ...]:
        """The read columns of a line's :meth:`fields`, in ``read`` order."""
        return self._getter(fields)

    def extra_values(self, fields: list[str]) -> dict[str, str]:
        """The columns the parser does not read, by name, when not empty."""
        return {name: fields[index] for index, name in self.extras if fields[index]}

    def _is_header(self, fields: list[str]) -> bool:
        """A header row: its first fields are column names the family knows, and none
        of it reads as a date (a record's start)."""
        if fields[0][:1].isdigit():
            return False  # a record's id or date: the common case, decided at once
        known = sum(normal_name(field) in self._aliases for field in fields[:6])
        return known >= 3 and not any(_DATE_RE.match(field.strip()) for field in fields)

    def object_values(self, record: Mapping[str, object]) -> tuple[tuple[str, ...], dict[str, str]]:
        """A JSON object's read columns (in ``read`` order) and its other keys, by name."""
        named: dict[str, str] = {}
        extras: dict[str, str] = {}
        read = self._read
        for key, value in record.items():
            if not isinstance(value, str | int | float) or isinstance(value, bool):
                continue  # a nested object or list: left in the raw record
            text = str(value)
            canonical = self._aliases.get(normal_name(key), key)
            if canonical in read:
                named.setdefault(canonical, text)
            elif text and canonical not in self._raw_only:
                extras.setdefault(canonical, text)
        return tuple(named.get(name, "") for name in read), extras


class KeyLabels(dict[str, str]):
    """Column names as error messages give them; a name not in it is given as it is
    (a JSON object's key, a column the source lacks)."""

    def __missing__(self, key: str) -> str:
        return key


KEY_LABELS = KeyLabels()  # a JSON object's fields are named by their keys


def json_object(text: str, nested: tuple[str, ...] = ()) -> Mapping[str, object]:
    """One record sent as a JSON object (the first of ``nested`` keys it holds, when
    the API wraps the call in one, e.g. Grandstream's ``main_cdr``)."""
    try:
        record = json.loads(text)
    except ValueError as error:
        raise RecordError(f"record is not valid JSON: {error}") from None
    if not isinstance(record, dict):
        raise RecordError("record is JSON but not an object of one call's fields")
    lists = [key for key, value in record.items() if isinstance(value, list)]
    if lists and len(record) == 1:
        raise RecordError(
            f"record is a whole API answer ({lists[0]!r}: a list of calls); store each"
            " call's object as a record of its own"
        )
    for key in nested:
        inner = record.get(key)
        if isinstance(inner, dict):
            return inner
    return record


# Counts of seconds as the exports write them -> seconds (they repeat a lot).
_seconds: dict[str, int] = {}
_CLOCK_RE = re.compile(r"(?:([0-9]{1,5}):)?([0-5]?[0-9]):([0-5][0-9])", re.ASCII)


def seconds(value: str, field: str) -> int:
    """Seconds written as a count (``37``) or a clock (``0:00:37``, ``00:37``); empty is 0."""
    known = _seconds.get(value)
    if known is not None:
        return known
    text = value.strip()
    if not text:
        total = 0
    elif is_digits(text):
        total = int(text)
    else:
        match = _CLOCK_RE.fullmatch(text)
        if match is None:
            raise field_error(field, value, "is not a count of seconds or H:MM:SS")
        hours, minutes, secs = match.groups()
        total = int(hours or 0) * 3600 + int(minutes) * 60 + int(secs)
    return remember(_seconds, value, total, _CACHE_LIMIT)


_YMD_RE = re.compile(r"[0-9]{4}([-/])[0-9]{2}\1[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}", re.ASCII)
_STAMP_RE = re.compile(
    r"([0-9]{1,4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,4})[ T]"
    r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?(?: ?([AaPp][Mm]))?",
    re.ASCII,
)


class LocalStamps:
    """Local date and time texts (``2013-12-03 11:46:40``, ``2024/07/16 10:33:02``,
    ``07/16/2024 10:33:02 AM``) as aware UTC datetimes, remembered by text.

    A date that starts with the year is read year, month, day; one that ends with it
    is read month first or, with ``day_first``, day first. A 12-hour time carries AM or
    PM. Times that repeat (a whole file of the same days) cost one dict lookup.
    """

    def __init__(self, clock: LocalClock, day_first: bool = False):
        self._clock = clock
        self._day_first = day_first
        self._known: dict[str, dt.datetime] = {}

    def utc(self, value: str, field: str) -> dt.datetime:
        # The common shape, "YYYY-MM-DD HH:MM:SS": its day and its time, both remembered.
        clock = self._clock
        cached_day = clock.days.get(value[:10])
        if cached_day is not None and value[10:11] == " ":
            since_midnight = TIMES_OF_DAY.get(value[11:])
            if since_midnight is not None:
                return clock.on(cached_day, since_midnight)
        known = self._known.get(value)
        if known is not None:
            return known
        if len(value) == 19 and value[4] in "-/" and value[10] == " " and _YMD_RE.fullmatch(value):
            try:
                cached_day = cached_day or clock.day(
                    value[:10], int(value[:4]), int(value[5:7]), int(value[8:10])
                )
                return clock.on(cached_day, time_of_day(value[11:]))
            except ValueError:
                raise field_error(field, value, "is not a valid date and time") from None
            except OverflowError:
                raise field_error(field, value, "is out of range") from None
        match = _STAMP_RE.fullmatch(value.strip())
        if match is None:
            raise field_error(field, value, "is not a date and time (YYYY-MM-DD HH:MM:SS)")
        first, second, third, hour, minute, secs, half = match.groups()
        if len(first) == 4:
            year, month, day = int(first), int(second), int(third)
        elif len(third) == 4:
            year = int(third)
            month, day = (int(second), int(first)) if self._day_first else (int(first), int(second))
        else:
            raise field_error(field, value, "has no four-digit year")
        hours = int(hour)
        if half:
            if not 1 <= hours <= 12:
                raise field_error(field, value, "has an hour that is not 1 to 12 before AM/PM")
            hours = hours % 12 + (12 if half.lower() == "pm" else 0)
        try:
            moment = self._clock.utc(year, month, day, hours, int(minute), int(secs or 0))
        except ValueError:
            raise field_error(field, value, "is not a valid date and time") from None
        except OverflowError:
            raise field_error(field, value, "is out of range") from None
        return remember(self._known, value, moment, _CACHE_LIMIT)


def party(value: str) -> tuple[str, str]:
    """(number, name) of a party written ``"Name" <1000>``, ``Name<1000>`` or ``1000``."""
    if "<" not in value:
        return value, ""
    name, _, number = value.partition("<")
    return number.rstrip().removesuffix(">").strip(), name.strip().strip('"').strip()
