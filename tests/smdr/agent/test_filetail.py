"""Following a CDR file so that a restart resumes exactly after the last whole record."""

import asyncio
import os

from smdr.agent.filetail import ResumableFileTail
from smdr.agent.spool import FilePosition


def read_chunks(tail: ResumableFileTail, until: bytes, *, also=None) -> list[bytes]:
    """Chunks handed on until their joined bytes end with ``until``; ``also`` runs after
    the first chunk (to change the file meanwhile)."""

    async def main():
        chunks: list[bytes] = []
        async with tail.open() as stream:
            async for chunk in stream:
                chunks.append(chunk)
                if also and len(chunks) == 1:
                    also()
                if b"".join(chunks).endswith(until):
                    return chunks
        return chunks

    return asyncio.run(asyncio.wait_for(main(), 10))


def test_only_whole_records_are_handed_on_and_a_restart_resumes_after_them(tmp_path):
    cdr = tmp_path / "Master.csv"
    cdr.write_bytes(b"first\r\nsecond\r\npart")
    tail = ResumableFileTail(cdr, terminators=b"\r\n", poll_seconds=0.01)

    before = read_chunks(tail, b"second\r\n")
    stored = tail.position
    with cdr.open("ab") as handle:
        handle.write(b"ial\r\nthird\n")
    restarted = ResumableFileTail(cdr, terminators=b"\r\n", position=stored, poll_seconds=0.01)
    after = read_chunks(restarted, b"third\n")

    assert before == [b"first\r\nsecond\r\n"]
    assert stored == FilePosition(inode=os.stat(cdr).st_ino, offset=15)
    assert after == [b"partial\r\nthird\n"]
    assert restarted.position.offset == cdr.stat().st_size


def test_a_file_replaced_while_stopped_is_read_from_the_top(tmp_path):
    cdr = tmp_path / "Master.csv"
    cdr.write_bytes(b"new file\n")
    stale = FilePosition(inode=os.stat(cdr).st_ino + 1, offset=5)

    chunks = read_chunks(
        ResumableFileTail(cdr, terminators=b"\n", position=stale, poll_seconds=0.01), b"file\n"
    )

    assert chunks == [b"new file\n"]


def test_rotation_hands_on_the_old_files_rest_then_starts_the_new_file(tmp_path):
    cdr = tmp_path / "Master.csv"
    cdr.write_bytes(b"one\nunfinished")
    tail = ResumableFileTail(cdr, terminators=b"\n", poll_seconds=0.01)

    def rotate():
        cdr.rename(tmp_path / "Master.csv.1")
        cdr.write_bytes(b"two\n")

    chunks = read_chunks(tail, b"two\n", also=rotate)

    assert chunks == [b"one\n", b"unfinished", b"", b"two\n"]
    assert tail.position == FilePosition(inode=os.stat(cdr).st_ino, offset=4)


def test_nul_terminated_records(tmp_path):
    cdr = tmp_path / "officeserv.txt"
    cdr.write_bytes(b"rec1\x00rec2\x00rec")
    tail = ResumableFileTail(cdr, terminators=b"\r\n\x00", poll_seconds=0.01)

    chunks = read_chunks(tail, b"rec2\x00")

    assert chunks == [b"rec1\x00rec2\x00"]
    assert tail.position.offset == 10
