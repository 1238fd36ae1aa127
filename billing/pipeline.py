"""The pipeline from raw records to priced calls: parse, price, record.

Capture stores records and stands alone (:func:`capture.services.raw_records_store`:
once it returns, the records are committed and the sender may forget them). Here
they are parsed afterwards (:func:`raw_records_process`, normally through a Celery
task) without ever losing one: each ends ``parsed``, ``ignored`` as noise, or
``error`` with a message. :func:`raw_records_ingest` stores a batch and queues its
parse once committed, for the feeds that want calls at once (the ingest API, live
capture).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from capture.models import RawRecord, Source
from capture.parsing import parser_settings_for
from capture.selectors import pending_raw_records
from capture.services import IncomingRecord, StoreResult, raw_records_store
from core.bulk import is_postgresql
from core.hooks import observers_notify
from smdr.parsers import ParsedCall, ParserSettings, RecordError, parser_for
from smdr.parsers.limits import call_check

from .services import (
    calls_delete_for_raw_records,
    calls_record,
    personal_marks_read,
    personal_marks_restore,
)

logger = logging.getLogger(__name__)

PROCESS_BATCH_SIZE = 5000  # records parsed and written per transaction
PROCESS_LOCK_CLASS = 7301  # advisory lock namespace of raw-record processing


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


def raw_records_ingest(*, source: Source, records: Sequence[IncomingRecord]) -> StoreResult:
    """Commit ``records`` for ``source`` (as :func:`capture.services.raw_records_store`
    does) and queue their parse once that commits (the caller's transaction, if any)."""
    result = raw_records_store(source=source, records=records)
    if records:
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
    elif pending_raw_records(source_id=source.id).exists():
        raw_records_process_task.delay_on_commit(source.id, None, None)


def parser_settings(source: Source) -> ParserSettings:
    """The parser settings of ``source``: its own settings over its site's time zone,
    and the numbers of its site's confirmed extensions (:func:`parser_settings_for`,
    which the preview uses too)."""
    return parser_settings_for(site=source.site, settings=source.settings)


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
    source: Source, records: list[tuple[int, str, bytes | memoryview | None, dt.datetime]]
) -> ProcessResult:
    result = ProcessResult()
    # A record parsed again replaces its call, whatever it ends as: the old call
    # leaves (table and rollups) in this transaction.
    # Its personal mark is kept by raw record id and put back on the new call.
    marks = personal_marks_read(raw_record_ids=[record[0] for record in records])
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
    rows: list[tuple] = []  # the calls as written, for the observers
    recorded, refused = _calls_record(source, calls, rows)
    personal_marks_restore(marks)
    errors += refused
    result.parsed = len(recorded)
    _set_state(recorded, RawRecord.State.PARSED)
    _observers_notify(source, rows)
    _set_state(ignored, RawRecord.State.IGNORED)
    if errors:
        RawRecord.objects.bulk_update(errors, ["state", "error"], batch_size=500)
    result.ignored, result.errors = len(ignored), len(errors)
    return result


def _calls_record(
    source: Source, calls: list[tuple[int, ParsedCall]], rows: list[tuple]
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
            calls_record(site=source.site, source_id=source.id, entries=calls, recorded=rows)
        return [record_id for record_id, _ in calls], []
    except (DataError, IntegrityError) as error:
        logger.warning("%s: the database refused a batch of calls (%s)", source.slug, error)
    recorded: list[int] = []
    refused: list[RawRecord] = []
    for record_id, parsed in calls:
        try:
            with transaction.atomic(), connection.wrap_database_errors:
                calls_record(
                    site=source.site,
                    source_id=source.id,
                    entries=[(record_id, parsed)],
                    recorded=rows,
                )
        except (DataError, IntegrityError) as error:
            detail = (str(error).strip().splitlines() or [type(error).__name__])[0]
            message = _("the database refused the call: %(detail)s") % {"detail": detail}
            refused.append(RawRecord(id=record_id, state=RawRecord.State.ERROR, error=message))
        else:
            recorded.append(record_id)
    return recorded, refused


def _observers_notify(source: Source, rows: list[tuple]) -> None:
    """Hand the calls just recorded (rows in ``RECORDED_COLUMNS`` order, as written) to
    the observers named in ``TARIFICADOR_CALL_OBSERVERS`` (the alerts), in this
    transaction, each in a savepoint: billing imports no app above it, and an
    observer's failure is logged, never failing or rolling back the batch."""
    if rows:
        observers_notify(
            "TARIFICADOR_CALL_OBSERVERS",
            "call",
            f"a batch of {source.slug}",
            source=source,
            calls=rows,
        )


def _set_state(record_ids: list[int], state: str) -> None:
    if record_ids:
        RawRecord.objects.filter(id__in=record_ids).update(state=state, error="")


def raw_records_reprocess(
    *, records: Iterable[RawRecord] | None = None, queryset: QuerySet[RawRecord] | None = None
) -> int:
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
    stale = pending_raw_records(source_id=OuterRef("pk"), created_at__lt=cutoff)
    stale_sources = Source.objects.filter(Exists(stale)).order_by("pk").values_list("pk", flat=True)
    total = ProcessResult()
    for source_id in list(stale_sources):
        try:
            total += raw_records_process(source_id=source_id)
        except Exception:  # one source's fault must not keep the others pending
            logger.exception("sweep: parsing the pending records of source %s failed", source_id)
    return total
