"""Directory sign-in: django-auth-ldap's backend, which finds an account the directory
import or sync made (by e-mail; one without a password of its own) before it makes a
new one. An account with a local password is never taken over by a directory entry
that shares its e-mail address."""

from django.contrib.auth import get_user_model
from django_auth_ldap.backend import LDAPBackend


class DirectoryBackend(LDAPBackend):
    def get_or_build_user(self, username, ldap_user):
        attribute = self.settings.USER_ATTR_MAP.get("email", "mail")
        addresses = ldap_user.attrs.get(attribute) or []
        if addresses:
            accounts = get_user_model().objects.filter(email__iexact=addresses[0], is_active=True)
            for account in accounts.order_by("id"):
                if not account.has_usable_password():
                    return account, False
        return super().get_or_build_user(username, ldap_user)
