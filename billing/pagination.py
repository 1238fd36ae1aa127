"""Pages of calls, newest first, cut by keyset: after or before one call's (start, id).

Shared by the calls API (``CallCursorPagination``) and the call search page. A page
costs one indexed query however deep it is and however many calls share a start:
DRF's ``CursorPagination`` keyed on ``start`` alone and broke ties by an offset it
caps at 1,000, so with more than 1,000 calls of one start its ``next`` never ended.

A position is opaque to clients: URL-safe base64 of ``"<start, ISO 8601 UTC>|<id>"``,
with ``"|r"`` appended on the API's links to newer calls (``previous``). A position
that does not decode, or names a time or id the database cannot hold, is
``InvalidCursor`` (400).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from rest_framework.pagination import CursorPagination
from rest_framework.utils.urls import remove_query_param, replace_query_param

from core.errors import DomainError

MAX_ID = 2**63 - 1  # the largest id a database integer column holds
REVERSE_FLAG = "r"


class InvalidCursor(DomainError):
    """A page position that this server did not write (damaged or crafted)."""

    def __init__(self, message: str | None = None):
        super().__init__(
            message or _("Invalid cursor: follow the next and previous links as given.")
        )


@dataclass(frozen=True)
class Position:
    """Where a page is cut: a call's start and id. ``reverse``: the page wanted is the
    calls newer than this one (a link back), not the older ones."""

    start: dt.datetime
    id: int
    reverse: bool = False

    def encode(self) -> str:
        text = f"{self.start.astimezone(dt.UTC).isoformat()}|{self.id}"
        if self.reverse:
            text += f"|{REVERSE_FLAG}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str) -> Position:
        """The position ``value`` encodes; ``InvalidCursor`` when it is not one."""
        try:
            text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
            start, pk, *flag = text.split("|")
            moment, number = dt.datetime.fromisoformat(start), int(pk)
            if moment.tzinfo is None or flag not in ([], [REVERSE_FLAG]):
                raise ValueError
            if not 0 < number <= MAX_ID:
                raise ValueError
            moment.astimezone(dt.UTC)  # 0001-01-01T00:00+05:00 is before year 1 in UTC
        except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError):
            raise InvalidCursor from None
        return cls(start=moment, id=number, reverse=bool(flag))


@dataclass(frozen=True)
class KeysetPage:
    """Up to a page of calls, newest first, and whether there are more either side."""

    calls: list
    has_older: bool
    has_newer: bool


def calls_keyset_page(calls: QuerySet, *, size: int, at: Position | None = None) -> KeysetPage:
    """The ``size`` newest of ``calls`` older than ``at`` (all of them without ``at``),
    or, when ``at.reverse``, the ``size`` oldest of those newer than ``at``; both in
    newest-first order. One query of ``size + 1`` rows: the extra row says whether
    there is a further page."""
    cut = None if at is None else (at.start, at.id, at.reverse)
    return _keyset(calls, "start", descending=True, size=size, cut=cut)


def _keyset(calls: QuerySet, field: str, *, descending: bool, size: int, cut) -> KeysetPage:
    """A page of ``calls`` ordered by (``field``, id), descending or not: the ``size``
    after ``cut`` (``(value, id, reverse)``; ``reverse``: the ``size`` before it), in
    that order. ``has_older``: there are calls after the page; ``has_newer``: before."""
    forward = ("-" if descending else "") + field, ("-" if descending else "") + "id"
    backward = tuple(name[1:] if name.startswith("-") else "-" + name for name in forward)
    if cut is None:
        chunk = list(calls.order_by(*forward)[: size + 1])
        return KeysetPage(calls=chunk[:size], has_older=len(chunk) > size, has_newer=False)
    value, pk, reverse = cut
    # Past the cut in the direction read: the value narrows the index range, the id
    # then drops only the ties already shown.
    later = descending != reverse
    past = "lt" if later else "gt"
    narrowed = calls.filter(
        Q(**{f"{field}__{past}e": value})
        & (Q(**{f"{field}__{past}": value}) | Q(**{f"pk__{past}": pk}))
    )
    if reverse:
        chunk = list(narrowed.order_by(*backward)[: size + 1])
        return KeysetPage(
            calls=list(reversed(chunk[:size])), has_older=True, has_newer=len(chunk) > size
        )
    chunk = list(narrowed.order_by(*forward)[: size + 1])
    return KeysetPage(calls=chunk[:size], has_older=len(chunk) > size, has_newer=True)


# The call search's orders (``?sort=``): the column read and whether largest first.
# Ordering by cost leaves out the calls without a price (their cost is empty).
CALL_SORTS = {
    "-start": ("start", True),
    "start": ("start", False),
    "-duration": ("duration_seconds", True),
    "duration": ("duration_seconds", False),
    "-cost": ("cost", True),
    "cost": ("cost", False),
}
DEFAULT_SORT = "-start"


@dataclass(frozen=True)
class SortedPosition:
    """A cut of a sorted page: the sort, the value of its column and the call's id."""

    sort: str
    value: object
    id: int
    reverse: bool = False

    def encode(self) -> str:
        value = self.value.isoformat() if isinstance(self.value, dt.datetime) else self.value
        text = f"{self.sort}|{value}|{self.id}"
        if self.reverse:
            text += f"|{REVERSE_FLAG}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str) -> SortedPosition:
        try:
            text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
            sort, raw, pk, *flag = text.split("|")
            field, _descending = CALL_SORTS[sort]
            number = int(pk)
            if flag not in ([], [REVERSE_FLAG]) or not 0 < number <= MAX_ID:
                raise ValueError
            parsed: object
            if field == "start":
                parsed = dt.datetime.fromisoformat(raw)
                if parsed.tzinfo is None:
                    raise ValueError
                parsed.astimezone(dt.UTC)
            elif field == "cost":
                parsed = Decimal(raw)
                if not parsed.is_finite():
                    raise ValueError
            else:
                parsed = int(raw)
                if not 0 <= parsed <= MAX_ID:
                    raise ValueError
        except (
            ValueError,
            KeyError,
            OverflowError,
            ArithmeticError,
            binascii.Error,
            UnicodeDecodeError,
        ):
            raise InvalidCursor from None
        return cls(sort=sort, value=parsed, id=number, reverse=bool(flag))


