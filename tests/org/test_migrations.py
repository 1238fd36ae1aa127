"""The organization's models moved from billing to org in state only (issue 13):
their tables keep billing's names, and groups keep their permissions."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from org.models import Department, Extension, Site, Trunk
from tests.factories import UserFactory

move = importlib.import_module("org.migrations.0001_initial")


def test_tables_keep_their_billing_names():
    assert [model._meta.db_table for model in (Site, Department, Extension, Trunk)] == [
        "billing_site",
        "billing_department",
        "billing_extension",
        "billing_trunk",
    ]
    assert Extension.history.model._meta.db_table == "billing_historicalextension"
    assert Department.managers.through._meta.db_table == "billing_department_managers"


@pytest.mark.django_db
def test_an_upgraded_group_keeps_its_permissions_under_the_org_label():
    # An install made before the move has the models' content types under billing.
    ContentType.objects.filter(app_label="org").update(app_label="billing")
    group = Group.objects.create(name="site editors")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="billing", codename="change_site")
    )
    user = UserFactory()
    user.groups.add(group)

    move.content_types_to_org(apps, None)
    ContentType.objects.clear_cache()

    assert not ContentType.objects.filter(app_label="billing", model="site").exists()
    assert user.has_perm("org.change_site")
    assert not user.has_perm("billing.change_site")
