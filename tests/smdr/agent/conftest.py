"""Real processes for the agent's tests: the centre (gunicorn on the test database,
parsing in-process), the agent itself (``python -S -m smdr.agent``: no
site-packages, so no Django), a simulated PBX, and network faults on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from billing.pipeline import raw_records_sweep
from capture.models import RawRecord
from capture.services import source_rotate_key
from pbxsim.avaya_ipoffice import ipoffice_records
from pbxsim.pbx import SimulatedPbx
from smdr.agent.spool import Spool
from tests.factories import SourceFactory
from tests.test_celery_worker import database_url, free_port

ROOT = Path(__file__).resolve().parents[3]
# Small delays so that outages and restarts take a fraction of a second.
FAST_UPLOAD = {"retry_initial": 0.05, "retry_factor": 2, "retry_max": 0.5, "idle_poll": 0.05}
FAST_RECONNECT = {"reconnect_initial": 0.05, "reconnect_factor": 1.5, "reconnect_max": 0.2}


def wait_until(condition, *, what: str, timeout: float = 60.0, every: float = 0.05):
    """Poll ``condition`` until it holds; fail naming ``what`` if it never does."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


class Centre:
    """gunicorn serving the project on the test database, started and killed at will."""

    def __init__(self, port: int, env: dict, log: Path):
        self.port = port
        self.env = env
        self.log = log
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Centre:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "gunicorn", "config.wsgi"),
                    *("--bind", f"127.0.0.1:{self.port}", "--workers", "1"),
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=log,
                start_new_session=True,  # its own group: a kill takes the worker too
            )
        wait_until(self._answers, what=f"the centre on port {self.port}", timeout=90)
        return self

    def _answers(self) -> bool:
        try:
            urllib.request.urlopen(f"{self.url}/healthz", timeout=1).close()  # noqa: S310
        except OSError:
            return False
        return True

    def kill(self) -> None:
        """SIGKILL, master and worker, as a power cut would."""
        self._signal(signal.SIGKILL)

    def stop(self) -> None:
        self._signal(signal.SIGTERM)

    def _signal(self, number: int) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, number)
            self.process.wait(30)
        self.process = None


