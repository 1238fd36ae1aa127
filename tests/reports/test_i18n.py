"""The report pages, files and e-mails in Spanish (es-ar) and Portuguese (pt-br).

Each is rendered in the language and checked for its words, the language's formats
(``2.229,15 ARS``, ``3/10/2026``, ``85,1 %``, ``octubre de 2026``) and for none of
the English labels of the same page; English stays as it was (the other tests).
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from accounts.models import Profile
from billing.models import Call
from billing.rollups import rollups_rebuild
from reports.budgets import budget_alerts_send
from reports.exports import department_report_file, extension_report_file
from reports.mail import monthly_reports_send
from reports.models import Budget
from reports.selectors import department_report, extension_report
from tests.factories import UserFactory

from .conftest import OCTOBER, call_make, local
from .test_exports import pdf_pages
from .test_pages import signed_in, text

NBSP = "\u00a0"
SPANISH, PORTUGUESE = "es-ar", "pt-br"

# The English labels of each page: none may be left in the translated page.
ENGLISH = {
    "reports:dashboard": [
        "Key figures",
        "Missed incoming",
        "Cost over twelve months",
        "Top departments",
        "Top extensions",
        "Top destinations",
        "Busy hours",
        "Budgets",
        "Show the figures as a table",
        "compared with",
        "Previous month",
        "Next month",
        "Monday",
        "October",
    ],
    "reports:departments": [
        "Own calls",
        "Own cost",
        "Calls with branch",
        "Drill down",
        "Department tree",
        "by department",
        "Download",
        "No department",
        "Show only this branch",
    ],
    "reports:extensions": [
        "Holder",
        "Talk time",
        "Out / in / internal",
        "All my departments",
        "per extension",
        "No extension",
        "Download",
    ],
    "reports:calls": [
        "Filter calls",
        "Any site",
        "Number starts with",
        "Cost at least",
        "Start (site time)",
        "Newest first",
        "calls a page",
        "not answered",
        "Search",
        "Clear",
        "Outgoing",
        "Incoming",
    ],
}
WORDS = {
    SPANISH: {
        "reports:dashboard": ["Tablero", "Cifras principales", "Horas pico", "octubre de 2026"],
        "reports:departments": ["Dependencias", "Llamadas propias", "Subtotal", "Descargar"],
        "reports:extensions": ["Internos", "Titular", "Tiempo de conversación"],
        "reports:calls": ["Llamadas", "Sentido", "Interno", "Saliente", "Buscar", "3/10/2026"],
    },
    PORTUGUESE: {
        "reports:dashboard": ["Painel", "Números principais", "outubro de 2026"],
        "reports:departments": ["Departamentos", "Chamadas próprias", "Baixar"],
        "reports:extensions": ["Ramais", "Titular", "Tempo de conversa"],
        "reports:calls": ["Chamadas", "Sentido", "Ramal", "Realizada", "Pesquisar", "03/10/2026"],
    },
}


@pytest.fixture
def big(org):
    """A call that makes Support's month cost 2,229.15 ARS (100.00 before)."""
    call_make(
        source=org.source, extension=org.extensions["4006"], start=local(3, 15), cost="2129.1500"
    )
    rollups_rebuild([OCTOBER])
    return org


def visible_text(page: str) -> str:
    """The page without its tags and attribute-free: what is read, plus titles."""
    titles = " ".join(re.findall(r'(?:title|aria-label)="([^"]*)"', page))
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body) + " " + titles


