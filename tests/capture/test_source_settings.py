"""A source's settings are checked by the declared schema of its transport and family,
in the model, the API and the admin alike."""

import pytest
from django.core.exceptions import ValidationError

from tests.factories import SiteFactory, SourceFactory

pytestmark = pytest.mark.django_db


def create(client, **changes):
    SiteFactory(slug="rosario")
    body = {
        "site": "rosario",
        "slug": "rosario-mitel",
        "name": "Rosario Mitel",
        "family": "mitel-5000",
        "transport": "tcp-client",
        "settings": {"host": "10.0.0.5", "port": 4000},
        **changes,
    }
    return client.post("/api/v1/sources/", body, format="json")


def test_an_unknown_key_answers_400_naming_it_and_the_known_ones(admin_client):
    response = create(admin_client, settings={"host": "10.0.0.5", "prot": 4000})

    assert response.status_code == 400
    (message,) = response.json()["settings"]
    assert message.startswith("unknown key 'prot'; known: host, port, password, ")


def test_a_tcp_client_without_port_is_refused(admin_client):
    response = create(admin_client, settings={"host": "10.0.0.5"})

    assert response.status_code == 400
    assert response.json() == {"settings": ["port: required (TCP port.)"]}


def test_a_wrong_kind_is_refused(admin_client):
    response = create(admin_client, settings={"host": "10.0.0.5", "port": "four"})

    assert response.status_code == 400
    assert "port: 'four' is not a whole number from 1 to 65535" in str(response.json())


def test_valid_settings_are_stored_as_given(admin_client):
    settings = {"host": "10.0.0.5", "port": 4000, "password": "x", "clock_tolerance_minutes": 9}

    response = create(admin_client, settings=settings)

    assert response.status_code == 201, response.content
    assert response.json()["settings"] == settings


def test_a_patch_of_settings_alone_checks_them_against_the_stored_transport(admin_client):
    source = SourceFactory(transport="serial", family="nec", settings={"device": "/dev/ttyS0"})

    refused = admin_client.patch(
        f"/api/v1/sources/{source.slug}/", {"settings": {"host": "x"}}, format="json"
    )
    accepted = admin_client.patch(
        f"/api/v1/sources/{source.slug}/",
        {"settings": {"device": "/dev/ttyS1", "baud": 1200, "parity": "E"}},
        format="json",
    )

    assert refused.status_code == 400
    assert "unknown key 'host'; known: device, baud" in str(refused.json())
    assert accepted.status_code == 200, accepted.content


def test_the_model_refuses_another_family_s_option():
    source = SourceFactory.build(family="nec", transport="agent", settings={"layout": "long"})

    with pytest.raises(ValidationError) as caught:
        source.clean()

    assert "unknown key 'layout'" in str(caught.value.message_dict["settings"])


def test_asterisk_columns_that_cannot_make_a_call_are_refused_on_save(admin_client):
    refused = create(
        admin_client, family="asterisk-csv", transport="file", settings={"columns": "clid,src"}
    )
    assert refused.status_code == 400
    assert "columns: clid, src lack dst, start, duration, billsec" in str(refused.json())

    accepted = admin_client.post(
        "/api/v1/sources/",
        {
            "site": "rosario",
            "slug": "rosario-asterisk",
            "name": "Rosario Asterisk",
            "family": "asterisk-csv",
            "transport": "file",
            "settings": {"columns": "cdr_custom-sample"},
        },
        format="json",
    )
    assert accepted.status_code == 201, accepted.json()
