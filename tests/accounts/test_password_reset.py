"""Password reset by e-mail for local accounts, in the recipient's language, and the
password change of a signed-in person."""

import re

import pytest
from django.core import mail

from accounts.models import Profile

pytestmark = pytest.mark.django_db

OLD = "a long enough password 2026"
NEW = "another long password 2027"


@pytest.fixture
def person(django_user_model):
    return django_user_model.objects.create_user("ana", "ana@example.org", OLD)


def reset_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", message.body)[1]


def test_the_sign_in_page_offers_the_reset(client):
    page = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/password_reset/"' in page
    assert "Ask an administrator" not in page


def test_a_reset_from_the_e_mail_to_a_new_password(client, person):
    response = client.post("/accounts/password_reset/", {"email": "ANA@example.org"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password_reset/done/"
    assert "Check your e-mail" in client.get(response["Location"]).content.decode()

    (message,) = mail.outbox
    assert message.to == ["ana@example.org"]
    assert message.subject == "Tarificador: a new password for testserver"
    assert "Your user name is ana." in message.body
    link = reset_link(message)

    form = client.get(link, follow=True)  # Django moves the token out of the address
    assert form.status_code == 200
    assert "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW}, follow=True
    )
    assert "Your new password is set" in done.content.decode()
    person.refresh_from_db()
    assert person.check_password(NEW)

    # The link worked once.
    again = client.get(link, follow=True).content.decode()
    assert "This link cannot be used" in again
    assert 'href="/accounts/password_reset/"' in again


def test_the_new_password_is_checked_like_any_other(client, person):
    client.post("/accounts/password_reset/", {"email": "ana@example.org"})
    form = client.get(reset_link(mail.outbox[0]), follow=True)
    refused = client.post(
        form.redirect_chain[-1][0], {"new_password1": "ana", "new_password2": "ana"}
    )
    assert refused.status_code == 200
    assert "This password is too short" in refused.content.decode()
    person.refresh_from_db()
    assert person.check_password(OLD)


def test_no_message_for_unknown_addresses_and_accounts_without_a_local_password(
    client, django_user_model
):
    directory = django_user_model.objects.create_user("dir", "dir@example.org")
    directory.set_unusable_password()  # signs in through the directory
    directory.save()
    django_user_model.objects.create_user("gone", "gone@example.org", OLD, is_active=False)

    for address in ("nobody@example.org", "dir@example.org", "gone@example.org"):
        response = client.post("/accounts/password_reset/", {"email": address})
        # The same answer as for a known address: the page tells nobody who has an account.
        assert response["Location"] == "/accounts/password_reset/done/"
    assert mail.outbox == []


def test_a_malformed_address_is_refused_on_the_form(client):
    response = client.post("/accounts/password_reset/", {"email": "not an address"})
    assert response.status_code == 200
    assert "Enter a valid email address" in response.content.decode()


def test_the_message_is_in_the_recipients_language_not_the_pages(client, person):
    Profile.objects.create(user=person, language="pt-br")
    client.post(
        "/accounts/password_reset/", {"email": "ana@example.org"}, HTTP_ACCEPT_LANGUAGE="es-AR"
    )
    (message,) = mail.outbox
    assert message.subject == "Tarificador: uma nova senha para testserver"
    assert "Seu nome de usuário é ana." in message.body


def test_without_a_chosen_language_the_message_is_in_the_pages(client, person):
    page = client.get("/accounts/password_reset/", HTTP_ACCEPT_LANGUAGE="es-AR")
    assert "Restablecer la contraseña" in page.content.decode()
    client.post(
        "/accounts/password_reset/", {"email": "ana@example.org"}, HTTP_ACCEPT_LANGUAGE="es-AR"
    )
    (message,) = mail.outbox
    assert message.subject == "Tarificador: una contraseña nueva para testserver"


def test_a_signed_in_person_changes_their_password(client, person):
    client.force_login(person)
    assert 'href="/accounts/password_change/"' in client.get("/accounts/profile/").content.decode()
    page = client.get("/accounts/password_change/")
    assert "Change my password" in page.content.decode()
    wrong = client.post(
        "/accounts/password_change/",
        {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW},
    )
    assert "Your old password was entered incorrectly" in wrong.content.decode()
    done = client.post(
        "/accounts/password_change/",
        {"old_password": OLD, "new_password1": NEW, "new_password2": NEW},
        follow=True,
    )
    assert "Your new password is set" in done.content.decode()
    person.refresh_from_db()
    assert person.check_password(NEW)
