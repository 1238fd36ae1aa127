"""Organization API, for administrators (the default permission): sites,
departments and extensions."""

from rest_framework import viewsets

from org.models import Department, Extension, Site

from .serializers import DepartmentSerializer, ExtensionSerializer, SiteSerializer


class SiteViewSet(viewsets.ModelViewSet):
    queryset = Site.objects.select_related("rate_plan")
    serializer_class = SiteSerializer
    lookup_field = "slug"


class DepartmentViewSet(viewsets.ModelViewSet):
    queryset = Department.objects.prefetch_related("managers")
    serializer_class = DepartmentSerializer
    filterset_fields = ["parent", "code"]


class ExtensionViewSet(viewsets.ModelViewSet):
    queryset = Extension.objects.select_related("site")
    serializer_class = ExtensionSerializer
    filterset_fields = {"site__slug": ["exact"], "number": ["exact"], "department": ["exact"]}
