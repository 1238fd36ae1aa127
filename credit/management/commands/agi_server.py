"""``manage.py agi_server [--host 127.0.0.1] [--port 4573]``: the FastAGI server for
prepaid calls, in the foreground until stopped."""

import asyncio
import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from credit.agi import agi_serve


class Command(BaseCommand):
    help = gettext_lazy(
        "Answer Asterisk's AGI(agi://host/authorize) and AGI(agi://host/settle,...) "
        "requests for prepaid calls until stopped (Ctrl-C or SIGTERM). See docs/credit.md."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--host", default="127.0.0.1", help=gettext_lazy("Address to listen on.")
        )
        parser.add_argument(
            "--port", type=int, default=4573, help=gettext_lazy("FastAGI's port: 4573.")
        )

    def handle(self, *args, host, port, **options):
        clients = ", ".join(settings.TARIFICADOR_CREDIT_AGI_CLIENTS)
        try:
            asyncio.run(self._run(host, port, clients))
        except OSError as error:
            raise CommandError(f"Cannot listen on {host}:{port}: {error}") from None
        self.stdout.write(_("FastAGI server stopped"))

    async def _run(self, host, port, clients):
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)

        def listening(bound):
            self.stdout.write(f"FastAGI on {host}:{bound}, answering {clients}")
            self.stdout.flush()

        await agi_serve(host, port, stop=stop, on_listening=listening)
