"""Carrier invoice reconciliation: invoice lines matched to our calls (number, start and
duration within tolerances), price differences, lines without a call, calls not billed,
line-numbered errors that reconcile nothing, the command, the XLSX and the admin page."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from billing.models import Call
from capture.models import RawRecord
from rating.services import number_normalized
from reports.models import InvoiceMapping
from reports.reconcile import InvoiceError, invoice_read, invoice_reconcile
from tests.factories import ExtensionFactory, SiteFactory, SourceFactory

pytestmark = pytest.mark.django_db

HEADER = "Fecha;Hora;Destino;Duración;Importe"


@pytest.fixture
def site():
    return SiteFactory(slug="hq")


@pytest.fixture
def mapping():
    return InvoiceMapping.objects.create(
        name="telecom",
        carrier="Telecom",
        date_column="Fecha",
        time_column="Hora",
        number_column="Destino",
        duration_column="Duración",
        cost_column="Importe",
    )


def local(site, day, hour, minute, second=0):
    return dt.datetime(2026, 11, day, hour, minute, second, tzinfo=site.zone)


def make_call(site, start, number, seconds, cost, *, answered=True, extension="2201"):
    source = SourceFactory(site=site)
    raw = RawRecord.objects.create(source=source, seq=1, received_at=start, line="cdr")
    return Call.objects.create(
        site=site,
        source=source,
        raw_record=raw,
        start=start,
        duration_seconds=seconds,
        answered=answered,
        direction="outgoing",
        number=number,
        normalized_number=number_normalized(site, number),
        extension=ExtensionFactory(site=site, number=extension)
        if not site.extensions.filter(number=extension).exists()
        else site.extensions.get(number=extension),
        cost=cost,
        currency="ARS",
    )


def write(tmp_path, text, name="invoice.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


@pytest.fixture
def calls(site):
    return {
        "same": make_call(site, local(site, 3, 10, 0), "03514234567", 125, Decimal("12.5000")),
        "skewed": make_call(site, local(site, 3, 11, 0), "0111545678901", 60, Decimal("30.0000")),
        "unanswered": make_call(
            site, local(site, 3, 11, 30), "03514234567", 0, None, answered=False
        ),
        "not_billed": make_call(site, local(site, 3, 12, 0), "0351155123456", 40, Decimal("8")),
        "twin_a": make_call(site, local(site, 3, 14, 0), "03514999999", 30, Decimal("3")),
        "twin_b": make_call(site, local(site, 3, 14, 2), "03514999999", 30, Decimal("3")),
    }


INVOICE = f"""{HEADER}
03/11/2026;10:00:20;351 423-4567;2:05;12,50
03/11/2026;11:01:00;11 1545678901;63;31,25
03/11/2026;13:00:00;3514111111;10;1,00
03/11/2026;14:02:05;351 4999999;30;3
03/11/2026;14:00:05;351 4999999;30;3
"""


def test_lines_match_the_closest_call_once_within_the_tolerances(tmp_path, site, mapping, calls):
    lines = invoice_read(write(tmp_path, INVOICE), mapping, site)
    result = invoice_reconcile(lines, mapping, site)

    pairs = {line.line: call.id for line, call in result.matched}
    assert pairs == {
        2: calls["same"].id,
        3: calls["skewed"].id,  # 60 s off, 3 s longer: within the tolerances
        5: calls["twin_b"].id,  # each twin to its closest line, none twice
        6: calls["twin_a"].id,
    }
    assert [line.line for line in result.invoice_only] == [4]
    assert [call.id for call in result.calls_only] == [calls["not_billed"].id]  # not unanswered
    assert result.invoice_total == Decimal("50.75")
    assert result.calls_total == Decimal("56.5000")
    assert result.matched_difference == Decimal("1.25")
    assert result.summary() == (
        "5 invoice lines, 4 matched to our calls, 1 without a call of ours, 1 calls of ours "
        "not billed; invoice total 50.75, our total 56.50, difference on the matched calls +1.25"
    )


def test_outside_the_tolerances_nothing_matches(tmp_path, site, mapping, calls):
    mapping.start_tolerance_seconds = 10
    mapping.duration_tolerance_seconds = 0
    lines = invoice_read(write(tmp_path, INVOICE), mapping, site)
    result = invoice_reconcile(lines, mapping, site)
    assert {line.line for line, _call in result.matched} == {4 + 1, 4 + 2}  # the twins only
    assert {line.line for line in result.invoice_only} == {2, 3, 4}


def test_every_wrong_line_is_named_and_nothing_is_reconciled(tmp_path, site, mapping):
    text = f"""{HEADER}
