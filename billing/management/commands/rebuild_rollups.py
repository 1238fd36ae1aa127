"""``manage.py rebuild_rollups [--from YYYY-MM] [--to YYYY-MM]``: recompute report totals."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from billing.rollups import months_with_calls, rollups_rebuild


def month(value: str) -> dt.date:
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        raise CommandError(f"{value!r} is not a month; write it as YYYY-MM.") from None


class Command(BaseCommand):
    help = (
        "Recompute the report rollups from the calls, month by month (every month with "
        "calls by default). Rollups are kept current as calls land and are re-rated; "
        "this is for repairs and after restoring calls by hand."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", type=month, help="First month, YYYY-MM.")
        parser.add_argument("--to", dest="last", type=month, help="Last month, YYYY-MM.")
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar.")

    def handle(self, *args, first, last, no_progress, **options):
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
        self.stdout.write(self.style.SUCCESS(f"{len(months)} months rebuilt from {read:,} calls."))
