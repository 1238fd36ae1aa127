"""The Source admin form: typed settings from the schema, stored into settings."""

import pytest

from capture.models import Source
from tests.factories import SiteFactory, SourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(admin)
    return client


def change_url(source):
    return f"/admin/capture/source/{source.pk}/change/"


def form_data(source, **typed):
    return {
        "site": source.site_id,
        "slug": source.slug,
        "name": source.name,
        "family": source.family,
        "transport": source.transport,
        "settings": "{}",
        "enabled": "on",
        "silent_after_working": "02:00:00",
        "silent_after": "1 00:00:00",
        **typed,
    }


def test_typed_fields_follow_the_transport_and_family(staff):
    source = SourceFactory(
        transport="tcp-client", family="mitel-5000", settings={"host": "pbx", "port": 4000}
    )

    page = staff.get(change_url(source)).content.decode()

    assert 'name="setting_host"' in page
    assert 'name="setting_port"' in page
    assert 'type="password" name="setting_password"' in page
    assert 'name="setting_clock_tolerance_minutes"' in page
    assert 'name="setting_device"' not in page
    assert "key_created_at" not in page and "Key created at" not in page


def test_typed_values_are_stored_into_settings_and_a_secret_is_kept(staff):
    source = SourceFactory(
        transport="tcp-client",
        family="mitel-5000",
        settings={"host": "pbx", "port": 4000, "password": "s3cret"},
    )
    data = form_data(
        source,
        settings='{"host": "pbx", "port": 4000, "password": "s3cret"}',
        setting_host="10.0.0.9",
        setting_port="4001",
        setting_password="",
        setting_clock_tolerance_minutes="8",
    )

    response = staff.post(change_url(source), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    source.refresh_from_db()
    assert source.settings == {
        "host": "10.0.0.9",
        "port": 4001,
        "password": "s3cret",
        "clock_tolerance_minutes": 8,
    }


def test_a_typed_value_out_of_range_is_refused(staff):
    source = SourceFactory(transport="tcp-client", family="panasonic", settings={})

    response = staff.post(change_url(source), form_data(source, setting_port="70000"))

    assert response.status_code == 200
    assert Source.objects.get(pk=source.pk).settings == {}


def test_an_existing_agent_source_saves_unchanged(staff):
    source = SourceFactory(settings={"time_zone": "America/Argentina/Cordoba"})
    data = form_data(source, settings='{"time_zone": "America/Argentina/Cordoba"}')

    page = staff.get(change_url(source)).content.decode()
    response = staff.post(change_url(source), data)

    assert "Key created at" in page or "key_created_at" in page
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.settings == {"time_zone": "America/Argentina/Cordoba"}


def test_the_add_page_still_works(staff):
    site = SiteFactory()
    assert staff.get("/admin/capture/source/add/").status_code == 200
    response = staff.post(
        "/admin/capture/source/add/",
        {
            "site": site.pk,
            "slug": "new-one",
            "name": "New one",
            "family": "nec",
            "transport": "serial",
            "settings": '{"device": "/dev/ttyS0"}',
            "enabled": "on",
            "silent_after_working": "02:00:00",
            "silent_after": "1 00:00:00",
            "setting_baud": "1200",
        },
    )
    assert response.status_code == 302
    assert Source.objects.get(slug="new-one").settings == {"device": "/dev/ttyS0", "baud": 1200}


IP_OFFICE_CALL = (
    "2024/05/02 10:15:00,00:01:05,4,2001,O,04234567,04234567,77,0,1000200,0,"
    "E2001,Ana,T9001,Line 1.1,0,0,1,4455,Ana,120,ARS,100,12,10,100,150,U Xfd,Extn2002,"
    "2002,192.168.0.10,1234,192.168.0.11,5678,2024/05/02 13:16:09"
)


def test_the_preview_page_shows_how_pasted_records_parse(staff):
    from billing.models import Call
    from capture.models import RawRecord

    source = SourceFactory(site__time_zone="America/Argentina/Cordoba")
    url = f"/admin/capture/source/{source.pk}/preview/"

    form = staff.get(url)
    change = staff.get(change_url(source)).content.decode()
    response = staff.post(
        url,
        {
            "site": source.site_id,
            "family": "avaya-ipoffice",
            "transport": "agent",
            "settings": "{}",
            "lines": IP_OFFICE_CALL + "\n2024/05/02 10:15:00,garbage\n",
        },
    )

    assert form.status_code == 200
    assert url in change  # the change form links to it
    page = response.content.decode()
    assert response.status_code == 200
    assert "2024-05-02T10:15:00-03:00" in page
    assert "04234567" in page
    assert "status-bad" in page  # the garbage line is an error
    assert not RawRecord.objects.exists() and not Call.objects.exists()


def test_the_preview_page_names_bad_settings_and_takes_a_file(staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    site = SiteFactory()
    assert staff.get("/admin/capture/source/preview/").status_code == 200

    bad = staff.post(
        "/admin/capture/source/preview/",
        {"site": site.pk, "family": "nec", "settings": '{"prot": 1}', "lines": "x"},
    )
    uploaded = staff.post(
        "/admin/capture/source/preview/",
        {
            "site": site.pk,
            "family": "avaya-ipoffice",
            "settings": "{}",
            "upload": SimpleUploadedFile("cdr.txt", IP_OFFICE_CALL.encode() + b"\r\n"),
        },
    )

    assert "unknown key &#x27;prot&#x27;" in bad.content.decode()
    assert "04234567" in uploaded.content.decode()


def test_a_new_source_shows_the_typed_fields_of_the_transport_and_family_picked(staff):
    site = SiteFactory()

    blank = staff.get("/admin/capture/source/add/").content.decode()
    picked = staff.get(
        f"/admin/capture/source/add/?site={site.pk}&slug=pbx-2"
        "&transport=tcp-client&family=mitel-5000"
    ).content.decode()
    posted = staff.post(
        "/admin/capture/source/add/",
        {**form_data(SourceFactory.build(site=site, family="mitel-5000"), transport="serial")},
    ).content.decode()

    assert 'name="setting_host"' not in blank
    assert 'name="setting_host"' in picked and 'name="setting_port"' in picked
    assert 'value="pbx-2"' in picked
    assert "core/source_form.js" in picked
    # A post that fails validation keeps the typed fields of what was posted.
    assert 'name="setting_device"' in posted and 'name="setting_host"' not in posted


def test_picking_another_transport_on_a_source_shows_its_typed_fields(staff):
    source = SourceFactory(
        transport="tcp-client", family="mitel-5000", settings={"host": "pbx", "port": 4000}
    )

    page = staff.get(change_url(source) + "?transport=serial").content.decode()
    unknown = staff.get(change_url(source) + "?transport=carrier-pigeon")

    assert 'name="setting_device"' in page and 'name="setting_host"' not in page
    assert '<option value="serial" selected>' in page
    assert unknown.status_code == 200
    assert 'name="setting_host"' not in unknown.content.decode()
    assert Source.objects.get(pk=source.pk).transport == "tcp-client"  # nothing saved


def test_a_serial_source_is_offered_its_family_line(staff):
    """Panasonic's 78-column pattern runs at 1200 7E1: the form offers it as the default."""
    source = SourceFactory(
        transport="serial", family="panasonic", settings={"device": "/dev/ttyS0", "pattern": "78"}
    )

    page = staff.get(change_url(source)).content.decode()

    assert 'placeholder="1200"' in page
    assert 'placeholder="7"' in page


def test_a_generic_preset_is_loaded_by_the_form_and_offers_its_serial_line(staff):
    """Item 7 of issue 17: ipam-81 runs at 4800 7E2; its preset loads its column map."""
    site = SiteFactory()
    response = staff.post(
        "/admin/capture/source/add/",
        {
            "site": site.pk,
            "slug": "ipam",
            "name": "IPAM",
            "family": "generic",
            "transport": "serial",
            "settings": '{"device": "/dev/ttyS0"}',
            "enabled": "on",
            "silent_after_working": "02:00:00",
            "silent_after": "1 00:00:00",
            "setting_preset": "ipam-81",
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    source = Source.objects.get(slug="ipam")
    assert source.settings["preset"] == "ipam-81"
    assert source.settings["column_map"]["fields"]["time"] == [47, 51]  # loaded, to edit

    page = staff.get(change_url(source)).content.decode()
    assert 'placeholder="4800"' in page
    assert 'placeholder="7"' in page
    assert 'placeholder="E"' in page
    assert 'placeholder="2"' in page
