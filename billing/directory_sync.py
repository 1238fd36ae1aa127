"""The directory sync from LDAP: org.ldap_directory reads the people, org.directory
checks them and applies the difference, as for a file (``import_directory``); a move
found by the sync happens from now on (a directory says nothing of when)."""

from __future__ import annotations

from dataclasses import dataclass

from org.directory import DirectoryDiff, directory_apply, directory_diff, directory_rows
from org.ldap_directory import LdapDirectory, ldap_directory_read

from .services import calls_department_move


@dataclass
class DirectorySync:
    directory: LdapDirectory
    diff: DirectoryDiff
    applied: bool


def directory_sync_ldap(*, apply: bool) -> DirectorySync:
    """Read the directory and compare; with ``apply``, write the difference. Raises
    ``LdapDirectoryError`` (the server) or ``DirectoryError`` (what it holds)."""
    directory = ldap_directory_read()
    rows = directory_rows(directory.entries)
    diff = directory_diff(rows, directory.managers)
    if apply and diff.has_changes:
        directory_apply(diff, calls_move=calls_department_move)
    return DirectorySync(directory, diff, applied=apply and diff.has_changes)
