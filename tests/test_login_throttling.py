"""Login throttling (django-axes): 10 failed sign-ins of one user name from one
address lock that pair out of both sign-in pages for 15 minutes; API tokens are
never affected."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client

from tests.conftest import token_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"  # the factories' password
LOGIN_PAGES = ["/accounts/login/", "/admin/login/"]
LOCKED = "signing in as this user from this address is blocked for 15 minutes"


def sign_in(url, username, password, *, ip="127.0.0.1", client=None):
    client = client or Client()
    response = client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)
    response.signed_in = "_auth_user_id" in client.session
    return response


def lock_out(username, url="/accounts/login/", ip="127.0.0.1") -> list[int]:
    return [sign_in(url, username, "wrong", ip=ip).status_code for _ in range(30)]


@pytest.mark.parametrize("url", LOGIN_PAGES)
def test_thirty_wrong_passwords_then_the_right_one_is_refused_on_both_pages(admin_user, url):
    statuses = lock_out(admin_user.username, url)

    assert statuses == [200] * 9 + [429] * 21  # the 10th failure locks
    for page in LOGIN_PAGES:
        right = sign_in(page, admin_user.username, PASSWORD)
        assert right.status_code == 429 and not right.signed_in, page
        assert LOCKED in " ".join(right.content.decode().split())
        assert "Admin › Axes › Access attempts" in right.content.decode()


def test_another_user_or_another_address_is_not_locked(admin_user):
    colleague = UserFactory(username="colleague", is_staff=True)
    lock_out(admin_user.username)

    elsewhere = sign_in("/admin/login/", admin_user.username, PASSWORD, ip="10.20.0.9")
    other_user = sign_in("/admin/login/", colleague.username, PASSWORD)

    assert elsewhere.status_code == 302 and elsewhere.signed_in
    assert other_user.status_code == 302 and other_user.signed_in


def test_api_tokens_keep_working_for_a_locked_out_user(admin_user):
    from rest_framework.authtoken.models import Token

    key = Token.objects.create(user=admin_user).key
    lock_out(admin_user.username)

    assert sign_in("/accounts/login/", admin_user.username, PASSWORD).status_code == 429
    assert token_client(key).get("/api/v1/sites/").status_code == 200


def test_the_lock_ends_after_the_cool_off_or_when_an_administrator_lifts_it(admin_user):
    lock_out(admin_user.username)
    attempt = AccessAttempt.objects.get(username=admin_user.username)
    # 14 minutes later: still locked; 15 minutes and a second later: free again.
    AccessAttempt.objects.filter(pk=attempt.pk).update(
        attempt_time=attempt.attempt_time - dt.timedelta(minutes=14)
    )
    assert sign_in("/accounts/login/", admin_user.username, PASSWORD).status_code == 429
    AccessAttempt.objects.filter(pk=attempt.pk).update(
        attempt_time=attempt.attempt_time - dt.timedelta(minutes=15, seconds=1)
    )
    assert sign_in("/accounts/login/", admin_user.username, PASSWORD).signed_in

    lock_out(admin_user.username)
    call_command("axes_reset_username", admin_user.username)
    assert sign_in("/accounts/login/", admin_user.username, PASSWORD).signed_in


def test_a_success_resets_the_count(admin_user):
    """27 failures in all, but never 10 in a row: never locked."""
    for _ in range(3):
        wrong = [
            sign_in("/accounts/login/", admin_user.username, "x").status_code for _ in "123456789"
        ]
        assert wrong == [200] * 9
        assert sign_in("/accounts/login/", admin_user.username, PASSWORD).signed_in


def test_administrators_see_the_lockouts_in_the_admin(admin_user):
    lock_out("someone")
    client = Client()
    client.force_login(admin_user)

    attempts = client.get("/admin/axes/accessattempt/")

    assert attempts.status_code == 200
    assert "someone" in attempts.content.decode()
    assert client.get("/admin/axes/accesslog/").status_code == 200