31/02/2026;10:00:00;3514234567;60;1,00
03/11/2026;25:00:00;3514234567;60;1,00
03/11/2026;10:00:00;no number;60;1,00
03/11/2026;10:00:00;3514234567;1:75;1,00
03/11/2026;10:00:00;3514234567;60;twelve
"""
    with pytest.raises(InvoiceError) as raised:
        invoice_read(write(tmp_path, text), mapping, site)
    assert raised.value.errors == [
        "line 2, Fecha: '31/02/2026 10:00:00' is not a date and time like 31/12/2026 14:05:09",
        "line 3, Fecha: '03/11/2026 25:00:00' is not a date and time like 31/12/2026 14:05:09",
        "line 4, Destino: 'no number' is not a phone number",
        "line 5, Duración: '1:75' is not a duration like 125, 2:05 or 0:02:05",
        "line 6, Importe: 'twelve' is not an amount",
    ]


def test_a_missing_column_names_what_the_file_has(tmp_path, site, mapping):
    with pytest.raises(InvoiceError) as raised:
        invoice_read(write(tmp_path, "Fecha;Hora;Numero;Segundos;Importe\n"), mapping, site)
    assert str(raised.value) == (
        "line 1: no column 'Destino', 'Duración', which mapping telecom names; the file's "
        "columns are 'Fecha', 'Hora', 'Numero', 'Segundos', 'Importe'"
    )
    with pytest.raises(InvoiceError, match="no calls in the invoice"):
        invoice_read(write(tmp_path, f"{HEADER}\n;;;;\n"), mapping, site)


def test_amounts_dates_and_durations_as_carriers_write_them(tmp_path, site):
    mapping = InvoiceMapping.objects.create(
        name="us",
        carrier="US carrier",
        start_column="Start",
        number_column="Number",
        duration_column="Seconds",
        cost_column="Amount",
        date_order="mdy",
    )
    text = 'Start,Number,Seconds,Amount\n11/03/2026 10:00,+54 351 423-4567,0:02:05,"$1,234.56"\n'
    (line,) = invoice_read(write(tmp_path, text), mapping, site)
    assert line.start == local(site, 3, 10, 0)
    assert (line.duration_seconds, line.cost) == (125, Decimal("1234.56"))
    assert line.normalized == "543514234567"

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Start", "Number", "Seconds", "Amount"])
    naive = dt.datetime(2026, 11, 3, 10, 0)  # noqa: DTZ001 (cells have no time zone)
    sheet.append([naive, 3514234567, 125, 1234.56])
    path = tmp_path / "invoice.xlsx"
    workbook.save(path)
    (cell_line,) = invoice_read(path, mapping, site)
    assert (cell_line.start, cell_line.normalized, cell_line.cost) == (
        local(site, 3, 10, 0),
        "543514234567",
        Decimal("1234.56"),
    )


def test_the_command_prints_the_differences_and_writes_the_xlsx(tmp_path, site, mapping, calls):
    out = io.StringIO()
    xlsx = tmp_path / "result.xlsx"
    invoice = INVOICE + "03/11/2026;15:00:00;=HYPERLINK(1);10;1\n"
    invoice = invoice.replace("=HYPERLINK(1)", "+5493514111111")
    call_command(
        "reconcile_invoice",
        "--site=hq",
        "--mapping=telecom",
        str(write(tmp_path, invoice)),
        f"--xlsx={xlsx}",
        stdout=out,
    )
    printed = out.getvalue()
    assert "6 invoice lines, 4 matched" in printed
    assert "Priced differently (invoice, ours):" in printed
    assert "line 3: 11 1545678901 2026-11-03 11:01:00 31.25 30.0000" in printed
    assert "Our calls not billed:" in printed

    workbook = openpyxl.load_workbook(xlsx)
    assert workbook.sheetnames == ["Totals", "Matched", "Not in our calls", "Not billed"]
    missing = list(workbook["Not in our calls"].iter_rows(values_only=True))[1:]
    assert [row[2] for row in missing] == ["3514111111", "'+5493514111111"]  # no formula
    assert [row[1] for row in workbook["Totals"].iter_rows(min_row=2, values_only=True)] == [
        6,
        4,
        2,
        1,
        pytest.approx(51.75),
        pytest.approx(56.5),
        pytest.approx(1.25),
    ]


def test_the_command_names_what_it_does_not_know(tmp_path, site, mapping):
    with pytest.raises(CommandError, match="No site 'nowhere'; sites: hq"):
        call_command("reconcile_invoice", "--site=nowhere", "--mapping=telecom", "x.csv")
    with pytest.raises(CommandError, match="No invoice mapping 'other'; mappings: telecom"):
        call_command("reconcile_invoice", "--site=hq", "--mapping=other", "x.csv")
    with pytest.raises(CommandError, match="no such file"):
        call_command("reconcile_invoice", "--site=hq", "--mapping=telecom", str(tmp_path / "x"))


def test_a_mapping_needs_a_start_or_a_date_and_a_time(site):
    mapping = InvoiceMapping(
        name="x", carrier="X", number_column="n", duration_column="d", cost_column="c"
    )
    with pytest.raises(ValidationError, match="start column"):
        mapping.full_clean()


@pytest.fixture
def staff(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.org", "pw"))
    return client


def test_the_admin_page_shows_the_result_or_downloads_it(staff, site, mapping, calls):
    url = f"/admin/reports/invoicemapping/{mapping.pk}/reconcile/"
    assert (
        url.replace("reconcile/", "")
        in staff.get("/admin/reports/invoicemapping/").content.decode()
    )

    def upload(**extra):
        invoice = SimpleUploadedFile("invoice.csv", INVOICE.encode(), content_type="text/csv")
        return staff.post(url, {"site": site.pk, "invoice": invoice, **extra})

    page = upload().content.decode()
    assert "5 invoice lines, 4 matched to our calls" in page
    assert "Invoice lines without a call of ours" in page and "3514111111" in page

    download = upload(download="on")
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="reconciliation-telecom-hq.xlsx"' in download["Content-Disposition"]

    bad = SimpleUploadedFile(
        "invoice.csv", f"{HEADER}\nx;y;z;w;v\n".encode(), content_type="text/csv"
    )
    refused = staff.post(url, {"site": site.pk, "invoice": bad}).content.decode()
    assert "The invoice was not reconciled" in refused
