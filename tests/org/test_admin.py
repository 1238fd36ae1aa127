"""The extensions admin: discovered extensions are listed apart and confirmed by an
administrator, by saving one or with the "Confirm as extensions" action."""

import pytest

from tests.factories import ExtensionFactory

pytestmark = pytest.mark.django_db

URL = "/admin/org/extension/"


@pytest.fixture
def staff(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.org", "pw"))
    return client


def test_discovered_extensions_can_be_filtered(staff):
    ExtensionFactory(number="2001")
    ExtensionFactory(number="211474", discovered=True)

    page = staff.get(URL, {"discovered__exact": "1"}).content.decode()

    assert "211474" in page
    assert ">2001<" not in page


def test_the_action_confirms_the_selected_extensions(staff):
    guessed = ExtensionFactory(number="2002", discovered=True)
    other = ExtensionFactory(number="2003", discovered=True)

    response = staff.post(URL, {"action": "confirm", "_selected_action": [guessed.pk]}, follow=True)

    assert "1 extension confirmed." in response.content.decode()
    guessed.refresh_from_db()
    other.refresh_from_db()
    assert (guessed.discovered, other.discovered) == (False, True)


def test_saving_an_extension_in_the_admin_confirms_it(staff):
    extension = ExtensionFactory(number="2004", discovered=True, holder="")

    response = staff.post(
        f"{URL}{extension.pk}/change/",
        {"site": extension.site_id, "number": "2004", "department": "", "holder": "Ana"},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    extension.refresh_from_db()
    assert (extension.holder, extension.discovered) == ("Ana", False)
