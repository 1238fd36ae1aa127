"""The directory: departments, extensions, their holders and the departments' managers
from a spreadsheet (CSV or XLSX), checked line by line, shown as a diff, then applied.

Columns (contract): ``site`` (slug), ``extension``, ``holder``, ``email``,
``department_code``, ``department_name``, ``parent_code`` (optional), ``manager``
(``yes``: the holder manages that department; optional) and ``valid_from`` (optional
ISO date of a move: the extension's calls before it stay with the old department).

The file says how things are, not all there is: departments, extensions and managers
it leaves out stay as they are, and nobody stops being a manager because of it.
Applying the same file twice changes nothing the second time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.tables import TableErrors, cell_text, table_records

from .models import Department, Extension, Site

REQUIRED = ("site", "extension", "department_code")
OPTIONAL = ("holder", "email", "department_name", "parent_code", "manager", "valid_from")
YES = {"yes", "y", "si", "sí", "s", "sim", "true", "1", "x"}
NO = {"", "no", "n", "não", "nao", "false", "0"}
# Longest values the models keep.
LIMITS = {
    "extension": 32,
    "holder": 200,
    "email": 254,
    "department_code": 50,
    "department_name": 200,
}
USERNAME_MAX = 150  # a manager's new account is named by its e-mail address


class DirectoryError(TableErrors):
    """A directory file that cannot be applied; ``errors`` names each line at fault."""


@dataclass(frozen=True, slots=True)
class DirectoryRow:
    where: str  # "line 5" of a file, or a directory entry's DN
    site: str
    extension: str
    holder: str
    email: str
    department_code: str
    department_name: str
    parent_code: str
    manager: bool
    valid_from: dt.date | None


# --- reading ------------------------------------------------------------------------


def directory_read(path: str | Path, *, content: bytes | None = None) -> list[DirectoryRow]:
    """Read and check every line of a directory file; raise :class:`DirectoryError`
    listing every line at fault (nothing is applied from a file with one)."""
    name = str(path)
    records = table_records(name, content)
    header = next(records, None)
    if header is None:
        raise DirectoryError([_("%(file)s: the file is empty") % {"file": name}])
    columns = [str(cell or "").strip().lower() for cell in header]
    missing = [column for column in REQUIRED if column not in columns]
    unknown = [column for column in columns if column and column not in REQUIRED + OPTIONAL]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(_("missing column(s) %(names)s") % {"names": ", ".join(missing)})
        if unknown:
            problems.append(_("unknown column(s) %(names)s") % {"names": ", ".join(unknown)})
        raise DirectoryError(
            [
                _(
                    "line 1: %(problems)s; the header must name %(required)s "
                    "and may add %(optional)s"
                )
                % {
                    "problems": "; ".join(problems),
                    "required": ", ".join(REQUIRED),
                    "optional": ", ".join(OPTIONAL),
                }
            ]
        )
    entries = (
        (
            _("line %(line)d") % {"line": line},
            dict(zip(columns, (cell_text(value) for value in values), strict=False)),
        )
        for line, values in enumerate(records, start=2)
    )
    rows = directory_rows(entries)
    if not rows:
        raise DirectoryError([_("%(file)s: no extensions in the file") % {"file": name}])
    return rows


def directory_rows(entries: Iterable[tuple[str, dict[str, str]]]) -> list[DirectoryRow]:
    """Check ``(where, cells)`` entries, a file's lines or a directory's people, as
    rows; raise :class:`DirectoryError` naming every one at fault. Empty ones are left
    out (blank lines, common at the end of spreadsheets)."""
    sites = set(Site.objects.values_list("slug", flat=True))
    today = timezone.localdate()
    rows: list[DirectoryRow] = []
    errors: list[str] = []
    seen: dict[tuple[str, str], str] = {}
    for where, cells in entries:
        if not any(cells.values()):
            continue
        row = _row(where, cells, sites, today, errors)
        if row is None:
            continue
        key = (row.site, row.extension)
        if key in seen:
            errors.append(
                _("%(where)s: extension %(extension)s of %(site)s repeats %(first)s")
                % {"where": where, "extension": row.extension, "site": row.site, "first": seen[key]}
            )
            continue
        seen[key] = where
        rows.append(row)
    errors += _departments_disagreements(rows)
    if errors:
        raise DirectoryError(errors)
    return rows


def _row(
    where: str, cells: dict[str, str], sites: set[str], today: dt.date, errors: list[str]
) -> DirectoryRow | None:
    problems = []

    def problem(message: str, **values) -> None:
        problems.append(f"{where}: {message % values}")

    for column in REQUIRED:
        if not cells.get(column):
            problem(_("%(column)s is empty"), column=column)
    for column, limit in LIMITS.items():
        if len(cells.get(column, "")) > limit:
            problem(_("%(column)s is longer than %(limit)d characters"), column=column, limit=limit)
    site = cells.get("site", "")
    if site and site not in sites:
        problem(
            _("no site %(site)r; sites: %(sites)s"),
            site=site,
            sites=", ".join(sorted(sites)) or _("none yet"),
        )
    extension = cells.get("extension", "")
    if extension.endswith(".0") and extension[:-2].isdigit():
        extension = extension[:-2]  # a spreadsheet's number cell: 2201.0
    if any(character.isspace() for character in extension):
        problem(_("extension %(extension)r has spaces"), extension=extension)
    email, manager = _email_and_manager(cells, problem)
    valid_from = _valid_from(cells.get("valid_from", ""), today, problem)
    code = cells.get("department_code", "")
    if cells.get("parent_code") and cells["parent_code"] == code:
        problem(_("department %(code)s cannot be its own parent"), code=code)
    if problems:
        errors.extend(problems)
        return None
    return DirectoryRow(
        where=where,
        site=site,
        extension=extension,
        holder=cells.get("holder", ""),
        email=email,
        department_code=code,
        department_name=cells.get("department_name", ""),
        parent_code=cells.get("parent_code", ""),
        manager=manager,
        valid_from=valid_from,
    )


def _email_and_manager(cells: dict[str, str], problem: Callable[..., None]) -> tuple[str, bool]:
    email = cells.get("email", "").lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problem(_("email %(email)r is not an e-mail address"), email=email)
    manager_text = cells.get("manager", "").strip().lower()
    if manager_text not in YES | NO:
        problem(_("manager %(value)r is not yes or no"), value=cells.get("manager", ""))
    manager = manager_text in YES
    if manager and not email:
        problem(_("a manager needs an email (their account is found or made by it)"))
    elif manager and len(email) > USERNAME_MAX:
        problem(
            _("a manager's email is longer than %(limit)d characters, too long for a user name"),
            limit=USERNAME_MAX,
        )
    return email, manager


def _valid_from(text: str, today: dt.date, problem: Callable[..., None]) -> dt.date | None:
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        problem(_("valid_from %(value)r is not a date like 2026-12-01"), value=text)
        return None
    if day > today:
        problem(_("valid_from %(day)s is in the future: apply the file on that day"), day=day)
    return day


def _departments_disagreements(rows: list[DirectoryRow]) -> list[str]:
    """Lines that give one department two names or two parents."""
    errors = []
    first: dict[str, DirectoryRow] = {}
    for row in rows:
        earlier = first.setdefault(row.department_code, row)
        for attribute, label in (
            ("department_name", "department_name"),
            ("parent_code", "parent_code"),
        ):
            mine, theirs = getattr(row, attribute), getattr(earlier, attribute)
            if mine and theirs and mine != theirs:
                errors.append(
                    _(
                        "%(where)s: %(column)s %(value)r of department %(code)s "
                        "differs from %(first)s (%(other)r)"
                    )
                    % {
                        "where": row.where,
                        "column": label,
                        "value": mine,
                        "code": row.department_code,
                        "first": earlier.where,
                        "other": theirs,
                    }
                )
            elif mine and not theirs:
                first[row.department_code] = row  # the line that names it
    return errors


# --- the diff -----------------------------------------------------------------------


@dataclass
class ExtensionMove:
    extension: Extension
    department_code: str  # where it goes
    row: DirectoryRow

    @property
    def since(self) -> dt.date | None:
        return self.row.valid_from


@dataclass
class DirectoryDiff:
    """What applying a directory file changes."""

    # code -> (name, parent code)
    departments_new: dict[str, tuple[str, str]] = field(default_factory=dict)
    # (department, new name)
    departments_renamed: list[tuple[Department, str]] = field(default_factory=list)
    # (department, new parent code)
    departments_moved: list[tuple[Department, str]] = field(default_factory=list)
    extensions_new: list[DirectoryRow] = field(default_factory=list)
    extensions_moved: list[ExtensionMove] = field(default_factory=list)
    # (extension, {field: new value})
    extensions_changed: list[tuple[Extension, dict[str, object]]] = field(default_factory=list)
    users_new: dict[str, str] = field(default_factory=dict)  # e-mail -> holder
    # (e-mail, department code), in the file's order
    managers_added: dict[tuple[str, str], None] = field(default_factory=dict)
    unchanged: int = 0
    # Extensions already there, with an e-mail an account has but no account linked:
    # the apply links them (``extensions_link_accounts``), with those it makes.
    accounts_to_link: int = 0

    @property
    def has_changes(self) -> bool:
        return any(
            (
                self.departments_new,
                self.departments_renamed,
                self.departments_moved,
                self.extensions_new,
                self.extensions_moved,
                self.extensions_changed,
                self.managers_added,
                self.accounts_to_link,
            )
        )

    def summary(self) -> str:
        return _(
            "departments: %(new_departments)s new, %(renamed)s renamed, %(reparented)s moved "
            "in the tree; extensions: %(new_extensions)s new, %(moved)s moved, "
            "%(changed)s changed, %(unchanged)s unchanged; managers: %(managers)s added, "
            "new accounts: %(users)s"
        ) % {
            "new_departments": f"{len(self.departments_new):,}",
            "renamed": f"{len(self.departments_renamed):,}",
            "reparented": f"{len(self.departments_moved):,}",
            "new_extensions": f"{len(self.extensions_new):,}",
            "moved": f"{len(self.extensions_moved):,}",
            "changed": f"{len(self.extensions_changed):,}",
            "unchanged": f"{self.unchanged:,}",
            "managers": f"{len(self.managers_added):,}",
            "users": f"{len(self.users_new):,}",
        }

    def lines(self, limit: int = 20) -> Iterator[str]:
        """A readable sample of the changes, ``limit`` of each kind."""
        for code, (name, parent) in list(self.departments_new.items())[:limit]:
            inside = _(" in %(parent)s") % {"parent": parent} if parent else ""
            yield _("+ department %(code)s %(name)s%(inside)s") % {
                "code": code,
                "name": name,
                "inside": inside,
            }
        for department, name in self.departments_renamed[:limit]:
            yield _("~ department %(code)s: %(old)r -> %(new)r") % {
                "code": department.code,
                "old": department.name,
                "new": name,
            }
        for department, parent in self.departments_moved[:limit]:
            yield _("~ department %(code)s: now in %(parent)s") % {
                "code": department.code,
                "parent": parent,
            }
        for row in self.extensions_new[:limit]:
            yield _("+ extension %(extension)s (%(site)s) in %(code)s, %(holder)s") % {
                "extension": row.extension,
                "site": row.site,
                "code": row.department_code,
                "holder": row.holder or "-",
            }
        for move in self.extensions_moved[:limit]:
            since = _("from %(day)s") % {"day": move.since} if move.since else _("from now on")
            yield _("> extension %(extension)s (%(site)s): %(old)s -> %(new)s %(since)s") % {
                "extension": move.extension.number,
                "site": move.row.site,
                "old": move.extension.department.code if move.extension.department else "-",
                "new": move.department_code,
                "since": since,
            }
        for extension, changes in self.extensions_changed[:limit]:
            described = ", ".join(f"{name} {value!r}" for name, value in changes.items())
            yield _("~ extension %(extension)s (%(site)s): %(changes)s") % {
                "extension": extension.number,
                "site": extension.site.slug,
                "changes": described,
            }
        for email, code in list(self.managers_added)[:limit]:
            yield _("+ manager %(email)s of %(code)s") % {"email": email, "code": code}
        if self.accounts_to_link:
            yield ngettext(
                "+ %(count)s extension linked to its holder's account (same e-mail)",
                "+ %(count)s extensions linked to their holder's account (same e-mail)",
                self.accounts_to_link,
            ) % {"count": self.accounts_to_link}


def directory_diff(
    rows: list[DirectoryRow], managers: Iterable[tuple[str, str, str]] = ()
) -> DirectoryDiff:
    """What ``rows`` would change (and ``managers``, more ``(e-mail, department code,
    holder)`` to make managers, as a directory's manager attributes name them); raise
    :class:`DirectoryError` for what cannot be applied against the data as it is (a
    parent nobody defines, a loop in the tree, a move dated before a later one)."""
    diff = DirectoryDiff()
    errors: list[str] = []
    codes = {row.department_code for row in rows} | {row.parent_code for row in rows} - {""}
    departments = {d.code: d for d in Department.objects.filter(code__in=codes)}
    parents = {
        d.code: (d.parent.code if d.parent else "")
        for d in Department.objects.select_related("parent")
    }
    for row in _naming_rows(rows):
        code = row.department_code
        department = departments.get(code)
        if department is None:
            if not row.department_name:
                errors.append(
                    _("%(where)s: department %(code)s is new: give its department_name")
                    % {"where": row.where, "code": code}
                )
            diff.departments_new[code] = (row.department_name, row.parent_code)
            parents[code] = row.parent_code
            continue
        if row.department_name and row.department_name != department.name:
            diff.departments_renamed.append((department, row.department_name))
        if row.parent_code and row.parent_code != parents.get(code, ""):
            diff.departments_moved.append((department, row.parent_code))
            parents[code] = row.parent_code
    for row in rows:
        if row.parent_code and row.parent_code not in parents:
            errors.append(
                _("%(where)s: parent_code %(code)s is no department, here or in the file")
                % {"where": row.where, "code": row.parent_code}
            )
    errors += _loops(parents, rows)
    _extensions_diff(rows, departments, diff, errors)
    diff.accounts_to_link = sum(len(ids) for ids in _account_links().values())
    named = [(row.email, row.department_code, row.holder) for row in rows if row.manager]
    _managers_diff(named + list(managers), diff)
    if errors:
        raise DirectoryError(errors)
    return diff


def _naming_rows(rows: list[DirectoryRow]) -> list[DirectoryRow]:
    """One row per department: the first that names it (or gives its parent)."""
    chosen: dict[str, DirectoryRow] = {}
    for row in rows:
        earlier = chosen.get(row.department_code)
        if earlier is None:
            chosen[row.department_code] = row
        elif not earlier.department_name and row.department_name:
            chosen[row.department_code] = dataclasses.replace(
                earlier,
                department_name=row.department_name,
                parent_code=earlier.parent_code or row.parent_code,
            )
        elif not earlier.parent_code and row.parent_code:
            chosen[row.department_code] = dataclasses.replace(earlier, parent_code=row.parent_code)
    return list(chosen.values())


def _loops(parents: dict[str, str], rows: list[DirectoryRow]) -> list[str]:
    """The departments the file would put inside themselves."""
    places = {row.department_code: row.where for row in rows if row.parent_code}
    errors = []
    for code, where in places.items():
        seen = {code}
        ancestor = parents.get(code, "")
        while ancestor:
            if ancestor in seen:
                errors.append(
                    _("%(where)s: department %(code)s would be inside itself (through %(via)s)")
                    % {"where": where, "code": code, "via": ancestor}
                )
                break
            seen.add(ancestor)
            ancestor = parents.get(ancestor, "")
    return errors


def _extensions_diff(
    rows: list[DirectoryRow],
    departments: dict[str, Department],
    diff: DirectoryDiff,
    errors: list[str],
) -> None:
    existing = {
        (extension.site.slug, extension.number): extension
        for extension in Extension.objects.select_related("site", "department").filter(
            site__slug__in={row.site for row in rows},
            number__in={row.extension for row in rows},
        )
    }
    history: dict[int, list[tuple[dt.datetime, int | None]]] = {}
    for extension_id, changed_at, department_id in (
        Extension.history.filter(id__in=[e.id for e in existing.values()])
        .order_by("id", "history_date")
        .values_list("id", "history_date", "department_id")
    ):
        history.setdefault(extension_id, []).append((changed_at, department_id))
    for row in rows:
        extension = existing.get((row.site, row.extension))
        if extension is None:
            diff.extensions_new.append(row)
        else:
            touched = False
            current = extension.department.code if extension.department else ""
            if current != row.department_code:
                if row.valid_from:
                    moment = _day_start(row.valid_from, extension.site.zone)
                    moved_since = [
                        changed_at
                        for changed_at, department_id in history.get(extension.id, [])
                        if changed_at > moment and department_id != extension.department_id
                    ]
                    if moved_since:
                        errors.append(
                            _(
                                "%(where)s: extension %(extension)s changed department on "
                                "%(changed)s, after valid_from %(day)s: moves are dated in order"
                            )
                            % {
                                "where": row.where,
                                "extension": row.extension,
                                "changed": timezone.localtime(
                                    moved_since[-1], extension.site.zone
                                ).date(),
                                "day": row.valid_from,
                            }
                        )
                diff.extensions_moved.append(ExtensionMove(extension, row.department_code, row))
                touched = True
            changes: dict[str, object] = {}
            if row.holder and row.holder != extension.holder:
                changes["holder"] = row.holder
            if row.email and row.email != extension.email:
                changes["email"] = row.email
            if extension.discovered:
                changes["discovered"] = False  # the directory vouches for it
            if changes:
                diff.extensions_changed.append((extension, changes))
                touched = True
            if not touched:
                diff.unchanged += 1


def _managers_diff(managers: list[tuple[str, str, str]], diff: DirectoryDiff) -> None:
    """Who becomes a manager of what (``(e-mail, department code, holder)``), and the
    accounts to make for them."""
    known_users = _users_by_email({email for email, _code, _holder in managers})
    managing = set(
        Department.managers.through.objects.filter(
            department__code__in={code for _email, code, _holder in managers},
            user_id__in=set(known_users.values()),
        ).values_list("department__code", "user_id")
    )
    for email, code, holder in managers:
        user_id = known_users.get(email)
        if user_id is None and email not in diff.users_new:
            diff.users_new[email] = holder
        if (code, user_id) not in managing:
            diff.managers_added[(email, code)] = None


def _users_by_email(emails: set[str]) -> dict[str, int]:
    """Accounts by e-mail address, whatever its case (the first, should two share one);
    else the account whose user name is that address (as this import names the ones it
    makes), so that a second account of the same name is never attempted."""
    found: dict[str, int] = {}
    named: dict[str, int] = {}
    rows = (
        get_user_model()
        .objects.annotate(address=Lower("email"), name=Lower("username"))
        .filter(Q(address__in=emails) | Q(name__in=emails))
        .order_by("id")
        .values_list("address", "name", "id")
    )
    for address, name, user_id in rows:
        if address in emails:
            found.setdefault(address, user_id)
        if name in emails:
            named.setdefault(name, user_id)
    return {**named, **found}


def _day_start(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone)


# --- applying -----------------------------------------------------------------------


class CallsMove(Protocol):
    """Charges an extension's calls since a moment to a department; returns how many:
    billing's ``calls_department_move``, given by the caller because the calls sit
    above org."""

    def __call__(self, *, extension_id: int, since: dt.datetime, department_id: int) -> int: ...


@dataclass
class DirectoryApplied:
    calls_moved: int = 0
    accounts_linked: int = 0


@transaction.atomic
def directory_apply(diff: DirectoryDiff, *, calls_move: CallsMove) -> DirectoryApplied:
    """Write ``diff`` in one transaction. A dated move keeps the extension's history
    in order (its change dated at the start of ``valid_from`` in the site's zone) and
    has ``calls_move`` charge the extension's calls since then to the new department."""
    applied = DirectoryApplied()
    created = {
        code: Department.objects.create(code=code, name=name)
        for code, (name, _parent) in diff.departments_new.items()
    }
    by_code = {
        **{d.code: d for d in Department.objects.filter(code__in=_codes_named(diff))},
        **created,
    }
    for code, (_name, parent) in diff.departments_new.items():
        if parent:
            Department.objects.filter(pk=by_code[code].pk).update(parent=by_code[parent])
    for department, name in diff.departments_renamed:
        Department.objects.filter(pk=department.pk).update(name=name)
    for department, parent in diff.departments_moved:
        Department.objects.filter(pk=department.pk).update(parent=by_code[parent])

    sites = {site.slug: site for site in Site.objects.all()}
    for row in diff.extensions_new:
        Extension.objects.create(
            site=sites[row.site],
            number=row.extension,
            department=by_code[row.department_code],
            holder=row.holder,
            email=row.email,
        )
    changes = {extension.pk: values for extension, values in diff.extensions_changed}
    for move in diff.extensions_moved:
        extension = move.extension
        for name, value in changes.pop(extension.pk, {}).items():
            setattr(extension, name, value)
        extension.department = by_code[move.department_code]
        if move.since:
            applied.calls_moved += _dated_move(extension, move.since, calls_move)
        else:
            extension.save()
    for extension, _values in diff.extensions_changed:
        if extension.pk in changes:
            for name, value in changes[extension.pk].items():
                setattr(extension, name, value)
            extension.save()

    user_model = get_user_model()
    for email, holder in diff.users_new.items():
        user = user_model(username=email, email=email, first_name=holder[:150])
        user.set_unusable_password()  # signs in through the directory or a password reset
        user.save()
    users = _users_by_email({email for email, _code in diff.managers_added})
    for email, code in diff.managers_added:
        by_code[code].managers.add(users[email])
    applied.accounts_linked = extensions_link_accounts()
    return applied


def extensions_link_accounts() -> int:
    """Link each extension without an account to the account whose e-mail is the
    extension's ``email`` (case-insensitive); return how many were linked.

    An account is never replaced once linked (an administrator may have chosen it),
    and an e-mail two accounts share links neither. Runs after every directory
    apply, so accounts made later (a sign-in through LDAP, the admin) are linked by
    the next import or sync.
    """
    # update(): a link is not a move, so it writes no history row per extension.
    return sum(
        Extension.objects.filter(pk__in=ids).update(user_id=user_id)
        for user_id, ids in _account_links().items()
    )


def _account_links() -> dict[int, list[int]]:
    """Account id -> ids of the extensions without an account whose e-mail is its own."""
    pending = Extension.objects.filter(user__isnull=True).exclude(email="")
    emails = {email.lower() for email in pending.values_list("email", flat=True)}
    if not emails:
        return {}
    accounts: dict[str, list[int]] = {}
    for user_id, address in (
        get_user_model()
        .objects.annotate(address=Lower("email"))
        .filter(address__in=emails, is_active=True)
        .values_list("id", "address")
    ):
        accounts.setdefault(address, []).append(user_id)
    by_account: dict[int, list[int]] = {}
    for extension_id, email in pending.values_list("id", "email"):
        found = accounts.get(email.lower(), [])
        if len(found) == 1:
            by_account.setdefault(found[0], []).append(extension_id)
    return by_account


def _dated_move(extension: Extension, day: dt.date, calls_move: CallsMove) -> int:
    """Save ``extension`` (its new department set) as moved at the start of ``day`` in
    its site's zone: its history says so, and its calls since go with it."""
    moment = _day_start(day, extension.site.zone)
    history = Extension.history.filter(id=extension.pk)
    if not history.filter(history_date__lt=moment).exists():
        # Its history starts after the move (created since, by a call or by hand): say
        # where it was before, or its earliest entry would stand for all time.
        before = Extension.objects.get(pk=extension.pk)
        before._history_date = moment - dt.timedelta(microseconds=1)
        before.save()
    extension._history_date = moment
    extension.save()
    # Entries since then (a holder changed, say) were in the new department already:
    # no other move came after, the diff checked.
    history.filter(history_date__gt=moment).update(department_id=extension.department_id)
    return calls_move(
        extension_id=extension.pk, since=moment, department_id=extension.department_id
    )


def _codes_named(diff: DirectoryDiff) -> set[str]:
    codes = {code for _department, code in diff.departments_moved}
    codes |= {parent for _name, parent in diff.departments_new.values() if parent}
    codes |= {row.department_code for row in diff.extensions_new}
    codes |= {move.department_code for move in diff.extensions_moved}
    codes |= {code for _email, code in diff.managers_added}
    return codes
