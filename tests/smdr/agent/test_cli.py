"""``python -m smdr.agent`` (and ``python -m capture.agent``, the same program): it runs
without Django, and its commands answer an operator plainly."""

import datetime as dt
import signal
import subprocess
import sys

from smdr.agent.spool import Spool
from tests.smdr.agent.conftest import ROOT, wait_until

AGENT_MODULES = "smdr.agent.__main__, smdr.agent.service, smdr.agent.status"
CONFIG = """
[centre]
url = "https://billing.example.org"
source = "remote-site"
key = "k3y"
[capture]
transport = "tcp-client"
family = "avaya-ipoffice"
host = "127.0.0.1"
port = 9
[spool]
path = "spool.sqlite3"
"""


def run(*arguments, cwd=ROOT):
    return subprocess.run(
        [sys.executable, *arguments], cwd=cwd, capture_output=True, text=True, check=False
    )


def agent(tmp_path, *arguments, config=CONFIG):
    (tmp_path / "agent.toml").write_text(config)
    return run("-S", "-m", "smdr.agent", *arguments, "--config", str(tmp_path / "agent.toml"))


def test_importing_the_agent_loads_no_django():
    """In the server's environment, where Django is installed, the agent imports none
    of it (``-X importtime`` lists every module imported)."""
    done = run("-X", "importtime", "-c", f"import {AGENT_MODULES}, smdr.agent.uploader")

    imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()]
    assert done.returncode == 0, done.stderr
    assert "smdr.agent.uploader" in imported
    server_only = [
        name
        for name in imported
        if name.split(".")[0] in {"django", "rest_framework", "celery", "psycopg", "orjson"}
    ]
    assert server_only == []


def test_the_agent_runs_without_site_packages():
    """``-S`` leaves out every installed package: the standard library is enough."""
    done = run("-S", "-c", f"import sys, {AGENT_MODULES}; print('django' in sys.modules)")

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_status_before_the_first_run(tmp_path):
    done = agent(tmp_path, "status")

    assert done.returncode == 1
    assert "the agent has not run yet" in done.stderr


def test_capture_agent_is_still_the_agent(tmp_path):
    """The contract's ``python -m capture.agent`` runs the same program, commands and
    answers included, under its own name."""
    (tmp_path / "agent.toml").write_text(CONFIG)
    config = ("--config", str(tmp_path / "agent.toml"))
    old, new = (
        run("-S", "-m", module, "status", *config) for module in ("capture.agent", "smdr.agent")
    )
    helped = run("-S", "-m", "capture.agent", "--help")

    assert (old.returncode, old.stdout, old.stderr) == (new.returncode, new.stdout, new.stderr)
    assert old.returncode == 1
    assert "the agent has not run yet" in old.stderr
    assert helped.returncode == 0
    assert helped.stdout.startswith("usage: python -m capture.agent [-h] --config CONFIG")
    assert "{run,status,resend}" in helped.stdout


def test_a_bad_configuration_stops_with_the_reason(tmp_path):
    done = agent(tmp_path, config=CONFIG.replace('"tcp-client"', '"carrier-pigeon"'))

    assert done.returncode == 2
    assert "[capture] transport must be one of serial, tcp-client, tcp-server, file" in (
        done.stderr
    )


def test_a_bad_transport_setting_stops_with_the_reason(tmp_path):
    done = agent(tmp_path, config=CONFIG.replace('host = "127.0.0.1"\n', ""))

    assert done.returncode == 2
    assert "needs the setting 'host'" in done.stderr


def test_resend_dead_letters(tmp_path):
    with Spool(tmp_path / "spool.sqlite3") as spool:
        last = spool.append([b"rejected once"], dt.datetime.now(dt.UTC))
        spool.dead_letter({last: "received_at: bad"}, at=dt.datetime.now(dt.UTC))

    done = agent(tmp_path, "resend", "--dead-letters")

    with Spool(tmp_path / "spool.sqlite3") as spool:
        assert spool.figures()["dead_letters"] == 0
        assert spool.figures()["unsent"] == 1
    assert done.returncode == 0
    assert done.stdout.startswith("1 records queued for upload")


def test_resend_needs_to_know_what(tmp_path):
    done = agent(tmp_path, "resend")

    assert done.returncode == 2
    assert "--dead-letters or --from-seq N" in done.stderr


def test_sigterm_stops_the_agent_cleanly_and_status_says_so(tmp_path):
    (tmp_path / "agent.toml").write_text(CONFIG)
    running = subprocess.Popen(
        [sys.executable, "-S", "-m", "smdr.agent", "--config", str(tmp_path / "agent.toml")],
        cwd=ROOT,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(
            lambda: agent(tmp_path, "status", "--json").stdout.count('"running": true'),
            what="the agent's first heartbeat",
        )
    finally:
        running.send_signal(signal.SIGTERM)
        code = running.wait(30)
    shown = agent(tmp_path, "status")

    assert code == 0
    assert "  agent          STOPPED at " in shown.stdout
    assert "  PBX link       idle: stopped" in shown.stdout
    assert shown.returncode == 1  # a stopped agent needs attention
    assert "agent stopped" in (tmp_path / "agent.log").read_text()
