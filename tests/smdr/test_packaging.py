"""The agent's distribution lists every package of ``smdr``, so a new subpackage is not
left out of the wheel silently."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_agent_distribution_lists_every_smdr_package():
    project = tomllib.loads((ROOT / "agent" / "pyproject.toml").read_text())
    packages = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "smdr").rglob("__init__.py")
    }

    assert set(project["tool"]["setuptools"]["packages"]) == packages
    assert project["project"]["dependencies"] == ["pyserial==3.5"]


def test_the_server_ships_smdr_and_pbxsim():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())

    assert {"smdr*", "pbxsim*"} <= set(project["tool"]["setuptools"]["packages"]["find"]["include"])
