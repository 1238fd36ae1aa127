"""The admin preview's "Which family is this?": the ranking, trying a candidate, and
applying it to the source."""

import json
from pathlib import Path

import pytest

from capture.models import Transport
from tests.factories import SiteFactory, SourceFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[1] / "data"
HIPATH = (DATA / "siemens-hipath" / "serial-capture.txt").read_text(encoding="utf-8")


@pytest.fixture
def staff(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(admin)
    return client


@pytest.fixture
def source():
    return SourceFactory(
        site=SiteFactory(time_zone="Europe/Berlin"),
        family="mitel-mivb",
        transport=Transport.TCP_CLIENT,
        settings={"host": "pbx.example", "port": 2000, "clock": "12"},
    )


def posted(source, **fields):
    return {
        "site": source.site_id,
        "family": source.family,
        "transport": source.transport,
        "settings": json.dumps(source.settings),
        "lines": HIPATH,
        **fields,
    }


def url(source):
    return f"/admin/capture/source/{source.pk}/preview/"


def test_the_ranking_is_shown_best_first_with_the_buttons(staff, source):
    response = staff.post(url(source), posted(source, _choose="1"))

    page = response.content.decode()
    assert response.status_code == 200
    table = page[page.index('id="family-ranking"') :]
    assert table.index("siemens-hipath") < table.index("</tr>", table.index("<tbody>") + 10)
    assert 'name="_apply"' in table  # an existing source: each row can be applied
    assert "Use this" in table


def test_using_a_candidate_previews_with_its_family_and_settings(staff, source):
    response = staff.post(url(source), posted(source, family="siemens-hipath", settings="{}"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "status-good" in page  # the records read as calls now
    assert "family-ranking" not in page


def test_applying_a_candidate_sets_the_family_and_keeps_the_link(staff, source):
    response = staff.post(
        url(source),
        posted(source, family="siemens-hipath", settings='{"layout": "compressed"}', _apply="1"),
    )

    source.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/capture/source/{source.pk}/change/"
    assert source.family == "siemens-hipath"
    # The link's settings kept; MiVB's own option ("clock") dropped.
    assert source.settings == {"host": "pbx.example", "port": 2000, "layout": "compressed"}


def test_garbage_says_no_family_reads_it(staff, source):
    response = staff.post(url(source), posted(source, lines="kernel: eth0 up\n<html>", _choose="1"))

    page = response.content.decode()
    assert 'id="no-family"' in page
    assert "No family parses these lines" in page
    assert "family-ranking" not in page
