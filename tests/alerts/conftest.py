"""Alerts fixtures: a real HTTP receiver on loopback for webhooks, a Córdoba source
with a plan that knows international calls, and Avaya IP Office lines to feed it."""

import datetime as dt
import http.server
import json
import threading
import time
from decimal import Decimal

import pytest

from alerts import services
from rating.models import Destination, Rate, RatePlan
from tests.factories import RatePlanFactory, SourceFactory

# Córdoba dials 0 for an outside line: 0911 is 911, 000 44... the United Kingdom.
UK = "000442071234567"
MOBILE = "0155123456"


def avaya_line(start: dt.datetime, number: str, *, extension="4324", seconds=60, call_id=1):
    """An outgoing Avaya IP Office SMDR record (local time), answered unless ``seconds`` is 0."""
    connected = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return (
        f"{start:%Y/%m/%d %H:%M:%S},{connected},5,{extension},O,{number},{number},,0,"
        f"{1000000000 + call_id},0,E{extension},Joe Bloggs,T9161,LINE 5.1,0,0,,,,,,,,,,,,,"
    )


class Receiver(http.server.ThreadingHTTPServer):
    """Records each POST (headers, body, arrival) and answers the next queued status."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.arrived = threading.Condition()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/hook"

    def wait_for(self, count, timeout=10.0):
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.requests) < count and time.monotonic() < deadline:
                self.arrived.wait(0.05)
        return self.requests


class ReceiverHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        server = self.server
        with server.arrived:
            server.requests.append(
                {"headers": dict(self.headers), "body": body, "arrived": time.monotonic()}
            )
            status = server.statuses.pop(0) if server.statuses else 200
            server.arrived.notify_all()
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"ok" if status < 300 else b"boom")

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _fresh_rule_set():
    """Rule sets are cached per version; test databases reuse ids and times."""
    services._rule_set = None
    yield
    services._rule_set = None


@pytest.fixture
def plan(db):
    plan = RatePlanFactory(slug="alerts-plan", currency="ARS")
    for prefix, name, category, price in [
        ("44", "United Kingdom", "international", "30.00"),
        ("549351", "Córdoba mobiles", "mobile", "15.00"),
    ]:
        destination = Destination.objects.create(
            plan=plan, prefix=prefix, name=name, category=category
        )
        Rate.objects.create(
            plan=plan,
            destination=destination,
            price_per_minute=Decimal(price),
            valid_from=dt.date(2020, 1, 1),
        )
    RatePlan.bump_version(plan.pk)
    return plan


@pytest.fixture
def source(db, plan):
    return SourceFactory(site__slug="cordoba", slug="cordoba-ipoffice", site__rate_plan=plan)


def body_of(request) -> dict:
    return json.loads(request["body"])
