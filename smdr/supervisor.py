"""Many capture loops in one process, kept in line with a desired set.

:meth:`Supervisor.reconcile` takes ``{name: CaptureSpec}``: it starts the loops that are
new, restarts those whose fingerprint changed, stops those no longer wanted, and leaves
every other loop's task (and its connection) alone. A spec whose factory raises (bad
settings) is reported in state ``error`` and tried again on a later pass after its own
backoff; a loop that crashes is reported the same way. Nothing one capture does ends
the supervisor. Pure asyncio, no Django.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass, field

from .runner import Backoff, CaptureLoop

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CaptureSpec:
    """What one capture should be: ``fingerprint`` changes when a restart is due."""

    fingerprint: Hashable
    factory: Callable[[], CaptureLoop]
    # Retry delays after the factory raised (settings wrong); the loop has its own.
    backoff: Callable[[], Backoff] = field(default=Backoff)


@dataclass
class _Running:
    fingerprint: Hashable
    stop: asyncio.Event
    task: asyncio.Task[None]


@dataclass
class _Broken:
    fingerprint: Hashable
    backoff: Backoff
    retry_at: float


class Supervisor:
    """Runs a :class:`CaptureLoop` per wanted name; see the module docstring."""

    def __init__(
        self,
        *,
        on_error: Callable[[str, str], Awaitable[None]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        # Called with (name, message) when a factory raises: the loop never ran, so it
        # cannot report its own state.
        self.on_error = on_error
        self.clock = clock
        self._running: dict[str, _Running] = {}
        self._broken: dict[str, _Broken] = {}

    @property
    def names(self) -> set[str]:
        """The captures running now."""
        return set(self._running)

    @property
    def broken(self) -> set[str]:
        """The captures waiting to retry a factory that raised."""
        return set(self._broken)

    async def reconcile(self, desired: Mapping[str, CaptureSpec]) -> set[str]:
        """Bring the running captures in line with ``desired``.

        Returns the names no longer wanted that were waiting in error: they never ran,
        so no loop reports them stopped; the caller does.
        """
        outdated = [
            name
            for name, running in self._running.items()
            if name not in desired
            or desired[name].fingerprint != running.fingerprint
            or running.task.done()
        ]
        await asyncio.gather(*(self._stop(name) for name in outdated))
        forgotten: set[str] = set()
        for name in list(self._broken):
            spec = desired.get(name)
            if spec is None or spec.fingerprint != self._broken[name].fingerprint:
                del self._broken[name]  # gone, or its settings changed: try it afresh
                if spec is None:
                    forgotten.add(name)
        for name, spec in desired.items():
            if name in self._running:
                continue
            broken = self._broken.get(name)
            if broken and self.clock() < broken.retry_at:
                continue
            await self._start(name, spec, broken)
        return forgotten

    async def stop_all(self) -> None:
        await asyncio.gather(*(self._stop(name) for name in list(self._running)))
        self._broken.clear()

    async def _start(self, name: str, spec: CaptureSpec, broken: _Broken | None) -> None:
        try:
            loop = spec.factory()
        except Exception as error:  # bad settings, missing device: this one waits, not all
            backoff = broken.backoff if broken else spec.backoff()
            self._broken[name] = _Broken(
                spec.fingerprint, backoff, self.clock() + backoff.next_delay()
            )
            message = str(error) if isinstance(error, ValueError) else repr(error)
            logger.warning("%s: cannot capture: %s", name, message)
            if self.on_error:
                try:
                    await self.on_error(name, message)
                except Exception:
                    logger.exception("%s: reporting its error failed", name)
            return
        self._broken.pop(name, None)
        stop = asyncio.Event()
        task = asyncio.create_task(self._guarded(name, loop, stop), name=f"capture {name}")
        self._running[name] = _Running(spec.fingerprint, stop, task)

    async def _guarded(self, name: str, loop: CaptureLoop, stop: asyncio.Event) -> None:
        try:
            await loop.run(stop)
        except asyncio.CancelledError:
            raise
        except Exception:  # CaptureLoop catches link trouble; this is a bug, kept local
            logger.exception("%s: capture loop crashed; restarted on the next pass", name)

    async def _stop(self, name: str) -> None:
        running = self._running.pop(name)
        running.stop.set()
        try:
            await asyncio.wait_for(asyncio.shield(running.task), 10)
        except TimeoutError:
            running.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await running.task
        except Exception:
            logger.exception("%s: capture loop failed while stopping", name)
