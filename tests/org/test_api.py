"""CRUD for administrators: sites, departments and extensions."""

import pytest

from org.models import Department, Extension, Site
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
