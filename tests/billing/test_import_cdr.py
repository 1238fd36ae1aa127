"""manage.py import_cdr: files of raw records, imported once, every line kept."""

import datetime as dt
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from billing.models import Call
from capture.models import RawRecord, Transport
from pbxsim import GENERATORS
from pbxsim.pbx import frame
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db(transaction=True)
SAMPLES = Path(__file__).parent.parent / "data" / "avaya-ipoffice"


@pytest.fixture
def file_source():
    return SourceFactory(slug="archive", transport=Transport.FILE)


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_cdr", *args, "--no-progress", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_import_stores_and_parses_every_line(file_source):
    files = sorted(SAMPLES.glob("*.txt"))
    lines = sum(len(path.read_bytes().splitlines()) for path in files)

    summary = run("--source", "archive", *map(str, files))

    assert f"{lines} records" in summary
    assert f"{lines} stored, 0 duplicates, {lines} parsed into calls" in summary
    assert Call.objects.count() == lines


def test_importing_the_same_file_twice_adds_nothing(file_source):
    path = str(SAMPLES / "official-examples.txt")
    run("--source", "archive", path)

    summary = run("--source", "archive", path)

    lines = len((SAMPLES / "official-examples.txt").read_bytes().splitlines())
    assert f"0 stored, {lines} duplicates, 0 parsed" in summary
    assert RawRecord.objects.count() == Call.objects.count() == lines


def test_identical_lines_in_one_file_are_two_calls(file_source, tmp_path):
    line = (SAMPLES / "official-examples.txt").read_bytes().splitlines()[0]
    path = tmp_path / "twice.txt"
    path.write_bytes(line + b"\r\n" + line + b"\r\n")

    run("--source", "archive", str(path))
    run("--source", "archive", str(path))

    assert Call.objects.count() == 2


def test_a_grown_file_adds_only_its_new_lines(file_source, tmp_path):
    lines = (SAMPLES / "official-examples.txt").read_bytes().splitlines(keepends=True)
    path = tmp_path / "smdr.txt"
    path.write_bytes(b"".join(lines[:5]))
    run("--source", "archive", str(path))
    path.write_bytes(b"".join(lines))

    summary = run("--source", "archive", str(path))

    assert f"{len(lines) - 5} stored, 5 duplicates" in summary
    assert Call.objects.count() == len(lines)


def test_bad_lines_are_kept_and_shown(file_source, tmp_path):
    path = tmp_path / "mixed.txt"
    good = (SAMPLES / "official-examples.txt").read_bytes().splitlines()[0]
    path.write_bytes(good + b"\r\nthis is not SMDR\r\n\xff\xfe\r\n")

    summary = run("--source", "archive", str(path))

    assert "3 stored" in summary and "1 parsed into calls" in summary and "2 errors" in summary
    assert "this is not SMDR" in summary
    assert RawRecord.objects.filter(state="error").count() == 2
    assert bytes(RawRecord.objects.get(line="", state="error").data) == b"\xff\xfe"


def test_unknown_source_names_the_known_ones(file_source):
    with pytest.raises(CommandError, match="No source 'nope'; sources: archive"):
        run("--source", "nope", str(SAMPLES / "official-examples.txt"))


def test_missing_file_is_an_error(file_source, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run("--source", "archive", str(tmp_path / "missing.txt"))


def test_agent_sources_are_refused(source):
    with pytest.raises(CommandError, match="remote agent"):
        run("--source", source.slug, str(SAMPLES / "official-examples.txt"))


@pytest.mark.parametrize("family", sorted(GENERATORS))
def test_every_family_imports_from_a_file(family, tmp_path):
    """A file as each PBX writes it (its own framing) becomes one call per record."""
    end = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    records = list(
        GENERATORS[family](
            count=50,
            start=end - dt.timedelta(hours=3),
            end=end,
            extensions=["2001", "2002", "2003"],
            time_zone=ZoneInfo("America/Argentina/Cordoba"),
            seed=9,
        )
    )
    path = tmp_path / "records.dat"
    path.write_bytes(b"".join(frame(family, record) for record in records))
    SourceFactory(slug="archive", family=family, transport=Transport.FILE)

    summary = run("--source", "archive", str(path))

    assert "50 stored" in summary and ", 0 errors" in summary
    assert Call.objects.count() == 50 - RawRecord.objects.filter(state="ignored").count()


def test_the_capturador_capture_imports_one_call_per_standard_record():
    """The real star-hash capture (300 lines: 174 standard records, 126 accounting
    records joined to their calls) imports as 174 calls and no error; the pulses are
    kept on the call."""
    SourceFactory(slug="gobierno", transport=Transport.FILE, family="star-hash")
    path = Path(__file__).parent.parent / "data" / "star-hash" / "prueba-first300.log"

    summary = run("--source", "gobierno", str(path))

    assert "174 records" in summary
    assert "174 stored, 0 duplicates, 174 parsed into calls" in summary
    assert Call.objects.count() == 174
    assert RawRecord.objects.filter(state=RawRecord.State.ERROR).count() == 0
    outgoing = Call.objects.filter(direction="outgoing")
    assert outgoing.count() == 127
    assert sum("meter_pulses" in call.details for call in outgoing) == 126


def test_a_generic_source_with_stx_framing_and_joins_imports_its_file(tmp_path):
    """The source's framing and join pick its framer: a joined pair is one call, a first
    record alone a flagged call, bytes outside the frames an error kept."""
    settings = {
        "framing": "stx-etx",
        "column_map": {
            "format": "fixed",
            "fields": {"time": [8, 12], "duration": [14, 17], "extension": [19, 22]},
            "details": {"kind": [1, 1], "seq": [3, 4]},
        },
        "join": {
            "field": "kind",
            "first": "1",
            "second": "2",
            "sequence": "seq",
            "fields": {"number": [8, 17], "duration": [19, 22]},
        },
    }
    SourceFactory(slug="archive", family="generic", transport=Transport.FILE, settings=settings)
    path = tmp_path / "records.dat"
    path.write_bytes(
        b"\x021 07   10:00 0000 2044\x03\x022 08   0351234567 0138\x03"
        b"GARBAGE\x021 20   10:05 0000 2045\x03"
    )

    summary = run("--source", "archive", str(path))

    assert "3 stored" in summary and "2 parsed into calls" in summary and "1 errors" in summary
    joined = Call.objects.get(number="0351234567")
    assert joined.duration_seconds == 138
    assert "join_missing" not in joined.details
    assert Call.objects.get(number="").details["join_missing"] is True
    assert RawRecord.objects.get(state="error").line == "GARBAGE"
