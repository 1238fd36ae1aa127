"""POST /api/v1/sources/preview/: settings and sample lines in, one entry per line out,
and nothing stored."""

import pytest

from billing.models import Call
from capture.models import RawRecord, Source
from capture.preview import MAX_PREVIEW_LINE_BYTES, MAX_PREVIEW_LINES
from capture.services import source_rotate_key
from org.models import Extension
from tests.conftest import token_client
from tests.factories import ExtensionFactory, SiteFactory, SourceFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/sources/preview/"
IP_OFFICE_CALL = (
    "2024/05/02 10:15:00,00:01:05,4,2001,O,04234567,04234567,77,0,1000200,0,"
    "E2001,Ana,T9001,Line 1.1,0,0,1,4455,Ana,120,ARS,100,12,10,100,150,U Xfd,Extn2002,"
    "2002,192.168.0.10,1234,192.168.0.11,5678,2024/05/02 13:16:09"
)


@pytest.fixture
def site():
    return SiteFactory(slug="cordoba", time_zone="America/Argentina/Cordoba")


def preview(client, **body):
    return client.post(URL, {"site": "cordoba", "family": "avaya-ipoffice", **body}, format="json")


def test_each_line_says_how_it_parses_and_nothing_is_stored(admin_client, site):
    response = preview(admin_client, lines=[IP_OFFICE_CALL, "", "2024/05/02 10:15:00,garbage"])

    assert response.status_code == 200, response.content
    call, noise, error = response.json()
    assert call["line"] == 1
    assert call["outcome"] == "call"
    assert call["error"] == ""
    assert call["call"] == {
        "start": "2024-05-02T10:15:00-03:00",  # in the site's zone
        "duration": 65,
        "ring": 4,
        "direction": "outgoing",
        "extension": "2001",
        "number": "04234567",
        "trunk": call["call"]["trunk"],
        "account_code": "77",
        "pbx_call_id": "1000200",
        "answered": True,
        "details": {},
    }
    assert (noise["line"], noise["outcome"], noise["call"]) == (2, "noise", None)
    assert (error["line"], error["outcome"]) == (3, "error")
    assert error["error"]  # the parser's reason
    assert not RawRecord.objects.exists()
    assert not Call.objects.exists()
    assert not Source.objects.exists()


def test_the_source_time_zone_reads_the_pbx_clock_and_the_site_zone_shows_it(admin_client, site):
    response = preview(admin_client, settings={"time_zone": "UTC"}, lines=[IP_OFFICE_CALL])

    assert response.json()[0]["call"]["start"] == "2024-05-02T07:15:00-03:00"


def test_settings_are_checked_by_the_schema(admin_client, site):
    unknown = preview(admin_client, settings={"prot": 1}, lines=[])
    wrong = preview(
        admin_client, family="siemens-hipath", settings={"layout": "sideways"}, lines=[]
    )
    generic = preview(admin_client, family="generic", settings={}, lines=["x"])

    assert unknown.status_code == wrong.status_code == generic.status_code == 400
    assert unknown.json()["settings"][0].startswith("unknown key 'prot'; known: ")
    assert "layout: 'sideways' is not one of" in wrong.json()["settings"][0]
    assert "column_map" in generic.json()["settings"][0]


