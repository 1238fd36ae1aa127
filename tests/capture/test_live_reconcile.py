"""Live reconcile: capture follows the Source table while it runs, and one broken
source never disturbs the others. Real sockets on loopback, simulated PBXs."""

import asyncio
import os
import signal
import socket
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection

from billing.pipeline import raw_records_ingest
from capture.live import capture_process_name, sources_serve
from capture.models import CaptureHeartbeat, CaptureState, RawRecord, Source, Transport
from pbxsim.pbx import SimulatedPbx
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db(transaction=True)
FAST_RECONNECT = {"reconnect_initial": 0.1, "reconnect_factor": 1.5, "reconnect_max": 0.5}
INTERVAL = 0.2  # reconcile passes in these tests


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, *, timeout=10.0, what="the condition"):
    """Poll ``condition`` until true; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)
    connection.close()  # polling threads' connections must not outlive the test


def loop_end(loop, thread):
    """End ``loop``, run by ``thread``, as ``asyncio.run`` ends its own: every task
    cancelled and awaited, then its default executor shut down (which closes the
    capture threads' database connections), then closed."""

    async def cancel_all():
        tasks = asyncio.all_tasks() - {asyncio.current_task()}
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run_coroutine_threadsafe(cancel_all(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.run_until_complete(loop.shutdown_default_executor())
    loop.close()


class LiveCapture:
    """``sources_serve`` and simulated PBXs on an event loop of their own thread, so
    the test changes the Source table while capture runs, as the admin would."""

    def __init__(self, slugs=None):
        self.slugs = slugs
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.stop = asyncio.Event()

    def __enter__(self):
        self.thread.start()
        self.serving = self.run(
            sources_serve(self.stop, ingest=raw_records_ingest, slugs=self.slugs, interval=INTERVAL)
        )
        return self

    def run(self, work):
        return asyncio.run_coroutine_threadsafe(work, self.loop)

    def pbx(self, port, **options):
        pbx = SimulatedPbx(family="avaya-ipoffice", **options)
        ready = asyncio.Event()
        self.run(pbx.serve("127.0.0.1", port, ready))
        asyncio.run_coroutine_threadsafe(ready.wait(), self.loop).result(5)
        return pbx

    def __exit__(self, *exc):
        self.loop.call_soon_threadsafe(self.stop.set)
        try:
            self.serving.result(30)  # ends cleanly: every capture stopped
        finally:
            loop_end(self.loop, self.thread)


def tcp_source(port, **fields):
    return SourceFactory(
        transport=Transport.TCP_CLIENT,
        settings={"host": "127.0.0.1", "port": port, **FAST_RECONNECT},
        **fields,
    )


def stored(source):
    """Records of ``source`` in the store."""
    return RawRecord.objects.filter(source=source).count()


def state(source):
    return Source.objects.get(pk=source.pk).capture_state


def test_a_source_added_while_capture_runs_is_captured_within_10_seconds():
    port = free_port()
    with LiveCapture() as live:
        wait_for(
            lambda: CaptureHeartbeat.objects.filter(process=capture_process_name()).exists(),
            what="the first heartbeat",
        )
        assert CaptureHeartbeat.objects.get().sources == 0  # waiting for sources
        pbx = live.pbx(port, rate=100, limit=20, seed=1)

        added = tcp_source(port)
        wait_for(lambda: stored(added) == 20, timeout=10, what="the added source's records")

        assert pbx.connections == 1
        wait_for(lambda: CaptureHeartbeat.objects.get().sources == 1, what="the beat count")
    # A clean stop: the source idle, the heartbeat gone.
    assert state(added) == CaptureState.IDLE
    assert not CaptureHeartbeat.objects.exists()


def test_a_changed_port_reconnects_and_disabling_stops_while_another_keeps_its_link():
    steady_port, old_port, new_port = free_port(), free_port(), free_port()
    with LiveCapture() as live:
        steady_pbx = live.pbx(steady_port, rate=5, seed=1)
        old_pbx = live.pbx(old_port, rate=5, seed=2)
        new_pbx = live.pbx(new_port, rate=5, seed=3)
        steady = tcp_source(steady_port)
        moving = tcp_source(old_port)
        wait_for(lambda: stored(steady) > 0 and stored(moving) > 0, what="both capturing")

        Source.objects.filter(pk=moving.pk).update(
            settings={"host": "127.0.0.1", "port": new_port, **FAST_RECONNECT}
        )
        wait_for(lambda: new_pbx.collectors == 1, what="the connection to the new port")
        wait_for(lambda: old_pbx.collectors == 0, what="the old connection to close")
        before = stored(moving)
        wait_for(lambda: stored(moving) > before, what="records from the new port")

        moving.refresh_from_db()
        moving.enabled = False
        moving.save()
        wait_for(lambda: state(moving) == CaptureState.IDLE, what="the disabled source idle")
        wait_for(lambda: new_pbx.collectors == 0, what="its connection to close")
        wait_for(lambda: CaptureHeartbeat.objects.get().sources == 1, what="the beat count")
        before = stored(steady)
        wait_for(lambda: stored(steady) > before, what="the steady source still capturing")

        # The steady source's link was never touched by any of it.
        assert steady_pbx.connections == 1 and steady_pbx.collectors == 1
        assert state(steady) == CaptureState.CAPTURING
        assert old_pbx.connections == new_pbx.connections == 1


def test_twenty_sources_three_broken_the_seventeen_others_deliver_every_record():
    per_source = 10
    with LiveCapture() as live:
        good = []
        for n in range(17):
            port = free_port()
            live.pbx(port, rate=50, limit=per_source, seed=n)
            good.append(tcp_source(port, slug=f"good-{n}"))

        # 1. Settings no form would accept, written straight into the table.
        bad_settings = tcp_source(free_port(), slug="bad-settings")
        column = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Source._meta.db_table} SET settings = {column} WHERE id = %s",  # noqa: S608
                ['{"host": "127.0.0.1", "port": "seventy"}', bad_settings.pk],
            )
        # 2. A PBX-pushes source whose port another program holds.
        taken = socket.socket()
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port_taken = SourceFactory(
            slug="port-taken",
            transport=Transport.TCP_SERVER,
            settings={"bind": "127.0.0.1", "port": taken.getsockname()[1], **FAST_RECONNECT},
        )
        # 3. A "PBX" that sends garbage.
        garbage_port = free_port()

        async def garbage_pbx():
            async def talk(reader, writer):
                writer.write(b"\x00\xffnot a call record\r\n#%&!! \x07garbage\r\n" * 3)
                await writer.drain()
                await asyncio.sleep(30)

            server = await asyncio.start_server(talk, "127.0.0.1", garbage_port)
            async with server:
                await server.serve_forever()

        live.run(garbage_pbx())
        garbage = tcp_source(garbage_port, slug="garbage")

        try:
            wait_for(
                lambda: all(stored(source) == per_source for source in good),
                timeout=30,
                what="every good source's records",
            )
            wait_for(lambda: state(bad_settings) == CaptureState.ERROR, what="bad settings")
            wait_for(lambda: state(port_taken) == CaptureState.ERROR, what="port in use")
            wait_for(lambda: stored(garbage) >= 6, what="the garbage stored")

            assert not live.serving.done()  # the capture process goes on
            assert "port" in Source.objects.get(pk=bad_settings.pk).capture_error
            assert Source.objects.get(pk=port_taken.pk).capture_error
            records = RawRecord.objects.filter(source=garbage)
            assert records.count() == records.filter(state=RawRecord.State.ERROR).count() == 6
        finally:
            taken.close()
        # Stored is delivered (parsing follows, in this process); none failed to parse.
        good_records = RawRecord.objects.filter(source__in=good)
        assert good_records.count() == 17 * per_source
        assert not good_records.filter(state=RawRecord.State.ERROR).exists()


def test_the_command_waits_for_sources_and_outlives_bad_settings(monkeypatch, settings):
    """``manage.py capture`` with nothing to capture waits; a source with bad settings
    shows an error; an added good one is captured; SIGTERM stops it cleanly."""
    from io import StringIO

    from billing.management.commands import capture as command

    # The sweeper thread is the process's, not this test's: it would outlive the test.
    monkeypatch.setattr(command, "sweeper_start", lambda: False)
    settings.TARIFICADOR_CAPTURE_RECONCILE_SECONDS = INTERVAL
    port = free_port()
    pbx_loop = asyncio.new_event_loop()
    pbx = SimulatedPbx(family="avaya-ipoffice", rate=100, limit=5, seed=4)
    pbx_thread = threading.Thread(target=pbx_loop.run_forever, daemon=True)
    pbx_thread.start()
    asyncio.run_coroutine_threadsafe(pbx.serve("127.0.0.1", port), pbx_loop)  # loop_end ends it
    out = StringIO()
    problems = []

    def admin():
        try:
            wait_for(lambda: "waiting for sources" in out.getvalue(), what="the wait")
            broken = tcp_source(port, slug="broken")
            Source.objects.filter(pk=broken.pk).update(settings={"host": "127.0.0.1"})
            wait_for(lambda: state(broken) == CaptureState.ERROR, what="the error state")
            fine = tcp_source(port, slug="fine")
            wait_for(lambda: stored(fine) == 5, what="the good source's records")
            assert "needs the setting 'port'" in Source.objects.get(pk=broken.pk).capture_error
        except BaseException as error:  # reported by the test, after the command ends
            problems.append(error)
        finally:
            connection.close()
            os.kill(os.getpid(), signal.SIGTERM)

    helper = threading.Thread(target=admin)
    helper.start()
    try:
        call_command("capture", stdout=out)
    finally:
        helper.join(30)
        loop_end(pbx_loop, pbx_thread)

    assert not problems, problems
    output = out.getvalue()
    assert "waiting for sources: add one in the admin" in output
    assert "capturing fine" in output and "capturing broken" not in output
    assert output.rstrip().endswith("capture stopped")
    assert not CaptureHeartbeat.objects.exists()


@pytest.mark.xfail(
    connection.vendor == "sqlite",
    reason=(
        "Known defect, open: on SQLite, in a full CI run, a leased capture's lease check "
        "(every 0.5 s) sometimes stalls for about 20 s while the capture stores batch "
        "after batch, and misses the source's change (twice in three CI runs this stop; "
        "one run in four locally under CPU load before the writes took turns). "
        "PostgreSQL, the production database, passes every run."
    ),
    strict=False,
)
def test_a_leased_capture_restarts_in_place_on_new_settings_and_ends_when_disabled(
    redis_url,
):
    """The Celery path: a capture task keeps its lease and restarts with its source's
    new settings; it returns when the source is disabled; bad settings are an error
    state and a returned task, not a crash."""
    import redis

    from capture.live import lease_key, source_capture_leased

    first_port, second_port = free_port(), free_port()
    pbx_loop = asyncio.new_event_loop()
    first = SimulatedPbx(family="avaya-ipoffice", rate=20, seed=5)
    second = SimulatedPbx(family="avaya-ipoffice", rate=20, seed=6)
    pbx_thread = threading.Thread(target=pbx_loop.run_forever, daemon=True)
    pbx_thread.start()
    for pbx, port in ((first, first_port), (second, second_port)):  # loop_end ends them
        asyncio.run_coroutine_threadsafe(pbx.serve("127.0.0.1", port), pbx_loop)
    source = tcp_source(first_port)
    client = redis.Redis.from_url(redis_url)
    client.delete(lease_key(source.pk))
    outcome = []

    def task():
        outcome.append(
            source_capture_leased(
                source.pk, ingest=raw_records_ingest, redis_url=redis_url, lease_seconds=1.5
            )
        )
        connection.close()

    worker = threading.Thread(target=task)
    worker.start()
    try:
        wait_for(lambda: stored(source) > 0, what="the leased capture's records")
        beat = CaptureHeartbeat.objects.get(process=capture_process_name())
        assert beat.sources == 1

        Source.objects.filter(pk=source.pk).update(
            settings={"host": "127.0.0.1", "port": second_port, **FAST_RECONNECT}
        )
        wait_for(lambda: second.collectors == 1, what="the capture of the new port")
        wait_for(lambda: first.collectors == 0, what="the old link to close")
        before = stored(source)
        wait_for(lambda: stored(source) > before, what="records from the new port")
        assert worker.is_alive() and client.exists(lease_key(source.pk))  # same task, lease kept

        Source.objects.filter(pk=source.pk).update(enabled=False)
        wait_for(lambda: not worker.is_alive(), what="the capture task to return")
        assert outcome == ["stopped"]
        assert state(source) == CaptureState.IDLE
        assert not CaptureHeartbeat.objects.exists()
        assert not client.exists(lease_key(source.pk))
        assert first.most_collectors == second.most_collectors == 1

        Source.objects.filter(pk=source.pk).update(enabled=True, settings={"host": "127.0.0.1"})
        for _ in range(2):  # the lease is released each time: no worker keeps it
            answer = source_capture_leased(
                source.pk, ingest=raw_records_ingest, redis_url=redis_url, lease_seconds=1.5
            )
            assert answer == "cannot capture: transport 'tcp-client' needs the setting 'port'"
        assert state(source) == CaptureState.ERROR
        assert not CaptureHeartbeat.objects.exists()
    finally:
        worker.join(10)
        loop_end(pbx_loop, pbx_thread)
