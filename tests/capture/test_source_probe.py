"""Test connection and capture, before a source is saved: POST
/api/v1/sources/test-connection/, the service and the admin's buttons, over real
loopback links (a pbxsim PBX, a PBX pushing to the probe, a pty, refused and taken
ports, a missing device). Nothing is stored."""

import contextlib
import os
import socket
import threading
import time

import pytest

from capture.models import RawRecord, Source
from capture.probe import source_probe
from pbxsim.pbx import frame
from tests.factories import SiteFactory, SourceFactory
from tests.smdr.test_probe import DEADLINE, IP_OFFICE_CALL, free_port, simulator

pytestmark = pytest.mark.django_db

URL = "/api/v1/sources/test-connection/"
PREVIEW = "/admin/capture/source/preview/"


@pytest.fixture
def site():
    return SiteFactory(slug="cordoba", time_zone="America/Argentina/Cordoba")


@pytest.fixture
def staff(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.org", "pw"))
    return client


def probe_api(client, **body):
    return client.post(URL, body, format="json")


def messages(answer):
    return [step["message"] for step in answer["steps"]]


def test_a_tcp_client_with_login_is_connected_and_accepted(admin_client):
    with simulator("mitel-5000", password="s3cret") as port:
        response = probe_api(
            admin_client,
            family="mitel-5000",
            transport="tcp-client",
            settings={"host": "127.0.0.1", "port": port, "password": "s3cret"},
        )

    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["ok"] is True
    assert messages(answer)[:3] == [
        f"connected to 127.0.0.1:{port}",
        "login sent",
        "login accepted: the PBX is sending",
    ]
    assert answer["bytes"] > 0 and "entries" not in answer
    assert {step["status"] for step in answer["steps"]} == {"ok"}


def test_a_capture_previews_the_live_records_in_the_sites_zone(admin_client, site):
    with simulator("avaya-ipoffice", rate=400) as port:
        response = probe_api(
            admin_client,
            site="cordoba",
            family="avaya-ipoffice",
            transport="tcp-client",
            settings={"host": "127.0.0.1", "port": port},
            capture_seconds=DEADLINE,  # ends sooner, at 200 records
        )

    answer = response.json()
    assert response.status_code == 200, answer
    assert len(answer["lines"]) == len(answer["entries"]) == 200
    assert messages(answer)[-1] == "200 records framed"
    calls = [entry["call"] for entry in answer["entries"] if entry["outcome"] == "call"]
    assert calls and all(call["start"].endswith("-03:00") for call in calls)
    assert not RawRecord.objects.exists() and not Source.objects.exists()


def test_a_pbx_pushing_to_the_probes_listener(admin_client):
    port = free_port()
    pushed = threading.Event()

    def pbx():  # connects once the probe listens, as IP Office does
        deadline = time.monotonic() + DEADLINE
        while not pushed.is_set() and time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE) as link:
                    link.sendall(frame("avaya-ipoffice", IP_OFFICE_CALL))
                    pushed.set()
                    link.recv(1)  # until the probe closes
            except ConnectionRefusedError:
                time.sleep(0.02)

    thread = threading.Thread(target=pbx)
    thread.start()
    response = probe_api(
        admin_client,
        family="avaya-ipoffice",
        transport="tcp-server",
        settings={"bind": "127.0.0.1", "port": port},
    )
    thread.join(DEADLINE)

    answer = response.json()
    assert answer["ok"] is True
    assert messages(answer)[0] == f"listening on 127.0.0.1:{port}"
    assert messages(answer)[1].startswith("PBX connected from 127.0.0.1:")


def test_failures_are_answers_in_plain_words(admin_client):
    refused = free_port()
    with socket.create_server(("0.0.0.0", 0)) as capture:  # noqa: S104 (a running capture)
        taken = capture.getsockname()[1]
        in_use = probe_api(
            admin_client, family="3cx", transport="tcp-server", settings={"port": taken}
        )
    no_pbx = probe_api(
        admin_client,
        family="panasonic",
        transport="tcp-client",
        settings={"host": "127.0.0.1", "port": refused},
    )
    no_device = probe_api(
        admin_client, family="nec", transport="serial", settings={"device": "/dev/ttyUSB9"}
    )
    agent = probe_api(admin_client, family="nec", transport="agent")

    for response in (in_use, no_pbx, no_device, agent):
        assert response.status_code == 200
        assert response.json()["ok"] is False
    assert messages(in_use.json()) == [
        f"port {taken} already in use (is a capture listening on it?)"
    ]
    assert messages(no_pbx.json()) == [f"connection refused by 127.0.0.1:{refused}"]
    assert messages(no_device.json()) == ["no such device /dev/ttyUSB9"]
    assert "agent" in messages(agent.json())[0]


