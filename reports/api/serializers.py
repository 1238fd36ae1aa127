"""Serializers of the reports API: the selectors' dataclasses as JSON.

Money is a decimal string with four places (the rollups' quantum); a cost that
would add different currencies is ``null``, and ``costs`` then gives one amount per
currency. Every total (and extension line) counts its ``unrated`` calls, which have
no price and so are not in its cost.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rating.models import Category
from reports.selectors import InvalidMonth, month_parse
from reports.topn import (
    KPI_GROUPS,
    TOP_DEFAULT,
    TOP_MAX,
    TOP_REPORTS,
    WORKDAY_DEFAULT,
    TopParams,
    TopReportInvalid,
    columns_chosen,
    report_columns,
)

MONEY = {"max_digits": 18, "decimal_places": 4}
UNRATED_HELP = _("Calls without a price (cost empty): not in the cost.")


class MonthQuerySerializer(serializers.Serializer):
    month = serializers.CharField(help_text=_("The month, as YYYY-MM (site's local dates)."))

    def validate_month(self, value):
        try:
            return month_parse(value)
        except InvalidMonth as error:
            raise serializers.ValidationError(str(error)) from None


class ExtensionQuerySerializer(MonthQuerySerializer):
    department = serializers.IntegerField(
        required=False,
        help_text=_(
            "Department id: only its extensions and those of the departments below "
            "it. A department outside your scope answers 404."
        ),
    )


class CurrencyCostSerializer(serializers.Serializer):
    currency = serializers.CharField()
    cost = serializers.DecimalField(**MONEY)


class CategoryTotalSerializer(serializers.Serializer):
    category = serializers.CharField(help_text=_("Destination category; empty: not rated."))
    currency = serializers.CharField()
    calls = serializers.IntegerField()
    seconds = serializers.IntegerField()
    cost = serializers.DecimalField(**MONEY)
    unrated = serializers.IntegerField(help_text=UNRATED_HELP)


class TotalsSerializer(serializers.Serializer):
    calls = serializers.IntegerField()
    answered = serializers.IntegerField()
    seconds = serializers.IntegerField(help_text=_("Seconds of conversation."))
    cost = serializers.DecimalField(
        **MONEY, allow_null=True, help_text=_("Null when the amounts are in several currencies.")
    )
    unrated = serializers.IntegerField(help_text=UNRATED_HELP)
    costs = serializers.SerializerMethodField(help_text=_("One amount per currency."))
    categories = CategoryTotalSerializer(many=True, help_text=_("Cost per destination category."))
    fixed = serializers.SerializerMethodField(
        help_text=_("Fixed charges (rentals, plans, contracts) per currency; not in the cost.")
    )

    @extend_schema_field(CurrencyCostSerializer(many=True))
    def get_costs(self, totals) -> list[dict]:
        return CurrencyCostSerializer(
            [{"currency": currency, "cost": cost} for currency, cost in totals.costs], many=True
        ).data

    @extend_schema_field(CurrencyCostSerializer(many=True))
    def get_fixed(self, totals) -> list[dict]:
        return CurrencyCostSerializer(
            [{"currency": currency, "cost": cost} for currency, cost in totals.fixed], many=True
        ).data


class DepartmentLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text=_("Null: the No department line."))
    code = serializers.CharField()
    name = serializers.CharField()
    parent = serializers.IntegerField(
        source="parent_id", allow_null=True, help_text=_("Null at the top of your tree.")
    )
    depth = serializers.IntegerField(help_text=_("0 at the top of your tree."))
    path = serializers.ListField(child=serializers.CharField(), help_text=_("Names from the top."))
    children = serializers.SerializerMethodField(help_text=_("Ids of the departments below."))
    totals = TotalsSerializer(help_text=_("Calls charged to this department itself."))
    subtotal = TotalsSerializer(help_text=_("This department and every department below it."))

    def get_children(self, node) -> list[int]:
        return [child.id for child in node.children]


class DepartmentReportSerializer(serializers.Serializer):
    month = serializers.DateField(format="%Y-%m")
    currency = serializers.CharField(
        allow_null=True, help_text=_("Null when the sites' currencies differ.")
    )
    currencies = serializers.ListField(child=serializers.CharField())
    total = TotalsSerializer()
    count = serializers.SerializerMethodField(help_text=_("How many lines `departments` has."))
    departments = serializers.SerializerMethodField(
        help_text=_(
            "The departments you may see, in tree order (parents first, children "
            "sorted by name), then, for administrators, the No department line."
        )
    )

    def get_count(self, report) -> int:
        return len(list(report.nodes()))

    @extend_schema_field(DepartmentLineSerializer(many=True))
    def get_departments(self, report) -> list[dict]:
        return DepartmentLineSerializer(list(report.nodes()), many=True).data


class ExtensionLineSerializer(serializers.Serializer):
    extension = serializers.IntegerField(
        source="extension_id", allow_null=True, help_text=_("Extension id; null: none known.")
    )
    number = serializers.CharField()
    holder = serializers.CharField()
    site = serializers.CharField(source="site_slug")
    department = serializers.IntegerField(
        source="department_id", allow_null=True, help_text=_("Null: no department.")
    )
    department_code = serializers.CharField()
    department_name = serializers.CharField()
    calls = serializers.IntegerField()
    answered = serializers.IntegerField()
    seconds = serializers.IntegerField()
    outgoing = serializers.IntegerField(help_text=_("Outgoing calls."))
    incoming = serializers.IntegerField(help_text=_("Incoming calls."))
    internal = serializers.IntegerField(help_text=_("Internal calls."))
    cost = serializers.DecimalField(**MONEY)
    currency = serializers.CharField()
    unrated = serializers.IntegerField(help_text=UNRATED_HELP)
    fixed = serializers.DecimalField(
        **MONEY, help_text=_("The extension's own fixed charges (a line rental), in currency.")
    )


class ExtensionReportSerializer(serializers.Serializer):
    month = serializers.DateField(format="%Y-%m")
    department = serializers.IntegerField(allow_null=True)
    total = TotalsSerializer()
    count = serializers.SerializerMethodField(help_text=_("How many lines `extensions` has."))
    extensions = ExtensionLineSerializer(many=True)

    def get_count(self, report) -> int:
        return len(report["extensions"])


# The serializers above describe the answers (the OpenAPI schema) and are the
# reference for them; the views build the same JSON with the plain functions below,
# which are several times faster on a report of thousands of lines
# (tests/reports/test_api.py checks that both give the same data).


def _money(value) -> str | None:
    return None if value is None else f"{value:.4f}"


def totals_data(totals) -> dict:
    return {
        "calls": totals.calls,
        "answered": totals.answered,
        "seconds": totals.seconds,
        "cost": _money(totals.cost),
        "unrated": totals.unrated,
        "costs": [{"currency": currency, "cost": _money(cost)} for currency, cost in totals.costs],
        "categories": [
            {
                "category": category.category,
                "currency": category.currency,
                "calls": category.calls,
                "seconds": category.seconds,
                "cost": _money(category.cost),
                "unrated": category.unrated,
            }
            for category in totals.categories
        ],
        "fixed": [{"currency": currency, "cost": _money(cost)} for currency, cost in totals.fixed],
    }


def department_report_data(report) -> dict:
    """``DepartmentReportSerializer(report).data``, built directly."""
    nodes = list(report.nodes())
    return {
        "month": f"{report.month:%Y-%m}",
        "currency": report.currency,
        "currencies": list(report.currencies),
        "total": totals_data(report.total),
        "count": len(nodes),
        "departments": [
            {
                "id": node.id,
                "code": node.code,
                "name": node.name,
                "parent": node.parent_id,
                "depth": node.depth,
                "path": list(node.path),
                "children": [child.id for child in node.children],
                "totals": totals_data(node.totals),
                "subtotal": totals_data(node.subtotal),
            }
            for node in nodes
        ],
    }


def extension_report_data(*, month, department_id, totals, lines) -> dict:
    """``ExtensionReportSerializer(...).data``, built directly."""
    return {
        "month": f"{month:%Y-%m}",
        "department": department_id,
        "total": totals_data(totals),
        "count": len(lines),
        "extensions": [
            {
                "extension": line.extension_id,
                "number": line.number,
                "holder": line.holder,
                "site": line.site_slug,
                "department": line.department_id,
                "department_code": line.department_code,
                "department_name": line.department_name,
                "calls": line.calls,
                "answered": line.answered,
                "seconds": line.seconds,
                "outgoing": line.outgoing,
                "incoming": line.incoming,
                "internal": line.internal,
                "cost": _money(line.cost),
                "currency": line.currency,
                "unrated": line.unrated,
                "fixed": _money(line.fixed),
            }
            for line in lines
        ],
    }


# ---------------------------------------------------------------- trunk traffic


class TrunkQuerySerializer(MonthQuerySerializer):
    site = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("A site's slug: only its trunks. An unknown one answers 404."),
    )


class TrunkLineSerializer(serializers.Serializer):
    site = serializers.CharField(source="site_slug")
    trunk = serializers.CharField(help_text=_("The trunk's id in the PBX's records."))
    lines = serializers.IntegerField(allow_null=True, help_text=_("Channels; null: not set."))
    calls = serializers.IntegerField(help_text=_("Calls of the month on the trunk."))
    peak_concurrent = serializers.IntegerField(help_text=_("The most calls at once."))
    peak_at = serializers.DateTimeField(
        allow_null=True, help_text=_("When the peak was first reached (site's local time).")
    )
    busy_hour_start = serializers.DateTimeField(
        allow_null=True, help_text=_("The clock hour with the most traffic (site's local time).")
    )
    busy_hour_erlangs = serializers.FloatField(help_text=_("Traffic of the busy hour, Erlangs."))
    blocking = serializers.FloatField(
        allow_null=True,
        help_text=_("Erlang B blocking probability at the busy hour with `lines`; null without."),
    )
    lines_for_1pct = serializers.IntegerField(
        allow_null=True, help_text=_("Lines for at most 1 % blocking at the busy hour.")
    )
    blocked_reported = serializers.IntegerField(
        allow_null=True,
        required=False,
        help_text=_(
            "Calls of the month the PBX says found every line busy; null where the "
            "site's PBX does not say it (docs/reports.md, Trunks)."
        ),
    )
    group = serializers.CharField(
        allow_null=True, required=False, help_text=_("The trunk's group; null: none.")
    )


class TrunkGroupLineSerializer(TrunkLineSerializer):
    trunk = serializers.CharField(help_text=_("The group's name."))
    lines = serializers.IntegerField(
        allow_null=True, help_text=_("Its trunks' lines added up; null when any is not set.")
    )
    trunks = serializers.ListField(
        child=serializers.CharField(), help_text=_("The names of the group's trunks.")
    )
    group = None  # type: ignore[assignment]


class TrunkReportSerializer(serializers.Serializer):
    month = serializers.DateField(format="%Y-%m")
    trunks = TrunkLineSerializer(many=True)
    groups = TrunkGroupLineSerializer(
        many=True,
        required=False,
        help_text=_("Groups of trunks, their calls taken together (their peak is of them all)."),
    )


def _moment(value) -> str | None:
    return None if value is None else value.isoformat()


def trunk_line_data(line) -> dict:
    """One trunk of ``TrunkReportSerializer``: probabilities rounded to 6 places,
    Erlangs to 3, moments in ISO 8601 with the site's offset."""
    return {
        "site": line.site_slug,
        "trunk": line.trunk,
        "lines": line.lines,
        "calls": line.calls,
        "peak_concurrent": line.peak_concurrent,
        "peak_at": _moment(line.peak_at),
        "busy_hour_start": _moment(line.busy_hour_start),
        "busy_hour_erlangs": round(line.busy_hour_erlangs, 3),
        "blocking": None if line.blocking is None else round(line.blocking, 6),
        "lines_for_1pct": line.lines_for_1pct,
        "blocked_reported": line.blocked_reported,
        "group": line.group,
    }


