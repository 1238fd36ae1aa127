"""smdr.probe: a link opened once on loopback, what happened said step by step."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading
import time

from pbxsim.pbx import SimulatedPbx, frame
from smdr.probe import ProbeResult, link_probe
from smdr.transports import FileTail, FolderWatch, Serial, TcpClient, TcpServer, login_for

DEADLINE = 20.0
IP_OFFICE_CALL = (
    "2024/05/02 10:15:00,00:01:05,4,2001,O,04234567,04234567,77,0,1000200,0,"
    "E2001,Ana,T9001,Line 1.1,0,0,1,4455,Ana,120,ARS,100,12,10,100,150,U Xfd,Extn2002,"
    "2002,192.168.0.10,1234,192.168.0.11,5678,2024/05/02 13:16:09"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def messages(result: ProbeResult) -> list[str]:
    return [str(step) for step in result.steps]


@contextlib.contextmanager
def simulator(family: str, *, password: str = "", rate: float = 200, limit: int | None = None):
    """A pbxsim PBX serving on a loopback port, in a thread of its own; yields the port."""
    port = free_port()
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    stopping = asyncio.Event()
    pbx = SimulatedPbx(family=family, rate=rate, password=password, limit=limit, seed=5)

    async def serve():
        started = asyncio.Event()
        server = asyncio.ensure_future(pbx.serve("127.0.0.1", port, started))
        await started.wait()
        ready.set()
        await stopping.wait()
        others = {server, *asyncio.all_tasks()} - {asyncio.current_task()}  # and collectors
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(DEADLINE)
    try:
        yield port
    finally:
        loop.call_soon_threadsafe(stopping.set)
        thread.join(DEADLINE)
        loop.close()


@contextlib.contextmanager
def raw_server(handle):
    """A plain TCP server on loopback whose one connection ``handle(conn)`` serves."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def run():
        conn, _ = listener.accept()
        with conn, contextlib.suppress(OSError):
            handle(conn)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        listener.close()
        thread.join(DEADLINE)


def test_tcp_client_with_login_says_connected_login_and_bytes():
    with simulator("mitel-5000", password="s3cret") as port:
        link = TcpClient("127.0.0.1", port, login=login_for("mitel-5000", "s3cret"))
        result = link_probe(link, "mitel-5000")

    steps = messages(result)
    assert steps[:3] == [
        f"connected to 127.0.0.1:{port}",
        "login sent",
        "login accepted: the PBX is sending",
    ]
    assert steps[3].startswith(f"{result.bytes_received} bytes received in ")
    assert result.ok and result.bytes_received > 0
    assert result.records == []  # a test keeps no records


def test_a_capture_frames_the_records_of_the_family():
    with simulator("mitel-5000", password="s3cret") as port:
        link = TcpClient("127.0.0.1", port, login=login_for("mitel-5000", "s3cret"))
        result = link_probe(link, "mitel-5000", seconds=DEADLINE, capture=True, max_records=5)

    assert len(result.records) == 5  # ended by the record limit, not the time
    assert all(b"\r\n" not in record and len(record) > 40 for record in result.records)
    assert messages(result)[-1] == "5 records framed"


def test_a_wrong_password_is_said_so():
    with simulator("panasonic", password="s3cret") as port:
        link = TcpClient("127.0.0.1", port, login=login_for("panasonic", "wrong"))
        result = link_probe(link, "panasonic")

    assert not result.ok
    assert messages(result)[-1] == (
        "the PBX closed the connection after the login without sending: check the password"
    )


def test_a_refused_port():
    port = free_port()
    result = link_probe(TcpClient("127.0.0.1", port), "avaya-ipoffice")

    assert not result.ok
    assert messages(result) == [f"connection refused by 127.0.0.1:{port}"]


def test_an_idle_link_says_no_bytes():
    with raw_server(lambda conn: conn.recv(1)) as port:  # holds the line, sends nothing
        result = link_probe(TcpClient("127.0.0.1", port), "avaya-ipoffice", seconds=0.3)

    assert result.ok  # an idle PBX is no failure
    assert messages(result)[-1].startswith("no bytes in ")


