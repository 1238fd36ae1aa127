"""Fixed charges: prorated by day, charged to an extension's department, a department or
split across a site's departments (parts adding up exactly), and shown in the department
report, its files and the budgets beside the calls' cost."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from billing.fixed_charges import fixed_by_department, fixed_by_extension, fixed_charge_prorated
from billing.models import FixedCharge, MonthlyRollup
from reports.budgets import subtree_spent
from reports.exports import department_report_file
from reports.selectors import department_report_for_scope
from tests.factories import AdminFactory, DepartmentFactory, ExtensionFactory, SiteFactory

pytestmark = pytest.mark.django_db

NOVEMBER = dt.date(2026, 11, 1)


def charge(**fields):
    values = {"name": "E1", "amount": Decimal("300"), "currency": "ARS", "starts_on": NOVEMBER}
    return FixedCharge.objects.create(**{**values, **fields})


@pytest.fixture
def site():
    return SiteFactory(slug="hq")


@pytest.fixture
def departments(site):
    admin, payroll, sales = (DepartmentFactory(code=code) for code in ("ADM", "PAY", "SAL"))
    for department, count in ((admin, 3), (payroll, 1), (sales, 2)):
        for _ in range(count):
            ExtensionFactory(site=site, department=department)
    return admin, payroll, sales


def test_a_charge_is_prorated_by_the_days_it_runs(departments):
    admin = departments[0]
    whole = charge(department=admin)
    from_16th = charge(department=admin, starts_on=dt.date(2026, 11, 16))
    to_10th = charge(department=admin, starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 11, 10))
    thirds = charge(department=admin, amount=Decimal("100"), starts_on=dt.date(2026, 11, 30))

    assert fixed_charge_prorated(whole, NOVEMBER) == Decimal("300.0000")
    assert fixed_charge_prorated(from_16th, NOVEMBER) == Decimal("150.0000")  # 15 of 30 days
    assert fixed_charge_prorated(to_10th, NOVEMBER) == Decimal("100.0000")
    assert fixed_charge_prorated(to_10th, dt.date(2026, 12, 1)) == Decimal("0.0000")
    assert fixed_charge_prorated(thirds, NOVEMBER) == Decimal("3.3333")
    assert fixed_charge_prorated(whole, dt.date(2026, 10, 1)) == Decimal("0.0000")  # not yet


def test_extension_department_and_site_charges_reach_their_departments(site, departments):
    admin, payroll, sales = departments
    line = charge(extension=payroll.extensions.first(), amount=Decimal("50"))
    charge(department=sales, amount=Decimal("20"))
    charge(site=site, amount=Decimal("100"))  # equally among ADM, PAY, SAL

    by_department = fixed_by_department(NOVEMBER)
    assert by_department == {
        admin.id: {"ARS": Decimal("33.3334")},  # the rounding left over, to the largest part
        payroll.id: {"ARS": Decimal("83.3333")},
        sales.id: {"ARS": Decimal("53.3333")},
    }
    assert sum(amount["ARS"] for amount in by_department.values()) == Decimal("170")
    assert fixed_by_extension(NOVEMBER) == {line.extension_id: {"ARS": Decimal("50.0000")}}


def test_a_site_charge_split_by_extensions_or_by_call_cost(site, departments):
    admin, payroll, sales = departments
    by_extensions = charge(site=site, split=FixedCharge.Split.EXTENSIONS, amount=Decimal("60"))
    assert fixed_by_department(NOVEMBER) == {
        admin.id: {"ARS": Decimal("30.0000")},
        payroll.id: {"ARS": Decimal("10.0000")},
        sales.id: {"ARS": Decimal("20.0000")},
    }

    by_extensions.split = FixedCharge.Split.CALL_COST
    by_extensions.save()
    # Nothing called yet: all of it to one department, not lost.
    assert fixed_by_department(NOVEMBER) == {admin.id: {"ARS": Decimal("60.0000")}}
    for department, cost in ((payroll, "30"), (sales, "10")):
        MonthlyRollup.objects.create(
            month=NOVEMBER,
            site_id=site.id,
            department_id=department.id,
            extension_id=0,
            direction="outgoing",
            category="mobile",
            calls=1,
            cost=Decimal(cost),
        )
    assert fixed_by_department(NOVEMBER) == {
        payroll.id: {"ARS": Decimal("45.0000")},
        sales.id: {"ARS": Decimal("15.0000")},
    }


def test_a_charge_goes_to_one_place_with_sensible_dates(site, departments):
    admin = departments[0]
    both = FixedCharge(
        name="x", amount=1, currency="ARS", starts_on=NOVEMBER, department=admin, site=site
    )
    with pytest.raises(ValidationError, match="one extension, one department or one site"):
        both.full_clean()
    backwards = FixedCharge(
        name="x", amount=1, currency="ARS", starts_on=NOVEMBER, ends_on=dt.date(2026, 10, 1)
    )
    backwards.department = admin
    with pytest.raises(ValidationError, match="ends before it starts"):
        backwards.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        charge()  # no target: the database refuses it too


def test_the_department_report_budgets_and_files_add_fixed_charges(site, departments):
    admin, payroll, _sales = departments
    payroll.parent = admin
    payroll.save()
    charge(department=payroll, amount=Decimal("40"))
    charge(department=admin, amount=Decimal("10"), starts_on=dt.date(2026, 11, 16))

    report = department_report_for_scope(month=NOVEMBER, scope=None)
    node = report.node(admin.id)
    assert node.totals.fixed_in("ARS") == Decimal("5.0000")
    assert node.subtotal.fixed_in("ARS") == Decimal("45.0000")
    assert node.subtotal.total_in("ARS") == Decimal("45.0000")  # no calls yet
    assert report.total.fixed_in("ARS") == Decimal("45.0000")
    assert subtree_spent(month=NOVEMBER)[admin.id, "ARS"] == Decimal("45.0000")

    managers_scope = department_report_for_scope(month=NOVEMBER, scope=frozenset({payroll.id}))
    assert managers_scope.total.fixed_in("ARS") == Decimal("40.0000")  # not ADM's own

    rows = list(
        csv.reader(io.StringIO(department_report_file(report, "csv").content.decode("utf-8-sig")))
    )
    assert rows[0][-3:] == [
        "Fixed charges ARS",
        "Subtotal fixed charges ARS",
        "Subtotal with fixed charges ARS",
    ]
    adm = next(row for row in rows if row[0] == "ADM")
    assert adm[-3:] == ["5.0000", "45.0000", "45.0000"]


def test_the_department_page_shows_fixed_charges_only_when_there_are_some(
    client, site, departments
):
    client.force_login(AdminFactory())
    page = client.get("/reports/departments/", {"month": "2026-11"}).content.decode()
    assert "Fixed charges" not in page
    charge(department=departments[0], amount=Decimal("12.5"))
    page = client.get("/reports/departments/", {"month": "2026-11"}).content.decode()
    assert "Total with fixed charges" in page
    assert 'data-total="fixed">12.50 ARS' in page or 'data-total="fixed">12.50' in page


def test_an_extensions_own_charge_is_on_its_line_in_the_extension_report(client, site, departments):
    from reports.exports import extension_report_file
    from reports.selectors import extension_report_for_scope

    admin = departments[0]
    rented = admin.extensions.first()
    charge(extension=rented, amount=Decimal("15"))
    charge(department=admin, amount=Decimal("99"))  # a department's: not on a line

    (line,) = extension_report_for_scope(month=NOVEMBER, scope=None)  # no calls: still there
    assert (line.extension_id, line.fixed, line.calls) == (rented.id, Decimal("15.0000"), 0)
    rows = list(
        csv.reader(
            io.StringIO(
                extension_report_file([line], month=NOVEMBER, fmt="csv").content.decode("utf-8-sig")
            )
        )
    )
    assert rows[0][-1] == "Fixed charges"
    assert rows[1][-1] == "15.0000" and rows[-1][-1] == "15.0000"  # the line and the total
    assert extension_report_file([line], month=NOVEMBER, fmt="pdf").content.startswith(b"%PDF")

    client.force_login(AdminFactory())
    page = client.get("/reports/extensions/", {"month": "2026-11"}).content.decode()
    assert 'data-total="fixed">' in page


def test_the_pdf_lines_up_departments_with_and_without_fixed_charges(site, departments):
    admin, payroll, _sales = departments
    payroll.parent = admin
    payroll.save()
    charge(department=payroll, amount=Decimal("40"))  # ADM has none of its own
    report = department_report_for_scope(month=NOVEMBER, scope=None)
    assert department_report_file(report, "pdf").content.startswith(b"%PDF")


def test_the_reports_api_gives_fixed_charges_beside_the_cost(admin_client, site, departments):
    admin = departments[0]
    charge(department=admin, amount=Decimal("10"))
    charge(extension=admin.extensions.first(), amount=Decimal("2.5"))

    body = admin_client.get("/api/v1/reports/departments/", {"month": "2026-11"}).json()
    assert body["total"]["fixed"] == [{"currency": "ARS", "cost": "12.5000"}]
    line = next(line for line in body["departments"] if line["code"] == "ADM")
    assert line["totals"]["fixed"] == [{"currency": "ARS", "cost": "12.5000"}]
    extensions = admin_client.get("/api/v1/reports/extensions/", {"month": "2026-11"}).json()
    assert [line["fixed"] for line in extensions["extensions"]] == ["2.5000"]
