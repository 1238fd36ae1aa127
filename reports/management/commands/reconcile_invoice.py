"""``manage.py reconcile_invoice --site SLUG --mapping NAME FILE [--xlsx OUT]``: match a
carrier's itemized bill to our calls (reports.reconcile)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from org.models import Site
from reports.models import InvoiceMapping
from reports.reconcile import InvoiceError, invoice_read, invoice_reconcile, reconciliation_xlsx

SHOWN = 10


class Command(BaseCommand):
    help = gettext_lazy(
        "Match a carrier's itemized invoice (CSV or XLSX) to the site's calls: matched calls "
        "with their price differences, invoice lines without a call, calls not billed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--site", required=True, help=gettext_lazy("Slug of the site billed."))
        parser.add_argument(
            "--mapping", required=True, help=gettext_lazy("Name of the carrier's invoice mapping.")
        )
        parser.add_argument(
            "--trunk", default="", help=gettext_lazy("Only the calls of this trunk (its name).")
        )
        parser.add_argument("file", type=Path, help=gettext_lazy("The invoice, .csv or .xlsx."))
        parser.add_argument(
            "--xlsx",
            type=Path,
            help=gettext_lazy("Also write the whole result to this .xlsx file."),
        )

    def handle(self, *args, site, mapping, trunk, file, xlsx, **options):
        try:
            site = Site.objects.get(slug=site)
        except Site.DoesNotExist:
            known = ", ".join(Site.objects.values_list("slug", flat=True)) or _("none yet")
            raise CommandError(
                _("No site %(site)r; sites: %(known)s.") % {"site": site, "known": known}
            ) from None
        try:
            mapping = InvoiceMapping.objects.get(name=mapping)
        except InvoiceMapping.DoesNotExist:
            known = ", ".join(InvoiceMapping.objects.values_list("name", flat=True)) or _(
                "none yet"
            )
            raise CommandError(
                _("No invoice mapping %(mapping)r; mappings: %(known)s (Admin → Invoice mappings).")
                % {"mapping": mapping, "known": known}
            ) from None
        if not file.is_file():
            raise CommandError(_("%(file)s: no such file.") % {"file": file})
        try:
            lines = invoice_read(file, mapping, site)
        except InvoiceError as error:
            raise CommandError(
                _("%(file)s was not reconciled:\n%(error)s") % {"file": file, "error": error}
            ) from None
        result = invoice_reconcile(lines, mapping, site, trunk=trunk)
        self.stdout.write(result.summary() + ".")
        differing = [(line, call) for line, call in result.matched if line.cost != call.cost]
        for title, rows in (
            (
                _("Priced differently (invoice, ours):"),
                [
                    f"line {line.line}: {line.number} {line.start:%Y-%m-%d %H:%M:%S} "
                    f"{line.cost} {call.cost if call.cost is not None else '-'}"
                    for line, call in differing
                ],
            ),
            (
                _("Invoice lines without a call of ours:"),
                [
                    f"line {line.line}: {line.number} {line.start:%Y-%m-%d %H:%M:%S} "
                    f"{line.duration_seconds} s {line.cost}"
                    for line in result.invoice_only
                ],
            ),
            (
                _("Our calls not billed:"),
                [
                    f"{call.start.astimezone(site.zone):%Y-%m-%d %H:%M:%S} {call.number} "
                    f"({call.extension or '-'}) {call.duration_seconds} s"
                    for call in result.calls_only
                ],
            ),
        ):
            if rows:
                self.stdout.write(title)
                for row in rows[:SHOWN]:
                    self.stdout.write(f"  {row}")
                if len(rows) > SHOWN:
                    self.stdout.write(
                        "  " + _("... and %(count)d more") % {"count": len(rows) - SHOWN}
                    )
        if xlsx:
            xlsx.write_bytes(reconciliation_xlsx(result))
            self.stdout.write(_("Written to %(file)s.") % {"file": xlsx})
