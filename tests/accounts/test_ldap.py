"""Directory sign-in and sync against a real OpenLDAP (slapd): people sign in with their
directory password, groups make administrators, the sync loads departments, extensions
and managers through the same diff as the file import."""

import io

import environ
import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from config.ldap import ldap_settings
from org.models import Department, Extension
from tests.accounts.conftest import PASSWORDS
from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db


def sign_in(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_a_person_signs_in_with_the_directory_password(client, directory_on):
    response = sign_in(client, "ana", PASSWORDS["ana"])

    assert response.status_code == 302 and response["Location"] == "/reports/"
    ana = get_user_model().objects.get(username="ana")
    assert (ana.first_name, ana.last_name, ana.email) == ("Ana", "Pérez", "ana@example.org")
    assert not ana.has_usable_password()  # the directory keeps it
    assert not ana.is_staff


def test_a_wrong_directory_password_is_refused(client, directory_on):
    response = sign_in(client, "ana", "not the password")
    assert response.status_code == 200
    assert "did not match" in response.content.decode()
    assert not get_user_model().objects.filter(username="ana").exists()


def test_the_administrators_group_makes_administrators(client, directory_on):
    sign_in(client, "eva", PASSWORDS["eva"])
    eva = get_user_model().objects.get(username="eva")
    assert eva.is_staff and eva.is_superuser
    assert client.get("/admin/").status_code == 200


def test_an_account_the_directory_import_made_is_the_one_signed_into(client, directory_on):
    made = get_user_model().objects.create_user("ana@example.org", "Ana@Example.org")
    made.set_unusable_password()
    made.save()
    sign_in(client, "ana", PASSWORDS["ana"])
    assert get_user_model().objects.count() == 1
    assert int(client.session["_auth_user_id"]) == made.pk


def test_a_local_account_sharing_the_address_is_not_taken_over(client, directory_on):
    local = get_user_model().objects.create_user("boss", "ana@example.org", "local password 2026")
    sign_in(client, "ana", PASSWORDS["ana"])
    assert int(client.session["_auth_user_id"]) != local.pk
    local.refresh_from_db()
    assert local.check_password("local password 2026")


def test_local_accounts_still_sign_in(client, directory_on):
    get_user_model().objects.create_user("local", "l@example.org", "local password 2026")
    assert sign_in(client, "local", "local password 2026").status_code == 302


def test_a_directory_that_does_not_answer_is_a_failed_sign_in_not_an_error(
    client, directory_on, settings
):
    from tests.test_celery_worker import free_port

    settings.AUTH_LDAP_SERVER_URI = f"ldap://127.0.0.1:{free_port()}/"
    response = sign_in(client, "ana", PASSWORDS["ana"])
    assert response.status_code == 200
    assert "did not match" in response.content.decode()


def run_sync(*arguments) -> str:
    out = io.StringIO()
    call_command("sync_directory", "--ldap", *arguments, stdout=out)
    return out.getvalue()


def test_the_sync_loads_departments_extensions_and_managers(directory_on):
    SiteFactory(slug="hq")
    checked = run_sync()
    assert "2 people with an extension read from the directory (1 without one left out)." in (
        checked
    )
    assert "Nothing written" in checked
    assert not Extension.objects.exists()

    applied = run_sync("--apply")
    assert "Applied." in applied
    ana = Extension.objects.get(number="2201")  # the last 4 digits of +54 351 412-2201
    assert (ana.holder, ana.email, ana.department.code) == ("Ana Pérez", "ana@example.org", "ADM")
    assert Extension.objects.get(number="2202").department.code == "PAY"
    manager = get_user_model().objects.get(email="ana@example.org")
    # In the managers' group (her own department) and Luis's manager (his).
    assert sorted(manager.managed_departments.values_list("code", flat=True)) == ["ADM", "PAY"]
    assert Department.objects.get(code="PAY").name == "PAY"  # no name attribute mapped

    assert "Nothing to change." in run_sync("--apply")


def test_a_sync_with_the_directory_down_says_so(directory_on, settings):
    from tests.test_celery_worker import free_port

    settings.AUTH_LDAP_SERVER_URI = f"ldap://127.0.0.1:{free_port()}/"
    with pytest.raises(CommandError, match="The directory was not synchronized") as raised:
        run_sync()
    assert "Can't contact LDAP server" in str(raised.value)


def test_a_sync_of_what_the_sites_do_not_have_writes_nothing(directory_on):
    """No site "hq": every person's entry is named, by its DN."""
    with pytest.raises(CommandError) as raised:
        run_sync("--apply")
    assert "uid=ana,ou=people,dc=example,dc=org: no site 'hq'" in str(raised.value)
    assert not Extension.objects.exists()


def test_without_ldap_settings_the_sync_says_what_is_missing(settings):
    with pytest.raises(CommandError, match="LDAP_SERVER_URI is not set"):
        run_sync()


def test_incomplete_settings_are_refused_at_start(monkeypatch):
    monkeypatch.delenv("LDAP_USER_SEARCH_BASE", raising=False)
    with pytest.raises(ImproperlyConfigured, match="LDAP_USER_SEARCH_BASE"):
        ldap_settings(environ.Env(), "ldap://127.0.0.1/")
    monkeypatch.setenv("LDAP_USER_SEARCH_BASE", "ou=people,dc=example,dc=org")
    monkeypatch.setenv("LDAP_GROUP_SEARCH_BASE", "ou=groups,dc=example,dc=org")
    monkeypatch.setenv("LDAP_GROUP_TYPE", "groupOfCats")
    with pytest.raises(ImproperlyConfigured, match="groupOfCats"):
        ldap_settings(environ.Env(), "ldap://127.0.0.1/")


def test_beat_syncs_the_directory_every_night_once_ldap_is_set(directory_on):
    """The task beat runs applies the sync; the schedule exists only with LDAP on."""
    import os
    import subprocess
    import sys

    from billing.tasks import directory_sync_task

    SiteFactory(slug="hq")
    assert "extensions: 2 new" in directory_sync_task()
    assert Extension.objects.count() == 2

    show = "from django.conf import settings; print(sorted(settings.CELERY_BEAT_SCHEDULE))"
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base"}
    without = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", show],
        env={k: v for k, v in environment.items() if k != "LDAP_SERVER_URI"},
        capture_output=True,
        text=True,
        check=True,
    )
    with_ldap = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", show],
        env={**environment, "LDAP_SERVER_URI": directory_on.uri},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "directory-sync" not in without.stdout
    assert "directory-sync" in with_ldap.stdout
