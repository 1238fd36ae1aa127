"""The report selectors: totals equal the calls, the tree adds up, scope narrows."""

import datetime as dt
from decimal import Decimal

import pytest

from billing.models import Call
from billing.rollups import rollups_rebuild
from reports.selectors import (
    DepartmentNotFound,
    InvalidMonth,
    department_report,
    extension_report,
    extension_totals,
    month_parse,
)
from tests.factories import ExtensionFactory, SiteFactory, SourceFactory

from .conftest import OCTOBER, call_make, local, month_call_sums


def test_month_parse_accepts_real_months_and_explains_the_rest():
    assert month_parse("2026-10") == dt.date(2026, 10, 1)
    for wrong in ("2026-13", "2026-00", "2026-1", "October", "2026-10-01", ""):
        with pytest.raises(InvalidMonth, match="YYYY-MM"):
            month_parse(wrong)


def test_month_parse_refuses_months_beyond_what_reports_can_count():
    """The month after 9999-12 and the one before 0001-01 are not dates: such months
    are refused with the range, as is any year before 1900 or after 9998."""
    assert month_parse("1900-01") == dt.date(1900, 1, 1)
    assert month_parse("9998-12") == dt.date(9998, 12, 1)
    for wrong in ("9999-12", "9999-01", "0001-01", "1899-12"):
        with pytest.raises(InvalidMonth, match="outside the months reports cover: 1900-01 to"):
            month_parse(wrong)
    with pytest.raises(InvalidMonth, match="YYYY-MM"):
        month_parse("0000-01")


def test_administrator_totals_equal_the_calls_of_the_local_month(org):
    report = department_report(month=OCTOBER, user=org.admin)
    sums = month_call_sums(OCTOBER)
    assert (report.total.calls, report.total.answered, report.total.seconds) == (
        sums["calls"],
        sums["answered"],
        sums["seconds"],
    )
    assert report.total.cost == sums["cost"]
    assert report.currency == "ARS" and report.currencies == ("ARS",)
    # The lines' own totals add up to the grand total too.
    assert sum(node.totals.calls for node in report.nodes()) == sums["calls"]
    assert sum(node.totals.cost for node in report.nodes()) == sums["cost"]


def test_tree_has_subtotals_children_sorted_by_name_and_a_no_department_line(org):
    report = department_report(month=OCTOBER, user=org.admin)
    assert [root.code for root in report.roots] == ["ADM", "SAL", "SUP"]
    adm = report.roots[0]
    assert [child.code for child in adm.children] == ["FIN"]
    assert [node.code for node in adm.walk()] == ["ADM", "FIN", "PAY"]
    assert adm.children[0].children[0].path == ("Administration", "Finance", "Payroll")
    assert adm.children[0].children[0].depth == 2
    for node in report.nodes():
        ids = {n.id for n in node.walk()}
        expected = month_call_sums(OCTOBER, ids if node.id else None)
        if node.id is None:
            continue
        assert node.subtotal.calls == expected["calls"], node.code
        assert node.subtotal.cost == expected["cost"], node.code
        own = month_call_sums(OCTOBER, {node.id})
        assert (node.totals.calls, node.totals.cost) == (own["calls"], own["cost"]), node.code
    no_department = report.no_department
    assert no_department is not None and no_department.id is None
    none_calls = Call.objects.filter(department=None, start__month=10)
    assert no_department.totals.calls == none_calls.count() == 2
    assert no_department.totals.cost == Decimal("10.4999")


def test_categories_break_the_cost_down_exactly(org):
    report = department_report(month=OCTOBER, user=org.admin)
    by_category = {c.category: c for c in report.total.categories}
    assert set(by_category) == {"national", "mobile", "internal", ""}
    assert sum(c.cost for c in report.total.categories) == report.total.cost
    assert sum(c.calls for c in report.total.categories) == report.total.calls
    assert by_category["mobile"].cost == Decimal("0.3333") + Decimal("2.5001") + Decimal("4.0000")


def test_manager_sees_their_departments_and_those_below_only(org):
    report = department_report(month=OCTOBER, user=org.finance)
    assert [node.code for node in report.nodes()] == ["FIN", "PAY"]
    assert report.roots[0].parent_id is None  # their top, although FIN has a parent
    assert report.no_department is None
    sums = month_call_sums(OCTOBER, org.ids("FIN", "PAY"))
    assert (report.total.calls, report.total.cost) == (sums["calls"], sums["cost"])


def test_user_without_departments_gets_an_empty_report(org):
    report = department_report(month=OCTOBER, user=org.nobody)
    assert list(report.nodes()) == []
    assert report.total.calls == 0 and report.total.cost == Decimal("0")
    assert extension_report(month=OCTOBER, user=org.nobody) == []


