"""``manage.py rerate --from DATE --to DATE [--site SLUG]``: price stored calls again."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from tqdm import tqdm

from billing.models import RerateJob
from billing.rerating import rerate_job_run
from org.models import Site


class Command(BaseCommand):
    help = gettext_lazy(
        "Re-price the calls made between two local dates (inclusive) with the current "
        "tariffs; closed months are skipped unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", required=True, type=dt.date.fromisoformat)
        parser.add_argument("--to", dest="date_to", required=True, type=dt.date.fromisoformat)
        parser.add_argument("--site", help=gettext_lazy("Slug of one site (default: every site)."))
        parser.add_argument(
            "--force", action="store_true", help=gettext_lazy("Re-rate closed months too.")
        )
        parser.add_argument(
            "--no-progress", action="store_true", help=gettext_lazy("Hide the progress bar.")
        )

    def handle(self, *args, date_from, date_to, site, force, no_progress, **options):
        if date_to < date_from:
            raise CommandError(f"--to {date_to} is before --from {date_from}.")
        if site:
            try:
                site = Site.objects.get(slug=site)
            except Site.DoesNotExist:
                known = ", ".join(Site.objects.values_list("slug", flat=True)) or "none yet"
                raise CommandError(f"No site {site!r}; sites: {known}.") from None
        job = RerateJob.objects.create(
            date_from=date_from, date_to=date_to, site=site or None, force=force
        )
        with tqdm(
            desc="Re-rating", unit=" calls", disable=no_progress or None, file=self.stderr
        ) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            job = rerate_job_run(job.pk, progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                _("%(total)s calls re-rated, %(changed)s changed price.")
                % {"total": f"{job.total:,}", "changed": f"{job.changed:,}"}
            )
        )
        if job.message:
            self.stdout.write(self.style.WARNING(job.message.capitalize() + " (use --force)."))