def test_the_transport_is_optional_and_narrows_the_keys(admin_client, site):
    link = {"host": "10.0.0.5", "port": 4000}

    without = preview(admin_client, settings=link, lines=[IP_OFFICE_CALL])
    serial = preview(admin_client, transport="serial", settings=link, lines=[IP_OFFICE_CALL])
    client = preview(admin_client, transport="tcp-client", settings={}, lines=[IP_OFFICE_CALL])

    assert without.status_code == 200
    assert serial.status_code == 400
    assert "unknown key 'host'" in serial.json()["settings"][0]
    assert client.status_code == 200  # a preview reads no link: host and port may wait


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lines": ["x"] * (MAX_PREVIEW_LINES + 1)}, "lines"),
        ({"lines": ["x" * (MAX_PREVIEW_LINE_BYTES + 1)]}, "lines"),
        ({"lines": ["é" * (MAX_PREVIEW_LINE_BYTES // 2 + 1)]}, "lines"),  # bytes, not characters
        ({"lines": "one line"}, "lines"),
        ({"lines": [1, {"a": 2}]}, "lines"),
        ({"lines": ["a\x00b"]}, "lines"),
        ({"lines": [], "settings": ["host"]}, "settings"),
        ({"lines": [], "family": "pbx-of-the-future"}, "family"),
        ({"lines": [], "site": "nowhere"}, "site"),
        ({"lines": [], "transport": "pigeon"}, "transport"),
        ({}, "lines"),
    ],
)
def test_hostile_input_answers_400_with_the_reason(admin_client, site, body, field):
    response = preview(admin_client, **body)

    assert response.status_code == 400
    assert field in response.json()


def test_a_thousand_lines_are_fine(admin_client, site):
    response = preview(admin_client, lines=[IP_OFFICE_CALL] * MAX_PREVIEW_LINES)

    assert response.status_code == 200
    assert len(response.json()) == MAX_PREVIEW_LINES
    assert response.json()[-1]["line"] == MAX_PREVIEW_LINES


def test_for_administrators_only(site, user_token):
    agent_key = source_rotate_key(source=SourceFactory(site=site))
    for client in (token_client(user_token), token_client(agent_key)):
        response = client.post(
            URL, {"site": "cordoba", "family": "avaya-ipoffice", "lines": []}, format="json"
        )
        assert response.status_code in (401, 403)


ASTERISK_2003_TO_2004 = (
    '"","2003","2004","default","""Ana"" <2003>","SIP/office-00000001","SIP/desk-00000002",'
    '"Dial","SIP/desk","2026-11-02 09:30:00","2026-11-02 09:30:05","2026-11-02 09:31:05",'
    '65,60,"ANSWERED","DOCUMENTATION","1793615400.1",""'
)


def test_the_sites_confirmed_extensions_decide_the_direction_as_in_the_pipeline(admin_client, site):
    """As billing.pipeline does (capture.parsing.parser_settings_for): 2003 and 2004
    known make the call internal; a discovered extension does not count."""
    ExtensionFactory(site=site, number="2003")
    ExtensionFactory(site=site, number="2004", discovered=True)
    before = preview(admin_client, family="asterisk-csv", lines=[ASTERISK_2003_TO_2004])
    Extension.objects.filter(number="2004").update(discovered=False)
    after = preview(admin_client, family="asterisk-csv", lines=[ASTERISK_2003_TO_2004])

    assert before.json()[0]["call"]["direction"] == "outgoing"  # only the caller known
    call = after.json()[0]["call"]
    assert call["direction"] == "internal"
    assert call["details"]["direction_rule"] == "known-extension"


JOIN_SETTINGS = {
    "column_map": {
        "format": "fixed",
        "fields": {"time": [8, 12], "duration": [14, 17], "extension": [19, 22]},
        "details": {"kind": [1, 1], "seq": [3, 4]},
    },
    "join": {
        "field": "kind",
        "first": "1",
        "second": "2",
        "sequence": "seq",
        "fields": {"number": [8, 17], "duration": [19, 22]},
    },
}


def test_a_generic_join_is_shown_by_the_preview(admin_client, site):
    lines = ["1 07   10:00 0000 2044", "2 08   0351234567 0138", "1 20   10:05 0000 2045", "2 40"]
    response = preview(admin_client, family="generic", settings=JOIN_SETTINGS, lines=lines)

    assert response.status_code == 200, response.content
    entries = response.json()
    assert [(e["line"], e["outcome"]) for e in entries] == [(1, "call"), (3, "call"), (4, "error")]
    assert entries[0]["call"]["number"] == "0351234567"
    assert entries[0]["call"]["duration"] == 138
    assert entries[1]["call"]["details"] == {"join_missing": True}
    assert "second record (join)" in entries[2]["error"]


def test_a_generic_preset_and_stx_framing_in_the_preview(admin_client, site):
    record = "*2044" + " " * 19 + "04234567" + " " * 14 + "14:35 00:02:18"
    response = preview(
        admin_client,
        family="generic",
        transport="serial",
        settings={"preset": "ipam-81", "framing": "stx-etx"},
        lines=[f"\x02DATE   08 OCT 98\x03\x02{record}\x03", "*garbage"],
    )

    assert response.status_code == 200, response.content
    entries = response.json()
    assert [(e["line"], e["outcome"]) for e in entries] == [(1, "noise"), (1, "call"), (2, "error")]
    assert entries[1]["call"]["start"] == entries[1]["call"]["start"][:10] + "T14:35:00-03:00"
    assert entries[1]["call"]["duration"] == 138


def test_a_generic_source_with_a_preset_saves_through_the_api(admin_client, site):
    body = {
        "site": "cordoba",
        "slug": "fin",
        "name": "Finanzas",
        "family": "generic",
        "transport": "serial",
        "settings": {"device": "/dev/ttyS0", "preset": "finanzas-107"},
    }
    assert admin_client.post("/api/v1/sources/", body, format="json").status_code == 201
    bad = {**body, "slug": "fin2", "settings": {"device": "/dev/ttyS0", "preset": "nope"}}
    response = admin_client.post("/api/v1/sources/", bad, format="json")
    assert response.status_code == 400
    assert "finanzas-107" in str(response.json())
