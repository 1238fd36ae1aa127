"""Capture services: storing raw records, then parsing them into calls.

Storing comes first and stands alone: once :func:`raw_records_store` returns, the
records are committed and the sender may forget them. Parsing happens afterwards
(:func:`raw_records_process`, normally through a Celery task) and never loses a
record: each ends ``parsed``, ``ignored`` as noise, or ``error`` with a message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.services import calls_delete_for_raw_records, calls_record
from core.bulk import insert_new_returning_ids, is_postgresql
from core.errors import DomainError
from smdr.parsers import ParsedCall, ParserSettings, RecordError, parser_for
from smdr.parsers.limits import call_check

from .models import RawRecord, Source, Transport

logger = logging.getLogger(__name__)

PROCESS_BATCH_SIZE = 5000  # records parsed and written per transaction
PROCESS_LOCK_CLASS = 7301  # advisory lock namespace of raw-record processing

RAW_RECORD_COLUMNS = (
    "source_id",
    "seq",
    "received_at",
    "line",
    "data",
    "fingerprint",
    "state",
    "error",
    "created_at",
)


@dataclass(frozen=True, slots=True)
class IncomingRecord:
    """A record as received: text in ``line``, or bytes in ``data`` when not text.

    ``seq`` is the sender's number for it (``None``: the centre assigns one);
    ``fingerprint`` identifies a line of an imported file across re-imports.
    """

    received_at: dt.datetime
    line: str | None = None
    data: bytes | None = None
    seq: int | None = None
    fingerprint: str | None = None


@dataclass(frozen=True, slots=True)
class StoreResult:
    stored: int
    duplicates: int
    last_seq: int | None
    first_id: int | None = None
    last_id: int | None = None


@dataclass(slots=True)
class ProcessResult:
    parsed: int = 0
    ignored: int = 0
    errors: int = 0

    def __iadd__(self, other: ProcessResult) -> ProcessResult:
        self.parsed += other.parsed
        self.ignored += other.ignored
        self.errors += other.errors
        return self


def text_or_bytes(raw: bytes) -> tuple[str | None, bytes | None]:
    """Split a record into (text, None), or (None, bytes) when it cannot be stored as text."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, raw
    if "\x00" in text:  # a text column cannot hold NUL; keep the exact bytes
        return None, raw
    return text, None


def line_fingerprints(
    lines: Iterable[str | bytes], *, scope: str = "", seen: Counter[bytes] | None = None
) -> list[str]:
    """Fingerprints for the lines of one file: the same line's n-th occurrence gets the
    same fingerprint in every import, so re-importing a file (or a longer copy of it)
    stores nothing twice, while two identical lines in one file stay two records.

    ``seen`` carries the occurrence counts across calls, for a file read in pieces.
    """
    seen = Counter() if seen is None else seen
    fingerprints = []
    for line in lines:
        raw = line.encode() if isinstance(line, str) else line
        occurrence = seen[raw]
        seen[raw] += 1
        digest = hashlib.blake2b(raw, digest_size=16, person=b"tarificador")
        digest.update(f"\x00{occurrence}\x00{scope}".encode())
        fingerprints.append(digest.hexdigest())
    return fingerprints


