"""Site-wide endpoints: health, API schema and docs, the admin; production settings."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from capture.models import CaptureState
from tests.factories import SourceFactory

ROOT = Path(__file__).parent.parent
pytestmark = pytest.mark.django_db


def test_healthz_reports_database_broker_and_sources_to_staff(client, admin_user):
    SourceFactory(slug="hq-ipoffice", capture_state=CaptureState.CAPTURING)
    client.force_login(admin_user)

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["sources"][0]["source"] == "hq-ipoffice"
    assert body["sources"][0]["capture_state"] == "capturing"


def test_healthz_is_503_when_the_broker_is_unreachable(client, admin_user, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    client.force_login(admin_user)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["broker"].startswith("unreachable")


def test_openapi_schema_documents_the_contract(client):
    response = client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/ingest/",
        "/api/v1/calls/",
        "/api/v1/raw-records/reprocess/",
        "/api/v1/sources/{slug}/rotate-key/",
    ]:
        assert path in paths


def test_api_docs_are_served_without_a_cdn(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger-ui" in response.content
    assert b"cdn." not in response.content and b"unpkg" not in response.content


def test_admin_pages_load_for_every_model(admin_user, client, source):
    client.force_login(admin_user)
    for model in [
        "org/site",
        "org/department",
        "org/extension",
        "org/trunk",
        "billing/call",
        "capture/source",
        "capture/rawrecord",
        "rating/rateplan",
    ]:
        response = client.get(f"/admin/{model}/")
        assert response.status_code == 200, model


def test_the_organizations_old_admin_addresses_lead_to_the_new(admin_user, client):
    client.force_login(admin_user)

    response = client.get("/admin/billing/extension/?site__id__exact=1")

    assert response.status_code == 301
    assert response["Location"] == "/admin/org/extension/?site__id__exact=1"
    assert client.get("/admin/billing/call/").status_code == 200


def _production_check(extra_env):
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SECRET_KEY"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", **extra_env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _production_check({})

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = _production_check({"DJANGO_SECRET_KEY": "x" * 30 + "-a-long-random-production-key"})

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("country", ["XX", "ARG", "zz"])
def test_an_unknown_home_country_is_refused_at_start_up(country):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base"}
        | {"TARIFICADOR_COUNTRY": country},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert f"TARIFICADOR_COUNTRY={country.upper()!r} is not a country" in result.stderr
    assert "ISO 3166 alpha-2" in result.stderr


STRICT = "default-src 'self'"


def test_every_page_carries_a_strict_content_security_policy(admin_user, client):
    client.force_login(admin_user)

    pages = ["/accounts/login/", "/reports/", "/reports/departments/", "/admin/", "/api/docs/"]
    policies = {path: client.get(path).headers.get("Content-Security-Policy", "") for path in pages}

    for path, policy in policies.items():
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
        assert directives["default-src"] == "'self'", path
        assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, path
        # Only the API docs take data: images (Swagger UI's icons).
        assert directives.get("img-src") == ("'self' data:" if path == "/api/docs/" else None)
    # A nonce only where the page used one: the dashboard's charts, the docs' style.
    assert "'nonce-" in policies["/reports/"] and "'nonce-" in policies["/api/docs/"]
    assert "'nonce-" not in policies["/accounts/login/"]


def test_the_dashboard_charts_style_carries_the_nonce_of_the_policy(admin_user, client):
    import re

    client.force_login(admin_user)
    response = client.get("/reports/")

    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])[1]
    html = response.content.decode()
    assert html.count("<style") == html.count(f'<style nonce="{nonce}"') == 2
    assert ' style="' not in html  # a style attribute would be refused


def test_static_files_are_linked_before_collectstatic_without_debug(settings, tmp_path):
    """``runserver`` without DJANGO_DEBUG=1 on a fresh checkout: no manifest yet, so
    the plain name (served from the apps by WhiteNoise), not a 500."""
    from django.templatetags.static import static

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "core.storage.ManifestOrFindersStorage"},
    }

    assert static("core/admin.css") == "/static/core/admin.css"


def test_admin_pages_link_the_favicon(admin_user, client):
    client.force_login(admin_user)

    assert b'rel="icon"' in client.get("/admin/").content


def test_without_a_broker_tasks_log_no_line_each_and_kombu_no_warning(tmp_path):
    """Tasks run in-process; Celery's "Task ... succeeded" (a line per record batch)
    stays out of the log, and kombu has nothing to warn of: the app's producer runs
    over an in-memory transport, while the setting says there is no broker."""
    env = {key: value for key, value in os.environ.items() if key != "CELERY_BROKER_URL"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.base", TARIFICADOR_VAR_DIR=str(tmp_path))
    code = (
        "import django; django.setup()\n"
        "from billing.tasks import capture_dispatch\n"
        "capture_dispatch.delay()\n"
        "from django.conf import settings\n"
        "print('ran', repr(settings.CELERY_BROKER_URL))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    assert result.stdout.strip() == "ran ''", result.stderr
    assert "succeeded" not in result.stderr
    assert "kombu" not in result.stderr and "No hostname" not in result.stderr


def test_ctrl_c_on_make_run_stops_every_process_without_a_crash():
    """``make run``'s trap, on children that stand for its three processes."""
    recipe = (ROOT / "Makefile").read_text()
    trap = next(line for line in recipe.splitlines() if "trap " in line)
    trap = trap.strip().removeprefix("@").removesuffix("\\\\").strip()
    script = f"{trap} sleep 300 & sleep 300 & sleep 300"
    shell = subprocess.Popen(["bash", "-c", script], start_new_session=True)
    time.sleep(0.5)

    os.killpg(shell.pid, signal.SIGINT)
    code = shell.wait(timeout=10)

    assert code not in (-signal.SIGSEGV, 128 + signal.SIGSEGV)
    time.sleep(0.2)
    with pytest.raises(ProcessLookupError):
        os.killpg(shell.pid, 0)  # nothing of the group is left
