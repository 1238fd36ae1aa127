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
    assert 'name="_use"' in table
    # The buttons post the candidate with the form above, whose box holds the records.
    assert 'form="preview-form"' in table
    assert "{&quot;family&quot;: &quot;siemens-hipath&quot;, &quot;settings&quot;: {}}" in table
    assert "0876153281" in page[: page.index('id="family-ranking"')]  # the records box


def test_using_a_candidate_previews_with_its_family_and_settings(staff, source):
    choice = json.dumps({"family": "siemens-hipath", "settings": {}})

    response = staff.post(url(source), posted(source, _use=choice))

    page = response.content.decode()
    assert response.status_code == 200
    assert "status-good" in page  # the records read as calls now
    assert "family-ranking" not in page


def test_applying_a_candidate_sets_the_family_and_keeps_the_link(staff, source):
    choice = json.dumps({"family": "siemens-hipath", "settings": {"layout": "compressed"}})

    response = staff.post(url(source), posted(source, _apply=choice))

    source.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/capture/source/{source.pk}/change/"
    assert source.family == "siemens-hipath"
    # The link's settings kept; MiVB's own option ("clock") dropped.
    assert source.settings == {"host": "pbx.example", "port": 2000, "layout": "compressed"}


def test_applying_needs_the_change_permission(client, django_user_model, source):
    from django.contrib.auth.models import Permission

    clerk = django_user_model.objects.create_user("clerk", "c@example.org", "pw", is_staff=True)
    clerk.user_permissions.add(
        Permission.objects.get(codename="add_source"),
        Permission.objects.get(codename="view_source"),
    )
    client.force_login(clerk)
    choice = json.dumps({"family": "siemens-hipath", "settings": {}})

    response = client.post(url(source), posted(source, _apply=choice))

    source.refresh_from_db()
    assert response.status_code == 403
    assert source.family == "mitel-mivb"


def test_garbage_says_no_family_reads_it(staff, source):
    response = staff.post(url(source), posted(source, lines="kernel: eth0 up\n<html>", _choose="1"))

    page = response.content.decode()
    assert 'id="no-family"' in page
    assert "No family parses these lines" in page
    assert "family-ranking" not in page


def test_an_uploaded_file_is_ranked_and_its_records_fill_the_box(staff, source):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("hipath.txt", HIPATH.encode())

    response = staff.post(url(source), posted(source, lines="", upload=upload, _choose="1"))

    page = response.content.decode()
    assert 'id="family-ranking"' in page
    assert "0876153281" in page[: page.index('id="family-ranking"')]
