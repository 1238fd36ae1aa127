"""``manage.py import_directory FILE [--apply]``: departments, extensions, holders and
managers from a spreadsheet (org.directory).

A billing command, not org's: a move dated in the past charges the extension's calls
since then to its new department, a write of billing's calls, which sit above org.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from billing.services import calls_department_move
from org.directory import DirectoryError, directory_apply, directory_diff, directory_read

SHOWN_CHANGES = 20


class Command(BaseCommand):
    help = gettext_lazy(
        "Check a directory file (CSV or XLSX: site, extension, holder, email, "
        "department_code, department_name, parent_code, manager, valid_from) line by line "
        "and show what it would change; with --apply, write it."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help=gettext_lazy("The directory, .csv or .xlsx."))
        parser.add_argument("--apply", action="store_true", help=gettext_lazy("Write the changes."))

    def handle(self, *args, file, apply, **options):
        if not file.is_file():
            raise CommandError(_("%(file)s: no such file.") % {"file": file})
        started = time.monotonic()
        try:
            rows = directory_read(file)
            diff = directory_diff(rows)
        except DirectoryError as error:
            raise CommandError(
                _("%(file)s was not imported:\n%(error)s") % {"file": file, "error": error}
            ) from None
        self.stdout.write(
            ngettext(
                "%(file)s: %(count)s extension read and checked in %(seconds).1f s.",
                "%(file)s: %(count)s extensions read and checked in %(seconds).1f s.",
                len(rows),
            )
            % {"file": file, "count": f"{len(rows):,}", "seconds": time.monotonic() - started}
        )
        self.stdout.write(diff.summary())
        for line in diff.lines(SHOWN_CHANGES):
            self.stdout.write(f"  {line}")
        if not diff.has_changes:
            self.stdout.write(_("Nothing to change."))
            return
        if not apply:
            self.stdout.write(_("Nothing written: run again with --apply to apply these changes."))
            return
        applied = directory_apply(diff, calls_move=calls_department_move)
        self.stdout.write(
            self.style.SUCCESS(
                ngettext(
                    "Applied in %(seconds).1f s; %(calls)s call charged to its new department.",
                    "Applied in %(seconds).1f s; %(calls)s calls charged to their new department.",
                    applied.calls_moved,
                )
                % {"seconds": time.monotonic() - started, "calls": f"{applied.calls_moved:,}"}
            )
        )
