"""``manage.py send_reports [--month YYYY-MM] [--dry-run] [--force]``: the monthly
report e-mails, by hand.

What beat's "Monthly department reports to managers" schedule runs on the 1st; an
operator uses it to send a month again after fixing an address or a mail server, or
to see first who would get what. Managers already sent the month are skipped.
"""

from django.core.management.base import BaseCommand, CommandError

from reports.mail import DeliveryResult, Outcome, monthly_reports_send, previous_month
from reports.selectors import InvalidMonth, month_parse


def month(value: str):
    try:
        return month_parse(value)
    except InvalidMonth as error:
        raise CommandError(str(error)) from None


class Command(BaseCommand):
    help = (
        "E-mail every manager the report of their departments for a month (the month "
        "just ended by default), with the PDF and XLSX attached. Each manager gets a "
        "month once: those already sent are skipped unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", type=month, help="The month to send, YYYY-MM.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Show who would get what; send nothing."
        )
        parser.add_argument(
            "--force", action="store_true", help="Send again to managers already sent the month."
        )

    def handle(self, *args, month, dry_run, force, **options):
        target = month or previous_month()
        verb = "Would send" if dry_run else "Sending"
        self.stdout.write(f"{verb} the reports of {target:%B %Y} ({target:%Y-%m}).")
        styles = {
            Outcome.SENT: self.style.SUCCESS,
            Outcome.WOULD_SEND: self.style.SUCCESS,
            Outcome.ALREADY_SENT: str,
            Outcome.NO_EMAIL: self.style.WARNING,
            Outcome.FAILED: self.style.ERROR,
        }
        done = 0

        def show(result: DeliveryResult) -> None:
            nonlocal done
            done += 1
            departments = ", ".join(result.departments) or "-"
            line = (
                f"[{done}] {result.username} <{result.email or 'no address'}> "
                f"({departments}): {result.outcome}"
            )
            if result.error:
                line += f": {result.error}"
            self.stdout.write(styles[result.outcome](line))

        summary = monthly_reports_send(target, dry_run=dry_run, force=force, on_result=show)
        counts = summary.counts()
        if dry_run:
            parts = [f"{counts[Outcome.WOULD_SEND]} would be sent"]
        else:
            parts = [f"{counts[Outcome.SENT]} sent", f"{counts[Outcome.FAILED]} failed"]
        parts += [
            f"{counts[Outcome.ALREADY_SENT]} already sent",
            f"{counts[Outcome.NO_EMAIL]} without an e-mail address",
        ]
        style = self.style.ERROR if counts[Outcome.FAILED] else self.style.SUCCESS
        self.stdout.write(style(f"{len(summary.results)} managers: {', '.join(parts)}."))
        if counts[Outcome.FAILED]:
            raise CommandError("Some reports were not sent; run the command again to retry them.")
