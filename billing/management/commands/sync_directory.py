"""``manage.py sync_directory --ldap [--apply]``: departments, extensions, holders and
managers from the LDAP or Active Directory server (``LDAP_*`` settings)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from billing.directory_sync import directory_sync_ldap
from org.directory import DirectoryError
from org.ldap_directory import LdapDirectoryError

SHOWN_CHANGES = 20


class Command(BaseCommand):
    help = gettext_lazy(
        "Read the people of the LDAP directory (LDAP_* settings) and show what they would "
        "change in departments, extensions and managers; with --apply, write it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--ldap",
            action="store_true",
            required=True,
            help=gettext_lazy("Read the LDAP or Active Directory server (the only source)."),
        )
        parser.add_argument("--apply", action="store_true", help=gettext_lazy("Write the changes."))

    def handle(self, *args, apply, **options):
        try:
            sync = directory_sync_ldap(apply=apply)
        except (LdapDirectoryError, DirectoryError) as error:
            raise CommandError(
                _("The directory was not synchronized:\n%(error)s") % {"error": error}
            ) from None
        found = len(sync.directory.entries)
        self.stdout.write(
            ngettext(
                "%(count)s person with an extension read from the directory",
                "%(count)s people with an extension read from the directory",
                found,
            )
            % {"count": f"{found:,}"}
            + (
                _(" (%(count)s without one left out).")
                % {"count": f"{sync.directory.without_extension:,}"}
                if sync.directory.without_extension
                else "."
            )
        )
        self.stdout.write(sync.diff.summary())
        for line in sync.diff.lines(SHOWN_CHANGES):
            self.stdout.write(f"  {line}")
        if not sync.diff.has_changes:
            self.stdout.write(_("Nothing to change."))
        elif sync.applied:
            self.stdout.write(self.style.SUCCESS(_("Applied.")))
        else:
            self.stdout.write(_("Nothing written: run again with --apply to apply these changes."))
