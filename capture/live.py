"""Live capture of network, serial, file and database sources, many in one process.

Each source runs a :class:`smdr.runner.CaptureLoop`; framed records are handed at
once to ``ingest`` (billing's ``raw_records_ingest``: stored, numbered by the centre,
and parsed as usual; capture sits below billing, so the caller gives it), and every
change of link state is written to the source, so the admin and ``/healthz`` show it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import json
import logging
import os
import socket
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from django.db import close_old_connections, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from smdr.dbpull import RECENT_RECORDS, Stored, stored_position
from smdr.framing import LineFramer, framer_for
from smdr.runner import Backoff, CaptureLoop, RawLog, State
from smdr.supervisor import CaptureSpec, Supervisor
from smdr.transports import transport_from_settings

from .models import RawRecord, Source, Transport
from .selectors import LIVE_TRANSPORTS
from .services import (
    IncomingRecord,
    capture_heartbeat,
    capture_heartbeat_end,
    line_fingerprints,
    text_or_bytes,
)

logger = logging.getLogger(__name__)


class Ingest(Protocol):
    """What is done with the records a capture frames: commit them (and queue their
    parse), as ``billing.pipeline.raw_records_ingest`` does."""

    def __call__(self, *, source: Source, records: Sequence[IncomingRecord]) -> object: ...


def capturable_sources(slugs: list[str] | None = None) -> list[Source]:
    """Enabled sources this process can capture (or exactly those named)."""
    sources = Source.objects.select_related("site")
    if slugs:
        found = {source.slug: source for source in sources.filter(slug__in=slugs)}
        missing = sorted(set(slugs) - found.keys())
        if missing:
            raise ValueError(f"no source {', '.join(missing)}")
        return [found[slug] for slug in slugs]
    sources = sources.filter(enabled=True, transport__in=LIVE_TRANSPORTS)
    # File sources are captured live only when they name a file or folder to follow.
    return [
        source
        for source in sources
        if source.transport != Transport.FILE
        or source.settings.get("path")
        or source.settings.get("folder")
    ]


class DatabaseThreads(ThreadPoolExecutor):
    """An event loop's default executor, the threads ``asyncio.to_thread`` hands the
    captures' ORM work to, which closes their database connections once shut down.

    Otherwise each thread's connection outlives it until the garbage collector breaks
    the reference cycles of Django's connection objects: PostgreSQL kept counting the
    sessions, and a test database could not be dropped ("being accessed by other
    users"). ``asyncio.run`` shuts its loop's default executor down as it returns.
    """

    def __init__(self) -> None:
        self._connections: list[BaseDatabaseWrapper] = []
        super().__init__(thread_name_prefix="capture-db", initializer=self._thread_started)

    def _thread_started(self) -> None:
        # This thread's connection objects (not connected yet), to close when it is gone.
        self._connections.extend(connections[alias] for alias in connections)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        super().shutdown(wait=wait, cancel_futures=cancel_futures)
        if not wait:
            return  # the threads may still be running their last work
        while self._connections:
            database = self._connections.pop()
            database.inc_thread_sharing()  # its own thread has ended
            try:
                database.close()
            finally:
                database.dec_thread_sharing()


_LOOPS_WITH_DATABASE_THREADS: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()


def use_database_threads() -> None:
    """Make the running loop hand its blocking work to :class:`DatabaseThreads`."""
    loop = asyncio.get_running_loop()
    if loop not in _LOOPS_WITH_DATABASE_THREADS:
        loop.set_default_executor(DatabaseThreads())
        _LOOPS_WITH_DATABASE_THREADS.add(loop)


# A capture logs what it stores at most this often, per source (state changes apart).
SUMMARY_SECONDS = 60.0


class CaptureSummary:
    """The INFO line of what a capture stores: at most one per ``every`` seconds per
    source, however fast the PBX sends (a line per batch was thousands an hour on a
    busy one), and none while it sends nothing (health shows a quiet source
    ``silent``): "hq-ipo: 42 records in the last 60 s, 3,120 since start; last 20:51:03".
    The time of the last record is the site's."""

    def __init__(
        self,
        name: str,
        *,
        time_zone: dt.tzinfo,
        every: float = SUMMARY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.name = name
        self.time_zone = time_zone
        self.every = every
        self.clock = clock
        self.total = 0
        self.unlogged = 0
        self.since = clock()
        self.last_received_at: dt.datetime | None = None

    def add(self, count: int, received_at: dt.datetime) -> None:
        """Count ``count`` records just stored; log the line when one is due."""
        self.total += count
        self.unlogged += count
        self.last_received_at = received_at
        if self.clock() - self.since >= self.every:
            self.flush()

    def flush(self) -> None:
        """Log what was stored since the last line, if anything (as a capture stops)."""
        now = self.clock()
        if self.unlogged and self.last_received_at is not None:
            logger.info(
                "%s: %s records in the last %.0f s, %s since start; last %s",
                self.name,
                f"{self.unlogged:,}",
                now - self.since,
                f"{self.total:,}",
                self.last_received_at.astimezone(self.time_zone).strftime("%H:%M:%S"),
            )
        self.unlogged = 0
        self.since = now


def capture_loop(source: Source, *, ingest: Ingest) -> CaptureLoop:
    """The loop that captures ``source`` into ``ingest``; ValueError names a bad setting."""
    settings = source.settings or {}
    pulled = source.transport == Transport.DATABASE
    transport = transport_from_settings(
        source.transport,
        source.family,
        settings,
        stored=functools.partial(source_stored_rows, source.id) if pulled else None,
        on_warning=functools.partial(_warn, source.id, source.slug) if pulled else None,
    )
    raw_log = None
    if settings.get("raw_log_dir"):
        raw_log = RawLog(settings["raw_log_dir"], source.slug, source.site.zone)

    # Files are read again from the top after a restart: fingerprints (as import_cdr
    # gives) make the lines already stored count as duplicates.
    seen_lines: Counter[bytes] | None = Counter() if source.transport == Transport.FILE else None
    # A pulled row is known by its content: read again in a later poll's overlap, or
    # after a restart, it is a duplicate (identical rows are one record).
    fingerprint = _row_fingerprints if pulled else None
    summary = CaptureSummary(source.slug, time_zone=source.site.zone)

    async def deliver(records: list[bytes], received_at: dt.datetime) -> None:
        if raw_log:
            await asyncio.to_thread(raw_log.write, records, received_at)
        await asyncio.to_thread(
            _store, ingest, source, records, received_at, seen_lines, fingerprint
        )
        summary.add(len(records), received_at)

    async def on_state(state: str, detail: str) -> None:
        use_database_threads()  # the first thing a capture does (its leased task too)
        if state == State.IDLE:
            summary.flush()  # what came since the last line, before "stopped"
        if state != State.ERROR:  # the loop logs a failure with its retry, in one line
            logger.info("%s: %s (%s)", source.slug, state, detail)
        await asyncio.to_thread(_set_state, source.id, state, detail)

    return CaptureLoop(
        name=source.slug,
        transport=transport,
        # A pulled row is one JSON line, whatever the family's framing on a wire.
        framer_factory=(
            LineFramer if pulled else lambda: framer_for(source.family, source.transport, settings)
        ),
        deliver=deliver,
        on_state=on_state,
        backoff=Backoff(
            initial=float(settings.get("reconnect_initial", 10)),
            factor=float(settings.get("reconnect_factor", 1.5)),
            maximum=float(settings.get("reconnect_max", 300)),
        ),
    )


async def sources_capture(sources: list[Source], stop: asyncio.Event, *, ingest: Ingest) -> None:
    """Capture every source in ``sources`` into ``ingest`` until ``stop`` is set."""
    use_database_threads()
    loops = [capture_loop(source, ingest=ingest) for source in sources]
    await asyncio.gather(*(loop.run(stop) for loop in loops))


def source_fingerprint(source: Source) -> str:
    """What, when it changes, means the capture of ``source`` restarts."""
    return json.dumps(
        [source.family, source.transport, source.settings, source.site.time_zone],
        sort_keys=True,
        default=str,
    )


def capture_process_name() -> str:
    """This process as its :class:`~capture.models.CaptureHeartbeat` names it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def capture_specs(*, ingest: Ingest, slugs: list[str] | None = None) -> dict[str, CaptureSpec]:
    """The captures wanted now, by slug: enabled capturable sources (of ``slugs`` only,
    when given), read in one query."""
    close_old_connections()
    sources = capturable_sources()
    if slugs:
        sources = [source for source in sources if source.slug in slugs]
    return {
        source.slug: CaptureSpec(
            fingerprint=(source.pk, source_fingerprint(source)),
            factory=functools.partial(capture_loop, source, ingest=ingest),
        )
        for source in sources
    }


async def sources_serve(
    stop: asyncio.Event,
    *,
    ingest: Ingest,
    slugs: list[str] | None = None,
    interval: float = 5.0,
    on_pass: Callable[[set[str]], None] | None = None,
) -> None:
    """Capture, until ``stop`` is set, whatever the Source table says to capture.

    Every ``interval`` seconds a pass reads the wanted sources and hands them to a
    :class:`~smdr.supervisor.Supervisor`: added or re-enabled sources start, changed
    ones restart, disabled or deleted ones stop (state ``idle``), the others' links
    are left alone. A source that cannot start (bad settings) shows ``error`` and is
    retried on its own backoff. The pass also writes this process's heartbeat.
    ``on_pass`` gets the slugs captured after each pass.
    """
    use_database_threads()
    process = capture_process_name()
    source_ids: dict[str, int] = {}

    async def on_error(slug: str, message: str) -> None:
        await asyncio.to_thread(_set_state, source_ids[slug], State.ERROR, message)

    supervisor = Supervisor(on_error=on_error)
    try:
        while not stop.is_set():
            try:
                specs = await asyncio.to_thread(capture_specs, ingest=ingest, slugs=slugs)
                logger.debug("capture: %d sources wanted", len(specs))
                previous = dict(source_ids)
                source_ids.update({slug: spec.fingerprint[0] for slug, spec in specs.items()})
                for slug in await supervisor.reconcile(specs):
                    await asyncio.to_thread(_set_state, previous[slug], State.IDLE, "stopped")
                for slug in set(source_ids) - specs.keys():
                    del source_ids[slug]
                await asyncio.to_thread(_heartbeat, process, len(supervisor.names))
                if on_pass:
                    on_pass(supervisor.names)
            except Exception:  # the database away, say: running captures go on
                logger.exception("capture: reconcile pass failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)
    finally:
        await supervisor.stop_all()
        with contextlib.suppress(Exception):
            await asyncio.to_thread(_heartbeat_end, process)


def _store(
    ingest: Ingest,
    source: Source,
    records: list[bytes],
    received_at: dt.datetime,
    seen_lines: Counter[bytes] | None,
    fingerprint: Callable[[list[bytes]], list[str]] | None = None,
) -> None:
    close_old_connections()
    fingerprints: Sequence[str | None]
    if fingerprint is not None:
        fingerprints = fingerprint(records)
        # Rows read again (each poll's overlap) are left out here, so that a poll of
        # nothing new leaves the source's last record time alone: its health turns
        # silent when the PBX stops writing. The store still refuses any duplicate.
        known = set(
            RawRecord.objects.filter(source=source, fingerprint__in=fingerprints).values_list(
                "fingerprint", flat=True
            )
        )
        if known:
            kept = [
                pair for pair in zip(records, fingerprints, strict=True) if pair[1] not in known
            ]
            if not kept:
                return
            records, fingerprints = [pair[0] for pair in kept], [pair[1] for pair in kept]
    elif seen_lines is not None:
        fingerprints = line_fingerprints(records, seen=seen_lines)
    else:
        fingerprints = [None] * len(records)
    incoming = []
    for record, fingerprint in zip(records, fingerprints, strict=True):
        line, data = text_or_bytes(record)
        incoming.append(
            IncomingRecord(received_at=received_at, line=line, data=data, fingerprint=fingerprint)
        )
    with sqlite_turn():
        ingest(source=source, records=incoming)


_SQLITE_WRITES = threading.Lock()


def sqlite_turn() -> contextlib.AbstractContextManager:
    """On SQLite, which has one writer at a time, this process's writes take turns:
    left to its busy handler, a writer (a state, a heartbeat) next to a capture that
    stores and parses batch after batch was starved for 20 s and more, and a leased
    capture then missed its source's changes. Elsewhere, nothing."""
    return _SQLITE_WRITES if connection.vendor == "sqlite" else contextlib.nullcontext()


def _row_fingerprints(records: list[bytes]) -> list[str]:
    """Each pulled row's fingerprint, from its content alone (no occurrence count)."""
    return [line_fingerprints((record,), scope="database")[0] for record in records]


def source_stored_rows(source_id: int, column: str, time_column: str) -> Stored:
    """Where the rows stored for a database source end (``smdr.dbpull.Stored``): its
    next poll resumes from there. Read from the newest committed records, so a restart
    or a crash before a commit resumes exactly where the stored rows end."""
    close_old_connections()
    lines = (
        RawRecord.objects.filter(source_id=source_id)
        .order_by("-seq")
        .values_list("line", flat=True)[:RECENT_RECORDS]
    )
    return stored_position(lines, column, time_column)


def _warn(source_id: int, slug: str, message: str) -> None:
    """A database source's cursor went back: logged, and shown in its health detail
    (``capture_error``, kept until its link is next up) while it goes on capturing."""
    logger.warning("%s: %s", slug, message)
    close_old_connections()
    with sqlite_turn():
        Source.objects.filter(pk=source_id).update(capture_error=message)


def _set_state(source_id: int, state: str, detail: str) -> None:
    close_old_connections()
    changes = {"capture_state": state, "capture_state_at": timezone.now()}
    if state == State.ERROR:
        changes["capture_error"] = detail
    elif state == State.CAPTURING:
        changes["capture_error"] = ""  # the last error stays visible until the link is back
    with sqlite_turn():
        Source.objects.filter(pk=source_id).update(**changes)


# Set when the worker process shuts down: leased captures stop and release their lease.
SHUTDOWN = threading.Event()


def lease_key(source_id: int) -> str:
    return f"tarificador:capture:lease:{source_id}"


def source_capture_leased(
    source_id: int,
    *,
    ingest: Ingest,
    redis_url: str,
    lease_seconds: float,
    stop: asyncio.Event | None = None,
) -> str:
    """Capture one source into ``ingest`` for as long as this process holds its lease
    in Redis and the source stays enabled.

    The lease expires ``lease_seconds`` after the last renewal, so when the worker
    holding it dies, another worker takes the source over once it expires. Renewal
    happens three times per lease period (every 5 s at most); a lost lease (Redis
    restarted, clock stalled) stops the capture at once rather than risk two captures
    of one PBX. Each renewal also checks the source: with other settings, the capture
    restarts in place with them (the lease kept, so within 5 s); disabled or deleted,
    it ends. Bad settings end it too, shown as an error: the dispatcher tries again.
    """
    import redis

    client = redis.Redis.from_url(redis_url)
    lease = client.lock(
        lease_key(source_id), timeout=lease_seconds, blocking=False, thread_local=False
    )
    if not lease.acquire():
        return "already captured by another worker"
    _worker_captures(+1)
    try:
        while True:
            source = _enabled_source(source_id)
            if source is None:
                return "stopped"
            try:
                loop = capture_loop(source, ingest=ingest)
            except Exception as error:  # bad settings: shown; the dispatcher tries again
                message = str(error) if isinstance(error, ValueError) else repr(error)
                _set_state(source_id, State.ERROR, message)
                return f"cannot capture: {message}"
            ended = asyncio.run(_capture_while_leased(loop, source, lease, lease_seconds, stop))
            if ended != _Ended.CHANGED:
                return "stopped"
            logger.info("%s: settings changed; restarting its capture", source.slug)
    finally:
        _worker_captures(-1)
        with contextlib.suppress(redis.exceptions.LockError):
            lease.release()


class _Ended:
    """Why a leased capture's run ended."""

    STOPPED = "stopped"  # disabled, deleted, shut down, the lease lost, or ``stop`` set
    CHANGED = "changed"  # still wanted, with other settings: start again


async def _capture_while_leased(
    loop: CaptureLoop,
    source: Source,
    lease,
    lease_seconds: float,
    stop: asyncio.Event | None,
) -> str:
    """Run ``loop`` while the lease renews and ``source`` keeps its settings."""
    done = asyncio.Event()
    fingerprint = source_fingerprint(source)
    ended = _Ended.STOPPED

    async def keep_lease() -> None:
        nonlocal ended
        while not done.is_set():
            # Renewal also rechecks the source: at most 5 s apart, so a change restarts
            # this capture about as soon as the reconcile pass of ``manage.py capture``.
            renew_at = time.monotonic() + min(lease_seconds / 3, 5.0)
            while not done.is_set() and time.monotonic() < renew_at:
                if SHUTDOWN.is_set() or (stop is not None and stop.is_set()):
                    done.set()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(done.wait(), 0.5)
            if done.is_set():
                break
            if not await asyncio.to_thread(_renew, lease):
                logger.error("%s: capture lease lost; stopping", source.slug)
                done.set()
                break
            now = await asyncio.to_thread(_enabled_source, source.pk)
            if now is None:
                done.set()
            elif source_fingerprint(now) != fingerprint:
                ended = _Ended.CHANGED
                done.set()
            else:
                await asyncio.to_thread(_worker_heartbeat)

    await asyncio.gather(loop.run(done), keep_lease())
    return ended


# How many captures this worker process runs now (one thread each), for its heartbeat.
_WORKER_CAPTURES = 0
_WORKER_CAPTURES_LOCK = threading.Lock()


def _worker_captures(change: int) -> None:
    global _WORKER_CAPTURES
    with _WORKER_CAPTURES_LOCK:
        _WORKER_CAPTURES += change
        running = _WORKER_CAPTURES
    close_old_connections()
    with contextlib.suppress(Exception):  # a heartbeat never stops a capture
        if running:
            _heartbeat(capture_process_name(), running)
        else:
            _heartbeat_end(capture_process_name())


def _heartbeat(process: str, sources: int) -> None:
    with sqlite_turn():
        capture_heartbeat(process=process, sources=sources)


def _heartbeat_end(process: str) -> None:
    with sqlite_turn():
        capture_heartbeat_end(process=process)


def _worker_heartbeat() -> None:
    _worker_captures(0)


def sources_dispatch(*, redis_url: str, start_task, lease_seconds: float) -> list[str]:
    """Start a capture task for every capturable source that nobody captures.

    A short "starting" marker keeps a source from being queued again while its task
    waits for a worker.
    """
    import redis

    client = redis.Redis.from_url(redis_url)
    started = []
    for source in capturable_sources():
        if client.exists(lease_key(source.id)):
            continue
        if client.set(f"{lease_key(source.id)}:starting", 1, nx=True, ex=int(lease_seconds) + 1):
            start_task(source.id)
            started.append(source.slug)
    return started


def _renew(lease) -> bool:
    import redis

    try:
        lease.reacquire()
    except redis.exceptions.LockError:
        return False
    return True


def _enabled_source(source_id: int) -> Source | None:
    """``source_id`` with its site, when it still exists and is enabled."""
    close_old_connections()
    return Source.objects.select_related("site").filter(pk=source_id, enabled=True).first()
