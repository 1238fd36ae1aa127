"""The simulated PBX's listener, over a real socket on loopback."""

import asyncio
import socket

from pbxsim.pbx import SimulatedPbx


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
