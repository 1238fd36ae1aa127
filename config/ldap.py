"""Directory sign-in (django-auth-ldap) and the directory sync, from ``LDAP_*``
environment variables. Off unless ``LDAP_SERVER_URI`` is set.

People sign in with their directory user name and password; their account is made
(or found by e-mail, as the directory import made it) at the first sign-in, and its
names, e-mail and administrator flag follow the directory at every sign-in.
"""

from __future__ import annotations

import environ

GROUP_TYPES = {
    "groupOfNames": "GroupOfNamesType",
    "groupOfUniqueNames": "GroupOfUniqueNamesType",
    "posixGroup": "PosixGroupType",
    "activeDirectory": "NestedActiveDirectoryGroupType",
}


def ldap_settings(env: environ.Env, server_uri: str) -> dict:
    """The ``AUTH_LDAP_*`` settings and the sync's ``TARIFICADOR_LDAP_*`` ones."""
    import ldap
    from django.core.exceptions import ImproperlyConfigured
    from django_auth_ldap import config

    user_base = env.str("LDAP_USER_SEARCH_BASE", default="")
    if not user_base:
        raise ImproperlyConfigured(
            "LDAP_SERVER_URI is set but LDAP_USER_SEARCH_BASE is not: give the DN people "
            "are found under, e.g. ou=people,dc=example,dc=org"
        )
    username_attribute = env.str("LDAP_ATTR_USERNAME", default="uid")
    user_filter = env.str("LDAP_USER_FILTER", default=f"({username_attribute}=%(user)s)")
    found = {
        "AUTH_LDAP_SERVER_URI": server_uri,
        "AUTH_LDAP_BIND_DN": env.str("LDAP_BIND_DN", default=""),
        "AUTH_LDAP_BIND_PASSWORD": env.str("LDAP_BIND_PASSWORD", default=""),
        "AUTH_LDAP_START_TLS": env.bool("LDAP_START_TLS", default=False),
        "AUTH_LDAP_CONNECTION_OPTIONS": {
            ldap.OPT_NETWORK_TIMEOUT: env.float("LDAP_TIMEOUT_SECONDS", default=5.0),
            ldap.OPT_REFERRALS: 0,  # Active Directory's referrals stall searches
        },
        "AUTH_LDAP_USER_SEARCH": config.LDAPSearch(user_base, ldap.SCOPE_SUBTREE, user_filter),
        "AUTH_LDAP_USER_ATTR_MAP": {
            "first_name": env.str("LDAP_ATTR_FIRST_NAME", default="givenName"),
            "last_name": env.str("LDAP_ATTR_LAST_NAME", default="sn"),
            "email": env.str("LDAP_ATTR_EMAIL", default="mail"),
        },
        "AUTH_LDAP_ALWAYS_UPDATE_USER": True,
        "TARIFICADOR_LDAP_SYNC": {
            "base": user_base,
            "filter": env.str("LDAP_SYNC_FILTER", default="(objectClass=person)"),
            "site": env.str("LDAP_SYNC_SITE", default=""),
            "attributes": {
                "username": username_attribute,
                "extension": env.str("LDAP_ATTR_EXTENSION", default="telephoneNumber"),
                "department": env.str("LDAP_ATTR_DEPARTMENT", default="departmentNumber"),
                "department_name": env.str("LDAP_ATTR_DEPARTMENT_NAME", default=""),
                "holder": env.str("LDAP_ATTR_HOLDER", default="cn"),
                "email": env.str("LDAP_ATTR_EMAIL", default="mail"),
                "manager": env.str("LDAP_ATTR_MANAGER", default="manager"),
                "site": env.str("LDAP_ATTR_SITE", default=""),
            },
            "manager_group": env.str("LDAP_MANAGER_GROUP", default=""),
            "extension_last_digits": env.int("LDAP_EXTENSION_LAST_DIGITS", default=0),
        },
    }
    group_base = env.str("LDAP_GROUP_SEARCH_BASE", default="")
    if group_base:
        group_type = env.str("LDAP_GROUP_TYPE", default="groupOfNames")
        if group_type not in GROUP_TYPES:
            raise ImproperlyConfigured(
                f"LDAP_GROUP_TYPE {group_type!r} is not one of {', '.join(GROUP_TYPES)}"
            )
        found["AUTH_LDAP_GROUP_SEARCH"] = config.LDAPSearch(group_base, ldap.SCOPE_SUBTREE)
        found["AUTH_LDAP_GROUP_TYPE"] = getattr(config, GROUP_TYPES[group_type])()
        flags = {}
        admin_group = env.str("LDAP_ADMIN_GROUP", default="")
        if admin_group:
            flags = {"is_staff": admin_group, "is_superuser": admin_group}
        found["AUTH_LDAP_USER_FLAGS_BY_GROUP"] = flags
        required = env.str("LDAP_REQUIRE_GROUP", default="")
        if required:
            found["AUTH_LDAP_REQUIRE_GROUP"] = required
    return found
