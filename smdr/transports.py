"""How bytes arrive from a PBX: TCP client (with the family's login), TCP listener,
serial port and file tail. Pure asyncio and pyserial, no Django: the remote agent
uses this module too.

A transport is an async context manager that opens the link and yields an async
iterator of byte chunks; it raises :class:`LinkError` (with a message fit for a log
line) when the link cannot be opened or breaks. Reconnecting with a growing delay
is the job of :mod:`smdr.runner`, not of the transports.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import struct
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol, Union

from .schema import Kind, Schema, Setting, SettingsError, gettext_noop, schema

if TYPE_CHECKING:
    import serial

    from .dbpull import DatabasePull, Stored

logger = logging.getLogger(__name__)

READ_SIZE = 65536


class LinkError(ConnectionError):
    """The link to the PBX could not be opened or broke; the message says why."""


class Transport(Protocol):
    """What the capture loop needs of a link: its name for logs, and a way to open it."""

    def describe(self) -> str: ...

    def open(self) -> contextlib.AbstractAsyncContextManager[AsyncIterator[bytes]]: ...


def mitel_login(password: str) -> bytes:
    """Mitel 5000 SMDR socket login: 4-byte little-endian length, 0x84, password, NUL.

    The length counts the bytes after it (pbx-formats.md section 1.1).
    """
    body = b"\x84" + password.encode("ascii") + b"\x00"
    return struct.pack("<I", len(body)) + body


def panasonic_login(password: str) -> bytes:
    """Panasonic KX-TDA/NS SMDR over TCP: ``SMDR`` then the password, each a line."""
    return b"SMDR\r\n" + password.encode("ascii") + b"\r\n"


LOGINS: dict[str, Callable[[str], bytes]] = {
    "mitel-5000": mitel_login,
    "panasonic": panasonic_login,
}


def login_for(family: str, password: str) -> bytes | None:
    """The bytes a collector sends after connecting to a PBX of ``family``, if any."""
    make = LOGINS.get(family)
    return make(password) if make else None


@dataclass
class TcpClient:
    """We connect to the PBX (Mitel 5000, Panasonic, IP Office in listen mode)."""

    host: str
    port: int
    login: bytes | None = None
    connect_timeout: float = 10.0
    read_timeout: float = 600.0  # an idle PBX at night is normal; a dead link is not

    def describe(self) -> str:
        return f"tcp://{self.host}:{self.port}"

    @contextlib.asynccontextmanager
    async def open(self) -> AsyncIterator[AsyncIterator[bytes]]:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port), self.connect_timeout
            )
        except (OSError, TimeoutError) as error:
            reason = error or "timed out"
            raise LinkError(f"cannot connect to {self.describe()}: {reason}") from None
        try:
            if self.login:
                writer.write(self.login)
                await writer.drain()
            yield _read_stream(reader, self.read_timeout, self.describe())
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def _read_stream(
    reader: asyncio.StreamReader, timeout: float, name: str
) -> AsyncIterator[bytes]:
    while True:
        try:
            chunk = await asyncio.wait_for(reader.read(READ_SIZE), timeout)
        except TimeoutError:
            raise LinkError(f"{name}: nothing received for {timeout:.0f} s") from None
        except OSError as error:
            raise LinkError(f"{name}: {error}") from None
        if not chunk:
            raise LinkError(f"{name}: the PBX closed the connection")
        yield chunk


@dataclass
class TcpServer:
    """The PBX connects to us and pushes records (IP Office, 3CX).

    A PBX keeps one connection open; should several arrive at once, their chunks
    would interleave, so an empty chunk marks the end of each connection (the
    runner flushes its framer there) and PBXs are expected to connect one at a time.
    """

    host: str
    port: int
    read_timeout: float = 3600.0

    def describe(self) -> str:
        return f"listen tcp://{self.host}:{self.port}"

    @contextlib.asynccontextmanager
    async def open(self) -> AsyncIterator[AsyncIterator[bytes]]:
        queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=1000)

        async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            peer = writer.get_extra_info("peername")
            logger.info("%s: PBX connected from %s", self.describe(), peer)
            try:
                async for chunk in _read_stream(reader, self.read_timeout, str(peer)):
                    await queue.put(chunk)
            except LinkError as error:
                logger.info("%s: %s", self.describe(), error)
            finally:
                await queue.put(None)  # end of this connection: flush its framer
                writer.close()

        try:
            server = await asyncio.start_server(accept, self.host, self.port)
        except OSError as error:
            raise LinkError(f"cannot listen on {self.host}:{self.port}: {error}") from None
        try:
            yield _queue_chunks(queue)
        finally:
            server.close()
            await server.wait_closed()


async def _queue_chunks(queue: asyncio.Queue[bytes | None]) -> AsyncIterator[bytes]:
    while True:
        chunk = await queue.get()
        yield b"" if chunk is None else chunk


@dataclass
class Serial:
    """A serial port (RS-232 SMDR output), read through pyserial in a thread."""

    device: str
    baud: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: float = 1
    read_timeout: float = 1.0

    def describe(self) -> str:
        return f"serial {self.device} {self.baud} {self.bytesize}{self.parity}{self.stopbits:g}"

    @contextlib.asynccontextmanager
    async def open(self) -> AsyncIterator[AsyncIterator[bytes]]:
        import serial  # pyserial; imported here so TCP-only installs need not load it

        try:
            port = await asyncio.to_thread(
                serial.Serial,
                self.device,
                baudrate=self.baud,
                bytesize=self.bytesize,
                parity=self.parity,
                stopbits=self.stopbits,
                timeout=self.read_timeout,
            )
        except (serial.SerialException, ValueError) as error:
            raise LinkError(f"cannot open {self.describe()}: {error}") from None
        try:
            yield self._chunks(port, serial.SerialException)
        finally:
            await asyncio.to_thread(port.close)

    async def _chunks(
        self, port: serial.Serial, serial_error: type[Exception]
    ) -> AsyncIterator[bytes]:
        while True:
            try:
                chunk = await asyncio.to_thread(port.read, READ_SIZE)
            except (serial_error, OSError) as error:
                raise LinkError(f"{self.describe()}: {error}") from None
            if chunk:
                yield chunk


@dataclass
class FileTail:
    """A file the PBX (or a PBX-side tool) appends to: Asterisk or FreeSWITCH Master.csv.

    Follows rotation: when the file at ``path`` is replaced or truncated, reading
    starts again at the top of the new file. ``offset`` is where to resume, so a
    restart does not read the file again from the beginning.
    """

    path: str
    poll_seconds: float = 1.0
    offset: int = 0

    def describe(self) -> str:
        return f"file {self.path}"

    @contextlib.asynccontextmanager
    async def open(self) -> AsyncIterator[AsyncIterator[bytes]]:
        yield self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        path = Path(self.path)
        handle: BinaryIO | None = None
        inode = None
        try:
            while True:
                try:
                    stat = path.stat()
                except FileNotFoundError:
                    await asyncio.sleep(self.poll_seconds)
                    continue
                if handle is None or stat.st_ino != inode or stat.st_size < self.offset:
                    if handle is not None:  # rotated: finish the old file first
                        rest = handle.read()
                        if rest:
                            yield rest
                        yield b""  # end of that file: flush its framer
                        handle.close()
                        self.offset = 0
                    handle = open(path, "rb")  # noqa: SIM115 (kept open while tailing)
                    inode = stat.st_ino
                    handle.seek(min(self.offset, stat.st_size))
                chunk = handle.read(READ_SIZE)
                if chunk:
                    self.offset = handle.tell()
                    yield chunk
                else:
                    await asyncio.sleep(self.poll_seconds)
        finally:
            if handle is not None:
                handle.close()


@dataclass
class FolderWatch:
    """A folder where whole files of records are dropped (CUCM's billing server, by SFTP).

    Files matching ``pattern`` are read oldest name first, each to its end (an empty
    chunk then marks the end of the file), and moved to ``processed`` afterwards. A
    file seen still growing is left for the next poll.
    """

    folder: str
    pattern: str = "*"
    processed: str = ""
    poll_seconds: float = 2.0

    def describe(self) -> str:
        return f"folder {self.folder}/{self.pattern}"

    @contextlib.asynccontextmanager
    async def open(self) -> AsyncIterator[AsyncIterator[bytes]]:
        folder = Path(self.folder)
        if not folder.is_dir():
            raise LinkError(f"{self.describe()}: no such folder")
        done = Path(self.processed) if self.processed else folder / "processed"
        done.mkdir(parents=True, exist_ok=True)
        yield self._chunks(folder, done)

    async def _chunks(self, folder: Path, done: Path) -> AsyncIterator[bytes]:
        sizes: dict[Path, int] = {}
        while True:
            for path in sorted(p for p in folder.glob(self.pattern) if p.is_file()):
                size = path.stat().st_size
                if sizes.get(path) != size:  # new or still being written: look again later
                    sizes[path] = size
                    continue
                yield await asyncio.to_thread(path.read_bytes)
                yield b""  # end of this file: flush its framer
                await asyncio.to_thread(path.replace, done / path.name)
                sizes.pop(path, None)
            await asyncio.sleep(self.poll_seconds)


def family_serial_defaults(family: str, settings: Mapping[str, Any]) -> Mapping[str, object]:
    """The usual serial line of ``family`` for a source with these ``settings`` (its parser
    options among them); empty for an unknown family or one on 9600 8N1."""
    from .parsers import PARSERS  # the parser registry; no cycle at import time

    parser = PARSERS.get(family)
    if parser is None:
        return {}
    try:
        return {
            key: value
            for key, value in parser.serial_defaults_for(settings).items()
            if key in SERIAL_KEYS
        }
    except (TypeError, ValueError):
        return {}


AnyTransport = Union[TcpClient, TcpServer, Serial, FolderWatch, FileTail, "DatabasePull"]


def transport_from_settings(
    transport: str,
    family: str,
    settings: Mapping[str, Any],
    *,
    stored: Callable[[str, str], Stored] | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> AnyTransport:
    """Build the transport a source's settings describe; ValueError names a bad setting.

    ``settings`` is the source's JSON, so its values are of any type until checked here.
    ``stored`` is where a ``database`` transport resumes from, ``on_warning`` hears of
    its cursor going back (``smdr.dbpull``).
    """
    try:
        if transport == "tcp-client":
            return TcpClient(
                host=settings["host"],
                port=int(settings["port"]),
                login=login_for(family, settings.get("password", "")),
                connect_timeout=float(settings.get("connect_timeout", 10)),
                read_timeout=float(settings.get("read_timeout", 600)),
            )
        if transport == "tcp-server":
            return TcpServer(
                host=settings.get("bind", "0.0.0.0"),  # noqa: S104 (a PBX pushes to us)
                port=int(settings["port"]),
            )
        if transport == "serial":
            line = {**family_serial_defaults(family, settings), **settings}
            return Serial(
                device=settings["device"],
                baud=int(line.get("baud", 9600)),
                bytesize=int(line.get("bytesize", 8)),
                parity=str(line.get("parity", "N")),
                stopbits=float(line.get("stopbits", 1)),
            )
        if transport == "file" and settings.get("folder"):
            return FolderWatch(
                folder=os.fspath(settings["folder"]),
                pattern=settings.get("pattern", "*"),
                processed=settings.get("processed", ""),
            )
        if transport == "file":
            return FileTail(path=os.fspath(settings["path"]))
        if transport == "database":
            from .dbpull import DEFAULT_TABLE, DatabasePull

            pull = DatabasePull(
                url=settings["url"],
                table=str(settings.get("table") or DEFAULT_TABLE),
                cursor_column=str(settings.get("cursor_column") or ""),
                poll_seconds=float(settings.get("poll_seconds", 30)),
                overlap_rows=int(settings.get("overlap_rows", 1000)),
                batch_rows=int(settings.get("batch_rows", 1000)),
                time_column=str(settings.get("time_column") or ""),
                overlap_minutes=int(settings.get("overlap_minutes", 60)),
            )
            if stored is not None:
                pull.stored = stored
            if on_warning is not None:
                pull.on_warning = on_warning
            return pull
    except SettingsError:
        raise  # already names the setting and the fix
    except KeyError as missing:
        raise ValueError(f"transport {transport!r} needs the setting {missing}") from None
    except (TypeError, ValueError) as error:
        raise ValueError(f"transport {transport!r}: bad setting ({error})") from None
    raise ValueError(f"transport {transport!r} is not captured by this process")


SERIAL_KEYS = ("baud", "bytesize", "parity", "stopbits")


def serial_schema(defaults: Mapping[str, object] | None = None) -> Schema:
    """The serial transport's settings, with a family's usual line as the defaults
    (``Parser.serial_defaults``; missing keys: 9600 8N1)."""
    defaults = defaults or {}
    return schema(
        Setting(
            "device", Kind.TEXT, help=gettext_noop("e.g. /dev/ttyUSB0 or COM3."), required=True
        ),
        Setting(
            "baud",
            Kind.INT,
            defaults.get("baud", 9600),
            gettext_noop("Bits per second, as set on the PBX."),
            low=50,
            high=4000000,
        ),
        Setting(
            "bytesize",
            Kind.INT,
            defaults.get("bytesize", 8),
            gettext_noop("Data bits."),
            low=5,
            high=8,
        ),
        Setting(
            "parity",
            Kind.CHOICE,
            defaults.get("parity", "N"),
            gettext_noop("N (none), E (even), O (odd), M (mark), S (space)."),
            ("N", "E", "O", "M", "S"),
        ),
        Setting(
            "stopbits",
            Kind.FLOAT,
            defaults.get("stopbits", 1),
            gettext_noop("Stop bits: 1, 1.5 or 2."),
            low=1,
            high=2,
        ),
    )


_PORT = Setting("port", Kind.INT, help=gettext_noop("TCP port."), low=1, high=65535, required=True)
_TIMEOUTS = (
    Setting(
        "connect_timeout",
        Kind.FLOAT,
        10.0,
        gettext_noop("Seconds to wait for a connection."),
        low=0.001,
        high=600,
    ),
    Setting(
        "read_timeout",
        Kind.FLOAT,
        600.0,
        gettext_noop("Seconds without a byte after which the link is taken as dead."),
        low=0.001,
        high=86400,
    ),
)

# What each transport reads from a source's settings (transport_from_settings, the
# agent's file tail). "agent" sources are captured by the agent, whose TOML holds
# the link's settings: the centre keeps none for them.
TRANSPORT_SCHEMAS: dict[str, Schema] = {
    "tcp-client": schema(
        Setting(
            "host", Kind.TEXT, help=gettext_noop("The PBX's address (name or IP)."), required=True
        ),
        _PORT,
        Setting(
            "password",
            Kind.SECRET,
            "",
            gettext_noop("SMDR password sent after connecting (Mitel 5000, Panasonic)."),
        ),
        _TIMEOUTS,
    ),
    "tcp-server": schema(
        Setting("bind", Kind.TEXT, "0.0.0.0", gettext_noop("The local address to listen on.")),  # noqa: S104
        _PORT,
    ),
    "serial": serial_schema(),
    "file": schema(
        Setting("path", Kind.TEXT, help=gettext_noop("A file to follow as it grows (Master.csv).")),
        Setting(
            "folder",
            Kind.TEXT,
            help=gettext_noop("Or a folder where whole files are dropped (CUCM)."),
        ),
        Setting("pattern", Kind.TEXT, "*", gettext_noop("Names of the files read in the folder.")),
        Setting(
            "processed",
            Kind.TEXT,
            "",
            gettext_noop("Where read files go (default: folder/processed)."),
        ),
        Setting(
            "poll_seconds",
            Kind.FLOAT,
            1.0,
            gettext_noop("How often to look for more."),
            low=0.001,
            high=3600,
        ),
    ),
    "database": schema(
        Setting(
            "url",
            Kind.SECRET,
            help=gettext_noop(
                "The CDR database: mysql://user:password@host:3306/asteriskcdrdb or"
                " postgres://user:password@host:5432/freeswitch (a read-only user)."
            ),
            required=True,
        ),
        Setting("table", Kind.TEXT, "cdr", gettext_noop("The table of call records.")),
        Setting(
            "cursor_column",
            Kind.TEXT,
            "",
            gettext_noop(
                "A column that only grows, read in its order (empty: sequence where the"
                " table has it, else uniqueid)."
            ),
        ),
        Setting(
            "poll_seconds",
            Kind.FLOAT,
            30.0,
            gettext_noop("How often to look for new rows."),
            low=0.001,
            high=86400,
        ),
        Setting(
            "overlap_rows",
            Kind.INT,
            1000,
            gettext_noop(
                "Rows below the last one stored read again each poll, for rows written"
                " late (long calls); those already stored are skipped."
            ),
            low=0,
            high=1000000,
        ),
        Setting(
            "batch_rows",
            Kind.INT,
            1000,
            gettext_noop("Rows read and stored at a time."),
            low=1,
            high=100000,
        ),
        Setting(
            "time_column",
            Kind.TEXT,
            "",
            gettext_noop(
                "The time of a row, for rows whose cursor went back (Asterisk restarted):"
                " empty for calldate, end_stamp or start_stamp; none for no such check."
            ),
        ),
        Setting(
            "overlap_minutes",
            Kind.INT,
            60,
            gettext_noop(
                "Rows from this many minutes before the newest one stored are read again"
                " each poll by their time; those already stored are skipped."
            ),
            low=0,
            high=10080,
        ),
    ),
    "agent": Schema(),
}
