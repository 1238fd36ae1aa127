"""Credit API URLs (DESIGN.md). Authorize and settle are named without a trailing slash,
as the contract writes them; the same views answer with one too (left out of the schema)."""

from django.urls import include, path
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.routers import DefaultRouter

from .views import AccountViewSet, AuthorizeView, LiveCallsView, RefundView, SettleView

router = DefaultRouter()
router.register("accounts", AccountViewSet, basename="credit-account")


def also_with_slash(view):
    return extend_schema_view(post=extend_schema(exclude=True))(type(view.__name__, (view,), {}))


urlpatterns = [
    path("authorize", AuthorizeView.as_view(), name="credit-authorize"),
    path("settle", SettleView.as_view(), name="credit-settle"),
    path("refunds", RefundView.as_view(), name="credit-refund"),
    path("authorize/", also_with_slash(AuthorizeView).as_view()),
    path("settle/", also_with_slash(SettleView).as_view()),
    path("refunds/", also_with_slash(RefundView).as_view()),
    path("live/", LiveCallsView.as_view(), name="credit-live"),
    path("", include(router.urls)),
]
