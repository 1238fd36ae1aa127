"""Live capture over real sockets, pseudo-terminals and files, into the CDR store."""

import asyncio
import datetime as dt
import logging
import os
import socket
import threading
import time
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections

from billing.models import Call
from billing.pipeline import raw_records_ingest
from capture.live import (
    CaptureSummary,
    capturable_sources,
    capture_loop,
    sources_capture,
    use_database_threads,
)
from capture.models import CaptureState, RawRecord, Source, Transport
from pbxsim.avaya_ipoffice import ipoffice_records
from pbxsim.pbx import SimulatedPbx, frame
from smdr.runner import Backoff, RawLog
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db(transaction=True)
FAST_RECONNECT = {"reconnect_initial": 0.05, "reconnect_factor": 1.5, "reconnect_max": 0.2}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def lines(count, seed=1):
    end = dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC)
    return list(
        ipoffice_records(
            count=count,
            start=end - dt.timedelta(hours=2),
            end=end,
            extensions=["2001", "2002", "2003"],
            time_zone=ZoneInfo("America/Argentina/Cordoba"),
            seed=seed,
        )
    )


def capture_until(sources, done, *, timeout=20.0, also=()):
    """Run capture of ``sources`` (plus coroutines ``also``) until ``done()`` or timeout."""

    async def main():
        stop = asyncio.Event()
        extra = [asyncio.ensure_future(work) for work in also]

        async def watch():
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and not await asyncio.to_thread(done):
                await asyncio.sleep(0.05)
            stop.set()

        await asyncio.gather(sources_capture(sources, stop, ingest=raw_records_ingest), watch())
        for task in extra:
            task.cancel()
        await asyncio.gather(*extra, return_exceptions=True)

    asyncio.run(main())


def test_backoff_grows_to_its_ceiling_and_resets():
    backoff = Backoff()
    delays = [backoff.next_delay() for _ in range(12)]
    assert delays[:4] == [10.0, 15.0, 22.5, 33.75]
    assert max(delays) == delays[-1] == 300.0
    backoff.reset()
    assert backoff.next_delay() == 10.0


def test_raw_log_writes_one_file_per_local_day(tmp_path):
    log = RawLog(tmp_path, "hq", ZoneInfo("America/Argentina/Cordoba"))
    late = dt.datetime(2026, 11, 3, 2, 30, tzinfo=dt.UTC)  # 23:30 on the 2nd in Córdoba

    log.write([b"first", b"second"], late)
    log.write([b"third"], late + dt.timedelta(hours=1))

    assert (tmp_path / "hq-2026-11-02.log").read_bytes() == b"first\r\nsecond\r\n"
    assert (tmp_path / "hq-2026-11-03.log").read_bytes() == b"third\r\n"


def test_tcp_client_captures_a_listening_pbx_and_reconnects():
    """The PBX closes after each burst; capture reconnects and loses nothing."""
    port = free_port()
    source = SourceFactory(
        transport=Transport.TCP_CLIENT,
        settings={"host": "127.0.0.1", "port": port, **FAST_RECONNECT},
    )
    records = lines(30)
    served = iter(records)
    connections = []

    async def pbx():
        async def collector(reader, writer):
            connections.append(writer.get_extra_info("peername"))
            for record in [next(served, None) for _ in range(10)]:
                if record:
                    writer.write(frame("avaya-ipoffice", record))
            await writer.drain()
            writer.close()  # drop the link after ten records

        server = await asyncio.start_server(collector, "127.0.0.1", port)
        async with server:
            await server.serve_forever()

    capture_until([source], lambda: RawRecord.objects.count() >= 30, also=[pbx()])

    assert sorted(RawRecord.objects.values_list("line", flat=True)) == sorted(records)
    assert Call.objects.count() == 30
    assert list(RawRecord.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, 31)
    )
    assert len(connections) >= 3  # it reconnected after each drop
    source.refresh_from_db()
    assert source.capture_state == "idle"


def test_capture_logs_one_summary_line_a_minute_not_one_per_batch(caplog):
    """Batches every second for three minutes: three lines, counting every record."""
    now = [0.0]
    summary = CaptureSummary(
        "hq-ipo", time_zone=ZoneInfo("America/Argentina/Cordoba"), clock=lambda: now[0]
    )
    received_at = dt.datetime(2026, 11, 2, 23, 51, 3, tzinfo=dt.UTC)

    with caplog.at_level(logging.INFO, logger="capture.live"):
        for second in range(1, 181):
            now[0] = float(second)
            summary.add(7, received_at)

    assert [record.getMessage() for record in caplog.records] == [
        "hq-ipo: 420 records in the last 60 s, 420 since start; last 20:51:03",
        "hq-ipo: 420 records in the last 60 s, 840 since start; last 20:51:03",
        "hq-ipo: 420 records in the last 60 s, 1,260 since start; last 20:51:03",
    ]