@pytest.fixture
def centre(transactional_db, tmp_path):
    """The centre, not started yet (``centre.start()``), on a port of its own."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": "",  # parse in the request, after the commit
        "TARIFICADOR_VAR_DIR": str(tmp_path / "centre-var"),
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    centre = Centre(free_port(), env, tmp_path / "centre.log")
    yield centre
    centre.stop()


@pytest.fixture
def agent_source(transactional_db):
    """An agent-fed source at the centre and its key."""
    source = SourceFactory(slug="remote-site", transport="agent")
    return source, source_rotate_key(source=source)


class Agent:
    """The agent as its own process, with a TOML file written for the test."""

    def __init__(self, directory: Path, *, centre_url: str, source: str, key: str, family: str):
        self.directory = directory
        self.config_path = directory / "agent.toml"
        self.spool_path = directory / "spool.sqlite3"
        self.key_path = directory / "agent.key"
        self.key_path.write_text(key)
        self.centre_url = centre_url
        self.source = source
        self.family = family
        self.capture: dict = {}
        self.upload: dict = dict(FAST_UPLOAD)
        self.process: subprocess.Popen | None = None
        self.runs = 0
        # The interpreter and the folder it runs in: by default this checkout's, with no
        # site packages at all (-S); the distribution's test gives a virtualenv of its own.
        self.python: list[str] = [sys.executable, "-S"]
        self.cwd: Path = ROOT

    def configure(self, *, centre_url: str | None = None, capture=None, upload=None) -> Agent:
        self.centre_url = centre_url or self.centre_url
        self.capture.update(capture or {})
        self.upload.update(upload or {})
        tables = {
            "centre": {"url": self.centre_url, "source": self.source, "key_file": "agent.key"},
            "capture": {"family": self.family, **FAST_RECONNECT, **self.capture},
            "spool": {"path": "spool.sqlite3"},
            "upload": self.upload,
            "log": {"file": "agent.log", "level": "DEBUG"},
        }
        text = ""
        for table, keys in tables.items():  # JSON strings and numbers are valid TOML
            text += f"[{table}]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in keys.items())
        self.config_path.write_text(text)
        return self

    def start(self) -> Agent:
        self.runs += 1
        with (self.directory / f"stderr-{self.runs}.txt").open("wb") as stderr:
            self.process = subprocess.Popen(
                [*self.python, "-m", "smdr.agent", "--config", str(self.config_path)],
                cwd=self.cwd,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        return self

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(30)

    def stop(self) -> int | None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(30)
        return self.process.returncode if self.process else None

    def command(self, *arguments: str) -> subprocess.CompletedProcess:
        """``python -S -m smdr.agent ARGUMENTS --config FILE``, as an operator runs it."""
        config = ("--config", str(self.config_path))
        return subprocess.run(
            [*self.python, "-m", "smdr.agent", *arguments, *config],
            cwd=self.cwd,
            capture_output=True,
            text=True,
            check=False,
        )

    def status(self) -> tuple[int, dict]:
        done = self.command("status", "--json")
        return done.returncode, json.loads(done.stdout)

    def figures(self) -> dict:
        """Spool figures, read directly (cheaper than a status process in a poll loop)."""
        try:
            with Spool(self.spool_path, read_only=True) as spool:
                figures = spool.figures()
        except (FileNotFoundError, sqlite3.OperationalError):  # the agent is creating it
            return {"unsent": 0, "sent_kept": 0, "dead_letters": 0, "stored": 0}
        figures["stored"] = figures["unsent"] + figures["sent_kept"]
        return figures

    def spooled(self) -> dict[int, bytes]:
        """Every record the spool holds, sent or not, by seq."""
        with sqlite3.connect(f"{self.spool_path.as_uri()}?mode=ro", uri=True) as spool:
            return dict(spool.execute("SELECT seq, data FROM record"))


@pytest.fixture
def make_agent(tmp_path, agent_source):
    agents: list[Agent] = []

    def make(centre_url: str, *, family: str = "avaya-ipoffice", key: str | None = None) -> Agent:
        source, source_key = agent_source
        key = key or source_key
        agent = Agent(tmp_path, centre_url=centre_url, source=source.slug, key=key, family=family)
        agents.append(agent)
        return agent

    yield make
    for agent in agents:
        agent.kill()


class PbxThread:
    """A :class:`SimulatedPbx` listening on loopback, run in a thread of its own."""

    def __init__(self, pbx: SimulatedPbx):
        self.pbx = pbx
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self._thread.start()
        ready.wait(10)

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)
        started = asyncio.Event()
        self._task = self._loop.create_task(self.pbx.serve("127.0.0.1", self.port, started))
        self._loop.run_until_complete(started.wait())
        ready.set()
        with contextlib.suppress(asyncio.CancelledError):
            self._loop.run_until_complete(self._task)
        # The collectors' tasks end too, before the loop closes.
        pending = asyncio.all_tasks(self._loop)
        for task in pending:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self._loop.close()

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join(10)


@pytest.fixture
def pbx_factory():
    pbxs: list[PbxThread] = []

    def make(**options) -> PbxThread:
        pbx = PbxThread(SimulatedPbx(**options))
        pbxs.append(pbx)
        return pbx

    yield make
    for pbx in pbxs:
        pbx.close()


class AnswerDroppingProxy:
    """Passes requests to the centre but, for the first ``drop`` of them, throws the
    centre's answer away and cuts the connection: the centre has stored the batch,
    the agent never hears so, and sends it again. ``on_drop`` runs before each answer
    is thrown away (killing the centre there is a crash between storing and
    answering, at a moment no polling could catch reliably)."""

    def __init__(self, target_port: int, *, drop: int, on_drop: Callable[[], None] | None = None):
        self.target_port = target_port
        self.to_drop = drop
        self.on_drop = on_drop
        self.dropped = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        with client:
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                return  # the centre is down: the agent sees its connection cut
            with upstream:
                threading.Thread(target=_pipe, args=(client, upstream), daemon=True).start()
                answer = b""
                while chunk := upstream.recv(65536):  # gunicorn closes after each answer
                    answer += chunk
                if answer and self.dropped < self.to_drop:
                    if self.on_drop:
                        self.on_drop()
                    self.dropped += 1  # the answer is lost on the way
                else:
                    client.sendall(answer)
                client.shutdown(socket.SHUT_RDWR)  # wakes the request's pipe too

    def close(self) -> None:
        self._closed = True
        self._listener.close()


def _pipe(source: socket.socket, target: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            target.sendall(chunk)
    except OSError:
        pass


def centre_settled(source, expected: int) -> dict:
    """Once the agent has uploaded everything: parse what a killed centre left pending
    (as the beat sweep does in production) and count what the centre holds."""
    raw_records_sweep(older_than=dt.timedelta(0))
    records = RawRecord.objects.filter(source=source)
    return {
        "raw_records": records.count(),
        "distinct_seqs": records.values("seq").distinct().count(),
        "calls": source.calls.count(),
        "not_parsed": records.exclude(state=RawRecord.State.PARSED).count(),
        "expected": expected,
    }


def generated_lines(count: int, *, seed: int = 1) -> list[str]:
    """IP Office records of two hours of calls, as the PBX prints them."""
    end = dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC)
    return list(
        ipoffice_records(
            count=count,
            start=end - dt.timedelta(hours=2),
            end=end,
            extensions=[str(number) for number in range(2000, 2048)],
            time_zone=ZoneInfo("America/Argentina/Cordoba"),
            seed=seed,
        )
    )


class FileWritingPbx(threading.Thread):
    """Appends records to a CDR file as a PBX-side logger would: in pieces of odd
    sizes, so that records are often cut between two writes."""

    def __init__(self, path: Path, lines: list[str], *, piece: int = 997, pause: float = 0.003):
        super().__init__(daemon=True)
        self.path = path
        self.data = b"".join(line.encode() + b"\r\n" for line in lines)
        self.piece = piece
        self.pause = pause

    def run(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("ab") as cdr_file:
            for start in range(0, len(self.data), self.piece):
                cdr_file.write(self.data[start : start + self.piece])
                cdr_file.flush()
                time.sleep(self.pause)
