"""End to end with real processes: a gunicorn web server and a Celery worker on a
real Redis broker, both on the test database. An outside client posts records to
the ingest API; the worker parses them; the calls appear in the calls API."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.db import connection
from rest_framework.authtoken.models import Token

from capture.services import source_rotate_key
from tests.factories import AdminFactory, SourceFactory

ROOT = Path(__file__).parent.parent
LINES = (
    (Path(__file__).parent / "data" / "avaya-ipoffice" / "production-capture.txt")
    .read_text(encoding="utf-8")
    .splitlines()
)


def database_url() -> str:
    """The URL of the database this test runs on, for the server processes."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def servers(redis_url, transactional_db, tmp_path):
    """gunicorn and a Celery worker, configured only through the environment."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": redis_url,
        "TARIFICADOR_VAR_DIR": str(tmp_path),
    }
    import redis

    redis.Redis.from_url(redis_url).flushdb()  # a clean queue for this test
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1"],
            cwd=ROOT,
            env=env,
        ),
        subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo"),
                *("--without-gossip", "--without-mingle", "--loglevel", "INFO"),
            ],
            cwd=ROOT,
            env=env,
        ),
    ]
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90  # a loaded machine starts servers slowly
    try:  # stopped even when they fail to start: a stray server keeps the test database
        while time.monotonic() < deadline:
            try:
                requests.get(f"{url}/healthz", timeout=5)
                break
            except (requests.ConnectionError, requests.Timeout):  # not up, or importing
                time.sleep(0.2)
        yield url
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)


def test_ingested_records_become_calls_through_the_worker(servers):
    source = SourceFactory(slug="worker-test")
    source_key = source_rotate_key(source=source)
    admin_token = Token.objects.create(user=AdminFactory()).key
    payload = {
        "source": source.slug,
        "records": [
            {"seq": n, "received_at": "2026-11-02T13:05:09Z", "line": line}
            for n, line in enumerate(LINES, start=1)
        ],
    }

    health = requests.get(
        f"{servers}/healthz", headers={"Authorization": f"Token {admin_token}"}, timeout=10
    ).json()
    response = requests.post(
        f"{servers}/api/v1/ingest/",
        json=payload,
        headers={"Authorization": f"Token {source_key}"},
        timeout=30,
    )

    assert health["broker"] == "ok"
    assert response.status_code == 200, response.text
    assert response.json() == {"stored": len(LINES), "duplicates": 0, "last_seq": len(LINES)}
    calls = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(calls) < len(LINES):
        calls = requests.get(
            f"{servers}/api/v1/calls/",
            params={"source": source.slug},
            headers={"Authorization": f"Token {admin_token}"},
            timeout=10,
        ).json()["results"]
        time.sleep(0.2)
    assert len(calls) == len(LINES)
    assert "Тароватова М" in {call["details"].get("party1_name") for call in calls}
    incoming = [call for call in calls if call["direction"] == "incoming"]
    assert {call["number"] for call in incoming} == {"9145661757"}
    assert {call["start"] for call in incoming} == {"2018-09-07T14:06:53Z"}  # Córdoba, UTC-3
