"""The FastAGI server over real sockets, with a client speaking Asterisk's side of the
protocol: the agi_ environment, a blank line, then a reply to every command."""

import asyncio
import logging
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from credit.agi import agi_serve
from credit.models import Channel, LedgerEntry, Reservation
from tests.test_celery_worker import database_url, free_port

from .conftest import LOCAL, US

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parent.parent.parent
SET_VARIABLE = re.compile(r'^SET VARIABLE (\w+) "((?:[^"\\]|\\.)*)"$')


def asterisk_environment(script, args=(), *, uniqueid="1762095600.1", exten="04123456"):
    """What Asterisk 18 sends for AGI(agi://127.0.0.1/SCRIPT,ARGS) on a SIP channel."""
    environment = {
        "agi_network": "yes",
        "agi_network_script": script,
        "agi_request": f"agi://127.0.0.1/{script}",
        "agi_channel": "SIP/1001-00000007",
        "agi_language": "en",
        "agi_type": "SIP",
        "agi_uniqueid": uniqueid,
        "agi_version": "18.21.0",
        "agi_callerid": "1001",
        "agi_calleridname": "Room 1",
        "agi_callingpres": "0",
        "agi_dnid": exten,
        "agi_rdnis": "unknown",
        "agi_context": "prepaid",
        "agi_extension": exten,
        "agi_priority": "1",
        "agi_enhanced": "0.0",
        "agi_accountcode": "1001",
        "agi_threadid": "140245029746432",
    }
    for number, arg in enumerate(args, start=1):
        environment[f"agi_arg_{number}"] = arg
    return environment


def agi_call(port, environment, *, hangup_first=False) -> dict[str, str]:
    """Connect as Asterisk does, answer every command ``200 result=1``, and return the
    variables the server set. With ``hangup_first``, Asterisk's HANGUP notice comes
    before the first reply (the caller hung up meanwhile)."""
    variables = {}
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        stream = sock.makefile("rwb")
        lines = [f"{name}: {value}\n" for name, value in environment.items()]
        try:
            stream.write("".join(lines).encode() + b"\n")
            stream.flush()
            while command := stream.readline().decode():
                found = SET_VARIABLE.match(command.rstrip("\n"))
                assert found, f"not a SET VARIABLE command: {command!r}"
                variables[found[1]] = re.sub(r"\\(.)", r"\1", found[2])
                stream.write((b"HANGUP\n" if hangup_first else b"") + b"200 result=1\n")
                stream.flush()
                hangup_first = False
        except ConnectionResetError:  # a refused client may be reset rather than closed
            pass
    return variables


@pytest.fixture
def agi_port(transactional_db):
    """The FastAGI server in a thread of its own, on a free port."""
    ports: queue.Queue[int] = queue.Queue()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    def run():
        loop.run_until_complete(agi_serve("127.0.0.1", 0, stop=stop, on_listening=ports.put))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield ports.get(timeout=10)
    loop.call_soon_threadsafe(stop.set)
    thread.join(10)
    loop.close()


def test_authorize_sets_the_limit_for_dial(account, agi_port):
    """Defaults: the channel's account code, the extension dialled, its UNIQUEID."""
    variables = agi_call(agi_port, asterisk_environment("authorize"))

    assert variables["CREDIT_STATUS"] == "ALLOWED"
    assert variables["CREDIT_MAX_SECONDS"] == "60"
    assert variables["CREDIT_LIMIT_MS"] == "60000"
    assert variables["CREDIT_REASON"] == ""
    reservation = Reservation.objects.get(call_id="1762095600.1")
    assert (reservation.account, reservation.number) == (account, LOCAL)


def test_settle_in_the_h_extension_charges_the_call(account, agi_port):
    agi_call(agi_port, asterisk_environment("authorize"))

    variables = agi_call(agi_port, asterisk_environment("settle", ["59"]), hangup_first=True)

    assert variables == {
        "CREDIT_SETTLED": "YES",
        "CREDIT_COST": "6.0000",
        "CREDIT_BALANCE": "4.0000",
    }
    charge = LedgerEntry.objects.get(kind=LedgerEntry.Kind.CHARGE)
    assert (charge.amount, charge.channel) == (Decimal("-6.0000"), Channel.AGI)
    assert Reservation.objects.get().state == Reservation.State.SETTLED


def test_a_refusal_names_its_reason_and_gives_no_time(account, agi_port):
    """Arguments override the channel: account, number, call id."""
    variables = agi_call(agi_port, asterisk_environment("authorize", ["1001", US, "x-9"]))

    assert variables["CREDIT_STATUS"] == "DENIED"
    assert variables["CREDIT_REASON"] == "no-credit"
    assert variables["CREDIT_LIMIT_MS"] == "0"
    assert "50.00 ARS" in variables["CREDIT_MESSAGE"]  # quotes and spaces survive
    assert not Reservation.objects.exists()


