"""A real OpenLDAP server (Debian's slapd) on a free loopback port, seeded with people
and groups, for directory sign-in and sync tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass

import pytest

from tests.conftest import service_unavailable
from tests.test_celery_worker import free_port

SUFFIX = "dc=example,dc=org"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "directory-admin-2026"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
PASSWORDS = {"ana": "ana's directory password", "luis": "luis's password", "eva": "eva's pw 2026"}

CONFIG = """
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {root}/slapd.pid
database mdb
maxsize 10485760
suffix "{suffix}"
rootdn "{admin}"
rootpw {password}
directory {root}/data
"""


def person(uid, cn, sn, given, mail, phone=None, department=None, manager=None):
    entry = {
        "objectClass": [b"inetOrgPerson"],
        "uid": [uid.encode()],
        "cn": [cn.encode()],
        "sn": [sn.encode()],
        "givenName": [given.encode()],
        "mail": [mail.encode()],
        "userPassword": [PASSWORDS[uid].encode()],
    }
    if phone:
        entry["telephoneNumber"] = [phone.encode()]
    if department:
        entry["departmentNumber"] = [department.encode()]
    if manager:
        entry["manager"] = [f"uid={manager},{PEOPLE}".encode()]
    return f"uid={uid},{PEOPLE}", entry


ENTRIES = [
    (
        SUFFIX,
        {"objectClass": [b"dcObject", b"organization"], "dc": [b"example"], "o": [b"Example"]},
    ),
    (PEOPLE, {"objectClass": [b"organizationalUnit"], "ou": [b"people"]}),
    (GROUPS, {"objectClass": [b"organizationalUnit"], "ou": [b"groups"]}),
    person("ana", "Ana Pérez", "Pérez", "Ana", "ana@example.org", "+54 351 412-2201", "ADM"),
    person("luis", "Luis Gómez", "Gómez", "Luis", "luis@example.org", "2202", "PAY", manager="ana"),
    person("eva", "Eva Ruiz", "Ruiz", "Eva", "eva@example.org"),  # no extension
    (
        f"cn=tarificador-admins,{GROUPS}",
        {"objectClass": [b"groupOfNames"], "member": [f"uid=eva,{PEOPLE}".encode()]},
    ),
    (
        f"cn=tarificador-managers,{GROUPS}",
        {"objectClass": [b"groupOfNames"], "member": [f"uid=ana,{PEOPLE}".encode()]},
    ),
]


@dataclass
class Directory:
    uri: str
    process: subprocess.Popen


@pytest.fixture(scope="session")
def slapd(tmp_path_factory):
    binary = shutil.which("slapd") or "/usr/sbin/slapd"
    if not os.path.exists(binary):
        service_unavailable("slapd (OpenLDAP) is not installed: apt-get install slapd ldap-utils")
    import ldap
    import ldap.modlist

    root = tmp_path_factory.mktemp("slapd")
    (root / "data").mkdir()
    config = root / "slapd.conf"
    config.write_text(
        CONFIG.format(root=root, suffix=SUFFIX, admin=ADMIN_DN, password=ADMIN_PASSWORD)
    )
    uri = f"ldap://127.0.0.1:{free_port()}/"
    log = (root / "slapd.log").open("wb")
    process = subprocess.Popen(
        [binary, "-f", str(config), "-h", uri, "-d", "0"], stdout=log, stderr=log
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            connection = ldap.initialize(uri)
            connection.simple_bind_s(ADMIN_DN, ADMIN_PASSWORD)
            break
        except ldap.SERVER_DOWN:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                output = (root / "slapd.log").read_text()[-2000:]
                pytest.fail(f"slapd did not start (exit {process.poll()}): {output}")
            time.sleep(0.1)
    for dn, attributes in ENTRIES:
        connection.add_s(dn, ldap.modlist.addModlist(attributes))
    connection.unbind_s()
    yield Directory(uri=uri, process=process)
    process.terminate()
    process.wait(30)


@pytest.fixture
def directory_on(slapd, settings, monkeypatch):
    """The settings as ``LDAP_*`` variables make them (config.ldap), pointed at slapd."""
    import environ

    from config.ldap import ldap_settings

    variables = {
        "LDAP_BIND_DN": ADMIN_DN,
        "LDAP_BIND_PASSWORD": ADMIN_PASSWORD,
        "LDAP_USER_SEARCH_BASE": PEOPLE,
        "LDAP_GROUP_SEARCH_BASE": GROUPS,
        "LDAP_ADMIN_GROUP": f"cn=tarificador-admins,{GROUPS}",
        "LDAP_MANAGER_GROUP": f"cn=tarificador-managers,{GROUPS}",
        "LDAP_SYNC_SITE": "hq",
        "LDAP_EXTENSION_LAST_DIGITS": "4",
    }
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    for name, value in ldap_settings(environ.Env(), slapd.uri).items():
        setattr(settings, name, value)
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "accounts.ldap.DirectoryBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    return slapd
