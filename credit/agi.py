"""A FastAGI server for prepaid calls: Asterisk asks it, over TCP, before and after
each call (``manage.py agi_server``; the dialplan is in docs/credit.md).

The protocol: Asterisk connects, sends its environment as ``agi_name: value``
lines ending with a blank line, then answers each command the server sends
(``SET VARIABLE NAME "value"``) with a line such as ``200 result=1``. The script
is the path of the AGI URL:

* ``agi://host/authorize[,ACCOUNT[,NUMBER[,CALL_ID]]]``: the account defaults to
  the channel's account code, the number to the extension dialled, the call id
  to the channel's ``UNIQUEID``. Sets ``CREDIT_STATUS`` (``ALLOWED``, ``DENIED`` or
  ``ERROR``), ``CREDIT_REASON`` (a refusal's code), ``CREDIT_MAX_SECONDS``,
  ``CREDIT_LIMIT_MS`` (for ``Dial(...,L(${CREDIT_LIMIT_MS}))``) and ``CREDIT_MESSAGE``.
* ``agi://host/settle,BILLSEC[,CALL_ID]`` (in the ``h`` extension): sets
  ``CREDIT_SETTLED`` (``YES`` or ``ERROR``), ``CREDIT_COST`` and ``CREDIT_BALANCE``.

Anything unexpected fails closed: the call is not allowed (``ERROR``). AGI has no
authentication, so only the addresses in ``TARIFICADOR_CREDIT_AGI_CLIENTS`` are
answered. Services run in worker threads, with a database connection per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable

from django.conf import settings
from django.db import connections

from core.errors import DomainError

from .models import Channel
from .services import billsec_check, call_authorize, call_settle

logger = logging.getLogger(__name__)

ENVIRONMENT_TIMEOUT = 10.0  # seconds for Asterisk to send its agi_ lines
REPLY_TIMEOUT = 10.0
MAX_ENVIRONMENT_LINES = 200
# Asterisk's agi_ lines are under 200 bytes, arguments a few hundred: a longer line is
# refused (it once made asyncio log a traceback), and so is an endless environment.
MAX_LINE_BYTES = 8192
MAX_ENVIRONMENT_BYTES = 4 * 1024 * 1024
BILLSEC_TEXT = re.compile(r"[0-9]{1,12}")


def agi_authorize(environment: dict[str, str]) -> dict[str, str]:
    """The channel variables answering an ``authorize`` request."""
    account = _arg(environment, 1) or environment.get("agi_accountcode", "")
    number = _arg(environment, 2) or environment.get("agi_extension", "")
    call_id = _arg(environment, 3) or environment.get("agi_uniqueid", "")
    if not (account and number and call_id):
        return _error("authorize needs an account code, a number and a call id")
    answer = call_authorize(account_code=account, number=number, call_id=call_id)
    return {
        "CREDIT_STATUS": "ALLOWED" if answer.allowed else "DENIED",
        "CREDIT_REASON": answer.reason,
        "CREDIT_MAX_SECONDS": str(answer.max_seconds),
        "CREDIT_LIMIT_MS": str(answer.max_seconds * 1000),
        "CREDIT_MESSAGE": answer.message,
    }


def agi_settle(environment: dict[str, str]) -> dict[str, str]:
    """The channel variables answering a ``settle`` request (from the ``h`` extension)."""
    billsec_text = _arg(environment, 1)
    call_id = _arg(environment, 2) or environment.get("agi_uniqueid", "")
    # ASCII digits only (str.isdigit also takes "²" and other scripts' digits); the
    # range is the service's check, the same as the REST API's.
    if not BILLSEC_TEXT.fullmatch(billsec_text) or not call_id:
        return {
            "CREDIT_SETTLED": "ERROR",
            "CREDIT_MESSAGE": f"settle needs the billable seconds, not {billsec_text!r}, "
            "and a call id: AGI(agi://host/settle,${CDR(billsec)})",
        }
    try:
        billsec = billsec_check(int(billsec_text))
        settlement = call_settle(call_id=call_id, billsec=billsec, channel=Channel.AGI)
    except DomainError as error:
        logger.warning("AGI settle of call %s refused: %s", call_id, error)
        return {"CREDIT_SETTLED": "ERROR", "CREDIT_MESSAGE": str(error)}
    return {
        "CREDIT_SETTLED": "YES",
        "CREDIT_COST": str(settlement.cost),
        "CREDIT_BALANCE": str(settlement.balance),
    }


SCRIPTS: dict[str, Callable[[dict[str, str]], dict[str, str]]] = {
    "authorize": agi_authorize,
    "settle": agi_settle,
}


def _arg(environment: dict[str, str], number: int) -> str:
    return environment.get(f"agi_arg_{number}", "").strip()


def _error(message: str) -> dict[str, str]:
    return {
        "CREDIT_STATUS": "ERROR",
        "CREDIT_REASON": "error",
        "CREDIT_MAX_SECONDS": "0",
        "CREDIT_LIMIT_MS": "0",
        "CREDIT_MESSAGE": message,
    }


def agi_answer(environment: dict[str, str]) -> dict[str, str]:
    """Run the script the request names, in this (worker) thread; never raises."""
    script = environment.get("agi_network_script", "").split("?", 1)[0].strip("/")
    handler = SCRIPTS.get(script)
    if handler is None:
        logger.warning("AGI request for unknown script %r", script)
        return _error(f"unknown AGI script {script!r}; use authorize or settle")
    try:
        return handler(environment)
    except Exception:
        logger.exception("AGI %s failed for channel %s", script, environment.get("agi_channel"))
        return _error(f"{script} failed on the server; see its log")
    finally:
        # Worker threads come and go with the pool: none keeps a connection open.
        connections.close_all()


def quote(value: str) -> str:
    """An AGI argument: double-quoted, with quotes and backslashes escaped."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'"{escaped}"'


