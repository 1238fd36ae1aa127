"""Choosing the language: the profile's, else the browser's, else LANGUAGE_CODE; the
language menu and the profile page; numbers and money in the language's formats."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from accounts.models import Profile
from accounts.selectors import user_language
from tests.factories import AdminFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough password 2026"


@pytest.fixture
def person(django_user_model):
    return django_user_model.objects.create_user("ana", "ana@example.org", PASSWORD)


def language_of(response) -> str:
    return response.headers["Content-Language"]


def test_the_browsers_language_is_used_before_sign_in(client):
    spanish = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="es-AR,es;q=0.9")
    spain = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="es-ES")
    brazil = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="pt-BR")
    german = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="de-DE")

    assert language_of(spanish) == language_of(spain) == "es-ar"  # any Spanish
    assert '<html lang="es-ar">' in spanish.content.decode()
    assert language_of(brazil) == "pt-br"
    assert language_of(german) == settings.LANGUAGE_CODE == "en"


def test_the_profiles_language_wins_over_the_browsers(client, person):
    Profile.objects.create(user=person, language="pt-br")
    client.force_login(person)

    response = client.get("/accounts/profile/", HTTP_ACCEPT_LANGUAGE="es-AR")

    assert language_of(response) == "pt-br"


def test_the_language_menu_keeps_the_choice_in_the_profile(client, person):
    client.force_login(person)

    response = client.post("/i18n/setlang/", {"language": "es-ar", "next": "/accounts/profile/"})
    page = client.get("/accounts/profile/", HTTP_ACCEPT_LANGUAGE="pt-BR")

    assert response.status_code == 302 and response.url == "/accounts/profile/"
    assert Profile.objects.get(user=person).language == "es-ar"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es-ar"
    assert language_of(page) == "es-ar"
    assert user_language(person) == "es-ar"


def test_the_language_menu_refuses_an_unknown_language_and_works_signed_out(client, person):
    client.force_login(person)
    client.post("/i18n/setlang/", {"language": "xx-evil", "next": "/"})
    assert not Profile.objects.filter(user=person).exists()

    client.logout()
    client.post("/i18n/setlang/", {"language": "pt-br", "next": "/accounts/login/"})
    assert language_of(client.get("/accounts/login/")) == "pt-br"
    assert client.get("/i18n/setlang/").status_code == 405


def test_the_profile_page_changes_the_language_and_the_e_mail(client, person):
    client.force_login(person)
    page = client.get("/accounts/profile/")
    assert 'name="language"' in page.content.decode() and "ana@example.org" in page.content.decode()

    saved = client.post("/accounts/profile/", {"language": "pt-br", "email": "ana@gob.example"})
    refused = client.post("/accounts/profile/", {"language": "klingon", "email": "not an e-mail"})

    assert saved.status_code == 302
    person.refresh_from_db()
    assert person.email == "ana@gob.example" and person.profile.language == "pt-br"
    assert refused.status_code == 200
    assert set(refused.context["form"].errors) == {"language", "email"}
    assert client.get("/accounts/profile/").status_code == 200


def test_the_installations_language_may_be_plain_spanish(client, settings):
    settings.LANGUAGE_CODE = "es"  # DESIGN.md: es, es-ar and pt-br are available
    assert language_of(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="")) == "es-ar"


def test_a_person_without_a_profile_gets_the_installations_language(person, settings):
    settings.LANGUAGE_CODE = "es-ar"
    assert user_language(person) == "es-ar"
    Profile.objects.create(user=person, language="")
    assert user_language(person) == "es-ar"


def test_every_page_has_the_language_menu(client):
    admin = AdminFactory(password=PASSWORD)
    client.force_login(admin)
    for path in ["/reports/", "/admin/", "/accounts/profile/"]:
        page = client.get(path, follow=True).content.decode()
        assert 'action="/i18n/setlang/"' in page, path
        assert 'value="pt-br"' in page, path


FORMATTED = Template(
    "{% load report_format %}{{ amount|money:'ARS' }}|{{ seconds|duration }}|"
    "{{ change|signed }}|{{ count|number }}"
)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "2,229.15\u00a0ARS|1,000:00:00|\u22121,234.5\u00a0%|1,234,567"),
        ("es-ar", "2.229,15\u00a0ARS|1.000:00:00|\u22121.234,5\u00a0%|1.234.567"),
        ("pt-br", "2.229,15\u00a0ARS|1.000:00:00|\u22121.234,5\u00a0%|1.234.567"),
    ],
)
def test_money_and_numbers_in_the_languages_formats(language, expected):
    context = Context(
        {
            "amount": Decimal("2229.149"),
            "seconds": 3_600_000,
            "change": Decimal("-1234.5"),
            "count": 1_234_567,
        }
    )
    with translation.override(language):
        assert FORMATTED.render(context) == expected


def test_dates_in_the_languages_formats():
    import datetime as dt

    from django.utils import formats

    moment = dt.datetime(2026, 12, 3, 12, 42)  # noqa: DTZ001 - a format, no zone involved
    with translation.override("es-ar"):
        assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == "3/12/2026 12:42"
    with translation.override("pt-br"):
        assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == "03/12/2026 12:42"
    with translation.override("en"):
        assert formats.date_format(moment, "SHORT_DATE_FORMAT") == "12/03/2026"
