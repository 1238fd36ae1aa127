"""``manage.py import_rates --plan SLUG FILE [--apply]``: load a carrier's rate deck.

A billing command, not rating's: its check says which stored calls the new rates
leave out, a read of the calls, which sit above rating.
"""

import datetime as dt
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.selectors import calls_before_count
from rating.decks import (
    DATE_ORDERS,
    DeckError,
    deck_apply,
    deck_coverage,
    deck_dates_understood,
    deck_default_start,
    deck_diff,
    deck_read,
)
from rating.models import RatePlan

SHOWN_CHANGES = 20


class Command(BaseCommand):
    help = gettext_lazy(
        "Check a rate deck (CSV or XLSX) line by line and show what it would change in a "
        "plan's current rates; with --apply, write it as a new version of the plan."
    )

    def add_arguments(self, parser):
        parser.add_argument("--plan", required=True, help=gettext_lazy("Slug of the rate plan."))
        parser.add_argument("file", type=Path, help=gettext_lazy("The deck, .csv or .xlsx."))
        parser.add_argument("--apply", action="store_true", help=gettext_lazy("Write the changes."))
        parser.add_argument(
            "--valid-from",
            type=dt.date.fromisoformat,
            help=_(
                "First day of the new rates where the deck gives none; rates the deck "
                "leaves out end that day. Default: a plan's first deck prices all calls, "
                "past and future; a later one starts today."
            ),
        )

        parser.add_argument(
            "--date-format",
            choices=list(DATE_ORDERS),
            default="iso",
            help=gettext_lazy(
                "How the deck writes valid_from: iso (2026-12-01, the default), dmy "
                "(01/12/2026) or mdy (12/01/2026); ISO dates are read with any of them."
            ),
        )

    def handle(self, *args, plan, file, apply, valid_from, date_format, **options):
        try:
            plan = RatePlan.objects.get(slug=plan)
        except RatePlan.DoesNotExist:
            known = ", ".join(RatePlan.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No rate plan {plan!r}; plans: {known}.") from None
        if not file.is_file():
            raise CommandError(f"{file}: no such file.")
        valid_from = deck_default_start(plan, valid_from)

        started = time.monotonic()
        try:
            rows = deck_read(file, default_valid_from=valid_from, date_order=date_format)
            diff = deck_diff(plan, rows)
        except DeckError as error:
            raise CommandError(
                _("%(file)s was not imported:\n%(error)s") % {"file": file, "error": error}
            ) from None
        self.stdout.write(
            _("%(file)s: %(count)s rates read and checked in %(seconds).1f s.")
            % {"file": file, "count": f"{len(rows):,}", "seconds": time.monotonic() - started}
        )
        understood = deck_dates_understood(rows, date_format)
        if understood:
            self.stdout.write(understood)
        self.stdout.write(
            _("Against plan %(plan)s now: %(summary)s.")
            % {"plan": plan.slug, "summary": diff.summary()}
        )
        for line in diff.lines(SHOWN_CHANGES):
            self.stdout.write(f"  {line}")
        if not diff.has_changes:
            self.stdout.write(_("Nothing to change."))
            return
        coverage = deck_coverage(plan, rows, calls_before_count=calls_before_count)
        self.stdout.write(_("This version %(coverage)s.") % {"coverage": coverage})
        if not apply:
            self.stdout.write(_("Nothing written: run again with --apply to apply these changes."))
            return
        deck_apply(plan, rows, diff, ends_on=valid_from)
        plan.refresh_from_db()
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Applied in %(seconds).1f s: plan %(plan)s is now at version %(version)s. "
                    "Re-rate past calls with manage.py rerate if needed."
                )
                % {
                    "seconds": time.monotonic() - started,
                    "plan": plan.slug,
                    "version": plan.version,
                }
            )
        )