def raw_records_store(
    *, source: Source, records: Sequence[IncomingRecord], process: bool = True
) -> StoreResult:
    """Commit ``records`` for ``source``; skip any already stored (same seq or fingerprint).

    Records without a ``seq`` are numbered from the source's counter. Parsing is
    queued once the transaction commits, unless ``process`` is false.
    """
    if not records:
        return StoreResult(stored=0, duplicates=0, last_seq=None)
    now = timezone.now()
    received = len(records)
    with transaction.atomic():
        records = _drop_known_fingerprints(source, records)
        unnumbered = sum(1 for record in records if record.seq is None)
        next_seq = _allocate_seqs(source, unnumbered) if unnumbered else 0
        rows = []
        for record in records:
            seq = record.seq
            if seq is None:
                seq, next_seq = next_seq, next_seq + 1
            line = record.line if record.data is None else ""
            rows.append(
                (
                    source.id,
                    seq,
                    record.received_at,
                    line,
                    record.data,
                    record.fingerprint,
                    RawRecord.State.PENDING,
                    "",
                    now,
                )
            )
        ids = insert_new_returning_ids(RawRecord._meta.db_table, RAW_RECORD_COLUMNS, rows)
        last_seq = max(row[1] for row in rows) if rows else None
        Source.objects.filter(pk=source.pk).update(
            last_seen_at=now,
            last_seq=Greatest(F("last_seq"), last_seq or 0),
        )
        result = StoreResult(
            stored=len(ids),
            duplicates=received - len(ids),
            last_seq=last_seq,
            first_id=min(ids) if ids else None,
            last_id=max(ids) if ids else None,
        )
        if process:
            _queue_processing(source, result)
    return result


def _queue_processing(source: Source, result: StoreResult) -> None:
    """Queue the parsing of what was just stored, once the transaction commits.

    A batch of nothing but duplicates is a sender repeating what went unanswered, as
    after a crash between the commit and the parse: the source's pending records
    are queued then, so they need not wait for the sweep.
    """
    from .tasks import raw_records_process_task

    if result.stored:
        raw_records_process_task.delay_on_commit(source.id, result.first_id, result.last_id)
    elif _pending(source_id=source.id).exists():
        raw_records_process_task.delay_on_commit(source.id, None, None)


def _drop_known_fingerprints(
    source: Source, records: Sequence[IncomingRecord]
) -> Sequence[IncomingRecord]:
    """Leave out fingerprinted records already stored, so they use up no seq."""
    fingerprints = [record.fingerprint for record in records if record.fingerprint]
    if not fingerprints:
        return records
    known = set(
        RawRecord.objects.filter(source=source, fingerprint__in=fingerprints).values_list(
            "fingerprint", flat=True
        )
    )
    if not known:
        return records
    return [record for record in records if record.fingerprint not in known]


def _allocate_seqs(source: Source, count: int) -> int:
    """Reserve ``count`` sequence numbers of ``source``; return the first."""
    if source.transport == Transport.AGENT:
        raise DomainError(
            f"Source {source.slug!r} is fed by a remote agent, which numbers its own records; "
            "import files into a source of transport 'file' on the same site instead."
        )
    Source.objects.filter(pk=source.pk).update(last_seq=F("last_seq") + count)
    return Source.objects.values_list("last_seq", flat=True).get(pk=source.pk) - count + 1


def parser_settings(source: Source) -> ParserSettings:
    """The parser settings of ``source``: its own settings over its site's time zone."""
    options = dict(source.settings or {})
    time_zone = options.pop("time_zone", None) or source.site.time_zone
    try:
        zone = ZoneInfo(time_zone)
    except (TypeError, ValueError, ZoneInfoNotFoundError):  # settings that skipped clean()
        raise RecordError(f"time_zone: {time_zone!r} is not an IANA time zone") from None
    return ParserSettings(time_zone=zone, options=options)


def raw_records_process(
    *, source_id: int, first_id: int | None = None, last_id: int | None = None
) -> ProcessResult:
    """Parse the pending raw records of a source (optionally an id range) into calls.

    Idempotent and safe to run twice at once: the records are locked, and only
    pending ones are taken, so no record becomes two calls.
    """
    source = Source.objects.select_related("site").get(pk=source_id)
    pending = RawRecord.objects.filter(source_id=source_id, state=RawRecord.State.PENDING)
    if first_id is not None:
        pending = pending.filter(id__gte=first_id)
    if last_id is not None:
        pending = pending.filter(id__lte=last_id)
    total = ProcessResult()
    while True:
        with transaction.atomic():
            lock_source_for_processing(source_id)
            records = list(
                pending.order_by("id").values_list("id", "line", "data", "received_at")[
                    :PROCESS_BATCH_SIZE
                ]
            )
            if records:
                total += _parse_and_record(source, records)
        if len(records) < PROCESS_BATCH_SIZE:
            return total