def page_in(client, name: str, language: str) -> str:
    response = client.get(reverse(name), {"month": "2026-10"}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert response["Content-Language"] == language
    return text(response)


@pytest.mark.parametrize("language", [SPANISH, PORTUGUESE])
@pytest.mark.parametrize("name", list(ENGLISH))
def test_report_pages_are_translated_with_local_formats(big, name, language):
    page = page_in(signed_in(big.admin), name, language)
    seen = visible_text(page)

    for word in WORDS[language][name]:
        assert word in seen, word
    for english in ENGLISH[name]:
        assert english not in seen, english
    # Support's month (the call alone on the calls page), in the language's format.
    amount = "2.129,15" if name == "reports:calls" else "2.229,15"
    assert f"{amount}{NBSP}ARS" in page
    assert "month=2026-" in page  # the links keep the YYYY-MM parameter


def test_the_month_picker_names_the_month_in_the_language(big):
    client = signed_in(big.admin)

    spanish = page_in(client, "reports:departments", SPANISH)
    portuguese = page_in(client, "reports:departments", PORTUGUESE)
    english = page_in(client, "reports:departments", "en")

    assert 'value="2026-10"' in spanish and 'value="2026-10"' in portuguese
    assert "octubre de 2026" in spanish and "Mes anterior: septiembre de 2026" in spanish
    assert "outubro de 2026" in portuguese and "Próximo mês: novembro de 2026" in portuguese
    assert "October 2026" in english and "Previous month: September 2026" in english


def test_percentages_use_the_languages_decimal_mark(big):
    client = signed_in(big.admin)

    spanish = page_in(client, "reports:departments", SPANISH)
    english = page_in(client, "reports:departments", "en")

    assert re.search(rf"\d+,\d{NBSP}%", spanish)
    assert not re.search(rf"\d+\.\d{NBSP}%", spanish)
    assert re.search(rf"\d+\.\d{NBSP}%", english)


def test_the_calls_page_dates_are_in_the_local_order(big):
    client = signed_in(big.admin)

    spanish = page_in(client, "reports:calls", SPANISH)
    portuguese = page_in(client, "reports:calls", PORTUGUESE)
    english = page_in(client, "reports:calls", "en")

    assert "3/10/2026 15:00:00" in spanish
    assert "03/10/2026 15:00:00" in portuguese
    assert "Sat 3 Oct 2026 15:00:00" in english


# ---------------------------------------------------------------- files


@pytest.mark.parametrize(
    ("language", "sheet", "headers"),
    [
        (SPANISH, "Dependencias", ["Código", "Dependencia", "Ruta", "Nivel", "Llamadas"]),
        (PORTUGUESE, "Departamentos", ["Código", "Departamento", "Caminho", "Nível", "Chamadas"]),
        ("en", "Departments", ["Code", "Department", "Path", "Level", "Calls"]),
    ],
)
def test_the_xlsx_sheet_and_headers_are_in_the_language(big, language, sheet, headers):
    with translation.override(language):
        report = department_report(month=OCTOBER, user=big.admin)
        file = department_report_file(report, "xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(file.content))
    rows = list(workbook.active.iter_rows(values_only=True))

    assert workbook.active.title == sheet
    assert list(rows[0][: len(headers)]) == headers
    assert any(row[1] == "Total" for row in rows)  # the same word in the three


def test_the_csv_keeps_its_english_machine_headers_in_every_language(big):
    with translation.override(SPANISH):
        report = department_report(month=OCTOBER, user=big.admin)
        departments = department_report_file(report, "csv")
        lines = extension_report(month=OCTOBER, user=big.admin)
        extensions = extension_report_file(lines, month=OCTOBER, fmt="csv")

    header = next(csv.reader(io.StringIO(departments.content.decode("utf-8-sig"))))
    assert header[:5] == ["Code", "Department", "Path", "Level", "Calls"]
    assert header[-3:] == ["Unrated", "Subtotal unrated", "Personal cost ARS"]
    header = next(csv.reader(io.StringIO(extensions.content.decode("utf-8-sig"))))
    assert header[:3] == ["Site", "Extension", "Holder"]
    assert "2229.1500" in extensions.content.decode("utf-8-sig")  # dot decimals kept


def test_the_pdf_is_in_the_language(big):
    with translation.override(SPANISH):
        report = department_report(month=OCTOBER, user=big.admin)
        pages = pdf_pages(department_report_file(report, "pdf").content)

    first = pages[0]
    assert "Costos telefónicos por dependencia, octubre de 2026" in first
    assert "del 1 de octubre de 2026 al 31 de octubre de 2026" in first
    assert "2.229,15 ARS" in "\n".join(pages)
    # The page numbers: tests/reports/test_exports.py (their Spanish is new).
    for english in ("Telephone costs", "Period", "Answered", "October"):
        assert english not in first, english


# ---------------------------------------------------------------- e-mails


def speaks(user, language: str) -> None:
    Profile.objects.update_or_create(user=user, defaults={"language": language})


def test_monthly_reports_are_written_in_each_managers_language(big):
    speaks(big.finance, SPANISH)
    speaks(big.sales, PORTUGUESE)
    english = UserFactory(username="helpdesk", email="helpdesk@example.org")
    big.departments["SUP"].managers.add(english)

    monthly_reports_send(OCTOBER)

    sent = {message.to[0]: message for message in mail.outbox}
    spanish, portuguese, plain = (
        sent[big.finance.email],
        sent[big.sales.email],
        sent["helpdesk@example.org"],
    )
    assert spanish.subject.startswith("Costos telefónicos, octubre de 2026")
    assert "Hola, " in spanish.body and "llamadas" in spanish.body
    assert "Each line" not in spanish.body and "calls (" not in spanish.body
    assert portuguese.subject.startswith("Custos telefônicos, outubro de 2026")
    assert "Olá, " in portuguese.body and "chamadas" in portuguese.body
    assert plain.subject.startswith("Telephone costs, October 2026")
    assert "2,229.15 ARS" in plain.body
    assert 'lang="es-ar"' in spanish.alternatives[0][0]

    def sheet(message):
        [content] = [a[1] for a in message.attachments if a[0].endswith(".xlsx")]
        workbook = openpyxl.load_workbook(io.BytesIO(content))
        return workbook.active.title, [c.value for c in workbook.active[1]][:3]

    assert sheet(spanish) == ("Dependencias", ["Código", "Dependencia", "Ruta"])
    assert sheet(portuguese) == ("Departamentos", ["Código", "Departamento", "Caminho"])
    assert sheet(plain) == ("Departments", ["Code", "Department", "Path"])
    [pdf] = [a[1] for a in spanish.attachments if a[0].endswith(".pdf")]
    assert "Costos telefónicos por dependencia" in pdf_pages(pdf)[0]


def test_a_helpdesk_managers_spanish_body_has_local_money(big):
    helpdesk = UserFactory(username="soporte", email="soporte@example.org")
    big.departments["SUP"].managers.add(helpdesk)
    speaks(helpdesk, SPANISH)

    monthly_reports_send(OCTOBER)

    [message] = [m for m in mail.outbox if m.to == ["soporte@example.org"]]
    assert "2.229,15 ARS" in message.body
    assert "2.229,15 ARS" in message.alternatives[0][0]


def test_budget_alerts_go_once_per_language(big):
    Budget.objects.create(
        department=big.departments["FIN"], amount=Decimal("25"), currency="ARS", valid_from=OCTOBER
    )  # 21.2778 spent: 85.1 %
    speaks(big.finance, SPANISH)
    brazilian = UserFactory(username="cfo", email="cfo@example.org")
    big.departments["FIN"].managers.add(brazilian)
    speaks(brazilian, PORTUGUESE)
    english = UserFactory(username="auditor", email="auditor@example.org")
    big.departments["FIN"].managers.add(english)

    budget_alerts_send(OCTOBER)

    sent = {message.to[0]: message for message in mail.outbox}
    assert len(mail.outbox) == 3 and all(len(message.to) == 1 for message in mail.outbox)
    spanish, portuguese = sent[big.finance.email], sent["cfo@example.org"]
    assert spanish.subject == "Presupuesto al 85,1 %: FIN Finance, octubre de 2026"
    assert "Gastado:" in spanish.body and "21,28 ARS (85,1 %)" in spanish.body
    assert portuguese.subject == "Orçamento em 85,1 %: FIN Finance, outubro de 2026"
    assert "Gasto:" in portuguese.body
    assert sent["auditor@example.org"].subject == "Budget at 85.1%: FIN Finance, October 2026"


def test_one_budget_alert_serves_everybody_who_reads_the_same_language(big):
    Budget.objects.create(
        department=big.departments["FIN"], amount=Decimal("25"), currency="ARS", valid_from=OCTOBER
    )
    second = UserFactory(username="tesorero", email="tesorero@example.org")
    big.departments["FIN"].managers.add(second)
    speaks(big.finance, SPANISH)
    speaks(second, SPANISH)

    budget_alerts_send(OCTOBER)

    [message] = mail.outbox
    assert sorted(message.to) == [big.finance.email, "tesorero@example.org"]
    assert message.subject.startswith("Presupuesto al 85,1 %")


def test_the_calls_filters_show_and_read_dates_in_the_local_order(big):
    client = signed_in(big.admin)

    typed = client.get(
        reverse("reports:calls"),
        {"start_after": "3/10/2026 14:00", "start_before": "3/10/2026 16:00", "site": "cordoba"},
        HTTP_ACCEPT_LANGUAGE=SPANISH,
    )
    iso = client.get(
        reverse("reports:calls"),
        {"start_after": "2026-10-03T14:00", "site": "cordoba"},
        HTTP_ACCEPT_LANGUAGE=SPANISH,
    )
    english = client.get(reverse("reports:calls"), HTTP_ACCEPT_LANGUAGE="en")

    page = text(typed)
    assert typed.status_code == 200 and "No se pudieron leer" not in page
    assert re.findall(r'<tr data-call="(\d+)"', page) == [
        str(call.pk) for call in Call.objects.filter(cost=Decimal("2129.1500"))
    ]  # only the 15:00 call of 3 October, read as Córdoba's time
    assert 'value="03/10/2026 14:00"' in page and 'placeholder="03/12/2026 10:30"' in page
    assert 'value="03/10/2026 14:00"' in text(iso)  # an ISO link shows in the local order
    assert 'type="datetime-local"' in text(english)  # English keeps the browser's picker
