"""The agent's durable spool: an SQLite file in WAL mode on local disk.

Every framed record is numbered and committed here (``synchronous=FULL``: on disk,
not just in the operating system's cache) before anything else happens to it. The
uploader reads unsent records in sequence order, marks them sent when the centre
has acknowledged them, and sent records are pruned after a retention period.

Tables::

    record       seq INTEGER PRIMARY KEY   the agent's number for the record (never reused)
                 received_at TEXT          ISO 8601 UTC, as sent to the centre
                 data BLOB                 the record's exact bytes
                 sent_at TEXT              when the centre acknowledged it; NULL until then
    dead_letter  seq, received_at, data,   records the centre rejected (400), with its
                 error, failed_at          message; kept until an operator resends them
    state        name TEXT PRIMARY KEY,    the sequence counter, the followed file's read
                 value                     position, and what ``status`` shows

Sequence numbers come from a counter in ``state``, committed with the records. A new
spool starts counting from the clock (microseconds since 1970), so an agent whose
spool was lost or replaced never reuses a number the centre already holds (the
centre would take such records for duplicates and drop them).

One ``Spool`` object per thread; SQLite serialises the writers of one file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

SCHEMA = """
CREATE TABLE IF NOT EXISTS record (
    seq INTEGER PRIMARY KEY,
    received_at TEXT NOT NULL,
    data BLOB NOT NULL,
    sent_at TEXT
);
CREATE INDEX IF NOT EXISTS record_unsent ON record (seq) WHERE sent_at IS NULL;
CREATE TABLE IF NOT EXISTS dead_letter (
    seq INTEGER PRIMARY KEY,
    received_at TEXT NOT NULL,
    data BLOB NOT NULL,
    error TEXT NOT NULL,
    failed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS state (name TEXT PRIMARY KEY, value);
"""


def iso(moment: dt.datetime) -> str:
    """A moment as the ingest API takes it: ISO 8601 in UTC with a Z."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# What the state table holds by name: numbers, ISO times, messages.
StateValue = int | float | str | None


class SpoolFigures(TypedDict):
    """The queue's figures, as ``status`` shows them."""

    unsent: int
    oldest_unsent_seq: int | None
    oldest_unsent_received_at: str | None
    sent_kept: int
    dead_letters: int


@dataclass(frozen=True, slots=True)
class SpooledRecord:
    seq: int
    received_at: str
    data: bytes


@dataclass(frozen=True)
class FilePosition:
    """Where reading a followed file stopped: the file (inode) and the byte offset."""

    inode: int
    offset: int


class Spool:
    """One connection to the spool file; opening creates the file and schema if needed."""

    def __init__(self, path: str | Path, *, read_only: bool = False):
        self.path = Path(path)
        if read_only:
            if not self.path.exists():
                raise FileNotFoundError(f"no spool at {self.path}")
            self._db = sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # a commit survives a power cut
            self._create_schema()
        self._db.execute("PRAGMA busy_timeout=30000")  # the other thread's commit is brief

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _create_schema(self) -> None:
        with self._transaction() as db:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            first_seq = time.time_ns() // 1000
            db.execute(
                "INSERT OR IGNORE INTO state (name, value) VALUES ('last_seq', ?), "
                "('created_at', ?)",
                (first_seq - 1, iso(utc_now())),
            )

    # Capture side.

    def append(
        self,
        records: list[bytes],
        received_at: dt.datetime,
        *,
        file_position: FilePosition | None = None,
    ) -> int:
        """Number and durably commit ``records``; return the last sequence number.

        A followed file's read position is committed in the same transaction, so a
        restart resumes exactly after the last record stored.
        """
        stamp = iso(received_at)
        with self._transaction() as db:
            last_seq = self._state_int("last_seq") or 0  # set when the spool was made
            db.executemany(
                "INSERT INTO record (seq, received_at, data) VALUES (?, ?, ?)",
                ((last_seq + n, stamp, record) for n, record in enumerate(records, start=1)),
            )
            last_seq += len(records)
            self._set(db, last_seq=last_seq)
            if file_position is not None:
                self._set(db, file_inode=file_position.inode, file_offset=file_position.offset)
        return last_seq

    def file_position(self) -> FilePosition | None:
        inode, offset = self._state_int("file_inode"), self._state_int("file_offset")
        if inode is None or offset is None:  # both are set together, by append
            return None
        return FilePosition(inode=inode, offset=offset)

    # Upload side.

    def unsent(self, *, limit: int, max_bytes: int) -> list[SpooledRecord]:
        """The oldest unsent records in sequence order: at most ``limit``, and no more
        than ``max_bytes`` of record data (but always at least one)."""
        rows = self._db.execute(
            "SELECT seq, received_at, data FROM record WHERE sent_at IS NULL ORDER BY seq LIMIT ?",
            (limit,),
        )
        batch: list[SpooledRecord] = []
        size = 0
        for seq, received_at, data in rows:
            size += len(data)
            if batch and size > max_bytes:
                break
            batch.append(SpooledRecord(seq, received_at, bytes(data)))
        return batch

    def mark_sent(
        self, first_seq: int, last_seq: int, *, at: dt.datetime, **state: StateValue
    ) -> None:
        """Mark the unsent records from ``first_seq`` to ``last_seq`` sent; they were one
        batch, since later records always get higher numbers."""
        with self._transaction() as db:
            db.execute(
                "UPDATE record SET sent_at = ? WHERE seq BETWEEN ? AND ? AND sent_at IS NULL",
                (iso(at), first_seq, last_seq),
            )
            self._set(db, **state)

    def dead_letter(self, errors: dict[int, str], *, at: dt.datetime) -> int:
        """Move the records the centre rejected aside, each with the centre's message."""
        with self._transaction() as db:
            moved = 0
            for seq, error in errors.items():
                moved += db.execute(
                    "INSERT INTO dead_letter (seq, received_at, data, error, failed_at) "
                    "SELECT seq, received_at, data, ?, ? FROM record WHERE seq = ?",
                    (error, iso(at), seq),
                ).rowcount
                db.execute("DELETE FROM record WHERE seq = ?", (seq,))
        return moved

    def prune(self, *, sent_before: dt.datetime) -> int:
        """Delete records the centre acknowledged before ``sent_before``; never unsent ones."""
        with self._transaction() as db:
            return db.execute(
                "DELETE FROM record WHERE sent_at IS NOT NULL AND sent_at < ?",
                (iso(sent_before),),
            ).rowcount

    # Operator commands.

    def resend_dead_letters(self) -> int:
        """Put the dead letters back in the queue (after the centre was fixed)."""
        with self._transaction() as db:
            moved = db.execute(
                "INSERT INTO record (seq, received_at, data) "
                "SELECT seq, received_at, data FROM dead_letter"
            ).rowcount
            db.execute("DELETE FROM dead_letter")
        return moved

    def resend_from(self, seq: int) -> int:
        """Queue again the kept records from ``seq`` on (the centre lost data)."""
        with self._transaction() as db:
            return db.execute(
                "UPDATE record SET sent_at = NULL WHERE seq >= ? AND sent_at IS NOT NULL", (seq,)
            ).rowcount

    # State and figures.

    def set_state(self, **values: StateValue) -> None:
        with self._transaction() as db:
            self._set(db, **values)

    def state(self) -> dict[str, StateValue]:
        return dict(self._db.execute("SELECT name, value FROM state"))

    def figures(self) -> SpoolFigures:
        """What ``status`` shows about the queue."""
        db = self._db
        unsent, oldest_seq = db.execute(
            "SELECT count(*), min(seq) FROM record WHERE sent_at IS NULL"
        ).fetchone()
        oldest_received_at = None
        if oldest_seq is not None:
            (oldest_received_at,) = db.execute(
                "SELECT received_at FROM record WHERE seq = ?", (oldest_seq,)
            ).fetchone()
        (stored,) = db.execute("SELECT count(*) FROM record").fetchone()
        (dead_letters,) = db.execute("SELECT count(*) FROM dead_letter").fetchone()
        return {
            "unsent": unsent,
            "oldest_unsent_seq": oldest_seq,
            "oldest_unsent_received_at": oldest_received_at,
            "sent_kept": stored - unsent,
            "dead_letters": dead_letters,
        }

    def dead_letters(self, limit: int = 5) -> list[tuple[int, str, str]]:
        """The latest dead letters: (seq, failed_at, error)."""
        return list(
            self._db.execute(
                "SELECT seq, failed_at, error FROM dead_letter ORDER BY seq DESC LIMIT ?",
                (limit,),
            )
        )

    def _state_value(self, name: str) -> StateValue:
        row = self._db.execute("SELECT value FROM state WHERE name = ?", (name,)).fetchone()
        value: StateValue = None if row is None else row[0]
        return value

    def _state_int(self, name: str) -> int | None:
        """A number of the state table (``None`` when not set)."""
        value = self._state_value(name)
        if value is not None and not isinstance(value, int):
            raise TypeError(f"spool state {name} is {value!r}, not a whole number")
        return value

    @staticmethod
    def _set(db: sqlite3.Connection, **values: StateValue) -> None:
        db.executemany(
            "INSERT INTO state (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            values.items(),
        )