def lock_source_for_processing(source_id: int) -> None:
    """Let one transaction at a time turn a source's records into calls.

    A transaction-scoped advisory lock on PostgreSQL is far cheaper than locking
    thousands of rows, and it also keeps segment numbering (legs) in order. SQLite
    needs nothing: its write transactions already run one at a time.

    The commit need not wait for the disk either: what it writes is derived from raw
    records that are already durable. Should the server crash before the WAL is
    flushed, the whole transaction is gone, its records are pending again, and the
    sweep parses them once more.
    """
    if is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [PROCESS_LOCK_CLASS, source_id])
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _parse_and_record(
    source: Source, records: list[tuple[int, str, bytes | None, dt.datetime]]
) -> ProcessResult:
    result = ProcessResult()
    # A record parsed again replaces its call, whatever it ends as: the old call
    # leaves (table and rollups) in this transaction.
    calls_delete_for_raw_records(raw_record_ids=[record[0] for record in records])
    try:
        parser = parser_for(source.family, parser_settings(source))
    except Exception as error:  # the source's settings are wrong: every record says so
        if not isinstance(error, RecordError):
            logger.exception("parser %s refused the settings of %s", source.family, source.slug)
        message = f"source settings: {error}"
        RawRecord.objects.filter(id__in=[record[0] for record in records]).update(
            state=RawRecord.State.ERROR, error=message
        )
        result.errors = len(records)
        return result
    calls: list[tuple[int, ParsedCall]] = []
    ignored: list[int] = []
    errors: list[RawRecord] = []
    for record_id, line, data, received_at in records:
        text = line if data is None else bytes(data).decode("utf-8", errors="replace")
        try:
            parsed = parser.parse(text, received_at)
            if parsed is not None:
                call_check(parsed, received_at=received_at, record=text)
        except RecordError as error:
            errors.append(RawRecord(id=record_id, state=RawRecord.State.ERROR, error=str(error)))
            continue
        except Exception as error:  # a parser bug must not lose the batch
            logger.exception("parser %s failed on raw record %s", source.family, record_id)
            message = f"internal parser error ({type(error).__name__}: {error}); please report"
            errors.append(RawRecord(id=record_id, state=RawRecord.State.ERROR, error=message))
            continue
        if parsed is None:
            ignored.append(record_id)
        else:
            calls.append((record_id, parsed))
    recorded, refused = _calls_record(source, calls)
    errors += refused
    result.parsed = len(recorded)
    _set_state(recorded, RawRecord.State.PARSED)
    _set_state(ignored, RawRecord.State.IGNORED)
    if errors:
        RawRecord.objects.bulk_update(errors, ["state", "error"], batch_size=500)
    result.ignored, result.errors = len(ignored), len(errors)
    return result


def _calls_record(
    source: Source, calls: list[tuple[int, ParsedCall]]
) -> tuple[list[int], list[RawRecord]]:
    """Store ``calls``; return the ids of the records stored and the errors of those refused.

    :func:`call_check` keeps out what it knows the database would refuse. Should the
    database still refuse the batch for what a call holds (a value out of range, a
    duplicate), it is stored again call by call, each in a savepoint, so only the
    call at fault is left out, named in its record's error. Other failures (a lost
    connection, a lock timeout) fail the batch, which stays pending for the task's
    retry or the sweep.
    """
    if not calls:
        return [], []
    try:
        with transaction.atomic(), connection.wrap_database_errors:
            # wrap_database_errors: COPY raises the driver's own errors, not Django's.
            calls_record(site=source.site, source_id=source.id, entries=calls)
        return [record_id for record_id, _ in calls], []
    except (DataError, IntegrityError) as error:
        logger.warning("%s: the database refused a batch of calls (%s)", source.slug, error)
    recorded: list[int] = []
    refused: list[RawRecord] = []
    for record_id, parsed in calls:
        try:
            with transaction.atomic(), connection.wrap_database_errors:
                calls_record(site=source.site, source_id=source.id, entries=[(record_id, parsed)])
        except (DataError, IntegrityError) as error:
            detail = (str(error).strip().splitlines() or [type(error).__name__])[0]
            message = _("the database refused the call: %(detail)s") % {"detail": detail}
            refused.append(RawRecord(id=record_id, state=RawRecord.State.ERROR, error=message))
        else:
            recorded.append(record_id)
    return recorded, refused