def test_live_capture_logs_state_changes_and_a_summary_not_each_batch(caplog):
    port = free_port()
    source = SourceFactory(
        slug="hq-ipo", transport=Transport.TCP_SERVER, settings={"port": port, "bind": "127.0.0.1"}
    )
    pbx = SimulatedPbx(family="avaya-ipoffice", rate=200, limit=40, seed=5)

    with caplog.at_level(logging.INFO, logger="capture.live"):
        capture_until(
            [source], lambda: Call.objects.count() >= 40, also=[pbx.push("127.0.0.1", port, 0.05)]
        )

    messages = [record.getMessage() for record in caplog.records if record.name == "capture.live"]
    assert [message.split(" (")[0] for message in messages if "records" not in message] == [
        "hq-ipo: connecting",
        "hq-ipo: capturing",
        "hq-ipo: idle",
    ]
    summaries = [message for message in messages if "records" in message]
    assert len(summaries) == 1  # the capture stopped before a minute was out
    assert summaries[0].startswith("hq-ipo: 40 records in the last ")
    assert ", 40 since start; last " in summaries[0]


def test_the_capture_threads_close_their_database_connections_when_it_ends():
    """Left to the garbage collector, they kept PostgreSQL sessions open after the
    capture (and the test database from being dropped)."""

    def query():
        Source.objects.exists()
        return connections["default"]

    async def capture():
        use_database_threads()
        return await asyncio.to_thread(query)

    database = asyncio.run(capture())

    assert database is not connection  # another thread's
    assert database.connection is None


def test_tcp_server_takes_records_a_pbx_pushes():
    port = free_port()
    source = SourceFactory(
        transport=Transport.TCP_SERVER, settings={"port": port, "bind": "127.0.0.1"}
    )
    pbx = SimulatedPbx(family="avaya-ipoffice", rate=200, limit=40, seed=5)

    capture_until(
        [source], lambda: Call.objects.count() >= 40, also=[pbx.push("127.0.0.1", port, 0.05)]
    )

    assert RawRecord.objects.count() == 40
    assert Call.objects.count() == 40


def test_serial_port_on_a_pseudo_terminal(tmp_path):
    """A real pty pair: the PBX writes to one end, capture reads the other with pyserial."""
    controller, device = os.openpty()
    source = SourceFactory(
        transport=Transport.SERIAL,
        settings={"device": os.ttyname(device), "baud": 9600, "raw_log_dir": str(tmp_path)},
    )
    records = lines(12, seed=2)

    def pbx():
        # Opening the port sets its line discipline, which drops what the pty holds:
        # a record written before capture opened it was lost on a busy machine. So
        # write once the capture says it is connected (as a PBX would be cabled).
        deadline = time.monotonic() + 20
        while (
            time.monotonic() < deadline
            and not Source.objects.filter(
                pk=source.pk, capture_state=CaptureState.CAPTURING
            ).exists()
        ):
            time.sleep(0.05)
        connection.close()  # this thread's own
        for record in records:
            os.write(controller, frame("avaya-ipoffice", record))
            time.sleep(0.01)

    writer = threading.Thread(target=pbx)
    writer.start()
    try:
        capture_until([source], lambda: Call.objects.count() >= 12)
    finally:
        writer.join()
        os.close(controller)
        os.close(device)

    assert sorted(RawRecord.objects.values_list("line", flat=True)) == sorted(records)
    logged = b"".join(path.read_bytes() for path in tmp_path.glob("*.log"))
    assert logged.count(b"\r\n") == 12


def test_file_tail_follows_rotation(tmp_path):
    path = tmp_path / "Master.csv"
    first, second = lines(5, seed=3), lines(4, seed=4)
    path.write_bytes(b"".join(frame("avaya-ipoffice", line) for line in first[:3]))
    source = SourceFactory(transport=Transport.FILE, settings={"path": str(path)})

    def rotate():
        time.sleep(0.5)
        with path.open("ab") as handle:
            handle.write(b"".join(frame("avaya-ipoffice", line) for line in first[3:]))
        time.sleep(1.5)
        path.rename(tmp_path / "Master.csv.1")
        path.write_bytes(b"".join(frame("avaya-ipoffice", line) for line in second))

    rotator = threading.Thread(target=rotate)
    rotator.start()
    try:
        capture_until([source], lambda: RawRecord.objects.count() >= 9)
    finally:
        rotator.join()

    assert sorted(RawRecord.objects.values_list("line", flat=True)) == sorted(first + second)


def test_unreachable_pbx_is_shown_as_error():
    source = SourceFactory(
        transport=Transport.TCP_CLIENT,
        settings={"host": "127.0.0.1", "port": free_port(), **FAST_RECONNECT},
    )

    def done():
        return Source.objects.get(pk=source.pk).capture_state == "error"

    capture_until([source], done, timeout=10)

    source.refresh_from_db()
    assert "cannot connect to tcp://127.0.0.1" in source.capture_error


