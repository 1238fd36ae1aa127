"""URLs (filled in by their issue)."""

urlpatterns: list = []
