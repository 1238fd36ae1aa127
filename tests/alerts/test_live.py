"""An emergency call captured live over TCP reaches the webhook within 5 s."""

import asyncio
import datetime as dt
import time

import pytest

from alerts.models import AlertRule
from capture.models import Transport
from tests.alerts.conftest import avaya_line
from tests.capture.test_live_capture import capture_until, free_port
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_emergency_call_captured_over_tcp_reaches_the_webhook_within_5_seconds(plan, receiver):
    port = free_port()
    source = SourceFactory(
        transport=Transport.TCP_SERVER,
        settings={"port": port, "bind": "127.0.0.1"},
        site__rate_plan=plan,
    )
    AlertRule.objects.create(
        name="Security desk",
        kind="emergency",
        params={},
        channels=[{"type": "webhook", "url": receiver.url}],
    )
    line = avaya_line(dt.datetime(2026, 11, 3, 3, 0), "0911", seconds=0)  # noqa: DTZ001
    sent: list[float] = []

    async def pbx():
        """The PBX connects to the centre's port, prints one record and hangs up."""
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                break
            except OSError:
                await asyncio.sleep(0.05)
        sent.append(time.monotonic())
        writer.write(line.encode() + b"\r\n")
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    capture_until([source], lambda: bool(receiver.requests), also=[pbx()], timeout=15.0)

    assert len(receiver.requests) == 1
    delay = receiver.requests[0]["arrived"] - sent[0]
    print(f"\nlive TCP capture to webhook: {delay * 1000:.0f} ms")
    assert delay < 5.0
