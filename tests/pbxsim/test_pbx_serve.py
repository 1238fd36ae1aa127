"""The simulated PBX on the wire: its listener over a real socket on loopback, its
serial line on a pseudo-terminal."""

import asyncio
import os
import socket

from pbxsim.pbx import SimulatedPbx, frame
from smdr.framing import framer_for


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_cancelling_serve_ends_its_collectors_connections():
    """Nothing of a cancelled simulator is left pending for its loop to destroy (that
    showed as "Exception ignored in: <coroutine ... collector>" after the live tests)."""
    pbx = SimulatedPbx(family="avaya-ipoffice", rate=50, seed=3)
    port = free_port()

    async def scenario():
        ready = asyncio.Event()
        serving = asyncio.ensure_future(pbx.serve("127.0.0.1", port, ready))
        await ready.wait()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        await reader.readline()  # a collector is connected and being sent records
        serving.cancel()
        await asyncio.gather(serving, return_exceptions=True)
        left = asyncio.all_tasks() - {asyncio.current_task()}
        writer.close()
        return left

    assert asyncio.run(scenario()) == set()
    assert pbx.collectors == 0 and pbx.connections == 1


def test_a_mitel_5000_on_a_serial_line_sends_plain_lines_as_its_printer_port_does():
    """What ``smdr.framing.framer_for("mitel-5000", "serial")`` reads: no length prefix,
    which only the SMDR socket has."""
    controller, device = os.openpty()
    pbx = SimulatedPbx(family="mitel-5000", rate=3, limit=3, seed=2)
    try:
        asyncio.run(pbx.serial(os.ttyname(device)))
        sent = os.read(controller, 65536)
    finally:
        os.close(controller)
        os.close(device)

    serial_records = framer_for("mitel-5000", "serial").feed(sent)
    assert len(serial_records) == 3
    assert sent == b"".join(record + b"\r\n" for record in serial_records)
    assert all(record.decode().isprintable() for record in serial_records)  # no prefix
    assert framer_for("mitel-5000", "tcp-client").feed(frame("mitel-5000", "x")) == [b"x"]
