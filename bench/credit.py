"""Prepaid credit: authorizations per second, in-process (the FastAGI server's path)
and through the API under gunicorn with concurrent clients, on PostgreSQL
(``BENCH_CREDIT_DATABASE_URL``, default a ``tarificador_bench_credit`` database it
recreates). Each authorization is followed by its settle, as calls are.

Run alone: ``python -m bench.credit``. Any failed request (a status other than 2xx,
a refusal, an error) means no figure and a non-zero exit.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

import psycopg

from . import BenchmarkFailed, Failures, report_rate

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get(
    "BENCH_CREDIT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tarificador_bench_credit"
)
CALLS = int(os.environ.get("BENCH_CREDIT_CALLS", "3000"))
ACCOUNTS = 100
CLIENTS = int(os.environ.get("BENCH_CREDIT_CLIENTS", "16"))
WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", str(os.cpu_count() or 1)))
NUMBERS = ["04123456", "0155123456", "0351155123456", "000112125550100"]


def main() -> None:
    print(f"== credit: {CALLS:,} authorize + settle pairs over {ACCOUNTS} accounts, PostgreSQL ==")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": DATABASE_URL,
        "CELERY_BROKER_URL": "",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    _recreate_database()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)

    import django
    from django.conf import settings

    django.setup()
    # Django reads its settings once per process: were they another benchmark's, the
    # token below would land in that database and gunicorn would answer 401.
    database = settings.DATABASES["default"]["NAME"]
    if database != urlparse(DATABASE_URL).path.lstrip("/"):
        raise BenchmarkFailed(f"credit: Django is set up on {database!r}, not {DATABASE_URL}")
    token = _setup()
    _in_process()
    _api(env, token)


def _recreate_database() -> None:
    name = urlparse(DATABASE_URL).path.lstrip("/")
    admin_url = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def _setup(accounts: int = ACCOUNTS) -> str:
    """A plan, a site, ``accounts`` funded accounts and an Asterisk service user;
    the user's API token."""
    import datetime as dt

    from django.contrib.auth.models import Permission, User
    from rest_framework.authtoken.models import Token

    from credit.models import Account
    from credit.services import account_top_up
    from org.models import Site
    from rating.models import Destination, Rate, RatePlan

    plan = RatePlan.objects.create(slug="prepaid", name="Prepaid", currency="ARS")
    for prefix, category, price, initial, step in [
        ("54351", "local", "6.00", 60, 60),
        ("549351", "mobile", "15.00", 30, 1),
        ("1", "international", "45.00", 60, 6),
    ]:
        destination = Destination.objects.create(
            plan=plan, prefix=prefix, name=prefix, category=category
        )
        Rate.objects.create(
            plan=plan,
            destination=destination,
            price_per_minute=Decimal(price),
            initial_seconds=initial,
            increment_seconds=step,
            valid_from=dt.date(2020, 1, 1),
        )
    site = Site.objects.create(
        name="Córdoba",
        slug="cordoba",
        time_zone="America/Argentina/Cordoba",
        country_code="54",
        area_code="351",
        access_codes=["0"],
        currency="ARS",
    )
    for n in range(accounts):
        account = Account.objects.create(code=f"{1000 + n}", site=site, rate_plan=plan)
        account_top_up(account_id=account.pk, amount=Decimal("1000000"))
    user = User.objects.create(username="asterisk-bench")
    user.user_permissions.add(Permission.objects.get(codename="authorize_calls"))
    return Token.objects.create(user=user).key


def _in_process() -> float:
    from credit.models import Channel
    from credit.services import call_authorize, call_settle

    failures = Failures("in-process (as the FastAGI server calls it)")
    started = time.perf_counter()
    for n in range(CALLS):
        call_id = f"local-{n}"
        try:
            answer = call_authorize(
                account_code=f"{1000 + n % ACCOUNTS}", number=NUMBERS[n % 4], call_id=call_id
            )
            if failures.expect(f"authorize {call_id} allowed", answer.allowed, True):
                call_settle(call_id=call_id, billsec=n % 300, channel=Channel.AGI)
        except Exception as error:  # every failure is counted, then reported
            failures.add(f"{call_id}: {error!r}")
    return report_rate(failures, CALLS, time.perf_counter() - started, "authorizations")


def _api(env: dict, token: str) -> float:
    port = _free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}"),
            *("--workers", str(WORKERS), "--log-level", "warning"),
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        _wait_for(port)
        return api_measure(
            f"http://127.0.0.1:{port}",
            token,
            calls=CALLS,
            clients=CLIENTS,
            label=f"API, {WORKERS} gunicorn workers, {CLIENTS} clients",
        )
    finally:
        server.terminate()
        server.wait(30)


def api_measure(
    base_url: str,
    token: str,
    *,
    calls: int,
    clients: int,
    accounts: int = ACCOUNTS,
    label: str = "API",
) -> float:
    """Authorize and settle ``calls`` calls through the API of the server at
    ``base_url`` from ``clients`` threads; print and return authorizations per second.
    A pair fails on a status other than 2xx, a refusal or an error, and any failure
    means no figure (:class:`BenchmarkFailed`)."""
    import requests

    url = f"{base_url}/api/v1/credit"
    per_client = calls // clients
    headers = {"Authorization": f"Token {token}"}
    failures = Failures(label)

    def client(number: int) -> None:
        with requests.Session() as session:
            for n in range(per_client):
                call_id = f"api-{number}-{n}"
                try:
                    answer = session.post(
                        f"{url}/authorize",
                        json={
                            "account": f"{1000 + (number * per_client + n) % accounts}",
                            "number": NUMBERS[n % 4],
                            "call_id": call_id,
                        },
                        headers=headers,
                        timeout=60,
                    )
                    if not failures.response(answer) or not failures.expect(
                        f"authorize {call_id} allowed", answer.json().get("allowed"), True
                    ):
                        continue
                    failures.response(
                        session.post(
                            f"{url}/settle",
                            json={"call_id": call_id, "billsec": n % 300},
                            headers=headers,
                            timeout=60,
                        )
                    )
                except Exception as error:  # counted, then reported
                    failures.add(f"{call_id}: {error!r}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return report_rate(
        failures, per_client * clients, time.perf_counter() - started, "authorizations"
    )


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(port: int) -> None:
    import socket

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not listen on port {port}")


if __name__ == "__main__":
    main()
