"""``manage.py pbx_simulator --family F [--port N | --serial PATH] [--rate CALLS_PER_S]``."""

import argparse
import asyncio

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_lazy

from pbxsim.pbx import GENERATORS, SimulatedPbx, wire_formats_help


class Command(BaseCommand):
    help = gettext_lazy(
        "Run a simulated PBX that emits realistic records of a family with its login "
        "and framing: listening on a TCP port (the default), pushing to a collector "
        "(--push HOST:PORT) or writing to a serial device (--serial PATH)."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.epilog = wire_formats_help()
        # Django's formatter keeps the epilog's lines only with a raw description.
        parser.formatter_class = type(
            "HelpFormatter", (parser.formatter_class, argparse.RawDescriptionHelpFormatter), {}
        )
        return parser

    def add_arguments(self, parser):
        parser.add_argument("--family", required=True, choices=sorted(GENERATORS))
        target = parser.add_mutually_exclusive_group()
        target.add_argument(
            "--port", type=int, help=gettext_lazy("Listen on this TCP port (default 6001).")
        )
        target.add_argument(
            "--push", metavar="HOST:PORT", help=gettext_lazy("Connect to a collector.")
        )
        target.add_argument(
            "--serial", metavar="PATH", help=gettext_lazy("Write to this serial device.")
        )
        parser.add_argument(
            "--host", default="127.0.0.1", help=gettext_lazy("Address to listen on.")
        )
        parser.add_argument(
            "--rate", type=float, default=1.0, help=gettext_lazy("Records per second.")
        )
        parser.add_argument(
            "--password", default="", help=gettext_lazy("Login the PBX expects, if any.")
        )
        parser.add_argument("--limit", type=int, help=gettext_lazy("Stop after this many records."))
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, family, port, push, serial, host, rate, password, limit, seed, **o):
        if rate <= 0:
            raise CommandError("--rate must be positive.")
        pbx = SimulatedPbx(family=family, rate=rate, password=password, limit=limit, seed=seed)
        if serial:
            self.stdout.write(f"simulated {family} PBX writing to {serial} at {rate:g}/s")
            work = pbx.serial(serial)
        elif push:
            collector_host, _, collector_port = push.rpartition(":")
            if not collector_port.isdigit():
                raise CommandError("--push takes HOST:PORT, e.g. 127.0.0.1:6002.")
            self.stdout.write(f"simulated {family} PBX pushing to {push} at {rate:g}/s")
            work = pbx.push(collector_host or "127.0.0.1", int(collector_port))
        else:
            port = port or 6001
            self.stdout.write(f"simulated {family} PBX listening on {host}:{port} at {rate:g}/s")
            work = pbx.serve(host, port)
        try:
            asyncio.run(work)
        except KeyboardInterrupt:
            pass
        except OSError as error:
            raise CommandError(str(error)) from None
