"""Reads of the organization: who may see which departments."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from .models import Department


def department_subtree_ids(department_ids: Iterable[int]) -> set[int]:
    """The given departments and every department below them.

    The whole tree is read in one query: organizations have hundreds of
    departments, not millions, and this avoids a query per level.
    """
    children: dict[int | None, list[int]] = defaultdict(list)
    for department_id, parent_id in Department.objects.values_list("id", "parent_id"):
        children[parent_id].append(department_id)
    found: set[int] = set()
    pending = [int(department_id) for department_id in department_ids]
    while pending:
        department_id = pending.pop()
        if department_id not in found:
            found.add(department_id)
            pending.extend(children[department_id])
    return found


def departments_visible_to(user) -> set[int] | None:
    """Ids of the departments ``user`` may see; ``None`` means all (administrators)."""
    if user.is_staff or user.is_superuser:
        return None
    return department_subtree_ids(user.managed_departments.values_list("id", flat=True))
