"""Who may do what with prepaid credit.

Asterisk servers hold the token of a service user with one permission,
``credit.authorize_calls``: they may authorize and settle calls and nothing else
(no account list, no top-ups). People managing accounts need the model
permissions (``view_account``, ``add_account``...), ``top_up_account`` to add
money, ``adjust_account`` for adjustments and refunds, ``view_ledgerentry`` for
the ledger and ``view_reservation`` for live calls. Superusers have them all.
"""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions


def requires(permission: str) -> type[permissions.BasePermission]:
    """A permission class granting requests from users who hold ``permission``."""

    class Requires(permissions.BasePermission):
        message = format_lazy(_("This needs the permission {permission}."), permission=permission)

        def has_permission(self, request, view):
            user = request.user
            return bool(user and user.is_authenticated and user.has_perm(permission))

    Requires.__name__ = f"Requires_{permission.replace('.', '_')}"
    return Requires


class CreditModelPermissions(permissions.DjangoModelPermissions):
    """Model permissions, with reading needing ``view`` too (DRF's default lets any
    authenticated user read)."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }
