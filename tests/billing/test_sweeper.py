"""After a crash, the processes of the embedded set-up (no broker) parse what it left
pending: the web server (gunicorn, runserver) and ``manage.py capture``, each started
for real on the test database."""

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.utils import timezone

from billing.models import Call
from billing.pipeline import SWEEP_INTERVAL
from billing.sweeper import sweep_once, sweeper_start
from capture.models import RawRecord, Transport
from capture.services import IncomingRecord, raw_records_store
from pbxsim.avaya_ipoffice import ipoffice_records
from tests.factories import SourceFactory
from tests.test_celery_worker import database_url, free_port

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent.parent
END = dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC)
# The issue asks for every record parsed, ignored or in error within 60 s of a restart.
RECOVERY_SECONDS = 60


def lines(count: int, seed: int) -> list[str]:
    return list(
        ipoffice_records(
            count=count,
            start=END - dt.timedelta(hours=2),
            end=END,
            extensions=["2001", "2002", "2003"],
            time_zone=dt.UTC,
            seed=seed,
        )
    )


def left_by_a_crash(source, count: int, *, seed: int, minutes_ago: float) -> None:
    """Records committed, never parsed: a process killed between the two."""
    records = [
        IncomingRecord(seq=n + 1, received_at=END, line=line)
        for n, line in enumerate(lines(count, seed))
    ]
    raw_records_store(source=source, records=records)
    RawRecord.objects.filter(source=source).update(
        created_at=timezone.now() - dt.timedelta(minutes=minutes_ago)
    )


def environment(tmp_path) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": "",  # the embedded default
        "TARIFICADOR_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_LOG_LEVEL": "INFO",
    }


def until_nothing_pending(process: subprocess.Popen, log: Path) -> float:
    """Seconds until no record is pending (fails after RECOVERY_SECONDS)."""
    started = time.monotonic()
    while RawRecord.objects.filter(state=RawRecord.State.PENDING).exists():
        if process.poll() is not None:
            pytest.fail(f"the process ended: {log.read_text()}")
        if time.monotonic() - started > RECOVERY_SECONDS:
            pytest.fail(f"records still pending after {RECOVERY_SECONDS} s: {log.read_text()}")
        time.sleep(0.2)
    return time.monotonic() - started


def start(command: list[str], tmp_path, name: str) -> tuple[subprocess.Popen, Path]:
    log = tmp_path / f"{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=environment(tmp_path),
            stdout=output,
            stderr=output,
            start_new_session=True,  # its own group: runserver's child and gunicorn's workers
        )
    return process, log


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)


@pytest.mark.parametrize(
    "server",
    [
        ["-m", "gunicorn", "config.wsgi", "--workers", "2", "--bind"],
        # As `make run` serves: the autoreloader's child process serves and sweeps.
        ["manage.py", "runserver"],
    ],
    ids=["gunicorn", "runserver"],
)
def test_the_web_server_parses_what_a_crash_left_pending(server, tmp_path):
    source = SourceFactory()
    left_by_a_crash(source, 3000, seed=1, minutes_ago=10)
    other = SourceFactory(site=source.site)
    left_by_a_crash(other, 500, seed=2, minutes_ago=0)  # a second before the crash

    port = free_port()
    process, log = start([sys.executable, *server, f"127.0.0.1:{port}"], tmp_path, "server")
    try:
        until_nothing_pending(process, log)
    finally:
        stop(process)

    assert set(RawRecord.objects.values_list("state", flat=True)) == {"parsed"}
    assert Call.objects.count() == 3500
    assert swept(log) == 3500  # by the sweep (of one worker or both), not by chance


def swept(log: Path) -> int:
    """How many records the sweeps of a process's log say they parsed."""
    return sum(map(int, re.findall(r"sweep: (\d+) pending records parsed", log.read_text())))


def test_capture_parses_what_a_crash_left_pending(tmp_path):
    """``manage.py capture`` alone (no web server running) sweeps too."""
    followed = tmp_path / "smdr.log"
    followed.write_text("")
    SourceFactory(slug="followed", transport=Transport.FILE, settings={"path": str(followed)})
    crashed = SourceFactory()
    left_by_a_crash(crashed, 1000, seed=3, minutes_ago=5)

    command = [sys.executable, "manage.py", "capture", "--source", "followed"]
    process, log = start(command, tmp_path, "capture")
    try:
        until_nothing_pending(process, log)
    finally:
        stop(process)

    assert RawRecord.objects.filter(source=crashed, state="parsed").count() == 1000
    assert swept(log) == 1000


def test_a_sweep_with_nothing_to_do_says_nothing(source, caplog):
    caplog.set_level("DEBUG", logger="capture")

    sweep_once()

    assert caplog.records == []


def test_with_a_broker_beat_sweeps_as_often(settings):
    """With a broker the processes leave the sweep to beat, on the same interval."""
    entry = settings.CELERY_BEAT_SCHEDULE["raw-records-sweep"]
    assert entry["task"] == "capture.tasks.raw_records_sweep"
    assert entry["schedule"] == SWEEP_INTERVAL.total_seconds() == 15
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    assert sweeper_start() is False


def test_parse_again_is_handed_to_the_sweeper_not_run_in_the_request(
    monkeypatch, django_capture_on_commit_callbacks
):
    """In a serving process without a broker, "Parse again" only marks the records and
    wakes the sweeper: the admin's request for 40,000 records outlived gunicorn's
    30 s timeout while it parsed them itself."""
    from billing import sweeper
    from billing.pipeline import raw_records_process, raw_records_reprocess

    source = SourceFactory(transport=Transport.FILE)
    left_by_a_crash(source, 50, seed=7, minutes_ago=0)
    raw_records_process(source_id=source.id)
    monkeypatch.setattr(sweeper, "_started_in", os.getpid())  # as in a serving process
    sweeper._wake.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert raw_records_reprocess(queryset=RawRecord.objects.all()) == 50

    assert sweeper._wake.is_set()
    assert RawRecord.objects.filter(state=RawRecord.State.PENDING).count() == 50
    assert Call.objects.count() == 50  # the old calls stay until the parse replaces them
    sweep_once(older_than=dt.timedelta(0))
    assert RawRecord.objects.filter(state=RawRecord.State.PARSED).count() == 50
    assert Call.objects.count() == 50
