"""Capture under a Redis lease with real Celery workers: exactly one worker captures a
source, and another takes over soon after that worker is killed."""

import asyncio
import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from celery import Celery

from billing.models import Call
from billing.pipeline import raw_records_sweep
from capture.live import sources_dispatch
from capture.models import CaptureState, RawRecord, Source, Transport
from pbxsim.pbx import SimulatedPbx
from tests.factories import SourceFactory
from tests.test_celery_worker import database_url, free_port

ROOT = Path(__file__).parent.parent.parent
LEASE_SECONDS = 3

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pbx():
    """A simulated IP Office listening on a free port, in a thread of its own."""
    port = free_port()
    simulator = SimulatedPbx(family="avaya-ipoffice", rate=40, seed=11)
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    async def serve():
        listening = asyncio.Event()
        task = asyncio.ensure_future(simulator.serve("127.0.0.1", port, listening))
        await listening.wait()
        ready.set()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    thread = threading.Thread(target=lambda: loop.run_until_complete(serve()), daemon=True)
    thread.start()
    assert ready.wait(10)
    yield simulator, port
    for task in asyncio.all_tasks(loop):
        loop.call_soon_threadsafe(task.cancel)
    thread.join(10)


def start_worker(name, redis_url, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": redis_url,
        "TARIFICADOR_CAPTURE_LEASE_SECONDS": str(LEASE_SECONDS),
        "TARIFICADOR_VAR_DIR": str(tmp_path),
    }
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "capture,celery"),
            *("--pool", "threads", "--concurrency", "6", "-n", f"{name}@%h"),
            *("--without-gossip", "--without-mingle", "--loglevel", "WARNING"),
        ],
        cwd=ROOT,
        env=env,
    )


def processes_stop(*processes, timeout=90):
    """Stop Celery processes as a deployment does (SIGTERM: a warm shutdown) and wait.

    One still running after ``timeout`` seconds (a loaded machine stops a worker in
    a few) prints its threads' stacks (Celery's SIGUSR1), is killed, and fails the
    test: a worker that does not stop is a bug, and left running it would hold the
    test database's tables while pytest empties them (a deadlock in the teardown).
    """
    running = [process for process in processes if process and process.poll() is None]
    for process in running:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    hung = []
    for process in running:
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            hung.append(process)
    for process in hung:
        process.send_signal(signal.SIGUSR1)
    for process in hung:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(3)  # time to print the stacks
        process.kill()
        process.wait()
    if hung:
        names = ", ".join(f"celery {process.args[5]}" for process in hung)
        pytest.fail(f"{names} still running {timeout} s after SIGTERM; stacks above")


def wait_for(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_a_dead_workers_source_is_taken_over(redis_url, pbx, tmp_path):
    simulator, port = pbx
    source = SourceFactory(
        transport=Transport.TCP_CLIENT,
        settings={"host": "127.0.0.1", "port": port, "reconnect_initial": 0.2},
    )
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    sender = Celery(broker=redis_url, set_as_current=False)  # leave the app under test alone

    def dispatch():
        return sources_dispatch(
            redis_url=redis_url,
            start_task=lambda source_id: sender.send_task(
                "capture.tasks.capture_source_task", args=[source_id], queue="capture"
            ),
            lease_seconds=LEASE_SECONDS,
        )

    first = start_worker("first", redis_url, tmp_path)
    second = None
    try:
        assert dispatch() == [source.slug]
        assert dispatch() == []  # queued or held: never started twice
        assert wait_for(lambda: RawRecord.objects.count() >= 40, 60)

        first.send_signal(signal.SIGKILL)
        first.wait(10)
        killed_at, before = time.monotonic(), RawRecord.objects.count()
        second = start_worker("second", redis_url, tmp_path)

        def resumed():
            dispatch()
            return RawRecord.objects.count() >= before + 40

        assert wait_for(resumed, 60)
        takeover = time.monotonic() - killed_at
    finally:
        processes_stop(first, second)

    assert takeover < 60
    assert simulator.most_collectors == 1  # never two captures of one PBX at once
    # Parse tasks the killed worker had taken are redelivered only after the broker's
    # visibility timeout; the periodic sweep parses their records meanwhile.
    raw_records_sweep(older_than=dt.timedelta(0))
    assert Call.objects.count() == RawRecord.objects.count()
    assert set(RawRecord.objects.values_list("state", flat=True)) == {"parsed"}


class Simulators:
    """Simulated IP Offices on free ports, served by one event loop in a thread."""

    def __init__(self, count):
        self.loop = asyncio.new_event_loop()
        self.pbxs = [SimulatedPbx(family="avaya-ipoffice", rate=20, seed=n) for n in range(count)]
        self.ports = [free_port() for _ in range(count)]
        self.tasks = [
            self.loop.create_task(pbx.serve("127.0.0.1", port))
            for pbx, port in zip(self.pbxs, self.ports, strict=True)
        ]
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def close(self):
        async def cancel():
            for task in self.tasks:
                task.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(cancel(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def test_beat_and_a_worker_follow_the_source_table(redis_url, tmp_path):
    """The Celery deployment end to end: a real beat (its database scheduler) and a
    real thread-pool worker. Sources added, changed and disabled as the admin would
    are started, restarted and stopped while the other source keeps its link."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    pbxs = Simulators(3)
    first, second, third = pbxs.pbxs
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": redis_url,
        "TARIFICADOR_CAPTURE_LEASE_SECONDS": str(LEASE_SECONDS),
        "TARIFICADOR_VAR_DIR": str(tmp_path),
    }
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "WARNING"],
        cwd=ROOT,
        env=env,
    )
    worker = start_worker("only", redis_url, tmp_path)

    def tcp(port):
        return {"host": "127.0.0.1", "port": port, "reconnect_initial": 0.2}

    try:
        one = SourceFactory(transport=Transport.TCP_CLIENT, settings=tcp(pbxs.ports[0]))
        assert wait_for(lambda: RawRecord.objects.filter(source=one).count() >= 10, 60)

        two = SourceFactory(transport=Transport.TCP_CLIENT, settings=tcp(pbxs.ports[1]))
        assert wait_for(lambda: RawRecord.objects.filter(source=two).count() >= 10, 60)

        Source.objects.filter(pk=two.pk).update(settings=tcp(pbxs.ports[2]))
        assert wait_for(lambda: third.collectors == 1 and second.collectors == 0, 60)
        assert wait_for(lambda: source_state(two) == CaptureState.CAPTURING, 30)

        Source.objects.filter(pk=one.pk).update(enabled=False)
        assert wait_for(lambda: first.collectors == 0, 60)
        assert wait_for(lambda: source_state(one) == CaptureState.IDLE, 30)
        assert source_state(two) == CaptureState.CAPTURING
    finally:
        try:
            processes_stop(worker, beat)
        finally:
            pbxs.close()

    # One link each, never two captures of a PBX; the untouched one never reconnected.
    assert [pbx.most_collectors for pbx in pbxs.pbxs] == [1, 1, 1]
    assert first.connections == 1 and third.connections == 1
    raw_records_sweep(older_than=dt.timedelta(0))
    assert Call.objects.count() == RawRecord.objects.count()
    assert set(RawRecord.objects.values_list("state", flat=True)) == {"parsed"}


def source_state(source):
    return Source.objects.get(pk=source.pk).capture_state
