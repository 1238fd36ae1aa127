"""``manage.py choose_family FILE [--site SLUG]``: which family reads these records?"""

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from capture.preview import MAX_PREVIEW_LINES, family_ranking, no_family_message
from org.models import Site
from smdr.chooser import rank


class Command(BaseCommand):
    help = gettext_lazy(
        "Rank the PBX families (and options) that read a file of sample records, best "
        'first, as the admin\'s "Which family is this?" does. Reads the first 1000 '
        "non-blank lines; nothing is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=gettext_lazy("A file of records, one a line."))
        parser.add_argument(
            "--site",
            help=gettext_lazy(
                "Read times in this site's zone and tell inside from outside by its "
                "extensions (default: the server's zone, no extensions)."
            ),
        )
        parser.add_argument(
            "--top", type=int, default=10, help=gettext_lazy("Show this many (default 10).")
        )

    def handle(self, *args, **options):
        try:
            text = Path(options["file"]).read_bytes().decode("utf-8", errors="replace")
        except OSError as error:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s")
                % {"file": options["file"], "error": error.strerror or error}
            ) from None
        lines = [line for line in text.splitlines() if line.strip()][:MAX_PREVIEW_LINES]
        ranked = self._ranked(lines, options["site"])
        if not ranked:
            raise CommandError(no_family_message())
        header = (_("family"), _("settings"), _("score"), _("calls"), _("noise"), _("errors"))
        rows = [
            (
                item["family"],
                json.dumps(item["settings"], ensure_ascii=False) if item["settings"] else "-",
                f"{item['score']:.3f}",
                str(item["calls"]),
                str(item["noise"]),
                str(item["errors"]),
            )
            for item in ranked[: options["top"]]
        ]
        widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
        for row in (header, *rows):
            cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write("  ".join(cells).rstrip())
        first = ranked[0]
        if first["first_error"]:
            self.stdout.write(
                _("First error of the best: %(error)s") % {"error": first["first_error"]}
            )

    def _ranked(self, lines, slug):
        if slug is None:
            return [
                item.as_dict()
                for item in rank(
                    lines,
                    zone=ZoneInfo(settings.TIME_ZONE),
                    received_at=timezone.now().astimezone(dt.UTC),
                )
            ]
        try:
            site = Site.objects.get(slug=slug)
        except Site.DoesNotExist:
            raise CommandError(_("No site %(slug)r.") % {"slug": slug}) from None
        try:
            return family_ranking(site=site, lines=lines)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
