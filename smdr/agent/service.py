"""The running agent: the capture loop of one PBX link feeding the spool, and the
uploader thread emptying it towards the centre.

The capture side runs :class:`smdr.runner.CaptureLoop` (the same loop, transports
and framers as the centre's own capture) with a delivery that commits each framed
record to the spool before anything else: the raw text log, if any, comes after,
and the uploader only ever reads committed records.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
import sqlite3
import threading
from zoneinfo import ZoneInfo

from smdr.framing import NulFramer, framer_for
from smdr.runner import Backoff, CaptureLoop, RawLog, State
from smdr.transports import Transport, transport_from_settings

from .config import AgentConfig
from .filetail import ResumableFileTail
from .spool import FilePosition, Spool, iso, utc_now
from .uploader import upload_forever

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15.0
STORE_RETRY_MAX_SECONDS = 30.0


def agent_run(config: AgentConfig) -> None:
    """Capture and upload until SIGINT or SIGTERM (Ctrl-C, systemd, NSSM)."""
    asyncio.run(_agent(config))


async def _agent(config: AgentConfig) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for name in ("SIGINT", "SIGTERM", "SIGBREAK"):  # SIGBREAK: Ctrl-Break on Windows
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), lambda *_: loop.call_soon_threadsafe(stop.set))
    await agent_serve(config, stop)


async def agent_serve(config: AgentConfig, stop: asyncio.Event) -> None:
    """Run the agent until ``stop`` is set."""
    spool = Spool(config.spool_path)
    stop_uploading, wake = threading.Event(), threading.Event()
    try:
        capture = capture_loop(config, spool, wake)
    except ValueError:
        spool.close()
        raise
    uploader = threading.Thread(
        target=upload_forever,
        args=(config,),
        kwargs={"stop": stop_uploading, "wake": wake},
        name="uploader",
        daemon=True,  # a request stuck past its time-out must not hold up the exit
    )
    spool.set_state(agent_started_at=iso(utc_now()), agent_stopped_at="", heartbeat_at="")
    logger.info(
        "agent for source %s: %s %s, spool %s, centre %s",
        config.source,
        config.family,
        config.transport,
        config.spool_path,
        config.centre_url,
    )
    uploader.start()
    heartbeat = asyncio.ensure_future(_heartbeat(spool))
    try:
        await capture.run(stop)
    finally:
        heartbeat.cancel()
        stop_uploading.set()
        wake.set()
        await asyncio.to_thread(uploader.join, config.upload.timeout + 5)
        spool.set_state(agent_stopped_at=iso(utc_now()))
        spool.close()
        logger.info("agent stopped")


def capture_loop(config: AgentConfig, spool: Spool, wake: threading.Event) -> CaptureLoop:
    settings = config.capture_settings
    transport = _transport(config, spool)
    raw_log = None
    if config.raw_log_dir:
        # Days follow the PC's own clock and zone unless a zone is set.
        zone = ZoneInfo(config.time_zone) if config.time_zone else None
        raw_log = RawLog(config.raw_log_dir, config.source, zone)

    async def deliver(records: list[bytes], received_at: dt.datetime) -> None:
        position = getattr(transport, "position", None)
        await _store(spool, records, received_at, position)
        wake.set()
        if raw_log:
            try:
                raw_log.write(records, received_at)
            except OSError as error:  # the spool has them; the text log is a convenience
                logger.warning("raw log not written: %s", error)

    async def on_state(state: str, detail: str) -> None:
        if state != State.ERROR:  # the loop logs a failure with its retry, in one line
            logger.info("PBX link %s (%s)", state, detail)
        with contextlib.suppress(sqlite3.Error):  # status display only
            spool.set_state(capture_state=state, capture_detail=detail, capture_at=iso(utc_now()))

    return CaptureLoop(
        name=config.source,
        transport=transport,
        framer_factory=lambda: framer_for(config.family, config.transport, settings),
        deliver=deliver,
        on_state=on_state,
        backoff=Backoff(
            initial=float(settings.get("reconnect_initial", 10)),
            factor=float(settings.get("reconnect_factor", 1.5)),
            maximum=float(settings.get("reconnect_max", 300)),
        ),
    )


def _transport(config: AgentConfig, spool: Spool) -> Transport:
    if config.transport != "file":
        return transport_from_settings(config.transport, config.family, config.capture_settings)
    if "path" not in config.capture_settings:
        raise ValueError("transport 'file' needs the setting 'path'")
    framer = framer_for(config.family, config.transport, config.capture_settings)
    return ResumableFileTail(
        config.capture_settings["path"],
        terminators=b"\r\n\x00" if isinstance(framer, NulFramer) else b"\r\n",
        position=spool.file_position(),
        poll_seconds=float(config.capture_settings.get("poll_seconds", 1.0)),
    )


async def _store(
    spool: Spool,
    records: list[bytes],
    received_at: dt.datetime,
    position: FilePosition | None,
) -> None:
    """Commit the records; while the disk refuses (full, failing), keep trying rather than
    drop them: the link then stalls and the PBX keeps its records in its own buffer."""
    delay = 1.0
    while True:
        try:
            spool.append(records, received_at, file_position=position)
            return
        except sqlite3.Error as error:
            logger.error("cannot write spool %s (%s); retry in %.0f s", spool.path, error, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, STORE_RETRY_MAX_SECONDS)


async def _heartbeat(spool: Spool) -> None:
    """Lets ``status`` tell a running agent from one that stopped or hung."""
    while True:
        with contextlib.suppress(sqlite3.Error):
            spool.set_state(heartbeat_at=iso(utc_now()))
        await asyncio.sleep(HEARTBEAT_SECONDS)
