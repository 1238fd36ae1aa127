"""Template context for every page: whether the header links to "My calls"."""

from django.utils.functional import SimpleLazyObject

from .personal import user_extensions


def self_service(request):
    """``has_extensions``: the signed-in user holds an extension (asked only when a
    template reads it: one query, on pages that show the header)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"has_extensions": False}
    return {"has_extensions": SimpleLazyObject(lambda: user_extensions(user).exists())}