def test_bad_input_is_refused_naming_the_field(admin_client, client):
    no_host = probe_api(admin_client, family="nec", transport="tcp-client", settings={"port": 1})
    too_long = probe_api(
        admin_client,
        site="none",
        family="nec",
        transport="tcp-client",
        settings={"host": "127.0.0.1", "port": 1},
        capture_seconds=61,
    )
    no_site = probe_api(
        admin_client,
        family="nec",
        transport="file",
        settings={"path": "/nonexistent"},
        capture_seconds=5,
    )

    assert no_host.status_code == too_long.status_code == no_site.status_code == 400
    assert "host" in no_host.json()["settings"][0]
    assert "capture_seconds" in too_long.json()
    assert "site" in no_site.json()
    assert probe_api(client, family="nec", transport="agent").status_code in (401, 403)


def test_the_service_reads_a_serial_port(site):
    controller, device = os.openpty()
    name = os.ttyname(device)
    done = threading.Event()

    def pbx():  # opening the port drops what the pty holds: write until read
        deadline = time.monotonic() + DEADLINE
        while not done.is_set() and time.monotonic() < deadline:
            os.write(controller, frame("avaya-ipoffice", IP_OFFICE_CALL))
            done.wait(0.05)

    writer = threading.Thread(target=pbx)
    writer.start()
    try:
        answer = source_probe(
            site=site,
            family="avaya-ipoffice",
            transport="serial",
            settings={"device": name},
            capture_seconds=1,
        )
    finally:
        done.set()
        writer.join(DEADLINE)
        os.close(controller)
        os.close(device)

    assert messages(answer)[0] == f"opened {name} at 9600 8N1"
    assert answer["lines"][0] == IP_OFFICE_CALL
    assert answer["entries"][0]["call"]["number"] == "04234567"


def test_the_admin_preview_page_tests_and_captures(staff, site):
    with simulator("avaya-ipoffice", rate=400) as port:
        form = {
            "site": site.pk,
            "family": "avaya-ipoffice",
            "transport": "tcp-client",
            "settings": f'{{"host": "127.0.0.1", "port": {port}}}',
            "lines": "",
        }
        tested = staff.post(PREVIEW, {**form, "_test_connection": "1"}).content.decode()
        captured = staff.post(PREVIEW, {**form, "_capture": "1"})
    refused = staff.post(
        PREVIEW,
        {
            **form,
            "settings": f'{{"host": "127.0.0.1", "port": {free_port()}}}',
            "_test_connection": "1",
        },
    ).content.decode()

    assert f"connected to 127.0.0.1:{port}" in tested and "status-good" in tested
    assert "connection refused by 127.0.0.1:" in refused and "status-bad" in refused
    page = captured.content.decode()
    assert "200 records framed" in page
    records_box = captured.context["form"]["lines"].value()
    assert len(records_box.splitlines()) == 200  # the box holds what came, to edit
    assert page.count("status-good") > 100  # the table: one row a call
    assert not RawRecord.objects.exists()


def test_the_source_forms_button_tests_its_unsaved_values(staff):
    source = SourceFactory(
        transport="tcp-client",
        family="mitel-5000",
        settings={"host": "127.0.0.1", "port": 1, "password": "s3cret"},
    )
    change = staff.get(f"/admin/capture/source/{source.pk}/change/").content.decode()
    with simulator("mitel-5000", password="s3cret") as port:
        response = staff.post(
            f"/admin/capture/source/{source.pk}/preview/",
            {
                "site": source.site_id,
                "slug": source.slug,
                "name": source.name,
                "family": "mitel-5000",
                "transport": "tcp-client",
                "settings": '{"host": "127.0.0.1", "port": 1}',
                "setting_port": str(port),  # typed over the JSON, not saved
                "setting_password": "",  # left empty: the stored secret is kept
                "_test_connection": "1",
            },
        )

    assert 'name="_test_connection"' in change
    page = response.content.decode()
    assert f"connected to 127.0.0.1:{port}" in page
    assert "login accepted: the PBX is sending" in page
    source.refresh_from_db()
    assert source.settings["port"] == 1  # nothing saved


def test_a_hostile_endless_line_is_bounded(admin_client, site):
    """A peer sending one endless line: the capture stops at 1 MiB, the framer cuts
    records at 64 KiB, and each is an error of the preview, not a 500."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def flood():
        conn, _ = listener.accept()
        with conn, contextlib.suppress(OSError):
            while True:
                conn.sendall(b"9" * 65536)

    thread = threading.Thread(target=flood)
    thread.start()
    try:
        response = probe_api(
            admin_client,
            site="cordoba",
            family="avaya-ipoffice",
            transport="tcp-client",
            settings={"host": "127.0.0.1", "port": port},
            capture_seconds=DEADLINE,
        )
    finally:
        listener.close()
        thread.join(DEADLINE)

    answer = response.json()
    assert response.status_code == 200
    assert "stopped after" in messages(answer)[-2]
    assert {len(line) for line in answer["lines"]} == {64 * 1024}
    assert {entry["outcome"] for entry in answer["entries"]} == {"error"}
    assert len(response.content) < 4 * 1024 * 1024
