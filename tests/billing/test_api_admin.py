"""CRUD for administrators: sites, departments, extensions, sources and rate plans."""

import pytest

from billing.models import Department, Extension, Site
from capture.models import Source, hash_key
from tests.conftest import token_client
from tests.factories import DepartmentFactory, RatePlanFactory, SiteFactory

pytestmark = pytest.mark.django_db

SITE = {
    "name": "Hospital Córdoba",
    "slug": "cordoba-hospital",
    "time_zone": "America/Argentina/Cordoba",
    "country_code": "54",
    "area_code": "351",
    "national_prefix": "0",
    "international_prefix": "00",
    "access_codes": ["0"],
    "currency": "ARS",
    "rate_plan": None,
}


def test_site_is_created_and_looked_up_by_slug(admin_client):
    plan = RatePlanFactory(slug="telecom-2026")

    created = admin_client.post("/api/v1/sites/", {**SITE, "rate_plan": plan.slug}, format="json")
    fetched = admin_client.get("/api/v1/sites/cordoba-hospital/")

    assert created.status_code == 201, created.content
    assert fetched.json() == {**SITE, "rate_plan": "telecom-2026"}
    assert Site.objects.get().rate_plan == plan


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("time_zone", "Mars/Olympus", "IANA"),
        ("access_codes", ["0", "9a"], "does not match"),
        ("currency", "pesos", "ISO 4217"),
        ("country_code", "+54", "Digits only"),
    ],
)
def test_site_validation_explains_the_fix(admin_client, field, value, message):
    response = admin_client.post("/api/v1/sites/", {**SITE, field: value}, format="json")

    assert response.status_code == 400
    assert message in str(response.json()[field])


def test_department_tree_and_managers(admin_client, admin_user):
    parent = admin_client.post(
        "/api/v1/departments/", {"name": "Health", "code": "H"}, format="json"
    ).json()
    child = admin_client.post(
        "/api/v1/departments/",
        {"name": "Nursing", "code": "H-N", "parent": parent["id"], "managers": [admin_user.id]},
        format="json",
    )

    assert child.status_code == 201
    assert child.json()["parent"] == parent["id"]
    assert child.json()["managers"] == [admin_user.id]
    assert Department.objects.get(code="H-N").parent_id == parent["id"]


def test_department_cannot_be_inside_itself(admin_client):
    parent = DepartmentFactory()
    child = DepartmentFactory(parent=parent)

    response = admin_client.patch(
        f"/api/v1/departments/{parent.id}/", {"parent": child.id}, format="json"
    )

    assert response.status_code == 400
    assert "inside itself" in str(response.json())


def test_extension_crud_and_history(admin_client):
    site = SiteFactory(slug="rosario")
    first, second = DepartmentFactory(), DepartmentFactory()

    created = admin_client.post(
        "/api/v1/extensions/",
        {"site": "rosario", "number": "2101", "department": first.id, "holder": "Front desk"},
        format="json",
    )
    moved = admin_client.patch(
        f"/api/v1/extensions/{created.json()['id']}/", {"department": second.id}, format="json"
    )

    assert created.status_code == 201
    assert moved.json()["department"] == second.id
    extension = Extension.objects.get(site=site, number="2101")
    assert [h.department_id for h in extension.history.order_by("history_date")] == [
        first.id,
        second.id,
    ]


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
