"""Realistic Avaya IP Office SMDR records for a site in Argentina, from a seed.

:func:`ipoffice_records` yields SMDR lines as the PBX sends them (30 fields, without the
CR LF), in the layout of the official examples in ``pbx-formats.md`` section 3.4, e.g.::

    2026/10/14 10:12:05,00:02:41,6,2003,O,001143215678,001143215678,,0,1000123,0,E2003,
    María Gómez,T9001,Line 1.7,0,0,,,,,,,,,,,,,

(one line, wrapped here). The mix: outgoing calls through the outside access code ``0``
(local Córdoba, national, mobile, toll-free and international numbers), incoming calls
on trunks with the caller's CLI (now and then a SIP ``number@ip``), internal calls, some
unanswered, some in two segments sharing a Call ID (transfers, voicemail), business
hours weighted. The same arguments always give the same lines; every line parses with
:class:`smdr.parsers.avaya_ipoffice.AvayaIPOfficeParser`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from .common import ACCESS_CODE, ACCOUNT_CODES, CallMaker, checked_range, clock_text, instants

_TRUNK_LINES = (1, 2, 17)  # IP Office lines; a trunk device is T<9000 + line>
_SIP_PEERS = ("10.10.1.5", "172.16.2.10")


def ipoffice_records(
    *,
    count: int,
    start: dt.datetime,
    end: dt.datetime,
    extensions: Sequence[str],
    time_zone: ZoneInfo,
    seed: int = 0,
) -> Iterator[str]:
    """Yield ``count`` SMDR lines (no line terminators) with Call Start in ``[start, end)``.

    Lines come in Call Start order; ``count`` counts lines, so a two-segment call uses
    two. Call Start is printed in ``time_zone`` to the second. ``extensions`` are the
    site's extension numbers (digits); the callers, callees and answering parties.
    """
    start_ts, end_ts = checked_range(count, start, end, extensions)
    # Checked above, when called; the lines come lazily from here.
    return _records(count, start_ts, end_ts, list(extensions), time_zone, seed)


def _records(
    count: int,
    start_ts: int,
    end_ts: float,
    extensions: list[str],
    time_zone: ZoneInfo,
    seed: int,
) -> Iterator[str]:
    if count == 0:
        return
    rng = random.Random(seed)
    calls = _Calls(rng, extensions)
    moments = instants(rng, count, start_ts, end_ts, time_zone)
    remaining = count
    for instant in moments:
        local = dt.datetime.fromtimestamp(instant, time_zone)
        call_start = (
            f"{local.year:04d}/{local.month:02d}/{local.day:02d} "
            f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
        )
        lines = calls.lines(call_start, single=remaining == 1)
        yield from lines
        remaining -= len(lines)
        if remaining <= 0:
            return
        if len(lines) == 2:
            next(moments)  # the second segment used up a line's instant


class _Calls(CallMaker):
    """Makes the lines of one call at a time, from a shared random stream."""

    def __init__(self, rng: random.Random, extensions: list[str]):
        super().__init__(rng, extensions)
        self.call_id = 1_000_000 + rng.randrange(1_000_000)
        self.names = {ext: self._user_name(ext) for ext in extensions}

    def _user_name(self, extension: str) -> str:
        if self.random() < 0.15:
            return f"Extn{extension}"  # the IP Office default for a user without a name
        return self.user_name()

    def _connected(self, seconds: int) -> str:
        return clock_text(seconds)

    def _trunk(self) -> tuple[str, str]:
        line = self.pick(_TRUNK_LINES)
        return f"T{9000 + line}", f"Line {line}.{self.between(1, 30)}"

    def _hold_park(self) -> tuple[int, int]:
        random = self.random
        hold = self.between(5, 120) if random() < 0.08 else 0
        park = self.between(5, 60) if random() < 0.01 else 0
        return hold, park

    def _cli(self) -> str:
        """The caller's number as a trunk presents it; sometimes withheld or SIP."""
        cli = self.cli(withheld=0.08)
        if cli and self.random() < 0.15:
            cli += "@" + self.pick(_SIP_PEERS)
        return cli

    def lines(self, call_start: str, *, single: bool) -> list[str]:
        """The SMDR lines of one call starting at ``call_start`` (local, formatted)."""
        self.call_id += self.between(1, 3)
        kind = self.random()
        if kind < 0.50:
            return self._outgoing(call_start, single)
        if kind < 0.82 or not self.has_colleagues:
            return self._incoming(call_start, single)
        return self._internal(call_start)

    def _line(
        self,
        call_start: str,
        *,
        connected: int,
        ring: int,
        caller: str,
        direction: str,
        called: str,
        dialled: str,
        party1: tuple[str, str],
        party2: tuple[str, str],
        account: str = "",
        internal: str = "0",
        continuation: str = "0",
        hold_park: tuple[int, int] = (0, 0),
        targeting: tuple[str, str] = ("", ""),
    ) -> str:
        """One 30-field record; fields 18-27 (authorization, Advice of Charge) empty."""
        return (
            f"{call_start},{self._connected(connected)},{ring},{caller},{direction},"
            f"{called},{dialled},{account},{internal},{self.call_id},{continuation},"
            f"{party1[0]},{party1[1]},{party2[0]},{party2[1]},{hold_park[0]},{hold_park[1]},"
            f",,,,,,,,,,{targeting[0]},{targeting[1]},"
        )

    def _outgoing(self, call_start: str, single: bool) -> list[str]:
        random = self.random
        extension = self.pick(self.extensions)
        number, median, _ = self.outside_number()
        dialled = ACCESS_CODE + number
        account = self.pick(ACCOUNT_CODES) if random() < 0.05 else ""
        trunk = self._trunk()
        party1 = (f"E{extension}", self.names[extension])
        common = {"caller": extension, "direction": "O", "called": dialled, "dialled": dialled}
        if random() < 0.18:  # nobody answered, busy or failed
            ring = self.between(0, 45)
            return [
                self._line(
                    call_start,
                    connected=0,
                    ring=ring,
                    party1=party1,
                    party2=trunk,
                    account=account,
                    **common,
                )
            ]
        ring = 0 if random() < 0.2 else self.between(2, 25)
        if single or random() >= 0.04 or not self.has_colleagues:
            return [
                self._line(
                    call_start,
                    connected=self.seconds(median),
                    ring=ring,
                    party1=party1,
                    party2=trunk,
                    account=account,
                    hold_park=self._hold_park(),
                    **common,
                )
            ]
        # Transferred to a colleague, who stays on the outside call.
        colleague = self.other_extension(extension)
        party1b = (f"E{colleague}", self.names[colleague])
        return [
            self._line(
                call_start,
                connected=self.seconds(40),
                ring=ring,
                party1=party1,
                party2=trunk,
                account=account,
                continuation="1",
                hold_park=(self.between(3, 30), 0),
                targeting=("U XfP", party1b[1]),
                **common,
            ),
            self._line(
                call_start,
                connected=self.seconds(median),
                ring=0,
                party1=party1b,
                party2=trunk,
                account=account,
                hold_park=self._hold_park(),
                targeting=("U Xfd", party1[1]),
                **common | {"caller": colleague},
            ),
        ]

    def _incoming(self, call_start: str, single: bool) -> list[str]:
        random = self.random
        extension = self.pick(self.extensions)
        trunk = self._trunk()
        party1 = (f"E{extension}", self.names[extension])
        ddi = "52" + extension.zfill(5)[-5:]
        common = {"caller": self._cli(), "direction": "I", "called": extension, "dialled": ddi}
        if random() < 0.14:  # rang out
            ring = self.between(8, 45)
            return [
                self._line(
                    call_start, connected=0, ring=ring, party1=party1, party2=trunk, **common
                )
            ]
        ring = min(int(self.rng.expovariate(1 / 7)) + 2, 60)
        segments = random()
        if single or segments >= 0.10 or not self.has_colleagues:
            return [
                self._line(
                    call_start,
                    connected=self.seconds(100),
                    ring=ring,
                    party1=party1,
                    party2=trunk,
                    hold_park=self._hold_park(),
                    **common,
                )
            ]
        hold_park = (self.between(3, 40), 0)
        if segments < 0.04:  # answered, then sent to voicemail to leave a message
            channel = self.between(1, 20)
            voicemail = (f"V{9500 + channel}", f"VM Channel {channel}")
            return [
                self._line(
                    call_start,
                    connected=self.seconds(30),
                    ring=ring,
                    party1=party1,
                    party2=trunk,
                    continuation="1",
                    hold_park=hold_park,
                    **common,
                ),
                self._line(
                    call_start,
                    connected=self.seconds(25),
                    ring=0,
                    party1=voicemail,
                    party2=trunk,
                    **common,
                ),
            ]
        # Answered, then transferred to a colleague.
        colleague = self.other_extension(extension)
        party1b = (f"E{colleague}", self.names[colleague])
        return [
            self._line(
                call_start,
                connected=self.seconds(30),
                ring=ring,
                party1=party1,
                party2=trunk,
                continuation="1",
                hold_park=hold_park,
                targeting=("U XfP", party1b[1]),
                **common,
            ),
            self._line(
                call_start,
                connected=self.seconds(120),
                ring=self.between(2, 12),
                party1=party1b,
                party2=trunk,
                hold_park=self._hold_park(),
                targeting=("U Xfd", party1[1]),
                **common | {"called": colleague},
            ),
        ]

    def _internal(self, call_start: str) -> list[str]:
        extension = self.pick(self.extensions)
        callee = self.other_extension(extension)
        answered = self.random() >= 0.15
        return [
            self._line(
                call_start,
                connected=self.seconds(45) if answered else 0,
                ring=self.between(1, 20),
                caller=extension,
                direction="O",
                called=callee,
                dialled=callee,
                party1=(f"E{extension}", self.names[extension]),
                party2=(f"E{callee}", self.names[callee]),
                internal="1",
                hold_park=self._hold_park() if answered else (0, 0),
            )
        ]
