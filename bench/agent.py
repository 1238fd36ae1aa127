"""The remote agent: a simulated IP Office on TCP, the agent (its own process, as at a
site) and the centre under gunicorn on PostgreSQL, parsing in-process. Three runs:

* capture: the centre is down; the PBX sends as fast as it can; records/s into the spool;
* backlog: the centre comes up; records/s uploaded until the spool is empty;
* live: the centre is up; the PBX sends ``BENCH_AGENT_RATE`` records/s (2,500: above
  the 2,000 aimed at); records/s end to end, and how far behind the centre was when
  the PBX stopped sending.

The agent's peak resident memory (VmHWM) is printed against the 60 MB aimed at.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import Failures, rate
from .ingest import ROOT, WORKERS, _free_port, _wait_for_port, bench_environment, fresh_database

RECORDS = int(os.environ.get("BENCH_AGENT_RECORDS", "50000"))
LIVE_RATE = float(os.environ.get("BENCH_AGENT_RATE", "2500"))
AIM_RATE = 2000
AIM_RSS_MB = 60


def main() -> None:
    print(
        f"== agent: {RECORDS:,} IP Office records per run, TCP PBX -> agent -> centre "
        f"(gunicorn, {WORKERS} workers, PostgreSQL) =="
    )
    env = bench_environment()
    fresh_database(env)

    import django

    django.setup()
    source, key = _agent_source()
    work = Path(tempfile.mkdtemp(prefix="bench-agent-"))
    centre_port = _free_port()
    peaks: list[float] = []

    # Runs 1 and 2: capture with the centre down, then the backlog's upload.
    pbx = _pbx(rate=1_000_000, seed=1)
    agent = _agent(work / "backlog", centre_port, source.slug, key, pbx.port)
    started = time.perf_counter()
    _wait(lambda: _spooled(work / "backlog") >= RECORDS, "the spool to fill")
    capture_rate = RECORDS / (time.perf_counter() - started)
    print(f"capture (centre down): {capture_rate:,.0f} records/s into the spool")
    centre = _centre(env, centre_port)
    try:
        started = time.perf_counter()
        _wait(lambda: _stored(source) >= RECORDS, "the backlog at the centre")
        elapsed = time.perf_counter() - started
        backlog_rate = rate(_checked(source, RECORDS, "backlog upload"), RECORDS, elapsed)
        print(f"backlog upload (centre back): {backlog_rate:,.0f} records/s stored and parsed")
        peaks.append(_stop(agent))
        pbx.process.terminate()

        # Run 3: live, at a steady rate.
        pbx = _pbx(rate=LIVE_RATE, seed=2)
        agent = _agent(work / "live", centre_port, source.slug, key, pbx.port)
        _wait(lambda: _spooled(work / "live") > 0, "the first live record")
        started = time.perf_counter()
        _wait(lambda: _spooled(work / "live") >= RECORDS, "the PBX to finish")
        sent_at = time.perf_counter()
        _wait(lambda: _stored(source) >= 2 * RECORDS, "the live records at the centre")
        done_at = time.perf_counter()
        peaks.append(_stop(agent))
        pbx.process.terminate()
    finally:
        centre.send_signal(signal.SIGTERM)
        centre.wait(30)
    live_rate = rate(_checked(source, 2 * RECORDS, "live"), RECORDS, done_at - started)
    verdict = "keeps up" if live_rate >= AIM_RATE else "FALLS BEHIND"
    print(
        f"live at {LIVE_RATE:,.0f}/s offered: {live_rate:,.0f} records/s end to end, the centre "
        f"{done_at - sent_at:.1f} s behind the PBX at the end ({verdict}; aim {AIM_RATE:,}/s)"
    )
    peak = max(peaks)
    within = "within" if peak < AIM_RSS_MB else "ABOVE"
    print(f"agent peak resident memory: {peak:.1f} MB ({within} the {AIM_RSS_MB} MB aimed at)")


def _agent_source():
    from capture.models import Source
    from capture.services import source_rotate_key
    from org.models import Site

    site = Site.objects.create(
        slug="agent-bench", name="Agent bench", country_code="54", currency="ARS"
    )
    source = Source.objects.create(
        site=site, slug="remote-ipoffice", name="Remote", family="avaya-ipoffice", transport="agent"
    )
    return source, source_rotate_key(source=source)


class _Pbx:
    def __init__(self, process: multiprocessing.Process, port: int):
        self.process = process
        self.port = port


def _serve_pbx(port: int, rate: float, seed: int, listening) -> None:
    from pbxsim.pbx import SimulatedPbx

    async def serve():
        ready = asyncio.Event()
        serving = asyncio.ensure_future(pbx.serve("127.0.0.1", port, ready))
        await ready.wait()
        listening.set()
        await serving

    pbx = SimulatedPbx(family="avaya-ipoffice", rate=rate, limit=RECORDS, seed=seed)
    asyncio.run(serve())


def _pbx(*, rate: float, seed: int) -> _Pbx:
    """A PBX in a process of its own. Not probed by connecting: it would send records to
    the probe, and count them as sent."""
    port = _free_port()
    listening = multiprocessing.Event()
    process = multiprocessing.Process(
        target=_serve_pbx, args=(port, rate, seed, listening), daemon=True
    )
    process.start()
    if not listening.wait(30):
        sys.exit("the simulated PBX did not start")
    return _Pbx(process, port)


def _agent(directory: Path, centre_port: int, slug: str, key: str, pbx_port: int):
    directory.mkdir(parents=True)
    config = directory / "agent.toml"
    config.write_text(
        f'[centre]\nurl = "http://127.0.0.1:{centre_port}"\nsource = "{slug}"\nkey = "{key}"\n'
        f'[capture]\ntransport = "tcp-client"\nfamily = "avaya-ipoffice"\nhost = "127.0.0.1"\n'
        f"port = {pbx_port}\nreconnect_initial = 0.5\n"
        f'[spool]\npath = "spool.sqlite3"\n'
        f"[upload]\nretry_initial = 0.2\nretry_max = 1\n"
        f'[log]\nlevel = "WARNING"\n'
    )
    return subprocess.Popen(
        [sys.executable, "-m", "smdr.agent", "--config", str(config)],
        cwd=ROOT,
        stderr=subprocess.DEVNULL,
    )


def _centre(env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"),
            *("--workers", str(WORKERS), "--timeout", "300", "--log-level", "warning"),
        ],
        cwd=ROOT,
        env=env,
    )
    _wait_for_port(port)
    return process


def _stop(agent: subprocess.Popen) -> float:
    """Stop the agent; its peak resident memory in MB, read from /proc first."""
    with open(f"/proc/{agent.pid}/status") as status:
        peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    agent.send_signal(signal.SIGTERM)
    agent.wait(60)
    return peak_kb / 1024


def _spooled(directory: Path) -> int:
    path = directory / "spool.sqlite3"
    try:
        with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as spool:
            return spool.execute("SELECT count(*) FROM record").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def _checked(source, calls: int, what: str) -> Failures:
    """The wrong answers so far: calls missing or doubled, records that did not parse."""
    from capture.models import RawRecord

    failures = Failures(f"agent {what}")
    failures.expect("calls at the centre", _stored(source), calls)
    errors = RawRecord.objects.filter(source=source, state=RawRecord.State.ERROR).count()
    failures.expect("records that did not parse", errors, 0)
    return failures


def _stored(source) -> int:
    from billing.models import Call

    return Call.objects.filter(source=source).count()


def _wait(condition, what: str, timeout: float = 600) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            sys.exit(f"agent bench: gave up waiting for {what}")
        time.sleep(0.05)


if __name__ == "__main__":
    main()
