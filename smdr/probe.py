"""Try a PBX link once, before a source is saved: open it for a bounded time, say what
happened step by step, and (to capture) keep the records that arrived.

A probe never raises: what went wrong is its last step, in plain words ("connection
refused by 127.0.0.1:6001", "port 6001 already in use"). It opens the link once and
never retries, so it ends within its ``seconds`` (plus a second to close).

Pure asyncio and pyserial, no Django. Its messages are English templates marked with
:func:`smdr.schema.gettext_noop` (so ``makemessages`` finds them) and filled from each step's
``params``: the centre translates the template, then fills it.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .dbpull import DatabasePull
from .framing import LineFramer, framer_for
from .schema import gettext_noop
from .transports import READ_SIZE, FileTail, FolderWatch, LinkError, Serial, TcpClient, TcpServer

DEFAULT_SECONDS = 10.0
MAX_RECORDS = 200
MAX_BYTES = 1024 * 1024  # a capture keeps at most this much, whatever the peer sends
SERIAL_POLL_SECONDS = 0.2


CONNECTED = gettext_noop("connected to %(address)s")
LOGIN_SENT = gettext_noop("login sent")
LOGIN_ACCEPTED = gettext_noop("login accepted: the PBX is sending")
LOGIN_REFUSED = gettext_noop(
    "the PBX closed the connection after the login without sending: check the password"
)
LISTENING = gettext_noop("listening on %(address)s")
PEER_CONNECTED = gettext_noop("PBX connected from %(peer)s")
NO_PEER = gettext_noop("no PBX connected in %(seconds)g s")
OPENED = gettext_noop("opened %(device)s at %(line)s")
RECEIVED = gettext_noop("%(bytes)d bytes received in %(seconds)g s")
NO_BYTES = gettext_noop("no bytes in %(seconds)g s")
CLOSED = gettext_noop("the PBX closed the connection")
BYTES_LIMIT = gettext_noop("stopped after %(bytes)d bytes, the most a capture keeps")
RECORDS = gettext_noop("%(count)d records framed")
REFUSED = gettext_noop("connection refused by %(address)s")
UNKNOWN_HOST = gettext_noop("unknown host %(host)s")
CANNOT_CONNECT = gettext_noop("cannot connect to %(address)s: %(reason)s")
TIMED_OUT = gettext_noop("timed out after %(seconds)g s")
PORT_IN_USE = gettext_noop("port %(port)d already in use (is a capture listening on it?)")
CANNOT_LISTEN = gettext_noop("cannot listen on %(address)s: %(reason)s")
NO_DEVICE = gettext_noop("no such device %(device)s")
CANNOT_OPEN = gettext_noop("cannot open %(device)s: %(reason)s")
LINK_BROKE = gettext_noop("the link broke: %(reason)s")
FILE_READABLE = gettext_noop("%(path)s exists and is readable (%(bytes)d bytes)")
NO_FILE = gettext_noop("no such file %(path)s")
FOLDER_READABLE = gettext_noop("%(path)s exists and is readable (files to read: %(count)d)")
NO_FOLDER = gettext_noop("no such folder %(path)s")
CANNOT_READ = gettext_noop("%(path)s cannot be read: %(reason)s")
TABLE_READABLE = gettext_noop(
    "connected to %(address)s: table %(table)s has %(count)d columns, read in the order of"
    " %(column)s"
)
FAILED = gettext_noop("the test failed: %(reason)s")


class Status:
    OK = "ok"
    WARNING = "warning"  # not wrong, maybe worth a look: an idle PBX sends nothing
    ERROR = "error"


@dataclass(frozen=True)
class Step:
    status: str
    message: str  # an English template of this module, filled from ``params``
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message % self.params


@dataclass
class ProbeResult:
    steps: list[Step] = field(default_factory=list)
    records: list[bytes] = field(default_factory=list)
    bytes_received: int = 0

    @property
    def ok(self) -> bool:
        """The link opened and nothing failed."""
        statuses = {step.status for step in self.steps}
        return Status.OK in statuses and Status.ERROR not in statuses


Link = TcpClient | TcpServer | Serial | FileTail | FolderWatch | DatabasePull


def link_probe(
    link: Link,
    family: str,
    *,
    seconds: float = DEFAULT_SECONDS,
    capture: bool = False,
    max_records: int = MAX_RECORDS,
    settings: Mapping[str, object] | None = None,
) -> ProbeResult:
    """Open ``link`` once for at most ``seconds``: until the first bytes, or, to
    ``capture``, until ``seconds`` are up or ``max_records`` are framed."""
    probe = _Probe(family, seconds, capture, max_records, settings or {})
    try:
        asyncio.run(asyncio.wait_for(probe.run(link), seconds + 1))
    except TimeoutError:
        probe.step(Status.ERROR, TIMED_OUT, seconds=round(seconds))
    except Exception as error:  # a probe answers; it never raises to its caller
        probe.step(Status.ERROR, FAILED, reason=f"{type(error).__name__}: {error}")
    return probe.result


class _Probe:
    def __init__(
        self,
        family: str,
        seconds: float,
        capture: bool,
        max_records: int,
        settings: Mapping[str, object],
    ):
        self.family = family
        self.settings = settings
        self.seconds = seconds
        self.capture = capture
        self.max_records = max_records
        self.result = ProbeResult()
        self.framer = framer_for(family, settings=settings)
        self.started = time.monotonic()

    def step(self, status: str, message: str, **params: Any) -> None:
        self.result.steps.append(Step(status, message, params))

    def remaining(self) -> float:
        return max(0.0, self.started + self.seconds - time.monotonic())

    def elapsed(self) -> float:
        return round(time.monotonic() - self.started, 1)

    def wants_more(self) -> bool:
        result = self.result
        if self.remaining() <= 0 or result.bytes_received >= MAX_BYTES:
            return False
        if not self.capture:
            return not result.bytes_received  # a test stops at the first bytes
        return len(result.records) < self.max_records

    def received(self, chunk: bytes) -> None:
        self.result.bytes_received += len(chunk)
        if self.capture:
            self.result.records.extend(self.framer.feed(chunk))

    def end_of_connection(self) -> None:
        if self.capture:
            self.result.records.extend(self.framer.flush())

    def report_bytes(self, *, closed: bool = False, logged_in: bool = False) -> None:
        self.end_of_connection()
        received = self.result.bytes_received
        if received and logged_in:
            self.step(Status.OK, LOGIN_ACCEPTED)
        if received:
            self.step(Status.OK, RECEIVED, bytes=received, seconds=self.elapsed())
        if closed:
            if logged_in and not received:
                self.step(Status.ERROR, LOGIN_REFUSED)
            else:
                self.step(Status.WARNING, CLOSED)
        elif not received:
            self.step(Status.WARNING, NO_BYTES, seconds=self.elapsed())
        if received >= MAX_BYTES:
            self.step(Status.WARNING, BYTES_LIMIT, bytes=received)
        if self.capture:
            del self.result.records[self.max_records :]
            self.step(Status.OK, RECORDS, count=len(self.result.records))

    async def run(self, link: Link) -> None:
        if isinstance(link, TcpClient):
            await self.tcp_client(link)
        elif isinstance(link, TcpServer):
            await self.tcp_server(link)
        elif isinstance(link, Serial):
            self.framer = framer_for(self.family, "serial", self.settings)
            await self.serial(link)
        elif isinstance(link, FolderWatch):
            self.folder(link)
        elif isinstance(link, DatabasePull):
            await self.database(link)
        else:
            self.file(link)

    async def tcp_client(self, link: TcpClient) -> None:
        address = f"{link.host}:{link.port}"
        wait = min(link.connect_timeout, self.remaining())
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(link.host, link.port), wait
            )
        except TimeoutError:
            return self.step(Status.ERROR, TIMED_OUT, seconds=round(wait, 1))
        except ConnectionRefusedError:
            return self.step(Status.ERROR, REFUSED, address=address)
        except socket.gaierror:
            return self.step(Status.ERROR, UNKNOWN_HOST, host=link.host)
        except OSError as error:
            reason = error.strerror or str(error)
            return self.step(Status.ERROR, CANNOT_CONNECT, address=address, reason=reason)
        self.step(Status.OK, CONNECTED, address=address)
        try:
            if link.login:
                writer.write(link.login)
                await writer.drain()
                self.step(Status.OK, LOGIN_SENT)
            closed = await self.read_stream(reader)
            self.report_bytes(closed=closed, logged_in=bool(link.login))
        except OSError as error:
            self.step(Status.ERROR, LINK_BROKE, reason=error.strerror or str(error))
        finally:
            writer.close()

    async def read_stream(self, reader: asyncio.StreamReader) -> bool:
        """Read until done; True when the peer closed the connection."""
        while self.wants_more():
            try:
                chunk = await asyncio.wait_for(reader.read(READ_SIZE), self.remaining())
            except TimeoutError:
                return False
            if not chunk:
                return True
            self.received(chunk)
        return False

    async def tcp_server(self, link: TcpServer) -> None:
        address = f"{link.host}:{link.port}"
        events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue(maxsize=64)
        writers: list[asyncio.StreamWriter] = []

        async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writers.append(writer)
            host, port = writer.get_extra_info("peername")[:2]
            await events.put(("peer", f"{host}:{port}"))
            try:
                while chunk := await reader.read(READ_SIZE):
                    await events.put(("data", chunk))  # bounded: a fast peer waits
            except OSError:
                pass
            finally:
                await events.put(("closed", None))
                writer.close()

        try:
            # No reuse_port: a port a capture already listens on is refused, not shared.
            server = await asyncio.start_server(accept, link.host, link.port)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return self.step(Status.ERROR, PORT_IN_USE, port=link.port)
            reason = error.strerror or str(error)
            return self.step(Status.ERROR, CANNOT_LISTEN, address=address, reason=reason)
        self.step(Status.OK, LISTENING, address=address)
        peers = 0
        try:
            while self.wants_more():
                try:
                    kind, value = await asyncio.wait_for(events.get(), self.remaining())
                except TimeoutError:
                    break
                if kind == "peer":
                    peers += 1
                    self.step(Status.OK, PEER_CONNECTED, peer=value)
                elif kind == "data":
                    self.received(value)
                else:
                    self.end_of_connection()
        finally:
            server.close()
            for writer in writers:
                writer.close()
        if peers:
            self.report_bytes()
        else:
            self.step(Status.WARNING, NO_PEER, seconds=self.elapsed())

    async def serial(self, link: Serial) -> None:
        import serial  # pyserial; imported here so TCP-only installs need not load it

        try:
            port = await asyncio.to_thread(
                serial.Serial,
                link.device,
                baudrate=link.baud,
                bytesize=link.bytesize,
                parity=link.parity,
                stopbits=link.stopbits,
                timeout=SERIAL_POLL_SECONDS,
            )
        except (serial.SerialException, ValueError, OSError) as error:
            if getattr(error, "errno", None) == errno.ENOENT:
                return self.step(Status.ERROR, NO_DEVICE, device=link.device)
            return self.step(Status.ERROR, CANNOT_OPEN, device=link.device, reason=str(error))
        line = f"{link.baud} {link.bytesize}{link.parity}{link.stopbits:g}"
        self.step(Status.OK, OPENED, device=link.device, line=line)
        try:
            while self.wants_more():
                chunk = await asyncio.to_thread(port.read, READ_SIZE)
                if chunk:
                    self.received(chunk)
            self.report_bytes()
        except (serial.SerialException, OSError) as error:
            self.step(Status.ERROR, LINK_BROKE, reason=str(error))
        finally:
            await asyncio.to_thread(port.close)

    def file(self, link: FileTail) -> None:
        path = Path(link.path)
        if not path.is_file():
            return self.step(Status.ERROR, NO_FILE, path=link.path)
        try:
            with path.open("rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                if self.capture:  # the records at its end, as the PBX wrote them last
                    handle.seek(max(0, size - MAX_BYTES))
                    tail = handle.read(MAX_BYTES)
                    if size > MAX_BYTES:  # the first line is cut: drop it
                        tail = tail.partition(b"\n")[2]
                    self.received(tail)
        except OSError as error:
            reason = error.strerror or str(error)
            return self.step(Status.ERROR, CANNOT_READ, path=link.path, reason=reason)
        self.step(Status.OK, FILE_READABLE, path=link.path, bytes=size)
        if self.capture:
            self.end_of_connection()
            del self.result.records[: -self.max_records]  # the last ones
            self.step(Status.OK, RECORDS, count=len(self.result.records))

    async def database(self, link: DatabasePull) -> None:
        """Connect and read the table's columns; to capture, its first rows (a row is a
        JSON line, whatever the family's framing on a wire)."""
        self.framer = LineFramer()
        try:
            async with link.open() as chunks:
                self.step(
                    Status.OK,
                    TABLE_READABLE,
                    address=link.address.describe(),
                    table=link.table,
                    count=len(link.columns),
                    column=link.column,
                )
                if not self.capture:
                    return
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.remaining()):
                        async for chunk in chunks:
                            self.received(chunk)
                            if not self.wants_more():
                                break
        except LinkError as error:
            return self.step(Status.ERROR, FAILED, reason=str(error))
        del self.result.records[self.max_records :]
        self.step(Status.OK, RECORDS, count=len(self.result.records))

    def folder(self, link: FolderWatch) -> None:
        folder = Path(link.folder)
        if not folder.is_dir():
            return self.step(Status.ERROR, NO_FOLDER, path=link.folder)
        try:
            count = sum(1 for path in folder.glob(link.pattern) if path.is_file())
        except OSError as error:
            reason = error.strerror or str(error)
            return self.step(Status.ERROR, CANNOT_READ, path=link.folder, reason=reason)
        if not os.access(folder, os.R_OK | os.X_OK):
            reason = os.strerror(errno.EACCES)
            return self.step(Status.ERROR, CANNOT_READ, path=link.folder, reason=reason)
        self.step(Status.OK, FOLDER_READABLE, path=link.folder, count=count)
