"""``smdr`` is a library without a server: none of its modules imports Django or any of
the project's apps, so the remote agent installs it alone."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVER = ("django", "rest_framework", "celery", "psycopg", "config", "core", "org")
SERVER += ("capture", "billing", "rating", "reports", "credit", "pbxsim")


def smdr_modules() -> list[str]:
    return sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in (ROOT / "smdr").rglob("*.py")
    )


def test_no_smdr_module_names_the_server():
    """Every import statement, lazy ones inside functions included."""
    found = []
    for path in sorted((ROOT / "smdr").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            found += [f"{path.name}: {name}" for name in names if name.split(".")[0] in SERVER]
    assert {"smdr.agent.uploader", "smdr.parsers.generic", "smdr.runner"} <= set(smdr_modules())
    assert found == []


def test_every_smdr_module_imports_with_the_server_unimportable():
    """Each module imports in a fresh interpreter where Django and the apps cannot be
    imported at all (``sys.modules[name] = None`` makes ``import name`` fail)."""
    code = (
        "import importlib, sys\n"
        f"for name in {SERVER!r}:\n"
        "    sys.modules[name] = None\n"
        f"for module in {smdr_modules()!r}:\n"
        "    importlib.import_module(module)\n"
        "print(len([m for m in sys.modules if m.startswith('smdr')]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )

    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == len(smdr_modules())
