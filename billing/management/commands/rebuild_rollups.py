"""``manage.py rebuild_rollups [--from YYYY-MM] [--to YYYY-MM] [--check]``: recompute report
totals from the calls, or only check that they equal them."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from tqdm import tqdm

from billing.rollups import months_with_calls, rollups_drift, rollups_rebuild


def month(value: str) -> dt.date:
    try:
        return dt.datetime.strptime(value, "%Y-%m").replace(tzinfo=dt.UTC).date()
    except ValueError:
        raise CommandError(f"{value!r} is not a month; write it as YYYY-MM.") from None


class Command(BaseCommand):
    help = gettext_lazy(
        "Recompute the report rollups from the calls, month by month (every month with "
        "calls by default). Rollups are kept current as calls land and are re-rated; "
        "this is for repairs and after restoring calls by hand."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--from", dest="first", type=month, help=gettext_lazy("First month, YYYY-MM.")
        )
        parser.add_argument(
            "--to", dest="last", type=month, help=gettext_lazy("Last month, YYYY-MM.")
        )
        parser.add_argument(
            "--no-progress", action="store_true", help=gettext_lazy("Hide the progress bar.")
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help=gettext_lazy(
                "Change nothing: say whether the rollups equal the calls (exit 1 if not)."
            ),
        )

    def handle(self, *args, first, last, no_progress, check, **options):
        if check:
            drift = rollups_drift()
            if drift:
                raise CommandError(
                    _(
                        "The rollups differ from the calls (first differences below); "
                        "run rebuild_rollups to recompute them.\n%(drift)s"
                    )
                    % {"drift": "\n".join(drift)}
                )
            self.stdout.write(self.style.SUCCESS(_("The rollups equal the calls.")))
            return
        months = [
            m
            for m in months_with_calls()
            if (first is None or m >= first) and (last is None or m <= last)
        ]
        if first and last and last < first:
            raise CommandError(f"--to {last:%Y-%m} is before --from {first:%Y-%m}.")
        with tqdm(
            desc="Rebuilding rollups", unit=" calls", disable=no_progress or None, file=self.stderr
        ) as bar:
            read = rollups_rebuild(months, progress=bar.update)
        self.stdout.write(
            self.style.SUCCESS(
                _("%(months)d months rebuilt from %(calls)s calls.")
                % {"months": len(months), "calls": f"{read:,}"}
            )
        )