def _set_state(record_ids: list[int], state: str) -> None:
    if record_ids:
        RawRecord.objects.filter(id__in=record_ids).update(state=state, error="")


def raw_records_reprocess(*, records: Iterable[RawRecord] | None = None, queryset=None) -> int:
    """Parse records again (after a parser fix or a settings change); return how many.

    Their calls stay until the parse replaces them: the old calls leave (table and
    rollups) in the transaction that stores the new ones, so report totals never
    dip in between. The work is queued per source once the reset commits; without a
    broker the serving process's sweeper takes it, so a request never waits for the
    parse of thousands of records.
    """
    queryset = (
        queryset
        if queryset is not None
        else RawRecord.objects.filter(id__in=[record.id for record in records or []])
    )
    from .sweeper import sweeper_wake_on_commit
    from .tasks import raw_records_process_task

    with transaction.atomic():
        ids_by_source: dict[int, list[int]] = {}
        for record_id, source_id in queryset.values_list("id", "source_id"):
            ids_by_source.setdefault(source_id, []).append(record_id)
        record_ids = [record_id for ids in ids_by_source.values() for record_id in ids]
        RawRecord.objects.filter(id__in=record_ids).update(state=RawRecord.State.PENDING, error="")
        if ids_by_source and not sweeper_wake_on_commit():
            for source_id, ids in ids_by_source.items():
                raw_records_process_task.delay_on_commit(source_id, min(ids), max(ids))
    return len(record_ids)


def _pending(**filters):
    """Pending raw records. The exclude repeats the condition of the partial index of
    unfinished records, which SQLite uses only when the query spells it out."""
    return RawRecord.objects.filter(state=RawRecord.State.PENDING, **filters).exclude(
        state=RawRecord.State.PARSED
    )


# The sweep runs this often (the Celery beat entry, and the in-process sweeper of the
# embedded set-up) and takes records pending at least this long. Records a task is
# parsing at that moment are safe to sweep: both take the source's lock and only
# pending records, so the second finds nothing left. After a crash the in-process
# sweeper parses every pending record as its process starts; beat's sweep reaches a
# record at most SWEEP_INTERVAL after it is SWEEP_OLDER_THAN old: within 30 s.
SWEEP_INTERVAL = dt.timedelta(seconds=15)
SWEEP_OLDER_THAN = dt.timedelta(seconds=15)


def raw_records_sweep(*, older_than: dt.timedelta = SWEEP_OLDER_THAN) -> ProcessResult:
    """Parse records left pending too long (a worker died, a broker message was lost).

    Each source is swept on its own: one that fails is logged and the others are
    still parsed.
    """
    cutoff = timezone.now() - older_than
    # One row per source (a DISTINCT over records got one per record: Meta.ordering
    # adds seq), each answered from the index of unfinished records.
    stale = _pending(source_id=OuterRef("pk"), created_at__lt=cutoff)
    stale_sources = Source.objects.filter(Exists(stale)).order_by("pk").values_list("pk", flat=True)
    total = ProcessResult()
    for source_id in list(stale_sources):
        try:
            total += raw_records_process(source_id=source_id)
        except Exception:  # one source's fault must not keep the others pending
            logger.exception("sweep: parsing the pending records of source %s failed", source_id)
    return total


def source_rotate_key(*, source: Source) -> str:
    """Give ``source`` a new key and return it; only its hash is stored."""
    key = source.rotate_key()
    source.save(update_fields=["key_hash", "key_created_at"])
    return key