class RequestRefused(Exception):
    """A request not to be served (the reason is the message); the call fails closed.
    ``answered``: whether Asterisk finished sending and waits for an answer."""

    def __init__(self, reason: str, *, answered: bool = False):
        super().__init__(reason)
        self.answered = answered


async def _read_environment(reader: asyncio.StreamReader) -> dict[str, str]:
    """The ``agi_name: value`` lines up to the blank one, read in bounded pieces.

    A line longer than ``MAX_LINE_BYTES`` is skipped rather than kept, and once the
    environment ends the request is refused with a reason (so Asterisk still gets
    an answer); more than ``MAX_ENVIRONMENT_BYTES`` in all is refused at once. Asterisk
    sends nothing after the blank line until it is sent a command.
    """
    environment: dict[str, str] = {}
    line = bytearray()  # the line being read, never longer than MAX_LINE_BYTES
    skipping = too_long = False  # inside a line too long to keep / one was seen
    received = 0
    while chunk := await reader.read(65536):
        received += len(chunk)
        if received > MAX_ENVIRONMENT_BYTES:
            raise RequestRefused(f"more than {MAX_ENVIRONMENT_BYTES} bytes of environment")
        *ends, rest = chunk.split(b"\n")
        for piece in ends:
            if skipping:  # the end of the line too long to keep
                skipping = False
                continue
            raw = bytes(line + piece).rstrip(b"\r")
            line.clear()
            text = raw.decode("utf-8", errors="replace")
            if len(raw) > MAX_LINE_BYTES:
                too_long = True
            elif not text:
                if too_long:
                    raise RequestRefused(
                        f"an environment line is longer than {MAX_LINE_BYTES} bytes",
                        answered=True,
                    )
                return environment
            elif len(environment) == MAX_ENVIRONMENT_LINES:
                raise RequestRefused(f"more than {MAX_ENVIRONMENT_LINES} environment lines")
            else:
                name, _, value = text.partition(":")
                environment[name.strip()] = value.strip()
        if not skipping:
            line += rest
            if len(line) > MAX_LINE_BYTES:
                line.clear()
                skipping = too_long = True
    raise ConnectionError("the connection closed before the environment ended")


async def _command(reader, writer, command: str) -> str:
    writer.write(command.encode() + b"\n")
    await writer.drain()
    while True:
        reply = (await asyncio.wait_for(reader.readline(), REPLY_TIMEOUT)).decode().strip()
        if reply != "HANGUP":  # Asterisk's notice that the caller hung up; not a reply
            return reply


async def _session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    peer = (writer.get_extra_info("peername") or ("?",))[0]
    try:
        if peer not in settings.TARIFICADOR_CREDIT_AGI_CLIENTS:
            logger.warning(
                "AGI connection from %s refused: not in TARIFICADOR_CREDIT_AGI_CLIENTS", peer
            )
            return
        try:
            environment = await asyncio.wait_for(_read_environment(reader), ENVIRONMENT_TIMEOUT)
        except RequestRefused as refused:
            logger.warning("AGI request from %s refused: %s", peer, refused)
            if not refused.answered:
                return  # still sending: close without an answer
            variables = _error(f"request refused: {refused}")
        else:
            variables = await asyncio.to_thread(agi_answer, environment)
        for name, value in variables.items():
            reply = await _command(reader, writer, f"SET VARIABLE {name} {quote(value)}")
            if not reply.startswith("200"):
                logger.warning("Asterisk %s answered %r to SET VARIABLE %s", peer, reply, name)
                break
    # ValueError: a reply line longer than the stream's limit (MAX_LINE_BYTES).
    except (ConnectionError, TimeoutError, ValueError, asyncio.IncompleteReadError) as error:
        logger.warning("AGI session from %s ended early: %s", peer, error or type(error).__name__)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def agi_serve(
    host: str,
    port: int,
    *,
    stop: asyncio.Event,
    on_listening: Callable[[int], None] | None = None,
) -> None:
    """Answer FastAGI requests on ``host:port`` until ``stop`` is set."""
    server = await asyncio.start_server(_session, host, port, limit=MAX_LINE_BYTES)
    bound = server.sockets[0].getsockname()[1]
    logger.info("FastAGI server listening on %s:%d", host, bound)
    if on_listening is not None:
        on_listening(bound)
    async with server:
        await stop.wait()
    logger.info("FastAGI server stopped")
