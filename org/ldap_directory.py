"""The directory sync's reading: the people of an LDAP or Active Directory server as
directory entries (org.directory), mapped by the ``TARIFICADOR_LDAP_SYNC`` settings
that config.ldap builds from ``LDAP_*`` variables.

Each person with an extension attribute is one entry: site, extension, holder,
e-mail, department (code and, when an attribute gives it, name), and ``manager`` when
the person is in ``LDAP_MANAGER_GROUP``. A person's ``manager`` attribute (a DN) also
makes that manager a manager of the person's department.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

PAGE_SIZE = 500  # Active Directory answers at most 1,000 entries a page


class LdapDirectoryError(RuntimeError):
    """The directory could not be read: the server, the bind or the search failed."""


@dataclass
class LdapDirectory:
    entries: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    # (e-mail, department code, holder): managers named by people's manager attribute
    managers: list[tuple[str, str, str]] = field(default_factory=list)
    without_extension: int = 0


def ldap_directory_read() -> LdapDirectory:
    """Read everyone ``LDAP_SYNC_FILTER`` finds under ``LDAP_USER_SEARCH_BASE``."""
    import ldap

    sync = getattr(settings, "TARIFICADOR_LDAP_SYNC", None)
    if not sync:
        raise LdapDirectoryError(_("LDAP_SERVER_URI is not set: there is no directory to read."))
    names = sync["attributes"]
    wanted = sorted({value for value in names.values() if value})
    try:
        connection = _connect()
        people = _search(connection, sync["base"], sync["filter"], wanted)
        group_members = (
            _members(connection, sync["manager_group"]) if sync["manager_group"] else set()
        )
        connection.unbind_s()
    except ldap.LDAPError as error:
        raise LdapDirectoryError(
            _("the directory at %(uri)s answered: %(error)s")
            % {"uri": settings.AUTH_LDAP_SERVER_URI, "error": _ldap_message(error)}
        ) from None

    found = LdapDirectory()
    by_dn = {dn.lower(): attributes for dn, attributes in people}
    for dn, attributes in people:
        value = _first_of(attributes, names)
        extension = _extension(value("extension"), sync.get("extension_last_digits", 0))
        if not extension:
            found.without_extension += 1
            continue
        department = value("department")
        found.entries.append(
            (
                dn,
                {
                    "site": value("site") or sync["site"],
                    "extension": extension,
                    "holder": value("holder"),
                    "email": value("email"),
                    "department_code": department,
                    "department_name": value("department_name") or department,
                    "manager": "yes" if dn.lower() in group_members else "",
                },
            )
        )
        boss = by_dn.get(value("manager").lower())
        if boss and department:
            boss_value = _first_of(boss, names)
            if boss_value("email"):
                found.managers.append(
                    (boss_value("email").lower(), department, boss_value("holder"))
                )
    return found


def _connect():
    import ldap

    connection = ldap.initialize(settings.AUTH_LDAP_SERVER_URI)
    for option, value in settings.AUTH_LDAP_CONNECTION_OPTIONS.items():
        connection.set_option(option, value)
    if settings.AUTH_LDAP_START_TLS:
        connection.start_tls_s()
    connection.simple_bind_s(settings.AUTH_LDAP_BIND_DN, settings.AUTH_LDAP_BIND_PASSWORD)
    return connection


def _search(connection, base: str, search_filter: str, attributes: list[str]) -> list:
    """Every entry, page by page (servers cap one answer's size)."""
    import ldap
    from ldap.controls import SimplePagedResultsControl

    control = SimplePagedResultsControl(True, size=PAGE_SIZE, cookie="")
    entries = []
    while True:
        message = connection.search_ext(
            base, ldap.SCOPE_SUBTREE, search_filter, attributes, serverctrls=[control]
        )
        _type, data, _id, controls = connection.result3(message)
        entries += [(dn, attrs) for dn, attrs in data if dn]  # referrals have no DN
        pages = [c for c in controls if c.controlType == SimplePagedResultsControl.controlType]
        if not pages or not pages[0].cookie:
            return entries
        control.cookie = pages[0].cookie


def _members(connection, group_dn: str) -> set[str]:
    import ldap

    [(_dn, attributes)] = connection.search_s(
        group_dn, ldap.SCOPE_BASE, attrlist=["member", "uniqueMember", "memberUid"]
    )
    values = [v for name in ("member", "uniqueMember") for v in attributes.get(name, [])]
    return {value.decode("utf-8", "replace").lower() for value in values}


def _first_of(attributes: dict[str, list[bytes]], names: dict[str, str]):
    """``value(key)``: the first value of the attribute mapped to ``key``, as text."""
    lowered = {name.lower(): values for name, values in attributes.items()}

    def value(key: str) -> str:
        name = names.get(key, "")
        values = lowered.get(name.lower()) if name else None
        return values[0].decode("utf-8", "replace").strip() if values else ""

    return value


def _extension(value: str, last_digits: int) -> str:
    """The extension in ``value``: as it is, or its last ``last_digits`` digits (a
    telephoneNumber such as "+54 351 412-2201" carries the extension at its end)."""
    if not last_digits:
        return value
    digits = "".join(character for character in value if character.isdigit())
    return digits[-last_digits:]


def _ldap_message(error) -> str:
    detail = error.args[0] if error.args else {}
    if isinstance(detail, dict):
        return detail.get("desc", "") + (f" ({detail['info']})" if detail.get("info") else "")
    return str(error)
