"""``manage.py import_cdr --source SLUG FILE...``: import files of raw call records.

Billing's command, not capture's: it parses what it stores (billing's pipeline,
which sits above capture).
"""

import datetime as dt
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from tqdm import tqdm

from billing.pipeline import ProcessResult, raw_records_process
from capture.models import RawRecord, Source
from capture.services import (
    IncomingRecord,
    line_fingerprints,
    raw_records_store,
    text_or_bytes,
)
from core.errors import DomainError
from smdr.framing import framer_for

BATCH_SIZE = 5000
SHOWN_ERRORS = 10


class Command(BaseCommand):
    help = gettext_lazy(
        "Import files of raw call records into a source, then parse them. Every line is "
        "kept, parsed or not; importing the same file again adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source", required=True, help=gettext_lazy("Slug of the source to import into.")
        )
        parser.add_argument(
            "files", nargs="+", type=Path, help=gettext_lazy("Files of records, one per line.")
        )
        parser.add_argument(
            "--no-progress", action="store_true", help=gettext_lazy("Hide the progress bar.")
        )

    def handle(self, *args, source, files, no_progress, **options):
        try:
            source = Source.objects.select_related("site").get(slug=source)
        except Source.DoesNotExist:
            known = ", ".join(Source.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No source {source!r}; sources: {known}.") from None
        for path in files:
            if not path.is_file():
                raise CommandError(f"{path}: no such file.")

        started = time.monotonic()
        stored = duplicates = lines = 0
        first_id = None
        parsed = ProcessResult()
        total_bytes = sum(path.stat().st_size for path in files)
        with tqdm(
            total=total_bytes,
            unit="B",
            unit_scale=True,
            desc="Importing",
            disable=no_progress or None,
            file=self.stderr,
        ) as progress:
            for path in files:
                raw_lines = _file_records(path, source)
                lines += len(raw_lines)
                received_at = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
                fingerprints = line_fingerprints(raw_lines)
                for start in range(0, len(raw_lines), BATCH_SIZE):
                    chunk = raw_lines[start : start + BATCH_SIZE]
                    batch = [
                        _incoming(raw, fingerprint, received_at)
                        for raw, fingerprint in zip(
                            chunk, fingerprints[start : start + BATCH_SIZE], strict=True
                        )
                    ]
                    try:
                        result = raw_records_store(source=source, records=batch)
                    except DomainError as error:
                        raise CommandError(str(error)) from None
                    stored += result.stored
                    duplicates += result.duplicates
                    first_id = first_id or result.first_id
                    if result.stored:
                        parsed += raw_records_process(
                            source_id=source.id, first_id=result.first_id, last_id=result.last_id
                        )
                    progress.update(sum(len(raw) + 1 for raw in chunk))

        elapsed = time.monotonic() - started
        self.stdout.write(
            _(
                "%(files)d file(s), %(lines)d records in %(seconds).1f s: %(stored)d stored, "
                "%(duplicates)d duplicates, %(parsed)d parsed into calls, "
                "%(ignored)d ignored as noise, %(errors)d errors."
            )
            % {
                "files": len(files),
                "lines": lines,
                "seconds": elapsed,
                "stored": stored,
                "duplicates": duplicates,
                "parsed": parsed.parsed,
                "ignored": parsed.ignored,
                "errors": parsed.errors,
            }
        )
        if parsed.errors:
            self._show_errors(source, first_id)

    def _show_errors(self, source, first_id):
        failed = RawRecord.objects.filter(
            source=source, state=RawRecord.State.ERROR, id__gte=first_id
        ).order_by("id")[:SHOWN_ERRORS]
        self.stdout.write(
            self.style.WARNING(
                _(
                    "Records that did not parse (kept; the first %(shown)d are shown, "
                    "all are in the admin under Raw records):"
                )
                % {"shown": SHOWN_ERRORS}
            )
        )
        for record in failed:
            self.stdout.write(f"  seq {record.seq}: {record.error}\n    {record.text[:120]}")


def _incoming(raw: bytes, fingerprint: str, received_at: dt.datetime) -> IncomingRecord:
    line, data = text_or_bytes(raw)
    return IncomingRecord(received_at=received_at, line=line, data=data, fingerprint=fingerprint)


def _file_records(path: Path, source: Source) -> list[bytes]:
    """The records of a file, framed as the source's PBX family frames its stream."""
    framer = framer_for(source.family, source.transport, source.settings or {})
    return [record for record in framer.feed(path.read_bytes()) + framer.flush() if record]
