"""A simulated PBX: realistic records of a family, with its login and framing,
over TCP or a serial line. Used by ``make run``'s demo, the tests and benchmarks.

Modes: ``serve`` listens and sends to each collector that connects (Mitel 5000 and
Panasonic wait for their login first, as the real PBXs do); ``push`` connects to a
collector's listener, as IP Office and 3CX do; ``serial`` writes to a serial device
(or one end of a pseudo-terminal pair).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import struct
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from . import ALL_GENERATORS as GENERATORS  # every family the simulator plays

logger = logging.getLogger(__name__)

DEFAULT_EXTENSIONS = [str(number) for number in range(2000, 2048)]


def live_records(
    family: str, time_zone: ZoneInfo, extensions: list[str], seed: int
) -> Iterator[str]:
    """Records of ``family`` for calls of the last two minutes, forever."""
    generate = GENERATORS[family]
    batch = 0
    while True:
        now = dt.datetime.now(dt.UTC)
        yield from generate(
            count=20,
            start=now - dt.timedelta(minutes=2),
            end=now - dt.timedelta(seconds=1),
            extensions=extensions,
            time_zone=time_zone,
            seed=seed + batch,
        )
        batch += 1


# Each family's login and framing on the wire, as ``--help`` lists them (what
# :func:`expect_login` checks and :func:`frame` writes).
NO_LOGIN = "none"
CRLF_LINES = "CR LF-terminated lines"
WIRE_FORMATS = dict.fromkeys(GENERATORS, (NO_LOGIN, CRLF_LINES)) | {
    "mitel-5000": (
        "length-prefixed 0x84 PASSWORD NUL frame from the collector (none on --serial)",
        "4-byte little-endian length, then the record and CR LF (on --serial: " + CRLF_LINES + ")",
    ),
    "panasonic": ('"SMDR" CR LF, then PASSWORD CR LF, from the collector', CRLF_LINES),
    "samsung-officeserv": (NO_LOGIN, "NUL-terminated records"),
    "nec": (NO_LOGIN, CRLF_LINES + " (a NEXT line continues its call)"),
    "ericsson-md110": (NO_LOGIN, CRLF_LINES + ", each followed by three NULs"),
    "star-hash": (NO_LOGIN, CRLF_LINES + " (an outgoing call's accounting record follows it)"),
    "nec-neax": (NO_LOGIN, "STX, the record, ETX, with no line end"),
}


def wire_formats_help() -> str:
    """Every family's login and framing, one family a line (``--password`` sets the
    password those with a login expect)."""
    width = max(map(len, WIRE_FORMATS))
    lines = [
        f"  {family:<{width}}  login: {login}; framing: {framing}"
        for family, (login, framing) in sorted(WIRE_FORMATS.items())
    ]
    return "\n".join(["families, their login (--password) and framing:", *lines])


def frame(family: str, record: str, *, serial: bool = False) -> bytes:
    """One record as the family's PBX puts it on the wire (on a serial line with
    ``serial``: a Mitel 5000's printer port sends plain lines, as
    :func:`smdr.framing.framer_for` expects)."""
    payload = record.encode()
    if family == "mitel-5000" and not serial:  # 4-byte little-endian length, text, CR LF
        body = payload + b"\r\n"
        return struct.pack("<I", len(body)) + body
    if family == "samsung-officeserv":
        return payload + b"\x00"
    if family == "ericsson-md110":  # CR LF, then NUL padding (cappolicia.c:530-548)
        return payload + b"\r\n\x00\x00\x00"
    if family == "nec-neax":
        return b"\x02" + payload + b"\x03"
    return payload + b"\r\n"


async def expect_login(family: str, password: str, reader: asyncio.StreamReader) -> bool:
    """Read and check the collector's login, for the families that require one."""
    if family == "mitel-5000":
        (length,) = struct.unpack("<I", await reader.readexactly(4))
        body = await reader.readexactly(length)
        return body == b"\x84" + password.encode() + b"\x00"
    if family == "panasonic":
        first = await reader.readline()
        second = await reader.readline()
        return first.strip() == b"SMDR" and second.strip() == password.encode()
    return True


