"""The administrators' pages and the API in Spanish and Portuguese: an administrator whose
profile (or browser) says es-AR or pt-BR sees the admin's own labels, columns, choices
and help texts translated, with none of the page's English labels left; the API's
messages follow the request's language with the same JSON keys."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Profile
from billing.models import Call
from billing.pipeline import raw_records_ingest, raw_records_process
from capture.services import IncomingRecord
from credit.models import Account
from credit.services import account_top_up
from org.models import Extension
from tests.factories import AdminFactory, RatePlanFactory, SourceFactory

pytestmark = pytest.mark.django_db

HEADER = {"es-ar": "es-AR,es;q=0.9", "pt-br": "pt-BR,pt;q=0.9", "en": "en"}
OUTGOING_CALL = (
    "2026/11/02 10:06:19,00:01:35,4,4731,O,0155123456,0155123456,77,0,1949480,0,"
    "E4731,Maria,T9017,Line 17.4,0,0,,,,,,,,,,,,,"
)

# Per page: words each language must show, and the page's own English labels that
# must be gone (Django's own admin words are Django's catalog's business).
PAGES = {
    "sources": {
        "es-ar": ["Fuentes", "Estado", "Capturando", "Errores de interpretación", "Familia"],
        "pt-br": ["Fontes", "Estado", "Capturando", "Erros de interpretação", "Família"],
        "en": ["Health", "Parse errors", "Sequence gaps", "Upload lag", "Capturing"],
    },
    "source": {
        "es-ar": ["Sede", "Transporte", "Silenciosa tras", "Probar conexión", "zona horaria"],
        "pt-br": ["Unidade", "Transporte", "Silenciosa após", "Testar conexão", "fuso horário"],
        "en": [
            "Silent after",
            "Test connection",
            "Preview records",
            "The PBX clock's zone",
            "Remote agent (uploads to the API)",
        ],
    },
    "calls": {
        "es-ar": ["Llamadas", "Sentido", "Interno", "Saliente", "Duración en segundos"],
        "pt-br": ["Chamadas", "Sentido", "Ramal", "Realizada", "Duração em segundos"],
        "en": ["Direction", "Extension", "Outgoing", "Duration seconds", "Ring seconds"],
    },
    "extensions": {
        "es-ar": ["Internos", "Titular", "Descubierto", "Confirmar como internos", "Sede"],
        "pt-br": ["Ramais", "Titular", "Descoberto", "Confirmar como ramais", "Unidade"],
        "en": ["Holder", "Discovered", "Confirm as extensions", "Extensions"],
    },
    "accounts": {
        "es-ar": ["Cuentas", "Saldo", "Disponible ahora", "Límite de crédito", "1.234,50"],
        "pt-br": ["Contas", "Saldo", "Disponível agora", "Limite de crédito", "1.234,50"],
        "en": ["Available now", "Credit limit", "Ledger", "Top up the selected accounts"],
    },
}


@pytest.fixture
def pages(db):
    """The URL of each page, with something to show on it."""
    plan = RatePlanFactory(slug="telecom", currency="ARS")
    source = SourceFactory(slug="hq-ipo", site__slug="hq", last_seen_at=timezone.now())
    source.site.rate_plan = plan
    source.site.save()
    received = dt.datetime(2026, 11, 3, 12, tzinfo=dt.UTC)
    raw_records_ingest(
        source=source, records=[IncomingRecord(seq=1, received_at=received, line=OUTGOING_CALL)]
    )
    raw_records_process(source_id=source.id)
    assert Call.objects.filter(direction="outgoing").exists()
    assert Extension.objects.exists()
    account = Account.objects.create(
        code="1001", holder="Booth 1", site=source.site, rate_plan=plan
    )
    account_top_up(account_id=account.pk, amount=Decimal("1234.50"))
    return {
        "sources": "/admin/capture/source/",
        "source": f"/admin/capture/source/{source.pk}/change/",
        "calls": "/admin/billing/call/",
        "extensions": "/admin/org/extension/",
        "accounts": "/admin/credit/account/",
    }


def administrator_client(language: str) -> Client:
    administrator = AdminFactory()
    if language != "en":
        Profile.objects.create(user=administrator, language=language)
    client = Client(HTTP_ACCEPT_LANGUAGE=HEADER[language])
    client.force_login(administrator)
    return client


@pytest.mark.parametrize("language", ["es-ar", "pt-br"])
@pytest.mark.parametrize("page", sorted(PAGES))
def test_the_admin_pages_are_translated(pages, language, page):
    response = administrator_client(language).get(pages[page])

    assert response.status_code == 200
    html = response.content.decode()
    assert f'lang="{language}"' in html
    shown = [word for word in PAGES[page][language] if word in html]
    assert shown == PAGES[page][language]
    left = [word for word in PAGES[page]["en"] if word in html]
    assert not left, f"English left on {page} in {language}: {left}"


@pytest.mark.parametrize("page", sorted(PAGES))
def test_the_admin_pages_stay_english_in_english(pages, page):
    html = administrator_client("en").get(pages[page]).content.decode()

    assert [word for word in PAGES[page]["en"] if word in html] == PAGES[page]["en"]


@pytest.mark.parametrize(
    ("language", "detail", "field_message"),
    [
        ("es-ar", "no se guardó nada", "no tiene zona horaria"),
        ("pt-br", "nada foi armazenado", "não tem fuso horário"),
        ("en", "nothing was stored", "has no time zone"),
    ],
)
def test_an_api_400_speaks_the_requests_language_with_the_same_keys(
    agent_client, source, language, detail, field_message
):
    records = [
        {"seq": 1, "received_at": "2026-11-02T13:05:09Z", "line": OUTGOING_CALL},
        {"seq": 2, "received_at": "2026-11-02 13:05:09", "line": OUTGOING_CALL},
    ]
    header = HEADER[language]

    response = agent_client.post(
        "/api/v1/ingest/",
        {"source": source.slug, "records": records},
        format="json",
        HTTP_ACCEPT_LANGUAGE=header,
    )

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert detail in body["detail"]
    assert set(body["errors"][0]) == {"index", "seq", "field", "message"}
    assert body["errors"][0]["field"] == "received_at"
    assert field_message in body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("es-ar", "column_map: obligatorio ({"),
        ("pt-br", "column_map: obrigatório ({"),
        ("en", "column_map: required ({"),
    ],
)
def test_a_settings_error_is_translated_and_keeps_its_key(admin_client, source, language, message):
    response = admin_client.patch(
        f"/api/v1/sources/{source.slug}/",
        {"family": "generic", "settings": {}},
        format="json",
        HTTP_ACCEPT_LANGUAGE=HEADER[language],
    )

    assert response.status_code == 400
    assert list(response.json()) == ["settings"]
    assert message in response.json()["settings"][0]
