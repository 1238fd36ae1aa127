"""The remote agent's distribution (``agent/pyproject.toml``) installs into a fresh
virtualenv with pyserial alone, and the agent it installs captures a PBX and uploads to
a real centre from there, far from this checkout."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import service_unavailable
from tests.smdr.agent.conftest import ROOT, centre_settled, wait_until

pytestmark = pytest.mark.django_db(transaction=True)
RECORDS = 200


def run(*command, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, check=False
    )


@pytest.fixture
def agent_python(tmp_path) -> Path:
    """A new virtualenv with the distribution installed from a copy of this checkout
    (pip builds in the source folder; the copy keeps the checkout clean)."""
    source = tmp_path / "source"
    for folder in ("agent", "smdr"):
        shutil.copytree(
            ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    made = run(sys.executable, "-m", "venv", tmp_path / "venv", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    python = tmp_path / "venv" / "bin" / "python"
    # Build with the virtualenv's own setuptools when it can make wheels (>= 70.1, or
    # with the wheel package); otherwise pip fetches setuptools for the build alone.
    can_build = run(
        python,
        "-c",
        "import importlib.util as u, setuptools as s; "
        "v = tuple(map(int, s.__version__.split('.')[:2])); "
        "print(v >= (70, 1) or u.find_spec('wheel') is not None)",
        cwd=tmp_path,
    )
    isolation = ["--no-build-isolation"] if can_build.stdout.strip() == "True" else []
    installed = run(python, "-m", "pip", "install", *isolation, source / "agent", cwd=tmp_path)
    if installed.returncode and "pyserial" in installed.stderr + installed.stdout:
        service_unavailable(f"pyserial could not be fetched: {installed.stderr[-500:]}")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return python


def test_the_distribution_installs_only_pyserial(agent_python, tmp_path):
    """``pip list`` in the virtualenv: the distribution, pyserial, and pip's own."""
    listed = run(agent_python, "-m", "pip", "list", "--format=json", cwd=tmp_path)
    where = run(agent_python, "-c", "import smdr, serial; print(smdr.__file__)", cwd=tmp_path)
    helped = run(agent_python, "-m", "smdr.agent", "--help", cwd=tmp_path)

    names = {package["name"].lower() for package in json.loads(listed.stdout)}
    assert names == {"pip", "setuptools", "pyserial", "tarificador-smdr"}
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(tmp_path / "venv")
    assert helped.returncode == 0, helped.stderr
    assert helped.stdout.startswith("usage: python -m smdr.agent [-h] --config CONFIG")


def test_the_installed_agent_delivers_a_pbx_to_the_centre(
    agent_python, tmp_path, centre, make_agent, pbx_factory, agent_source
):
    """From the virtualenv, outside this checkout: every record a simulated PBX prints
    becomes a call at the centre, and ``status`` says all is well."""
    source, _ = agent_source
    pbx = pbx_factory(family="avaya-ipoffice", rate=2000, limit=RECORDS, seed=3)
    agent = make_agent(centre.url).configure(
        capture={"transport": "tcp-client", "host": "127.0.0.1", "port": pbx.port}
    )
    agent.python, agent.cwd = [str(agent_python)], tmp_path
    centre.start()
    agent.start()

    wait_until(
        lambda: agent.figures()["stored"] == RECORDS and agent.figures()["unsent"] == 0,
        what="the agent to spool and upload every record",
    )
    code, status = agent.status()
    agent.stop()

    assert centre_settled(source, RECORDS)["calls"] == RECORDS
    assert code == 0
    assert status["uploaded_total"] == RECORDS
