"""Shared fixtures: users, API clients, sources with keys, and the real services."""

import os
import socket
from urllib.parse import urlparse

import pytest
from hypothesis import settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from capture.services import source_rotate_key

from .factories import AdminFactory, SourceFactory, UserFactory

# Hypothesis: developers explore new random examples on every run (the "dev" default);
# CI (CI=true) or HYPOTHESIS_PROFILE=ci tries the same examples every time, so a red
# build can be run again and bisected, and prints the blob that reproduces a failure.
settings.register_profile("dev")
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)


def pytest_collection_modifyitems(config, items):
    """Browser tests last: Playwright keeps an event loop running in the main thread
    from its first test to the end of the run, where ``asyncio.run`` cannot start."""
    items.sort(key=lambda item: "tests/browser/" in item.nodeid)


REQUIRE_SERVICES = os.environ.get("TARIFICADOR_REQUIRE_SERVICES") == "1"
REDIS_URL = os.environ.get(
    "TEST_REDIS_URL", os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/15"
)


def service_unavailable(reason: str):
    """Skip a test whose real service is absent, or fail when CI requires the services."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (TARIFICADOR_REQUIRE_SERVICES=1: the services must be up)")
    pytest.skip(reason)


@pytest.fixture
def redis_url():
    """The URL of a real Redis for tests that need a broker."""
    parsed = urlparse(REDIS_URL)
    try:
        socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=1).close()
    except OSError:
        service_unavailable(f"Redis is not reachable at {REDIS_URL}")
    return REDIS_URL


@pytest.fixture
def admin_user(db):
    return AdminFactory()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def admin_client(admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def user_token(user):
    return Token.objects.create(user=user).key


@pytest.fixture
def source(db):
    return SourceFactory(site__slug="cordoba", slug="cordoba-ipoffice")


@pytest.fixture
def source_key(source):
    return source_rotate_key(source=source)


@pytest.fixture
def agent_client(source_key):
    return token_client(source_key)


@pytest.fixture(autouse=True)
def _fresh_tariffs():
    """Forget cached tariffs: a rolled-back test leaves plan ids and versions that
    the next test's plans reuse on SQLite, with other rates."""
    from rating import services

    services._tariffs.clear()
    yield
    services._tariffs.clear()


@pytest.fixture(autouse=True)
def _language_reset():
    """Each test starts and ends in the installation's language: a request in Spanish
    leaves Spanish active in the thread (as each real request sets its own), which would
    otherwise reach the next test's messages."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
