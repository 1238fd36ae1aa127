"""``manage.py bootstrap``: first-run set-up for ``make run``.

Creates an administrator with a random password (printed once) when there is
none, and seeds the demo organization when it is missing. Later runs change
nothing, so ``make run`` keeps the data.
"""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils.translation import gettext_lazy

from billing.demo import MANAGER, demo_exists, demo_seed


class Command(BaseCommand):
    help = gettext_lazy("Create the first administrator and the demo data, if missing.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-demo", action="store_true", help=gettext_lazy("Do not seed the demo site.")
        )

    def handle(self, *args, no_demo, **options):
        users = get_user_model()
        if not users.objects.filter(is_superuser=True).exists():
            password = secrets.token_urlsafe(12)
            users.objects.create_superuser("admin", "admin@localhost", password)
            self.stdout.write(
                self.style.SUCCESS(
                    "\n  Administrator created. Sign in at http://127.0.0.1:8000/admin/\n"
                    f"  user: admin   password: {password}\n"
                    "  (shown once; change it with: manage.py changepassword admin)\n"
                )
            )
        if not no_demo and not demo_exists():
            self.stdout.write(
                "Seeding the demo site with thirteen months of generated IP Office calls..."
            )
            password = secrets.token_urlsafe(12)
            result = demo_seed(manager_password=password)
            self.stdout.write(
                f"Demo ready: {result.parsed} calls, {result.ignored} noise, "
                f"{result.errors} errors.\n"
                f"  Demo manager (sees only the Administration branch): user: {MANAGER[0]}"
                f"   password: {password}   (shown once)"
            )
