"""What a parsed call may hold: the database's limits and plain sanity.

A parser reads fields one by one and may accept a value that is well formed but
impossible: an Avaya IP Office or generic ``hh:mm:ss`` Connected Time of
``999999:59:59`` is 3,599,999,999 seconds, more than a 4-byte integer column holds,
and storing it made the database refuse the whole batch. :func:`call_check` looks at
every value of a :class:`ParsedCall` once, after any parser, so such a record ends
``error`` with a message naming the field, and its batch-mates are stored.

Pure Python like the parsers; the lengths mirror ``billing.Call`` and the models it
refers to (a test keeps them equal).
"""

from __future__ import annotations

import datetime as dt
from typing import NoReturn

from .base import DIRECTIONS, ParsedCall, RecordError

MAX_DURATION = dt.timedelta(days=7)  # longer is a PBX's counter gone wrong, not a call
MAX_RING = dt.timedelta(hours=1)
MAX_AHEAD_OF_RECEIPT = dt.timedelta(days=1)  # a PBX clock somewhat ahead is tolerated
EARLIEST_START = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
MAX_INTEGER = 2**31 - 1  # PositiveIntegerField: a 4-byte integer on PostgreSQL

# Text fields stored as given. The call's number, account code and PBX call id are
# cut to their columns by billing.services.calls_record (the raw record keeps the
# whole), so they are not refused here; extension and trunk name other rows, and
# cutting them would charge one extension's calls to another.
MAX_LENGTHS = {"extension": 32, "trunk": 64}
_DIRECTIONS = frozenset(DIRECTIONS)
TEXT_FIELDS = ("extension", "trunk", "number", "account_code", "pbx_call_id")


def extension_fitting(extension: str) -> str:
    """``extension``, or blank when it is longer than its column: the CSV families
    (Asterisk, FreeSWITCH, 3CX, Cisco) put a SIP URI or a channel name there for a call
    that no extension made, and no extension is better than another one's number cut."""
    return extension if len(extension) <= MAX_LENGTHS["extension"] else ""


def trunk_fitting(trunk: str) -> str:
    """``trunk`` cut to its column: a long channel or gateway name still tells which
    trunk by its start."""
    return trunk[: MAX_LENGTHS["trunk"]]


def call_check(
    call: ParsedCall, *, received_at: dt.datetime | None = None, record: str | None = None
) -> None:
    """Raise :class:`RecordError` naming the first field of ``call`` that cannot be stored.

    ``received_at`` (aware) is when the record reached us; a start more than a day
    after it is refused. ``record`` is the text the call was read from: when it holds
    no NUL, no value read from it can, and the search for one is skipped (it is most
    of the cost of the check on families with many details).
    """
    duration, ring = call.duration_seconds, call.ring_seconds
    # type() is int: not a bool, nor a float from a parser's arithmetic.
    if not (type(duration) is int and 0 <= duration <= _MAX_DURATION_SECONDS):
        _seconds_refused("duration_seconds", duration, MAX_DURATION)
    if not (type(ring) is int and 0 <= ring <= _MAX_RING_SECONDS):
        _seconds_refused("ring_seconds", ring, MAX_RING)
    _start_check(call.start, received_at)
    if call.direction not in _DIRECTIONS:
        raise RecordError(f"direction: {call.direction!r} is not one of {sorted(_DIRECTIONS)}")
    for name in TEXT_FIELDS:
        value = getattr(call, name)
        if type(value) is not str:
            raise RecordError(f"{name}: {value!r} is not text")
    for name, limit in MAX_LENGTHS.items():
        value = getattr(call, name)
        if len(value) > limit:
            raise RecordError(f"{name}: {_quoted(value)} is longer than {limit} characters")
    if record is not None and "\x00" not in record:
        return
    for name in TEXT_FIELDS:  # PostgreSQL text cannot hold NUL
        value = getattr(call, name)
        if "\x00" in value:
            raise RecordError(f"{name}: {value!r} holds a NUL character")
    if _holds_nul(call.details):  # nor can JSON stored in PostgreSQL (jsonb)
        raise RecordError("details: a value holds a NUL character")


_MAX_DURATION_SECONDS = int(MAX_DURATION.total_seconds())
_MAX_RING_SECONDS = int(MAX_RING.total_seconds())


def _seconds_refused(name: str, value: object, limit: dt.timedelta) -> NoReturn:
    if type(value) is not int:
        raise RecordError(f"{name}: {value!r} is not a whole number of seconds")
    if value < 0:
        raise RecordError(f"{name}: {value} is negative")
    # The sanity limits are far below MAX_INTEGER, so what passes them also fits.
    raise RecordError(f"{name}: {value} is more than {_span(limit)}")


def _start_check(start: object, received_at: dt.datetime | None) -> None:
    if type(start) is not dt.datetime or start.utcoffset() is None:
        raise RecordError(f"start: {start!r} is not an aware date and time")
    if start < EARLIEST_START:
        raise RecordError(f"start: {start.isoformat()} is before {EARLIEST_START.year}")
    if received_at is not None and start > received_at + MAX_AHEAD_OF_RECEIPT:
        raise RecordError(
            f"start: {start.isoformat()} is more than {_span(MAX_AHEAD_OF_RECEIPT)} after "
            f"the record was received ({received_at.isoformat()})"
        )


def _span(limit: dt.timedelta) -> str:
    if limit.days:
        return f"{limit.days} day{'s' if limit.days > 1 else ''}"
    hours = int(limit.total_seconds() // 3600)
    return f"{hours} hour{'s' if hours > 1 else ''}"


def _quoted(value: str) -> str:
    return repr(value if len(value) <= 60 else value[:57] + "...")


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_nul(item) for item in value)
    return False
