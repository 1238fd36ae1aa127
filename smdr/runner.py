"""The capture loop of one PBX link: open, frame, deliver, and reconnect with a
growing delay when the link breaks. Pure asyncio, no Django: the remote agent runs
the same loop with its own delivery (the spool).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from .framing import Framer
from .transports import LinkError, Transport

logger = logging.getLogger(__name__)


class State:
    """A link's states, as a source's ``capture_state`` stores them and health shows them."""

    CONNECTING = "connecting"
    CAPTURING = "capturing"  # connected: records are flowing, or may at any moment
    ERROR = "error"  # the link broke, could not open, or the capture failed (message beside)
    IDLE = "idle"  # nobody captures it


@dataclass
class Backoff:
    """Reconnect delays: 10 s, then 1.5 times longer each failure, at most 300 s."""

    initial: float = 10.0
    factor: float = 1.5
    maximum: float = 300.0
    current: float = 0.0

    def next_delay(self) -> float:
        self.current = (
            self.initial if not self.current else min(self.current * self.factor, self.maximum)
        )
        return self.current

    def reset(self) -> None:
        self.current = 0.0


Deliver = Callable[[list[bytes], dt.datetime], Awaitable[None]]
OnState = Callable[[str, str], Awaitable[None]]


class RawLog:
    """Optional daily text files of everything a PBX sent: ``<dir>/<name>-YYYY-MM-DD.log``.

    For sites that archive SMDR as text today. Days follow ``time_zone`` (the site's;
    ``None``: the computer's own).
    """

    def __init__(self, directory: str | Path, name: str, time_zone: dt.tzinfo | None = dt.UTC):
        self.directory = Path(directory)
        self.name = name
        self.time_zone = time_zone
        self.directory.mkdir(parents=True, exist_ok=True)

    def write(self, records: list[bytes], received_at: dt.datetime) -> Path:
        day = received_at.astimezone(self.time_zone).date()
        path = self.directory / f"{self.name}-{day.isoformat()}.log"
        with path.open("ab") as log:
            log.write(b"".join(record + b"\r\n" for record in records))
        return path


class CaptureLoop:
    """Runs one link until ``stop`` is set; never raises for link trouble."""

    def __init__(
        self,
        *,
        name: str,
        transport: Transport,
        framer_factory: Callable[[], Framer],
        deliver: Deliver,
        on_state: OnState,
        backoff: Backoff | None = None,
    ):
        self.name = name
        self.transport = transport
        self.framer_factory = framer_factory
        self.deliver = deliver
        self.on_state = on_state
        self.backoff = backoff or Backoff()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.on_state(State.CONNECTING, self.transport.describe())
            link_error = None
            try:
                await self._until_stopped(self._capture(), stop)
            except LinkError as error:
                link_error = error
                await self.on_state(State.ERROR, str(error))
            except Exception as error:  # a bug must not end the capture of every source
                logger.exception("%s: capture failed", self.name)
                await self.on_state(State.ERROR, f"{type(error).__name__}: {error}")
            if stop.is_set():
                if link_error:
                    logger.warning("%s: %s", self.name, link_error)
                break
            delay = self.backoff.next_delay()
            if link_error:  # one line for the failure and what comes of it
                logger.warning("%s: %s; reconnecting in %.0f s", self.name, link_error, delay)
            else:
                logger.info("%s: reconnecting in %.0f s", self.name, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
        await self.on_state(State.IDLE, "stopped")

    async def _capture(self) -> None:
        framer = self.framer_factory()
        try:
            async with self.transport.open() as chunks:
                await self.on_state(State.CAPTURING, self.transport.describe())
                self.backoff.reset()
                async for chunk in chunks:
                    if chunk:
                        records = framer.feed(chunk)
                    else:  # the end of one connection or file: what is left is a record
                        records = framer.flush()
                        framer = self.framer_factory()
                    if records:
                        await self.deliver(records, dt.datetime.now(dt.UTC))
        finally:
            rest = framer.flush()  # a record cut by the disconnect is kept, not dropped
            if rest:
                await self.deliver(rest, dt.datetime.now(dt.UTC))

    @staticmethod
    async def _until_stopped(work: Awaitable[None], stop: asyncio.Event) -> None:
        task = asyncio.ensure_future(work)
        stopper = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            stopper.cancel()
            task.result()
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
