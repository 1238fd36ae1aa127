"""Following a file the PBX writes (Asterisk's Master.csv, say) so that a restart, even
after SIGKILL, resumes exactly after the last record stored.

:class:`smdr.transports.FileTail` reads the file; this wrapper hands its bytes on
only up to the last record terminator and keeps ``position``: the file and offset
where the last whole record handed on ends. The agent commits that position in the
same spool transaction as the records, so no record is read twice or skipped.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path

from smdr.framing import DEFAULT_MAX_LINE
from smdr.transports import FileTail

from .spool import FilePosition

logger = logging.getLogger(__name__)


class ResumableFileTail:
    """A file transport whose chunks end on a record terminator (``terminators``)."""

    def __init__(
        self,
        path: str | Path,
        *,
        terminators: bytes,
        position: FilePosition | None = None,
        poll_seconds: float = 1.0,
    ):
        self.path = Path(path)
        self.terminators = terminators
        self.position = position
        self.poll_seconds = poll_seconds

    def describe(self) -> str:
        return f"file {self.path}"

    @contextlib.asynccontextmanager
    async def open(self) -> AsyncIterator[AsyncIterator[bytes]]:
        tail = FileTail(str(self.path), poll_seconds=self.poll_seconds, offset=self._resume())
        async with tail.open() as chunks:
            yield self._whole_records(tail, chunks)

    def _resume(self) -> int:
        """The offset to start at: the stored one, if it is still the same file."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self.position = None
            return 0
        stored = self.position
        if stored and stored.inode == stat.st_ino and stored.offset <= stat.st_size:
            return stored.offset
        if stored:
            logger.warning(
                "%s was replaced while the agent was stopped; reading the new file from the "
                "top (anything added to the old file after offset %s was not captured)",
                self.path,
                stored.offset,
            )
        self.position = FilePosition(inode=stat.st_ino, offset=0)
        return 0

    async def _whole_records(
        self, tail: FileTail, chunks: AsyncIterator[bytes]
    ) -> AsyncIterator[bytes]:
        held = b""  # an unfinished record at the end of what was read
        async for chunk in chunks:
            if not chunk:  # FileTail moved on to a new file: the old one's rest is a record
                if held:
                    yield held
                    held = b""
                self.position = FilePosition(inode=self._inode(), offset=0)
                yield b""
                continue
            if self.position is None:  # the file appeared after the start
                self.position = FilePosition(inode=self._inode(), offset=0)
            data = held + chunk
            end = max(data.rfind(terminator) for terminator in self.terminators) + 1
            if not end and len(data) <= DEFAULT_MAX_LINE:
                held = data
                continue
            if not end:  # a line longer than any record: the framer cuts it anyway
                end = len(data)
            held = data[end:]
            self.position = FilePosition(inode=self.position.inode, offset=tail.offset - len(held))
            yield data[:end]

    def _inode(self) -> int:
        try:
            return os.stat(self.path).st_ino
        except FileNotFoundError:
            return 0
