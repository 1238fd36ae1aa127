"""Rating API: rate plans for administrators."""

from rest_framework import viewsets

from rating.models import RatePlan

from .serializers import RatePlanSerializer


class RatePlanViewSet(viewsets.ModelViewSet):
    queryset = RatePlan.objects.all()
    serializer_class = RatePlanSerializer
    lookup_field = "slug"
