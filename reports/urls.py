"""URLs under /reports/: the report pages and the monthly downloads."""

from django.urls import path, register_converter

from . import downloads, top_views, traffic_views, views


class MonthConverter:
    """``YYYY-MM`` in the path; whether the month exists is checked by the view, so a
    wrong one (2026-13) gets a 404 that says why rather than a bare "not found"."""

    regex = r"[0-9]{4}-[0-9]{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return value if isinstance(value, str) else f"{value:%Y-%m}"


class FormatConverter:
    regex = "csv|xlsx|pdf"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(MonthConverter, "month")
register_converter(FormatConverter, "report_format")

app_name = "reports"

urlpatterns: list = [
    # Pages for signed-in people.
    path("", views.dashboard, name="dashboard"),
    path("departments/", views.department_report_page, name="departments"),
    path("extensions/", views.extension_report_page, name="extensions"),
    path("calls/", views.call_search, name="calls"),
    path("calls/<int:pk>/", views.call_explain_page, name="call-explain"),
    path("trunks/", traffic_views.trunk_report_page, name="trunks"),
    path("top/", top_views.top_report_page, name="top"),
    path("saved/", top_views.saved_reports_page, name="saved"),
    path("saved/new/", top_views.saved_report_create, name="saved-create"),
    path("saved/<int:pk>/delete/", top_views.saved_report_delete, name="saved-delete"),
    path("mine/", views.my_calls_page, name="my-calls"),
    path("mine/<int:pk>/personal/", views.my_call_mark, name="my-call-mark"),
    # Downloads (contract): session or API key.
    path(
        "<month:month>/departments.<report_format:fmt>",
        downloads.DepartmentReportDownload.as_view(),
        name="departments-download",
    ),
    path(
        "<month:month>/extensions.<report_format:fmt>",
        downloads.ExtensionReportDownload.as_view(),
        name="extensions-download",
    ),
    path("<month:month>/calls.csv", downloads.CallsCsvDownload.as_view(), name="calls-csv"),
    path(
        "<month:month>/personal.<report_format:fmt>",
        downloads.PersonalReportDownload.as_view(),
        name="personal-download",
    ),
    # The call search's result, exactly (its filters in the query).
    path("calls.csv", downloads.CallsCsvDownload.as_view(), name="calls-search-csv"),
    path("calls.xlsx", downloads.CallsXlsxDownload.as_view(), name="calls-search-xlsx"),
    path("top.<report_format:fmt>", downloads.TopReportDownload.as_view(), name="top-download"),
]