def test_a_link_failure_is_one_warning_line_with_its_retry(caplog):
    source = SourceFactory(
        slug="hq-ipo",
        transport=Transport.TCP_CLIENT,
        settings={"host": "127.0.0.1", "port": free_port(), **FAST_RECONNECT},
    )

    with caplog.at_level(logging.INFO):
        capture_until(
            [source],
            lambda: any("; reconnecting in" in record.getMessage() for record in caplog.records),
            timeout=10,
        )

    lines = [
        (record.levelname, record.getMessage())
        for record in caplog.records
        if record.name in ("capture.live", "smdr.runner")
    ]
    failures = [line for line in lines if "cannot connect" in line[1]]
    assert failures, lines
    assert "; reconnecting in " in failures[0][1]
    for level, message in failures:
        assert level == "WARNING"
        assert message.startswith("hq-ipo: cannot connect to tcp://127.0.0.1")
    assert not [message for _, message in lines if message.startswith("hq-ipo: reconnecting")]
    attempts = [message for _, message in lines if message.startswith("hq-ipo: connecting")]
    assert len(attempts) - len(failures) in (0, 1)  # the last may be cut by the stop


def test_only_live_sources_are_captured_by_default():
    live = SourceFactory(transport=Transport.TCP_CLIENT, settings={"host": "pbx", "port": 1})
    SourceFactory(transport=Transport.AGENT)
    SourceFactory(transport=Transport.FILE)  # no path: import only
    SourceFactory(transport=Transport.TCP_CLIENT, enabled=False)

    assert capturable_sources() == [live]
    with pytest.raises(ValueError, match="no source nope"):
        capturable_sources(["nope"])


def test_incomplete_settings_name_the_missing_one():
    source = SourceFactory(transport=Transport.TCP_CLIENT, settings={"host": "pbx"})

    with pytest.raises(ValueError, match="needs the setting 'port'"):
        capture_loop(source, ingest=raw_records_ingest)


def test_file_capture_after_a_restart_stores_nothing_twice(tmp_path):
    """A restarted capture reads the file from the top; lines already stored are skipped."""
    path = tmp_path / "Master.csv"
    records = lines(6, seed=6)
    path.write_bytes(b"".join(frame("avaya-ipoffice", line) for line in records))
    source = SourceFactory(transport=Transport.FILE, settings={"path": str(path)})

    capture_until([source], lambda: RawRecord.objects.count() >= 6)
    capture_until([source], lambda: False, timeout=1.5)  # the restart

    assert RawRecord.objects.count() == Call.objects.count() == 6


def test_folder_of_dropped_files_is_read_once_and_emptied(tmp_path):
    """CUCM-style delivery: whole files dropped in a folder, each read and moved away."""
    inbox = tmp_path / "cdr"
    inbox.mkdir()
    first, second = lines(4, seed=7), lines(3, seed=8)
    (inbox / "cdr_1").write_bytes(b"".join(frame("avaya-ipoffice", line) for line in first))
    (inbox / "cdr_2").write_bytes(b"".join(frame("avaya-ipoffice", line) for line in second))
    source = SourceFactory(
        transport=Transport.FILE, settings={"folder": str(inbox), "pattern": "cdr_*"}
    )

    # A file is moved away after its records are stored: wait for both.
    capture_until(
        [source],
        lambda: RawRecord.objects.count() >= 7 and not list(inbox.glob("cdr_*")),
        timeout=20,
    )

    assert sorted(RawRecord.objects.values_list("line", flat=True)) == sorted(first + second)
    assert sorted(path.name for path in (inbox / "processed").iterdir()) == ["cdr_1", "cdr_2"]
    assert not list(inbox.glob("cdr_*"))


def test_capture_command_names_unknown_sources():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="no source nope, zzz"):
        call_command("capture", "--source", "nope", "zzz")


def test_simulator_command_refuses_bad_arguments():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="HOST:PORT"):
        call_command("pbx_simulator", "--family", "avaya-ipoffice", "--push", "nowhere")
    with pytest.raises(CommandError, match="must be positive"):
        call_command("pbx_simulator", "--family", "avaya-ipoffice", "--rate", "0")


def test_the_simulators_help_lists_each_familys_login_and_framing():
    from capture.management.commands.pbx_simulator import Command
    from pbxsim.pbx import GENERATORS

    text = Command().create_parser("manage.py", "pbx_simulator").format_help()

    for family in GENERATORS:
        assert f"\n  {family} " in text
    assert "login: none; framing: CR LF-terminated lines" in text
    assert "0x84 PASSWORD NUL" in text and '"SMDR" CR LF, then PASSWORD' in text
    assert "NUL-terminated records" in text
    assert "(on --serial: CR LF-terminated lines)" in text  # a Mitel 5000's printer port
