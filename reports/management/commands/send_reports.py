"""``manage.py send_reports [--month YYYY-MM] [--dry-run] [--force]``: the monthly
report e-mails, by hand.

What beat's "Monthly department reports to managers" schedule runs on the 1st; an
operator uses it to send a month again after fixing an address or a mail server, or
to see first who would get what. Managers already sent the month are skipped.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reports.mail import (
    OUTCOME_LABELS,
    DeliveryResult,
    Outcome,
    monthly_reports_send,
    previous_month,
)
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
        values = {"month": date_format(target, "YEAR_MONTH_FORMAT"), "key": f"{target:%Y-%m}"}
        if dry_run:
            self.stdout.write(_("Would send the reports of %(month)s (%(key)s).") % values)
        else:
            self.stdout.write(_("Sending the reports of %(month)s (%(key)s).") % values)
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
                f"[{done}] {result.username} <{result.email or _('no address')}> "
                f"({departments}): {OUTCOME_LABELS.get(result.outcome, result.outcome)}"
            )
            if result.error:
                line += f": {result.error}"
            self.stdout.write(styles[result.outcome](line))

        summary = monthly_reports_send(target, dry_run=dry_run, force=force, on_result=show)
        counts = summary.counts()
        if dry_run:
            parts = [_("%(count)s would be sent") % {"count": counts[Outcome.WOULD_SEND]}]
        else:
            parts = [
                _("%(count)s sent") % {"count": counts[Outcome.SENT]},
                _("%(count)s failed") % {"count": counts[Outcome.FAILED]},
            ]
        parts += [
            _("%(count)s already sent") % {"count": counts[Outcome.ALREADY_SENT]},
            _("%(count)s without an e-mail address") % {"count": counts[Outcome.NO_EMAIL]},
        ]
        style = self.style.ERROR if counts[Outcome.FAILED] else self.style.SUCCESS
        managers = ngettext(
            "%(count)s manager: %(parts)s.", "%(count)s managers: %(parts)s.", len(summary.results)
        ) % {"count": len(summary.results), "parts": ", ".join(parts)}
        self.stdout.write(style(managers))
        if counts[Outcome.FAILED]:
            raise CommandError(
                _("Some reports were not sent; run the command again to retry them.")
            )
