"""``smdr`` and ``pbxsim`` are libraries without a server: none of their modules imports
Django or any of the project's apps, so the remote agent installs ``smdr`` alone and the
simulators run anywhere."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVER = ("django", "rest_framework", "celery", "psycopg", "config", "core", "org")
SERVER += ("capture", "billing", "rating", "reports", "credit")
PACKAGES = ("smdr", "pbxsim")
# The database transport reads PostgreSQL CDR tables with psycopg, imported only when a
# source pulls from PostgreSQL (an agent doing so installs it): not the server's use.
DATABASE_DRIVER_USERS = {"dbpull.py", "cdr_database.py"}


def forbidden(package: str) -> tuple[str, ...]:
    """What ``package`` may not import: ``pbxsim`` may use ``smdr``; ``smdr`` uses neither."""
    return SERVER if package == "pbxsim" else (*SERVER, "pbxsim")


def modules(package: str) -> list[str]:
    return sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in (ROOT / package).rglob("*.py")
    )


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_names_the_server(package):
    """Every import statement, lazy ones inside functions included."""
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            found += [
                f"{path.name}: {name}"
                for name in names
                if name.split(".")[0] in forbidden(package)
                and not (name == "psycopg" and path.name in DATABASE_DRIVER_USERS)
            ]
    assert len(modules(package)) > 10
    assert {"smdr.agent.uploader", "smdr.parsers.generic", "pbxsim.pbx"} & set(modules(package))
    assert found == []


@pytest.mark.parametrize("package", PACKAGES)
def test_every_module_imports_with_the_server_unimportable(package):
    """Each module imports in a fresh interpreter where Django and the apps cannot be
    imported at all (``sys.modules[name] = None`` makes ``import name`` fail)."""
    code = (
        "import importlib, sys\n"
        f"for name in {forbidden(package)!r}:\n"
        "    sys.modules[name] = None\n"
        f"for module in {modules(package)!r}:\n"
        "    importlib.import_module(module)\n"
        f"print(len([m for m in sys.modules if m.split('.')[0] == {package!r}]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )

    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == len(modules(package))
