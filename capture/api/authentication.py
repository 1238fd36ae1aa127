"""Source keys: ``Authorization: Token KEY`` where KEY was issued to one source.

A source key authenticates as that source and nothing else: it can ingest for
its own source only, and every other endpoint refuses it.
"""

from dataclasses import dataclass

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import TokenAuthentication, get_authorization_header

from capture.models import Source, hash_key


@dataclass(frozen=True)
class SourcePrincipal:
    """The request's "user" when a source key was presented: no permissions at all."""

    source: Source
    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_staff = False
    is_superuser = False

    def has_perm(self, perm, obj=None) -> bool:
        return False

    def __str__(self):
        return f"source {self.source.slug}"


class SourceKeyAuthentication(TokenAuthentication):
    """Authenticates a source key; leaves any other token to the next authenticator."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() != self.keyword.lower().encode():
            return None
        try:
            key = parts[1].decode()
        except UnicodeDecodeError:
            return None
        source = Source.objects.select_related("site").filter(key_hash=hash_key(key)).first()
        if source is None:
            return None
        return SourcePrincipal(source), source


class SourceKeyScheme(OpenApiAuthenticationExtension):
    """Names source keys apart from user tokens in the OpenAPI schema."""

    target_class = SourceKeyAuthentication
    name = "sourceKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A source key: `Token KEY`. It can only ingest for its source.",
        }