def test_mistakes_fail_closed_with_a_message(account, agi_port):
    unknown = agi_call(agi_port, asterisk_environment("authorise"))
    no_billsec = agi_call(agi_port, asterisk_environment("settle", ["${CDR(billsec)}"]))
    never_authorized = agi_call(agi_port, asterisk_environment("settle", ["5"], uniqueid="9.9"))

    assert unknown["CREDIT_STATUS"] == "ERROR" and "'authorise'" in unknown["CREDIT_MESSAGE"]
    assert no_billsec["CREDIT_SETTLED"] == "ERROR"
    assert "billable seconds" in no_billsec["CREDIT_MESSAGE"]
    assert never_authorized["CREDIT_SETTLED"] == "ERROR"
    assert "'9.9'" in never_authorized["CREDIT_MESSAGE"]
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.CHARGE).exists()


def test_clients_not_allowed_are_not_answered(account, agi_port, settings):
    settings.TARIFICADOR_CREDIT_AGI_CLIENTS = ["10.1.2.3"]

    assert agi_call(agi_port, asterisk_environment("authorize")) == {}
    assert not Reservation.objects.exists()


def test_the_agi_server_command_serves_until_stopped(account, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": database_url(),
        "TARIFICADOR_VAR_DIR": str(tmp_path),
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "agi_server", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        banner = process.stdout.readline()
        assert f"FastAGI on 127.0.0.1:{port}" in banner
        variables = agi_call(port, asterisk_environment("authorize"))
    finally:
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=30)

    assert variables["CREDIT_STATUS"] == "ALLOWED"
    assert process.returncode == 0 and "FastAGI server stopped" in out


@pytest.mark.parametrize(
    ("billsec", "settled", "cost"),
    [("59", "YES", "6.0000"), ("61", "YES", "6.0000"), ("864000", "YES", "6.0000")]
    + [(text, "ERROR", None) for text in ("864001", "864000000", "-5", "²", "1e3")],
)
def test_agi_settle_charges_at_most_the_reservation(account, agi_port, billsec, settled, cost):
    """The same bounds as the REST API; 864,000,000 s once cost 218 million."""
    agi_call(agi_port, asterisk_environment("authorize"))  # 60 s, 6.00 held of 10.00

    variables = agi_call(agi_port, asterisk_environment("settle", [billsec]))

    assert variables["CREDIT_SETTLED"] == settled, variables
    account.refresh_from_db()
    ledger = sum(account.ledger.values_list("amount", flat=True), Decimal(0))
    assert account.balance == ledger >= Decimal("4.0000")
    if cost is None:
        assert Reservation.objects.get().state == Reservation.State.OPEN
        assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.CHARGE).exists()
    else:
        assert (variables["CREDIT_COST"], variables["CREDIT_BALANCE"]) == (cost, "4.0000")
    if billsec == "864001":  # the range is the service's, worded as the REST API words it
        assert variables["CREDIT_MESSAGE"] == (
            "billsec must be a whole number of seconds from 0 to 864000, not 864001."
        )


def test_a_one_megabyte_header_line_is_answered_and_closed_cleanly(account, agi_port, caplog):
    """An over-long agi_ line fails closed with a message, logs one line (no
    traceback), and the server goes on answering."""
    caplog.set_level(logging.INFO)
    environment = asterisk_environment("authorize")
    environment["agi_callerid"] = "9" * 1024 * 1024

    variables = agi_call(agi_port, environment)

    assert variables["CREDIT_STATUS"] == "ERROR"
    assert variables["CREDIT_LIMIT_MS"] == "0"
    assert "longer than 8192 bytes" in variables["CREDIT_MESSAGE"]
    assert not Reservation.objects.exists()
    assert [r.exc_info for r in caplog.records if r.exc_info] == []
    assert "AGI request from 127.0.0.1 refused: an environment line is longer" in caplog.text
    assert agi_call(agi_port, asterisk_environment("authorize"))["CREDIT_STATUS"] == "ALLOWED"


def test_an_endless_header_line_is_cut_off(account, agi_port, caplog):
    """A line that never ends (32 MB without a newline) does not hold the server: it
    stops reading, says why in one line, and closes."""
    caplog.set_level(logging.INFO)
    with socket.create_connection(("127.0.0.1", agi_port), timeout=10) as sock:
        sock.sendall(b"agi_network_script: authorize\nagi_callerid: ")
        try:
            for _ in range(32 * 16):
                sock.sendall(b"9" * 65536)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed: what is wanted
        else:
            raise AssertionError("the server read 32 MB of one line")

    assert [r.exc_info for r in caplog.records if r.exc_info] == []
    assert "AGI request from 127.0.0.1 refused" in caplog.text


def test_an_environment_arriving_in_small_pieces_is_read_whole(account, agi_port):
    """Lines split across reads (here 7 bytes a write) are joined before parsing."""
    text = "".join(f"{k}: {v}\n" for k, v in asterisk_environment("authorize").items()) + "\n"
    data = text.encode()
    with socket.create_connection(("127.0.0.1", agi_port), timeout=10) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for start in range(0, len(data), 7):
            sock.sendall(data[start : start + 7])
        stream = sock.makefile("rwb")
        commands = []
        while command := stream.readline().decode():
            commands.append(command)
            stream.write(b"200 result=1\n")
            stream.flush()

    assert 'SET VARIABLE CREDIT_STATUS "ALLOWED"\n' in commands
    assert Reservation.objects.get().number == LOCAL
