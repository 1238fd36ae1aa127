"""The supervisor keeps many capture loops in line with a desired set."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from smdr.framing import LineFramer
from smdr.runner import Backoff, CaptureLoop
from smdr.supervisor import CaptureSpec, Supervisor


class QueueLink:
    """A link fed from a queue: the test is the PBX. Counts how often it was opened."""

    def __init__(self, name: str):
        self.name = name
        self.chunks: asyncio.Queue[bytes] = asyncio.Queue()
        self.opened = 0
        self.closed = 0

    def describe(self) -> str:
        return f"queue://{self.name}"

    @contextlib.asynccontextmanager
    async def open(self) -> AsyncIterator[AsyncIterator[bytes]]:
        self.opened += 1

        async def chunks() -> AsyncIterator[bytes]:
            while True:
                yield await self.chunks.get()

        try:
            yield chunks()
        finally:
            self.closed += 1


class World:
    """Links, what each capture received and the states it reported."""

    def __init__(self) -> None:
        self.links: dict[str, QueueLink] = {}
        self.received: dict[str, list[bytes]] = {}
        self.states: dict[str, list[str]] = {}
        self.errors: list[tuple[str, str]] = []
        self.built: dict[str, int] = {}

    def spec(self, name: str, fingerprint: object = 1, *, crash_on_state: bool = False):
        def factory() -> CaptureLoop:
            self.built[name] = self.built.get(name, 0) + 1
            link = self.links[name] = QueueLink(name)

            async def deliver(records: list[bytes], _at: object) -> None:
                self.received.setdefault(name, []).extend(records)

            async def on_state(state: str, _detail: str) -> None:
                self.states.setdefault(name, []).append(state)
                if crash_on_state:
                    raise RuntimeError("a bug in on_state")

            return CaptureLoop(
                name=name,
                transport=link,
                framer_factory=LineFramer,
                deliver=deliver,
                on_state=on_state,
                backoff=Backoff(initial=0.01, maximum=0.01),
            )

        return CaptureSpec(fingerprint=fingerprint, factory=factory)

    async def on_error(self, name: str, message: str) -> None:
        self.errors.append((name, message))


async def until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


def test_reconcile_starts_restarts_and_stops_leaving_the_others_alone():
    async def main() -> None:
        world = World()
        supervisor = Supervisor(on_error=world.on_error)

        await supervisor.reconcile({"a": world.spec("a"), "b": world.spec("b")})
        await until(lambda: world.states.get("a") == ["connecting", "capturing"])
        await until(lambda: world.states.get("b") == ["connecting", "capturing"])
        link_a = world.links["a"]
        link_a.chunks.put_nowait(b"one\r\n")
        await until(lambda: world.received.get("a") == [b"one"])

        # b changes, c is new, a is as it was.
        await supervisor.reconcile(
            {"a": world.spec("a"), "b": world.spec("b", 2), "c": world.spec("c")}
        )
        await until(lambda: world.states.get("c") == ["connecting", "capturing"])
        await until(lambda: world.built["b"] == 2 and world.states["b"][-1] == "capturing")
        assert world.states["b"] == ["connecting", "capturing", "idle", "connecting", "capturing"]
        assert supervisor.names == {"a", "b", "c"}

        # a goes; b and c keep their links.
        await supervisor.reconcile({"b": world.spec("b", 2), "c": world.spec("c")})
        assert world.states["a"][-1] == "idle"
        assert supervisor.names == {"b", "c"}

        assert world.built == {"a": 1, "b": 2, "c": 1}
        assert link_a.opened == link_a.closed == 1
        assert world.links["c"].opened == 1 and world.links["c"].closed == 0
        world.links["c"].chunks.put_nowait(b"two\r\n")
        await until(lambda: world.received.get("c") == [b"two"])
        assert world.errors == []

        await supervisor.stop_all()
        assert supervisor.names == set()
        assert world.states["c"][-1] == world.states["b"][-1] == "idle"

    asyncio.run(main())


def test_a_factory_that_raises_is_an_error_retried_on_its_own_backoff():
    async def main() -> None:
        world = World()
        now = [0.0]
        supervisor = Supervisor(on_error=world.on_error, clock=lambda: now[0])
        attempts = []

        def bad_settings() -> CaptureLoop:
            attempts.append(now[0])
            raise ValueError("transport 'tcp-client' needs the setting 'port'")

        broken = CaptureSpec(fingerprint=1, factory=bad_settings, backoff=lambda: Backoff(10, 2))
        wanted = {"bad": broken, "good": world.spec("good")}

        await supervisor.reconcile(wanted)
        await until(lambda: world.states.get("good") == ["connecting", "capturing"])
        assert world.errors == [("bad", "transport 'tcp-client' needs the setting 'port'")]
        assert supervisor.names == {"good"} and supervisor.broken == {"bad"}

        for moment in (5.0, 10.0, 15.0, 30.0):  # retried at 10 s, then 20 s after that
            now[0] = moment
            await supervisor.reconcile(wanted)
        assert attempts == [0.0, 10.0, 30.0]
        assert world.links["good"].opened == 1  # never disturbed

        # Its settings fixed (a new fingerprint): tried at once, and it runs.
        wanted["bad"] = world.spec("bad", 2)
        assert await supervisor.reconcile(wanted) == set()
        await until(lambda: world.states.get("bad") == ["connecting", "capturing"])
        assert supervisor.names == {"good", "bad"} and supervisor.broken == set()

        # A broken one no longer wanted is handed back, for the caller to mark idle.
        supervisor_two = Supervisor(on_error=world.on_error, clock=lambda: now[0])
        await supervisor_two.reconcile({"bad": broken})
        assert await supervisor_two.reconcile({}) == {"bad"}
        assert supervisor_two.broken == set()
        await supervisor.stop_all()

    asyncio.run(main())


def test_a_crashing_loop_never_ends_the_supervisor_and_is_started_again():
    async def main() -> None:
        world = World()
        supervisor = Supervisor(on_error=world.on_error)
        crashing = world.spec("crash", crash_on_state=True)
        await supervisor.reconcile({"crash": crashing, "good": world.spec("good")})
        await until(lambda: world.built.get("crash") == 1 and "crash" in world.states)
        await asyncio.sleep(0.05)
        await supervisor.reconcile({"crash": crashing, "good": world.spec("good")})
        await until(lambda: world.built.get("crash") == 2)
        assert world.links["good"].opened == 1
        world.links["good"].chunks.put_nowait(b"still here\r\n")
        await until(lambda: world.received.get("good") == [b"still here"])
        await supervisor.stop_all()

    asyncio.run(main())