def calls_sorted_page(
    calls: QuerySet, *, sort: str, size: int, at: SortedPosition | None = None
) -> KeysetPage:
    """A page of ``calls`` in the order ``sort`` names (``CALL_SORTS``), cut by keyset
    as ``calls_keyset_page``; a position of another sort is ``InvalidCursor``."""
    field, descending = CALL_SORTS[sort]
    if field == "cost":
        calls = calls.filter(cost__isnull=False)
    if at is not None and at.sort != sort:
        raise InvalidCursor
    cut = None if at is None else (at.value, at.id, at.reverse)
    return _keyset(calls, field, descending=descending, size=size, cut=cut)


def sorted_position(call, sort: str, *, reverse: bool = False) -> SortedPosition:
    field, _descending = CALL_SORTS[sort]
    return SortedPosition(sort=sort, value=getattr(call, field), id=call.pk, reverse=reverse)


class CallCursorPagination(CursorPagination):
    """The calls API's pages: ``?cursor=`` from the ``next`` and ``previous`` links,
    ``?page_size=`` up to 1,000. Same answer shape and schema as DRF's cursor
    pagination; the position is the (start, id) keyset above."""

    ordering = ("-start", "-id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.base_url = request.build_absolute_uri()
        self.page_size = self.get_page_size(request)
        value = request.query_params.get(self.cursor_query_param)
        self.cursor_given = bool(value)
        at = Position.decode(value) if value else None
        self.keyset = calls_keyset_page(queryset, size=self.page_size, at=at)
        return self.keyset.calls

    def get_next_link(self):
        if not (self.keyset.has_older and self.keyset.calls):
            return None
        last = self.keyset.calls[-1]
        return self._link(Position(start=last.start, id=last.pk))

    def get_previous_link(self):
        if not self.keyset.calls:
            if not self.cursor_given:
                return None
            # Nothing beyond the cursor any more (calls were deleted): the first page.
            return remove_query_param(self.base_url, self.cursor_query_param)
        if not self.keyset.has_newer:
            return None
        first = self.keyset.calls[0]
        return self._link(Position(start=first.start, id=first.pk, reverse=True))

    def _link(self, position: Position) -> str:
        return replace_query_param(self.base_url, self.cursor_query_param, position.encode())
