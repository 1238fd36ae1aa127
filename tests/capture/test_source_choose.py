"""Which family is this? ``POST /api/v1/sources/choose/`` and ``manage.py
choose_family``: sample lines in, the families that read them ranked, nothing stored."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from capture.models import RawRecord, Source
from capture.preview import MAX_PREVIEW_LINE_BYTES, MAX_PREVIEW_LINES
from capture.services import source_rotate_key
from tests.conftest import token_client
from tests.factories import SiteFactory, SourceFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/sources/choose/"
DATA = Path(__file__).resolve().parents[1] / "data"
IPOFFICE = DATA / "avaya-ipoffice" / "official-examples.txt"
GARBAGE = ["Dec  7 22:58:31 pbx kernel: eth0: link up", "<html>404</html>"]


@pytest.fixture
def site():
    return SiteFactory(slug="cordoba", time_zone="America/Argentina/Cordoba")


def lines_of(path):
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def choose(client, **body):
    return client.post(URL, {"site": "cordoba", **body}, format="json")


def test_the_best_family_comes_first_with_its_counts_and_a_sample_call(admin_client, site):
    response = choose(admin_client, lines=lines_of(IPOFFICE))

    assert response.status_code == 200, response.content
    body = response.json()
    best = body["candidates"][0]
    assert body["message"] == ""
    assert best["family"] == "avaya-ipoffice"
    assert best["settings"] == {}
    assert (best["calls"], best["errors"], best["first_error"]) == (8, 0, "")
    assert set(best) == {
        "family",
        "settings",
        "calls",
        "noise",
        "errors",
        "score",
        "first_error",
        "sample_call",
    }
    assert best["sample_call"]["start"].endswith("-03:00")  # shown in the site's zone
    scores = [candidate["score"] for candidate in body["candidates"]]
    assert scores == sorted(scores, reverse=True)
    assert not RawRecord.objects.exists() and not Source.objects.exists()


def test_garbage_gets_no_candidate_and_says_so(admin_client, site):
    response = choose(admin_client, lines=GARBAGE)

    assert response.status_code == 200
    assert response.json()["candidates"] == []
    assert response.json()["message"].startswith("No family parses these lines")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "lines"),
        ({"lines": "one line"}, "lines"),
        ({"lines": ["x"] * (MAX_PREVIEW_LINES + 1)}, "lines"),
        ({"lines": ["x" * (MAX_PREVIEW_LINE_BYTES + 1)]}, "lines"),
        ({"lines": [], "site": "nowhere"}, "site"),
        ({"lines": [], "family": "3cx"}, "family"),  # not a key of this endpoint
        ({"lines": [], "settings": {}}, "settings"),
    ],
)
def test_bad_input_answers_400_naming_the_key(admin_client, site, body, field):
    response = choose(admin_client, **body)

    assert response.status_code == 400
    assert field in response.json()


def test_an_unknown_key_is_named_with_the_known_ones(admin_client, site):
    response = choose(admin_client, lines=[], familly="3cx")

    assert response.json() == {"familly": ["Unknown key; known: site, lines."]}


def test_for_administrators_only(site, user_token):
    agent_key = source_rotate_key(source=SourceFactory(site=site))
    for client in (token_client(user_token), token_client(agent_key)):
        response = client.post(URL, {"site": "cordoba", "lines": []}, format="json")
        assert response.status_code in (401, 403)


def test_the_command_prints_the_ranking_best_first(site):
    out = StringIO()

    call_command("choose_family", str(IPOFFICE), "--site", "cordoba", stdout=out)

    rows = out.getvalue().splitlines()
    assert rows[0].split() == ["family", "settings", "score", "calls", "noise", "errors"]
    assert rows[1].split()[:2] == ["avaya-ipoffice", "-"]
    assert rows[1].split()[3:] == ["8", "0", "0"]


def test_the_command_says_when_no_family_reads_the_file(tmp_path):
    garbage = tmp_path / "boot.log"
    garbage.write_text("\n".join(GARBAGE), encoding="utf-8")

    with pytest.raises(CommandError, match="No family parses these lines"):
        call_command("choose_family", str(garbage), stdout=StringIO())
    with pytest.raises(CommandError, match="No site 'nowhere'"):
        call_command("choose_family", str(IPOFFICE), "--site", "nowhere", stdout=StringIO())
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("choose_family", str(tmp_path / "missing.txt"), stdout=StringIO())
