"""The spool: numbering, durability, batches, sent marks, pruning, dead letters."""

import datetime as dt
import sqlite3
import subprocess
import sys
import time

from smdr.agent.spool import FilePosition, Spool
from tests.smdr.agent.conftest import ROOT, wait_until

NOW = dt.datetime(2026, 11, 2, 13, 5, 9, tzinfo=dt.UTC)


def seqs(spool, **limits):
    return [record.seq for record in spool.unsent(limit=10_000, max_bytes=10**9, **limits)]


def test_records_are_numbered_in_order_and_survive_a_reopen(tmp_path):
    with Spool(tmp_path / "spool.sqlite3") as spool:
        last = spool.append([b"first", b"second"], NOW)
    with Spool(tmp_path / "spool.sqlite3") as spool:
        later = spool.append([b"third"], NOW)
        batch = spool.unsent(limit=10, max_bytes=10**6)

    assert later == last + 1
    assert [record.seq for record in batch] == [last - 1, last, last + 1]
    assert [record.data for record in batch] == [b"first", b"second", b"third"]
    assert batch[0].received_at == "2026-11-02T13:05:09.000000Z"


def test_a_new_spool_numbers_above_any_earlier_one(tmp_path):
    """A lost or replaced spool must not reuse numbers the centre holds (it would take
    the new records for duplicates): numbering starts from the clock."""
    with Spool(tmp_path / "old.sqlite3") as old:
        old_last = old.append([b"x"] * 5000, NOW)
    time.sleep(0.01)
    with Spool(tmp_path / "new.sqlite3") as new:
        new_first = new.append([b"y"], NOW)

    assert new_first > old_last


def test_numbers_are_never_reused_after_pruning_or_dead_letters(tmp_path):
    with Spool(tmp_path / "spool.sqlite3") as spool:
        first = spool.append([b"a", b"b"], NOW)
        spool.dead_letter({first: "rejected"}, at=NOW)
        spool.mark_sent(first - 1, first - 1, at=NOW)
        spool.prune(sent_before=NOW + dt.timedelta(seconds=1))
        after = spool.append([b"c"], NOW)

    assert after == first + 1


def test_unsent_batches_follow_seq_order_within_count_and_bytes(tmp_path):
    with Spool(tmp_path / "spool.sqlite3") as spool:
        last = spool.append([b"x" * 100] * 10, NOW)
        first = last - 9
        spool.mark_sent(first, first + 1, at=NOW)

        by_count = [r.seq for r in spool.unsent(limit=3, max_bytes=10**6)]
        by_bytes = [r.seq for r in spool.unsent(limit=10, max_bytes=250)]
        one_at_least = [r.seq for r in spool.unsent(limit=10, max_bytes=1)]

    assert by_count == [first + 2, first + 3, first + 4]
    assert by_bytes == [first + 2, first + 3]
    assert one_at_least == [first + 2]


def test_prune_deletes_only_records_sent_before_the_cutoff(tmp_path):
    with Spool(tmp_path / "spool.sqlite3") as spool:
        last = spool.append([b"old-sent", b"new-sent", b"unsent"], NOW - dt.timedelta(days=30))
        spool.mark_sent(last - 2, last - 2, at=NOW - dt.timedelta(days=8))
        spool.mark_sent(last - 1, last - 1, at=NOW - dt.timedelta(days=6))

        pruned = spool.prune(sent_before=NOW - dt.timedelta(days=7))
        figures = spool.figures()

    assert pruned == 1
    assert figures["sent_kept"] == 1
    assert figures["unsent"] == 1
    assert figures["oldest_unsent_seq"] == last


def test_dead_letters_keep_the_centre_message_and_can_be_resent(tmp_path):
    with Spool(tmp_path / "spool.sqlite3") as spool:
        last = spool.append([b"good", b"bad"], NOW)
        moved = spool.dead_letter({last: "received_at: not ISO 8601"}, at=NOW)
        held = spool.dead_letters()
        unsent_then = seqs(spool)
        resent = spool.resend_dead_letters()
        unsent_after = seqs(spool)

    assert moved == 1
    assert held == [(last, "2026-11-02T13:05:09.000000Z", "received_at: not ISO 8601")]
    assert unsent_then == [last - 1]
    assert resent == 1
    assert unsent_after == [last - 1, last]


def test_resend_from_queues_kept_records_again(tmp_path):
    with Spool(tmp_path / "spool.sqlite3") as spool:
        last = spool.append([b"a", b"b", b"c"], NOW)
        spool.mark_sent(last - 2, last, at=NOW)
        queued = spool.resend_from(last - 1)

        assert queued == 2
        assert seqs(spool) == [last - 1, last]


def test_file_position_is_committed_with_the_records(tmp_path):
    with Spool(tmp_path / "spool.sqlite3") as spool:
        before = spool.file_position()
        spool.append([b"a"], NOW, file_position=FilePosition(inode=42, offset=3))
    with Spool(tmp_path / "spool.sqlite3") as spool:
        after = spool.file_position()

    assert before is None
    assert after == FilePosition(inode=42, offset=3)


def test_spool_is_in_wal_mode(tmp_path):
    Spool(tmp_path / "spool.sqlite3").close()

    with sqlite3.connect(tmp_path / "spool.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


APPEND_FOREVER = """
import datetime as dt, sys
from smdr.agent.spool import FilePosition, Spool
spool = Spool(sys.argv[1])
offset = 0
while True:
    records = [b"record %d" % (offset + n) for n in range(50)]
    offset += len(records)
    spool.append(records, dt.datetime.now(dt.UTC), file_position=FilePosition(1, offset))
"""


def test_sigkill_while_appending_leaves_a_consistent_spool(tmp_path):
    """Killed in the middle of its commits, the writer leaves whole transactions only:
    numbers without holes, the counter at the last record, the read position with it."""
    path = tmp_path / "spool.sqlite3"
    writer = subprocess.Popen([sys.executable, "-S", "-c", APPEND_FOREVER, str(path)], cwd=ROOT)
    try:
        wait_until(lambda: path.exists() and _count(path) > 2000, what="records appended")
    finally:
        writer.kill()
        writer.wait()

    with Spool(path) as spool:
        numbers = seqs(spool)
        state = spool.state()
        position = spool.file_position()
        data = [record.data for record in spool.unsent(limit=10**6, max_bytes=10**9)]

    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    assert state["last_seq"] == numbers[-1]
    assert position.offset == len(numbers)
    assert data[-1] == b"record %d" % (len(numbers) - 1)


def _count(path) -> int:
    try:
        with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as db:
            return db.execute("SELECT count(*) FROM record").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
