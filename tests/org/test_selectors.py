"""Who may see which departments: a manager sees the subtree of what they manage."""

import pytest

from org.selectors import department_subtree_ids, departments_visible_to
from tests.factories import AdminFactory, DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_subtree_holds_every_level_below_and_nothing_beside():
    health = DepartmentFactory(code="H")
    nursing = DepartmentFactory(code="H-N", parent=health)
    night = DepartmentFactory(code="H-N-1", parent=nursing)
    DepartmentFactory(code="A")

    assert department_subtree_ids([health.pk]) == {health.pk, nursing.pk, night.pk}
    assert department_subtree_ids([nursing.pk]) == {nursing.pk, night.pk}
    assert department_subtree_ids([]) == set()


def test_managers_see_their_subtrees_and_administrators_everything():
    health = DepartmentFactory(code="H")
    nursing = DepartmentFactory(code="H-N", parent=health)
    DepartmentFactory(code="A")
    manager = UserFactory()
    health.managers.add(manager)

    assert departments_visible_to(manager) == {health.pk, nursing.pk}
    assert departments_visible_to(UserFactory()) == set()
    assert departments_visible_to(AdminFactory()) is None