def trunk_report_data(report) -> dict:
    """The trunks, and beside them their groups: the same figures, ``trunk`` the
    group's name, ``lines`` its trunks' added up, and ``trunks`` their names."""
    return {
        "month": f"{report.month:%Y-%m}",
        "trunks": [trunk_line_data(line) for line in report.trunks],
        "groups": [
            {
                **{key: value for key, value in trunk_line_data(line).items() if key != "group"},
                "trunks": list(line.members),
            }
            for line in report.groups
        ],
    }


class TopQuerySerializer(MonthQuerySerializer):
    """The parameters of a top-N report (``reports.topn``), for the API, the files
    and the page alike."""

    report = serializers.ChoiceField(
        choices=list(TOP_REPORTS), help_text=_("Which report (docs/reports.md, Top lists).")
    )
    top = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("How many lines, 20 unless given; at most 500."),
    )
    department = serializers.IntegerField(
        required=False,
        help_text=_("A department's id: its calls and those of the departments below it."),
    )
    site = serializers.CharField(required=False, allow_blank=True, help_text=_("A site's slug."))
    category = serializers.ChoiceField(
        choices=[value for value, _label in Category.choices],
        required=False,
        allow_blank=True,
        help_text=_("A destination category."),
    )
    by = serializers.ChoiceField(
        choices=list(KPI_GROUPS),
        required=False,
        help_text=_("kpis: per extension (default), trunk or destination category."),
    )
    columns = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("The columns to show, by key, comma-separated, in that order; all if empty."),
    )
    # ``from`` is a Python keyword: the field is declared under its own name below.
    to = serializers.TimeField(
        required=False,
        format="%H:%M",
        input_formats=["%H:%M"],
        help_text=_("after-hours: when the working day ends, HH:MM local (18:00)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from"] = serializers.TimeField(
            required=False,
            input_formats=["%H:%M"],
            help_text=_("after-hours: when the working day starts, HH:MM local (08:00)."),
        )

    def validate_top(self, value):
        if value > TOP_MAX:
            raise serializers.ValidationError(
                _("At most %(max)s lines; ask for fewer.") % {"max": TOP_MAX}
            )
        return value

    def validate(self, attrs):
        keys = self._column_keys(attrs)
        if keys:
            columns = report_columns(attrs["report"], attrs.get("by", "extension"))
            try:
                columns_chosen(columns, keys)
            except TopReportInvalid as error:
                raise serializers.ValidationError({"columns": str(error)}) from None
        return attrs

    @staticmethod
    def _column_keys(attrs) -> tuple[str, ...]:
        return tuple(key.strip() for key in attrs.get("columns", "").split(",") if key.strip())

    def params(self):
        """The validated query as ``reports.topn.TopParams``."""
        data = self.validated_data
        return TopParams(
            month=data["month"],
            top=data.get("top", TOP_DEFAULT),
            department=data.get("department"),
            site=data.get("site", ""),
            category=data.get("category", ""),
            by=data.get("by", "extension"),
            columns=self._column_keys(data),
            workday=(
                data.get("from", WORKDAY_DEFAULT[0]),
                data.get("to", WORKDAY_DEFAULT[1]),
            ),
        )


class TopColumnSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.CharField(
        help_text=_("text, int, seconds, money, percent, datetime or category.")
    )


class TopReportSerializer(serializers.Serializer):
    report = serializers.CharField(source="kind")
    title = serializers.CharField()
    description = serializers.CharField()
    month = serializers.SerializerMethodField()
    columns = TopColumnSerializer(many=True)
    rows = serializers.SerializerMethodField(
        help_text=_("One object per line, keyed by the columns' keys.")
    )
    count = serializers.SerializerMethodField()
    note = serializers.CharField()

    def get_month(self, report) -> str:
        return f"{report.params.month:%Y-%m}"

    def get_count(self, report) -> int:
        return len(report.rows)

    @extend_schema_field({"type": "array", "items": {"type": "object"}})
    def get_rows(self, report) -> list[dict]:
        kinds = {column.key: column.kind for column in report.columns}
        return [
            {key: _top_json(row.get(key), kind) for key, kind in kinds.items()}
            for row in report.rows
        ]


def _top_json(value, kind: str):
    """Money and percents as decimal strings, times in ISO 8601 with the site's offset."""
    if value is None:
        return None
    if kind in ("money", "percent"):
        return str(value)
    if kind == "datetime":
        return value.isoformat()
    return value
