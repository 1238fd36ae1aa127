"""Reports API: a month's totals per department and per extension, in the caller's
scope (administrators: everything; managers: their departments and those below).

Managers are let in here, unlike the organization's CRUD (``IsAdminUser``): what
they see is narrowed by the selectors, as the calls API narrows calls.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import IsUser, StrictQueryMixin
from reports.selectors import department_report, extension_report, extension_totals
from reports.topn import top_report
from reports.traffic import trunk_report

from .serializers import (
    DepartmentReportSerializer,
    ExtensionQuerySerializer,
    ExtensionReportSerializer,
    MonthQuerySerializer,
    TopQuerySerializer,
    TopReportSerializer,
    TrunkQuerySerializer,
    TrunkReportSerializer,
    department_report_data,
    extension_report_data,
    trunk_report_data,
)

ERRORS = {
    400: OpenApiResponse(
        description=(
            "month missing or not YYYY-MM; department not a number; a query parameter "
            "the endpoint does not know (named in `unknown`, with the `known` ones)."
        )
    ),
    401: OpenApiResponse(description="No credentials: sign in or send Authorization: Token KEY."),
    403: OpenApiResponse(description="A source's key: it may only ingest."),
}


class DepartmentReportView(StrictQueryMixin, APIView):
    """The month's calls and cost per department, as a tree with subtotals."""

    permission_classes = [IsUser]
    query_serializer_class = MonthQuerySerializer

    @extend_schema(
        operation_id="reports_departments",
        parameters=[MonthQuerySerializer],
        responses={200: DepartmentReportSerializer, **ERRORS},
        description=(
            "Totals of the month per department you may see: `totals` counts the calls "
            "charged to the department itself, `subtotal` adds the departments below it. "
            "Administrators also get a No department line (`id` null). A user who "
            "manages no department gets an empty list and zero totals. `count`: the "
            "number of lines in `departments`."
        ),
    )
    def get(self, request):
        query = MonthQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        report = department_report(month=query.validated_data["month"], user=request.user)
        return Response(department_report_data(report))


class ExtensionReportView(StrictQueryMixin, APIView):
    """The month's calls and cost per extension (and department charged)."""

    permission_classes = [IsUser]
    query_serializer_class = ExtensionQuerySerializer

    @extend_schema(
        operation_id="reports_extensions",
        parameters=[ExtensionQuerySerializer],
        responses={
            200: ExtensionReportSerializer,
            **ERRORS,
            404: OpenApiResponse(description="No such department among those you may see."),
        },
        description=(
            "One line per extension and department charged in the month (an extension "
            "that moved has a line per department), sorted by department and number. "
            "`count`: the number of lines in `extensions`."
        ),
    )
    def get(self, request):
        query = ExtensionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        month = query.validated_data["month"]
        department_id = query.validated_data.get("department")
        lines = extension_report(month=month, user=request.user, department_id=department_id)
        return Response(
            extension_report_data(
                month=month,
                department_id=department_id,
                totals=extension_totals(lines),
                lines=lines,
            )
        )


class TrunkReportView(StrictQueryMixin, APIView):
    """The month's traffic per trunk: peak concurrency, busy hour, Erlang B."""

    permission_classes = [IsUser]
    query_serializer_class = TrunkQuerySerializer

    @extend_schema(
        operation_id="reports_trunks",
        parameters=[TrunkQuerySerializer],
        responses={
            200: TrunkReportSerializer,
            400: ERRORS[400],
            401: ERRORS[401],
            403: OpenApiResponse(description="Not an administrator: trunks are site-wide."),
            404: OpenApiResponse(description="No site with that slug."),
        },
        description=(
            "One line per trunk (of `site` when given), sorted by site and name. A call "
            "holds a line from its start to start + ring + conversation; the month and "
            "its hours are the site's local ones. `blocking` is the Erlang B probability "
            "at the busy hour's traffic with the trunk's `lines` (null when not set). "
            "`groups` gives the same figures per group of trunks, from its trunks' calls "
            "taken together, with their lines added up. `blocked_reported` counts the "
            "calls the PBX says found every line busy (null where it does not say). "
            "For administrators only."
        ),
    )
    def get(self, request):
        query = TrunkQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        report = trunk_report(
            month=query.validated_data["month"],
            user=request.user,
            site_slug=query.validated_data.get("site"),
        )
        return Response(trunk_report_data(report))


class TopReportView(StrictQueryMixin, APIView):
    """A top-N or ad-hoc report of the month (``reports.topn``)."""

    permission_classes = [IsUser]
    query_serializer_class = TopQuerySerializer

    @extend_schema(
        operation_id="reports_top",
        parameters=[TopQuerySerializer],
        responses={
            200: TopReportSerializer,
            **ERRORS,
            404: OpenApiResponse(description="A department outside your scope."),
        },
        description=(
            "`report`: numbers (most called), destinations, longest, expensive, "
            "account-codes, kpis (ASR and ACD `by` extension, trunk or destination), "
            "missed (unanswered incoming per extension and local hour), after-hours "
            "(outgoing calls outside `from`-`to`, weekends and holidays, per "
            "extension). `columns` lists the lines' keys in order with their titles "
            "in your language; `rows` holds one object per line. Within your scope."
        ),
    )
    def get(self, request):
        query = TopQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        report = top_report(
            kind=query.validated_data["report"], params=query.params(), user=request.user
        )
        return Response(TopReportSerializer(report).data)
