"""The translations are complete: every string marked in the code is in the Spanish
and Portuguese catalogs, translated, not fuzzy, with the same placeholders, and the
compiled catalogs Django reads are those of the ``.po`` files.

A new string left untranslated fails here: run ``make messages``, translate what it
adds to ``locale/*/LC_MESSAGES/django.po`` (docs/glossary.md has the words), and
commit the ``.po`` and ``.mo`` files it compiles.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ["es", "pt_BR"]
# What makemessages reads: the product, not its tests, tools or virtualenv.
IGNORED = ["tests/*", "bench/*", ".venv/*", "var/*", "docs/*", "agent/*", "pbxsim/*"]


def catalog(language: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))


def key(entry: polib.POEntry) -> tuple[str | None, str]:
    return entry.msgctxt, entry.msgid


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_and_none_is_fuzzy(language):
    po = catalog(language)
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"
    assert len(po) > 0


@pytest.mark.parametrize("language", LANGUAGES)
def test_msgfmt_accepts_the_catalog_and_the_compiled_one_is_current(language, tmp_path):
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt is missing: install gettext (apt-get install gettext)"
    po_path = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    checked = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", str(tmp_path / "django.mo"), str(po_path)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
    compiled = polib.mofile(str(po_path.with_suffix(".mo")))
    translated = {key(entry): entry.msgstr for entry in catalog(language).translated_entries()}
    shipped = {key(entry): entry.msgstr for entry in compiled if entry.msgid}
    assert shipped == translated, "the .mo is stale: run make messages"


def test_every_marked_string_is_in_the_catalogs(tmp_path):
    """makemessages on a copy of the tree finds no string the catalogs lack."""
    copy = tmp_path / "tree"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(".venv", "var", ".git", "node_modules", "__pycache__"),
    )
    result = subprocess.run(
        [
            *(sys.executable, "manage.py", "makemessages", "--no-obsolete", "--no-location"),
            *(f"--locale={language}" for language in LANGUAGES),
            *(f"--ignore={pattern}" for pattern in IGNORED),
        ],
        cwd=copy,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    for language in LANGUAGES:
        found = polib.pofile(str(copy / "locale" / language / "LC_MESSAGES" / "django.po"))
        missing = {key(entry) for entry in found} - {key(entry) for entry in catalog(language)}
        assert not missing, f"{language}: {len(missing)} strings not in the catalog: " + ", ".join(
            repr(msgid) for _, msgid in sorted(missing, key=str)[:8]
        )
