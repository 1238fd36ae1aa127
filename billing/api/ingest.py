"""Validation of ingest batches (the ``POST /api/v1/ingest/`` contract).

Hand-written rather than a serializer: this runs for every record an agent sends
(5,000 per batch), and a serializer costs about a millisecond per record.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass

import orjson
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from capture.services import IncomingRecord, text_or_bytes

MAX_SEQ = 2**63 - 1
MAX_LISTED_ERRORS = 100
# A sender's clock may run a little fast; one running days ahead would date its calls
# in the future. Old moments are fine: a spool may upload months late.
MAX_AHEAD = dt.timedelta(days=1)


@dataclass(frozen=True)
class IngestBatch:
    source: str
    records: list[IncomingRecord]


class BatchTooLarge(Exception):
    pass


class BatchRejected(Exception):
    """The batch is malformed; ``errors`` has a message per bad record."""

    def __init__(self, detail: str, errors: list[dict] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


def ingest_batch_parse(
    body: bytes, *, max_records: int, now: dt.datetime | None = None
) -> IngestBatch:
    """Parse and validate an ingest body; raise :class:`BatchRejected` or :class:`BatchTooLarge`.

    ``now`` is the server's clock, against which a ``received_at`` may be at most
    :data:`MAX_AHEAD` ahead.
    """
    latest = (now or timezone.now()) + MAX_AHEAD
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise BatchRejected(
            _("The body is not valid JSON: %(error)s.") % {"error": error}
        ) from None
    if not isinstance(payload, dict):
        raise BatchRejected(_('The body must be a JSON object: {"source": ..., "records": [...]}.'))
    source = payload.get("source")
    if not isinstance(source, str) or not source:
        raise BatchRejected(
            _('"source" is required: the slug of the source these records are from.')
        )
    records = payload.get("records")
    if not isinstance(records, list):
        raise BatchRejected(_('"records" is required: a list of {"seq", "received_at", "line"}.'))
    if len(records) > max_records:
        raise BatchTooLarge(
            _("%(count)d records in one batch; send at most %(max)d per request.")
            % {"count": len(records), "max": max_records}
        )

    parsed: list[IncomingRecord] = []
    errors: list[dict] = []
    seen_seqs: set[int] = set()
    moments: dict[str, dt.datetime] = {}  # agents send many records per second
    for index, record in enumerate(records):
        try:
            incoming = _record(record, moments, latest)
            if incoming.seq in seen_seqs:
                raise _FieldError(
                    "seq",
                    _("seq %(seq)s appears more than once in the batch") % {"seq": incoming.seq},
                )
            seen_seqs.add(incoming.seq)
            parsed.append(incoming)
        except _FieldError as error:
            seq = record.get("seq") if isinstance(record, dict) else None
            errors.append({"index": index, "seq": seq, "field": error.field, "message": str(error)})
    if errors:
        raise BatchRejected(
            ngettext(
                "%(errors)d of %(count)d records are malformed; nothing was stored. "
                "Fix them and send the whole batch again.",
                "%(errors)d of %(count)d records are malformed; nothing was stored. "
                "Fix them and send the whole batch again.",
                len(errors),
            )
            % {"errors": len(errors), "count": len(records)},
            errors[:MAX_LISTED_ERRORS],
        )
    return IngestBatch(source=source, records=parsed)


class _FieldError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _record(record, moments: dict[str, dt.datetime], latest: dt.datetime) -> IncomingRecord:
    if not isinstance(record, dict):
        raise _FieldError("record", _("each record must be an object with seq, received_at, line"))
    seq = record.get("seq")
    if type(seq) is not int or not 1 <= seq <= MAX_SEQ:
        raise _FieldError("seq", _("seq must be a positive integer, got %(seq)r") % {"seq": seq})
    value = record.get("received_at")
    received_at = moments.get(value) if isinstance(value, str) else None
    if received_at is None:
        received_at = moments[value] = _received_at(value, latest)
    line, data = record.get("line"), record.get("data")
    if (line is None) == (data is None):
        raise _FieldError("line", _('give exactly one of "line" (text) or "data" (base64)'))
    if line is not None:
        if not isinstance(line, str):
            raise _FieldError(
                "line", _("line must be a string, got %(type)s") % {"type": type(line).__name__}
            )
        if "\x00" in line:  # a text column cannot hold NUL: keep the bytes instead
            return IncomingRecord(seq=seq, received_at=received_at, data=line.encode())
        return IncomingRecord(seq=seq, received_at=received_at, line=line)
    if not isinstance(data, str):
        raise _FieldError("data", _("data must be a base64 string"))
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise _FieldError("data", _("data is not valid base64")) from None
    text, raw = text_or_bytes(raw)
    return IncomingRecord(seq=seq, received_at=received_at, line=text, data=raw)


def _received_at(value, latest: dt.datetime) -> dt.datetime:
    if not isinstance(value, str):
        raise _FieldError("received_at", _("received_at must be an ISO 8601 string"))
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise _FieldError(
            "received_at",
            _("received_at %(value)r is not ISO 8601 (e.g. 2026-11-02T13:05:09Z)")
            % {"value": value},
        ) from None
    if moment.tzinfo is None:
        raise _FieldError(
            "received_at",
            _("received_at %(value)r has no time zone; add Z or an offset") % {"value": value},
        )
    try:
        moment = moment.astimezone(dt.UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+05:00 is before year 1 in UTC
        raise _FieldError(
            "received_at",
            _("received_at %(value)r is outside the years 1 to 9999 in UTC") % {"value": value},
        ) from None
    if moment > latest:
        raise _FieldError(
            "received_at",
            _(
                "received_at %(value)r is more than a day ahead of the server's clock "
                "(%(now)s); check the sender's clock"
            )
            % {"value": value, "now": (latest - MAX_AHEAD).isoformat(timespec="seconds")},
        )
    return moment
