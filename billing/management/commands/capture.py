"""``manage.py capture [--source SLUG ...]``: capture PBXs in the foreground.

Billing's command, not capture's: what it captures goes on through billing's
pipeline (stored, then parsed and priced), and capture sits below billing.
"""

import asyncio
import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.pipeline import raw_records_ingest
from billing.sweeper import sweeper_start
from capture.live import capturable_sources, sources_serve


class Command(BaseCommand):
    help = gettext_lazy(
        "Capture call records from PBXs until stopped (Ctrl-C or SIGTERM): every enabled "
        "TCP, serial, file-following and database source by default, or the ones named. Sources "
        "added, changed or disabled in the admin are followed without a restart."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source",
            action="extend",
            nargs="+",
            dest="sources",
            metavar="SLUG",
            help=gettext_lazy(
                "Capture only these sources (--source a b, or --source a --source b)."
            ),
        )

    def handle(self, *args, sources, **options):
        if sources:
            try:
                capturable_sources(sources)
            except ValueError as error:
                raise CommandError(str(error)) from None
        # Without a broker this process parses what it captures, so it also sweeps what
        # a crash (its own, or the web server's) left pending.
        sweeper_start()
        asyncio.run(self._run(sources))
        self.stdout.write(_("capture stopped"))

    async def _run(self, slugs):
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        captured: set[str] | None = None

        def on_pass(names):
            nonlocal captured
            for slug in sorted(names - (captured or set())):
                self.stdout.write(_("capturing %(slug)s") % {"slug": slug})
            for slug in sorted((captured or set()) - names):
                self.stdout.write(_("stopped capturing %(slug)s") % {"slug": slug})
            if not names and captured != names:
                self.stdout.write(_("waiting for sources: add one in the admin"))
            captured = set(names)

        await sources_serve(
            stop,
            ingest=raw_records_ingest,
            slugs=slugs,
            interval=settings.TARIFICADOR_CAPTURE_RECONCILE_SECONDS,
            on_pass=on_pass,
        )
