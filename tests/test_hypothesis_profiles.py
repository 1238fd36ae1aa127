"""Property tests are reproducible in CI and exploratory for developers."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHOW_PROFILE = (
    "import django; django.setup(); import tests.conftest; "
    "from hypothesis import settings; d = settings.default; "
    "print(d.derandomize, d.deadline, d.print_blob)"
)


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"CI": "true"}, "True None True"),
        ({"HYPOTHESIS_PROFILE": "ci"}, "True None True"),
        ({}, "False 0:00:00.200000 False"),
    ],
)
def test_ci_derandomizes_and_developers_explore(environment, expected):
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "HYPOTHESIS_PROFILE")}
    env.update(environment, DJANGO_SETTINGS_MODULE="config.settings.test")

    shown = subprocess.run(
        [sys.executable, "-c", SHOW_PROFILE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )

    assert shown.stdout.strip() == expected