def test_a_hostile_endless_line_is_cut_and_bounded():
    def endless(conn):
        chunk = b"A" * 65536
        while True:
            conn.sendall(chunk)

    with raw_server(endless) as port:
        link = TcpClient("127.0.0.1", port)
        result = link_probe(link, "avaya-ipoffice", seconds=DEADLINE, capture=True)

    assert 1024 * 1024 <= result.bytes_received < 2 * 1024 * 1024
    assert {len(record) for record in result.records} == {64 * 1024}  # the framer's cut
    assert "stopped after" in messages(result)[-2]


def test_tcp_server_says_listening_who_connected_and_bytes():
    port = free_port()
    results: list[ProbeResult] = []
    probe = threading.Thread(
        target=lambda: results.append(link_probe(TcpServer("127.0.0.1", port), "3cx"))
    )
    probe.start()
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:  # the PBX pushes once the probe listens
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE) as pbx:
                pbx.sendall(frame("avaya-ipoffice", IP_OFFICE_CALL))
                probe.join(DEADLINE)
            break
        except ConnectionRefusedError:
            time.sleep(0.02)
    probe.join(DEADLINE)

    steps = messages(results[0])
    assert steps[0] == f"listening on 127.0.0.1:{port}"
    assert steps[1].startswith("PBX connected from 127.0.0.1:")
    assert steps[2].startswith(f"{len(IP_OFFICE_CALL) + 2} bytes received in ")
    assert results[0].ok


def test_a_port_a_capture_listens_on_is_in_use():
    with socket.create_server(("0.0.0.0", 0)) as capture:  # noqa: S104 (as a capture binds)
        port = capture.getsockname()[1]
        wildcard = link_probe(TcpServer("0.0.0.0", port), "3cx")  # noqa: S104
        loopback = link_probe(TcpServer("127.0.0.1", port), "3cx")

    expected = [f"port {port} already in use (is a capture listening on it?)"]
    assert messages(wildcard) == messages(loopback) == expected
    assert not wildcard.ok


def test_serial_over_a_pty_says_opened_and_bytes():
    controller, device = os.openpty()
    name = os.ttyname(device)
    done = threading.Event()

    def pbx():
        # Opening the port drops what the pty holds: write until the probe has read.
        deadline = time.monotonic() + DEADLINE
        while not done.is_set() and time.monotonic() < deadline:
            os.write(controller, frame("avaya-ipoffice", IP_OFFICE_CALL))
            done.wait(0.05)

    writer = threading.Thread(target=pbx)
    writer.start()
    try:
        result = link_probe(Serial(name), "avaya-ipoffice", seconds=DEADLINE)
    finally:
        done.set()
        writer.join(DEADLINE)
        os.close(controller)
        os.close(device)

    steps = messages(result)
    assert steps[0] == f"opened {name} at 9600 8N1"
    assert " bytes received in " in steps[1]
    assert result.ok


def test_a_missing_serial_device():
    result = link_probe(Serial("/dev/ttyUSB9"), "avaya-ipoffice")

    assert messages(result) == ["no such device /dev/ttyUSB9"]
    assert not result.ok


def test_files_and_folders_say_whether_they_can_be_read(tmp_path):
    master = tmp_path / "Master.csv"
    master.write_bytes(b"a,b\r\nc,d\r\n")

    readable = link_probe(FileTail(str(master)), "asterisk-csv")
    captured = link_probe(FileTail(str(master)), "asterisk-csv", capture=True)
    missing = link_probe(FileTail(str(tmp_path / "none.csv")), "asterisk-csv")
    folder = link_probe(FolderWatch(str(tmp_path), pattern="*.csv"), "cisco-cucm")
    no_folder = link_probe(FolderWatch(str(tmp_path / "cdr")), "cisco-cucm")

    assert messages(readable) == [f"{master} exists and is readable (10 bytes)"]
    assert captured.records == [b"a,b", b"c,d"]
    assert messages(missing) == [f"no such file {tmp_path / 'none.csv'}"]
    assert messages(folder) == [f"{tmp_path} exists and is readable (files to read: 1)"]
    assert messages(no_folder) == [f"no such folder {tmp_path / 'cdr'}"]
    assert readable.ok and folder.ok and not missing.ok and not no_folder.ok