def test_a_month_without_calls_lists_the_tree_with_zeros(org):
    report = department_report(month=dt.date(2025, 1, 1), user=org.admin)
    assert len(list(report.nodes())) == 7
    assert report.total.calls == 0 and report.currency == "ARS"


def test_month_must_be_a_first_day(org):
    with pytest.raises(InvalidMonth):
        department_report(month=dt.date(2026, 10, 2), user=org.admin)


def test_sites_in_different_currencies_are_never_added(org):
    usd = SourceFactory(site=SiteFactory(slug="miami", currency="USD", time_zone="UTC"))
    extension = ExtensionFactory(site=usd.site, number="100", department=org.departments["SUP"])
    call_make(source=usd, extension=extension, start=local(12), cost="2.0000")
    rollups_rebuild([OCTOBER])
    report = department_report(month=OCTOBER, user=org.admin)
    assert report.currency is None and report.currencies == ("ARS", "USD")
    assert report.total.cost is None
    costs = dict(report.total.costs)
    assert costs["USD"] == Decimal("2.0000")
    assert costs["ARS"] == month_call_sums(OCTOBER)["cost"] - Decimal("2.0000")
    support = report.node(org.departments["SUP"].pk)
    assert dict(support.totals.costs) == {"ARS": Decimal("100.0000"), "USD": Decimal("2.0000")}
    lines = extension_report(month=OCTOBER, user=org.admin, department_id=support.id)
    assert {(line.number, line.currency) for line in lines} == {("4006", "ARS"), ("100", "USD")}


def test_extension_lines_equal_the_calls_per_extension(org):
    lines = extension_report(month=OCTOBER, user=org.admin)
    by_number = {line.number: line for line in lines}
    assert by_number["4002"].calls == 4  # three outgoing and one incoming
    assert (by_number["4002"].outgoing, by_number["4002"].incoming) == (3, 1)
    assert by_number["4002"].answered == 3
    assert by_number["4002"].cost == Decimal("12.5001")
    assert by_number["4002"].holder == "Ana Contable"
    assert by_number["4002"].department_code == "FIN"
    assert by_number["4004"].internal == 1
    assert by_number[""].extension_id is None  # the call with no extension
    totals = extension_totals(lines)
    sums = month_call_sums(OCTOBER)
    assert (totals.calls, totals.seconds, totals.cost) == (
        sums["calls"],
        sums["seconds"],
        sums["cost"],
    )
    # Sorted by department name, "No department" last.
    assert [line.department_code for line in lines] == [
        "ADM",
        "FIN",
        "SLN",
        "PAY",
        "SAL",
        "SUP",
        "",
        "",
    ]


def test_an_extension_that_moved_has_a_line_per_department(org):
    ext = org.extensions["4006"]
    call_make(
        source=org.source,
        extension=ext,
        start=local(20),
        cost="1",
        department=org.departments["SAL"],
    )
    rollups_rebuild([OCTOBER])
    lines = [
        line for line in extension_report(month=OCTOBER, user=org.admin) if line.number == "4006"
    ]
    assert {(line.department_code, line.calls) for line in lines} == {("SUP", 1), ("SAL", 1)}
    # The sales manager sees the call made while it was theirs, not the others.
    sales_lines = extension_report(month=OCTOBER, user=org.sales)
    assert [
        (line.number, line.department_code) for line in sales_lines if line.number == "4006"
    ] == [("4006", "SAL")]


def test_department_filter_includes_sub_departments(org):
    lines = extension_report(month=OCTOBER, user=org.admin, department_id=org.departments["ADM"].pk)
    assert {line.number for line in lines} == {"4001", "4002", "4003"}


def test_department_outside_scope_or_unknown_is_not_found(org):
    with pytest.raises(DepartmentNotFound):
        extension_report(month=OCTOBER, user=org.finance, department_id=org.departments["SAL"].pk)
    with pytest.raises(DepartmentNotFound):
        # Above their own department: also outside.
        extension_report(month=OCTOBER, user=org.finance, department_id=org.departments["ADM"].pk)
    with pytest.raises(DepartmentNotFound):
        extension_report(month=OCTOBER, user=org.admin, department_id=999_999)
    lines = extension_report(
        month=OCTOBER, user=org.finance, department_id=org.departments["PAY"].pk
    )
    assert {line.number for line in lines} == {"4003"}


def test_report_reads_a_fixed_number_of_queries(org, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        department_report(month=OCTOBER, user=org.admin)
    with django_assert_max_num_queries(5):
        extension_report(month=OCTOBER, user=org.admin)
