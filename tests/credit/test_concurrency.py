"""A hundred authorizations at the same moment, on one account, against a real server
(gunicorn: four processes of five threads), never hold more than the account has."""

import os
import signal
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from credit.models import Reservation
from credit.services import account_top_up
from tests.factories import SiteFactory
from tests.test_celery_worker import database_url, free_port

from .conftest import LOCAL, AccountFactory, build_plan

ROOT = Path(__file__).resolve().parent.parent.parent
CALLS = 100


@pytest.fixture
def server(transactional_db, tmp_path, asterisk_token):
    """gunicorn on the test database; calls capped at 60 s, so each holds 6.00."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": "",
        "TARIFICADOR_VAR_DIR": str(tmp_path),
        "TARIFICADOR_CREDIT_MAX_CALL_SECONDS": "60",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    log = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}"),
            *("--workers", "4", "--threads", "5", "--worker-class", "gthread"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90  # a loaded machine starts servers slowly
    try:  # stopped even when it fails to start: a stray server keeps the test database
        while True:
            try:
                requests.get(f"{url}/healthz", timeout=1)
                break
            except requests.RequestException:  # not listening yet, or still loading
                if time.monotonic() > deadline or process.poll() is not None:
                    log_text = (tmp_path / "gunicorn.log").read_text()
                    pytest.fail(f"gunicorn did not start: {log_text}")
                time.sleep(0.1)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
        log.close()


def test_concurrent_authorizations_never_hold_more_than_is_available(server, asterisk_token):
    account = AccountFactory(
        code="shop-1", site=SiteFactory(slug="call-shop"), rate_plan=build_plan()
    )
    account_top_up(account_id=account.pk, amount=Decimal("100.00"))
    barrier = threading.Barrier(CALLS)
    answers: list[dict] = []

    def authorize(n: int) -> None:
        with requests.Session() as session:
            barrier.wait()
            response = session.post(
                f"{server}/api/v1/credit/authorize",
                json={"account": "shop-1", "number": LOCAL, "call_id": f"call-{n}"},
                headers={"Authorization": f"Token {asterisk_token}"},
                timeout=120,
            )
        answers.append({"status": response.status_code, **response.json()})

    threads = [threading.Thread(target=authorize, args=(n,)) for n in range(CALLS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [a["status"] for a in answers] == [200] * CALLS
    allowed = [a for a in answers if a["allowed"]]
    refused = {a["reason"] for a in answers if not a["allowed"]}
    # 100.00 pays for 16 one-minute holds of 6.00 (96.00); the 17th would overspend.
    assert len(allowed) == 16, answers
    assert refused == {"no-credit"}
    held = sum(Decimal(a["amount"]) for a in allowed)
    assert held == Decimal("96.00")
    assert Reservation.objects.filter(account=account, state="open").count() == 16
    assert sum(r.amount for r in Reservation.objects.filter(account=account)) == held
