"""Reports API, under /api/v1/reports/."""

from django.urls import path

from .views import DepartmentReportView, ExtensionReportView, TopReportView, TrunkReportView

urlpatterns = [
    path("departments/", DepartmentReportView.as_view(), name="report-departments"),
    path("extensions/", ExtensionReportView.as_view(), name="report-extensions"),
    path("trunks/", TrunkReportView.as_view(), name="report-trunks"),
    path("top/", TopReportView.as_view(), name="report-top"),
]
