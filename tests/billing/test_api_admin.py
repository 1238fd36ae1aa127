"""CRUD for administrators: sources and rate plans; every administration endpoint
is for administrators only."""

import pytest

from capture.models import Source, hash_key
from tests.conftest import token_client
from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db


def test_source_create_shows_its_key_once(admin_client):
    SiteFactory(slug="rosario")

    response = admin_client.post(
        "/api/v1/sources/",
        {
            "site": "rosario",
            "slug": "rosario-ipo",
            "name": "Rosario IP Office",
            "family": "avaya-ipoffice",
            "transport": "agent",
            "settings": {"time_zone": "America/Argentina/Buenos_Aires"},
        },
        format="json",
    )
    detail = admin_client.get("/api/v1/sources/rosario-ipo/")

    assert response.status_code == 201, response.content
    key = response.json()["key"]
    assert Source.objects.get().key_hash == hash_key(key)
    assert "key" not in detail.json()
    assert key not in detail.content.decode()


def test_rotate_key(admin_client, source, source_key):
    response = admin_client.post(f"/api/v1/sources/{source.slug}/rotate-key/")

    source.refresh_from_db()
    assert response.status_code == 200
    assert source.key_hash == hash_key(response.json()["key"]) != hash_key(source_key)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"family": "avaya-cm", "settings": {"layout": "fancy"}}, "'fancy' is not one of"),
        ({"family": "generic", "settings": {}}, "column_map: required"),
        ({"family": "unknown-pbx"}, "not a valid choice"),
        ({"transport": "carrier-pigeon"}, "not a valid choice"),
        ({"settings": {"time_zone": "Nowhere/City"}}, "IANA"),
    ],
)
def test_source_validation(admin_client, source, change, message):
    response = admin_client.patch(f"/api/v1/sources/{source.slug}/", change, format="json")

    assert response.status_code == 400
    assert message in str(response.json())


def test_rate_plans(admin_client):
    response = admin_client.post(
        "/api/v1/rate-plans/", {"slug": "p", "name": "Plan", "currency": "USD"}, format="json"
    )

    assert response.status_code == 201
    assert admin_client.get("/api/v1/rate-plans/p/").json() == {
        "slug": "p",
        "name": "Plan",
        "currency": "USD",
    }


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/sites/",
        "/api/v1/departments/",
        "/api/v1/extensions/",
        "/api/v1/sources/",
        "/api/v1/rate-plans/",
        "/api/v1/raw-records/",
    ],
)
def test_administration_is_for_administrators_only(url, user_token, source_key):
    assert token_client(user_token).get(url).status_code == 403
    assert token_client(user_token).post(url, {}, format="json").status_code == 403
    assert token_client(source_key).get(url).status_code == 401