class SimulatedPbx:
    """Emits ``rate`` records per second of ``family`` to every connected collector."""

    def __init__(
        self,
        *,
        family: str,
        rate: float = 1.0,
        password: str = "",
        time_zone: str = "America/Argentina/Cordoba",
        extensions: list[str] | None = None,
        limit: int | None = None,
        seed: int = 0,
    ):
        if family not in GENERATORS:
            known = ", ".join(sorted(GENERATORS))
            raise ValueError(f"no record generator for {family!r} yet; available: {known}")
        self.family = family
        self.rate = rate
        self.password = password
        self.records = live_records(
            family, ZoneInfo(time_zone), extensions or DEFAULT_EXTENSIONS, seed
        )
        self.limit = limit
        self.sent = 0
        self.collectors = 0  # connected right now
        self.most_collectors = 0  # at the same time, ever: a second capture shows here
        self.connections = 0  # collectors logged in, ever: a reconnect shows here

    def _next_frames(self, count: int, *, serial: bool = False) -> bytes:
        return b"".join(frame(self.family, next(self.records), serial=serial) for _ in range(count))

    async def _emit(self, writer: asyncio.StreamWriter) -> None:
        """Send records at the configured rate until the limit or the peer goes."""
        interval = 0.1  # send in small bursts, ten a second
        owed = 0.0
        while self.limit is None or self.sent < self.limit:
            owed += self.rate * interval
            count = int(owed)
            if self.limit is not None:
                count = min(count, self.limit - self.sent)
            if count:
                owed -= count
                writer.write(self._next_frames(count))
                await writer.drain()
                self.sent += count
            await asyncio.sleep(interval)

    async def serve(self, host: str, port: int, ready: asyncio.Event | None = None) -> None:
        """Listen for collectors and send each the records, until cancelled; the
        collectors' connections end with it."""
        collectors: set[asyncio.Task] = set()

        async def collector(reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
            peer = writer.get_extra_info("peername")
            task = asyncio.current_task()
            if task:
                collectors.add(task)
            try:
                if not await expect_login(self.family, self.password, reader):
                    logger.warning("collector %s sent a wrong login; closing", peer)
                    return
                logger.info("collector %s connected", peer)
                self.collectors += 1
                self.connections += 1
                self.most_collectors = max(self.most_collectors, self.collectors)
                try:
                    await self._emit(writer)
                finally:
                    self.collectors -= 1
            except (ConnectionError, asyncio.IncompleteReadError):
                logger.info("collector %s went away", peer)
            finally:
                collectors.discard(task)
                writer.close()

        server = await asyncio.start_server(collector, host, port)
        if ready:
            ready.set()
        try:
            async with server:
                await server.serve_forever()
        finally:
            # Closing the server leaves its connections' tasks running (Python 3.11):
            # ended here, none is left pending to be destroyed with its loop, when
            # ``writer.close()`` fails on the closed loop ("Exception ignored in").
            for task in collectors:
                task.cancel()
            await asyncio.gather(*collectors, return_exceptions=True)

    async def push(self, host: str, port: int, retry_seconds: float = 5.0) -> None:
        while self.limit is None or self.sent < self.limit:
            try:
                _, writer = await asyncio.open_connection(host, port)
            except OSError as error:
                logger.info("collector %s:%s unreachable (%s); retrying", host, port, error)
                await asyncio.sleep(retry_seconds)
                continue
            try:
                await self._emit(writer)
            except ConnectionError:
                await asyncio.sleep(retry_seconds)
            finally:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()

    async def serial(self, device: str, baud: int = 9600) -> None:
        import serial  # pyserial

        port = serial.Serial(device, baudrate=baud)
        try:
            while self.limit is None or self.sent < self.limit:
                count = max(1, int(self.rate))
                if self.limit is not None:
                    count = min(count, self.limit - self.sent)
                await asyncio.to_thread(port.write, self._next_frames(count, serial=True))
                self.sent += count
                await asyncio.sleep(1)
        finally:
            port.close()
