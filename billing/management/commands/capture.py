"""``manage.py capture [--source SLUG ...]``: capture PBXs in the foreground.

Billing's command, not capture's: what it captures goes on through billing's
pipeline (stored, then parsed and priced), and capture sits below billing.
"""

import asyncio
import signal

from django.core.management.base import BaseCommand, CommandError

from billing.pipeline import raw_records_ingest
from billing.sweeper import sweeper_start
from capture.live import capturable_sources, sources_capture


class Command(BaseCommand):
    help = (
        "Capture call records from PBXs until stopped (Ctrl-C or SIGTERM): every enabled "
        "TCP, serial and file-following source by default, or the ones named."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source",
            action="extend",
            nargs="+",
            dest="sources",
            metavar="SLUG",
            help="Capture only these sources (--source a b, or --source a --source b).",
        )

    def handle(self, *args, sources, **options):
        try:
            chosen = capturable_sources(sources)
        except ValueError as error:
            raise CommandError(str(error)) from None
        if not chosen:
            raise CommandError(
                "Nothing to capture: no enabled source with transport tcp-client, "
                "tcp-server, serial or file (with a path)."
            )
        for source in chosen:
            self.stdout.write(f"capturing {source.slug} ({source.family}, {source.transport})")
        # Without a broker this process parses what it captures, so it also sweeps what
        # a crash (its own, or the web server's) left pending.
        sweeper_start()
        try:
            asyncio.run(self._run(chosen))
        except ValueError as error:  # a source's settings are incomplete
            raise CommandError(str(error)) from None
        self.stdout.write("capture stopped")

    async def _run(self, chosen):
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await sources_capture(chosen, stop, ingest=raw_records_ingest)
