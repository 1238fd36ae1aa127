"""The sweep of pending raw records inside the processes of the embedded set-up.

With a broker, Celery beat runs ``capture.tasks.raw_records_sweep``. Without one
(the embedded default) records are parsed in-process right after they are stored,
and a process killed between the commit and the parse leaves them pending: here a
daemon thread of each serving process (the web server, ``manage.py capture``)
sweeps them. Its first sweep, as the process starts, takes every pending record
(whatever is pending then was left by a crash, or is being parsed by another
process, which the source's lock makes safe), so a restart parses what a crash
left at once; then every :data:`billing.pipeline.SWEEP_INTERVAL`, or at once when
woken (records set to be parsed again, which a request should not wait for).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time

from django.conf import settings
from django.db import connection, transaction

from capture.services import sources_health_notify

from .pipeline import SWEEP_INTERVAL, SWEEP_OLDER_THAN, raw_records_sweep

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_started_in: int | None = None  # the pid whose sweeper runs (a fork needs its own)
_wake = threading.Event()
# A sweep follows each ingest commit; the health e-mails are looked at once a minute.
HEALTH_NOTIFY_INTERVAL = 60.0
_health_notified_at: float | None = None


def sweeper_start() -> bool:
    """Start this process's sweeper thread unless a broker's beat sweeps, or it runs.

    Safe to call more than once, and from a process forked from one that called it
    (a preloading web server): each process gets one thread. Returns whether one
    was started.
    """
    global _started_in
    if settings.CELERY_BROKER_URL:
        return False
    with _lock:
        if _started_in == os.getpid():
            return False
        if _started_in is None:
            # A web server that loads the application before forking its workers
            # (gunicorn --preload): threads do not survive a fork, so each worker
            # starts its own.
            os.register_at_fork(after_in_child=sweeper_start)
        _started_in = os.getpid()
    thread = threading.Thread(target=_sweep_forever, name="raw-records-sweeper", daemon=True)
    thread.start()
    return True


def sweeper_wake_on_commit() -> bool:
    """Have this process's sweeper take every pending record once the current
    transaction commits; ``False`` when no sweeper runs here (then the caller queues
    the work itself)."""
    if _started_in != os.getpid():
        return False
    transaction.on_commit(_wake.set)
    return True


def _sweep_forever() -> None:
    sweep_once(older_than=dt.timedelta(0))
    while True:
        woken = _wake.wait(SWEEP_INTERVAL.total_seconds())
        _wake.clear()
        sweep_once(older_than=dt.timedelta(0) if woken else SWEEP_OLDER_THAN)


def _health_notify_due() -> None:
    global _health_notified_at
    if _health_notified_at is not None and (
        time.monotonic() - _health_notified_at < HEALTH_NOTIFY_INTERVAL
    ):
        return
    _health_notified_at = time.monotonic()
    sources_health_notify()


def sweep_once(*, older_than: dt.timedelta = SWEEP_OLDER_THAN) -> None:
    """One sweep, logged only when it found something, then the e-mails of sources'
    health changes (beat sends them when a broker is configured); never raises."""
    try:
        result = raw_records_sweep(older_than=older_than)
        if result.parsed or result.ignored or result.errors:
            logger.info(
                "sweep: %d pending records parsed, %d ignored, %d errors",
                result.parsed,
                result.ignored,
                result.errors,
            )
    except Exception:  # the database is down, say: try again next time
        logger.exception("sweep failed")
    try:
        _health_notify_due()
    except Exception:
        logger.exception("health notification failed")
    finally:
        # Hold no connection between sweeps (and none a fork could inherit).
        connection.close()
