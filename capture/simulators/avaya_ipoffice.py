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
:class:`capture.parsers.avaya_ipoffice.AvayaIPOfficeParser`.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

ACCESS_CODE = "0"  # outside line

# Relative call volume by local hour, Monday to Friday, Saturday; Sunday is quiet.
_WEEKDAY_LOAD = (
    (0.02,) * 7
    + (0.3, 0.8, 1.0, 1.0, 1.0, 1.0, 0.6, 0.9, 0.9, 0.9, 0.9, 0.4, 0.1, 0.1)
    + (0.03,) * 3
)
_SATURDAY_LOAD = (0.02,) * 9 + (0.25,) * 4 + (0.02,) * 11
_SUNDAY_LOAD = (0.02,) * 24

_FIRST_NAMES = (
    "Juan", "María", "José", "Lucía", "Martín", "Sofía", "Pablo", "Valentina", "Diego",
    "Camila", "Andrés", "Florencia", "Nicolás", "Agustina", "Ramón", "Inés", "Héctor",
    "Mónica", "Germán", "Belén",
)  # fmt: skip
_LAST_NAMES = (
    "Pérez", "Gómez", "Rodríguez", "Fernández", "López", "Martínez", "García", "Sánchez",
    "Romero", "Díaz", "Álvarez", "Muñoz", "Castro", "Ortiz", "Peña", "Sosa", "Ibáñez",
    "Giménez", "Rossi", "Bianchi",
)  # fmt: skip
# Now and then a name beyond Latin-1, as IP Office sends it (UTF-8).
_OTHER_NAMES = ("Тароватова Мария", "Łukasz Wiśniewski", "Zoë Müller", "陈伟", "Ayşe Kaya")

# (area code, subscriber digits) of national destinations other than Córdoba (351).
_AREAS = (("11", 8), ("341", 7), ("261", 7), ("223", 7), ("381", 7), ("342", 7), ("299", 7))
# (country code, national digits) of international destinations.
_COUNTRIES = (("1", 10), ("34", 9), ("55", 11), ("598", 8), ("56", 9), ("39", 10), ("49", 10))
_LOCAL_AREA = "351"
_TRUNK_LINES = (1, 2, 17)  # IP Office lines; a trunk device is T<9000 + line>
_ACCOUNT_CODES = ("1001", "1002", "2040", "3300")
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
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be aware datetimes")
    if count < 0:
        raise ValueError("count must not be negative")
    if not extensions or not all(ext.isdigit() and ext.isascii() for ext in extensions):
        raise ValueError("extensions must be a non-empty sequence of digit strings")
    start_ts = math.ceil(start.timestamp())
    end_ts = end.timestamp()
    if end_ts <= start_ts:
        raise ValueError("end must be at least a whole second after start")
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
    instants = _instants(rng, count, start_ts, end_ts, time_zone)
    remaining = count
    for instant in instants:
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
            next(instants)  # the second segment used up a line's instant


def _instants(
    rng: random.Random, count: int, start_ts: int, end_ts: float, time_zone: ZoneInfo
) -> Iterator[int]:
    """``count`` ascending whole-second POSIX times in ``[start_ts, end_ts)``.

    They are sorted draws from the business-hours load: one slot per UTC hour, weighted
    by the load of its local hour, and uniform within it. The order statistics are drawn
    one after the other (``u = 1 - (1 - u) * V ** (1 / n)``), so nothing is sorted or
    held in memory.
    """
    slot_starts: list[float] = []
    slot_lengths: list[float] = []
    cumulative: list[float] = []
    total = 0.0
    slot_start: float = start_ts
    while slot_start < end_ts:
        slot_end = min((slot_start // 3600 + 1) * 3600, end_ts)
        local = dt.datetime.fromtimestamp(slot_start, time_zone)
        weekday = local.weekday()
        if weekday < 5:
            load = _WEEKDAY_LOAD[local.hour]
        elif weekday == 5:
            load = _SATURDAY_LOAD[local.hour]
        else:
            load = _SUNDAY_LOAD[local.hour]
        total += load * (slot_end - slot_start)
        slot_starts.append(slot_start)
        slot_lengths.append(slot_end - slot_start)
        cumulative.append(total)
        slot_start = slot_end
    last_slot = len(cumulative) - 1
    last_second = math.ceil(end_ts) - 1
    random_fraction = rng.random
    fraction = 0.0
    for remaining in range(count, 0, -1):
        fraction = 1.0 - (1.0 - fraction) * random_fraction() ** (1.0 / remaining)
        target = fraction * total
        slot = min(bisect.bisect_right(cumulative, target), last_slot)
        before = cumulative[slot - 1] if slot else 0.0
        width = cumulative[slot] - before
        position = (target - before) / width if width else 0.0
        instant = int(slot_starts[slot] + min(position, 1.0) * slot_lengths[slot])
        yield min(instant, last_second)


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class _Calls:
    """Makes the lines of one call at a time, from a shared random stream."""

    def __init__(self, rng: random.Random, extensions: list[str]):
        self.rng = rng
        self.random = rng.random
        self.extensions = extensions
        self.has_colleagues = len(set(extensions)) > 1  # internal calls, transfers
        self.call_id = 1_000_000 + rng.randrange(1_000_000)
        self.names = {ext: self._user_name(ext) for ext in extensions}
        self.clock = {seconds: _clock(seconds) for seconds in range(3600)}

    def _pick(self, choices: Sequence):
        """``random.choice``, a few times faster (``int(random() * n)`` is uniform enough)."""
        return choices[int(self.random() * len(choices))]

    def _between(self, low: int, high: int) -> int:
        """``random.randint``, a few times faster."""
        return low + int(self.random() * (high - low + 1))

    def _user_name(self, extension: str) -> str:
        if self.random() < 0.15:
            return f"Extn{extension}"  # the IP Office default for a user without a name
        if self.random() < 0.04:
            return self._pick(_OTHER_NAMES)
        return f"{self._pick(_FIRST_NAMES)} {self._pick(_LAST_NAMES)}"

    def _duration(self, median: float) -> int:
        seconds = int(self.rng.lognormvariate(math.log(median), 0.9)) + 1
        return min(seconds, 4 * 3600)

    def _connected(self, seconds: int) -> str:
        return self.clock.get(seconds) or _clock(seconds)

    def _digits(self, length: int) -> str:
        low = 10 ** (length - 1)
        return str(low + int(self.random() * 9 * low))

    def _trunk(self) -> tuple[str, str]:
        line = self._pick(_TRUNK_LINES)
        return f"T{9000 + line}", f"Line {line}.{self._between(1, 30)}"

    def _hold_park(self) -> tuple[int, int]:
        random = self.random
        hold = self._between(5, 120) if random() < 0.08 else 0
        park = self._between(5, 60) if random() < 0.01 else 0
        return hold, park

    def _outside_number(self) -> tuple[str, float]:
        """A number as dialled after the access code, and a typical duration for it."""
        kind = self.random()
        if kind < 0.40:  # local Córdoba
            return self._pick("45") + self._digits(6), 75
        if kind < 0.62:  # national
            area, length = self._pick(_AREAS)
            return "0" + area + self._digits(length), 120
        if kind < 0.72:  # mobile, local short form
            return "15" + self._digits(7), 60
        if kind < 0.92:  # mobile, full form
            area, length = self._pick((*_AREAS, (_LOCAL_AREA, 7), (_LOCAL_AREA, 7)))
            return "0" + area + "15" + self._digits(length), 60
        if kind < 0.95:  # toll-free
            return "0800" + self._digits(7), 150
        country, length = self._pick(_COUNTRIES)
        return "00" + country + self._digits(length), 240

    def _cli(self) -> str:
        """The caller's number as a trunk presents it; sometimes withheld or SIP."""
        kind = self.random()
        if kind < 0.08:
            return ""
        if kind < 0.80:
            # The national significant number: the mobile prefix 15 is only dialled.
            cli = _LOCAL_AREA + self._pick("4556") + self._digits(6)
        else:
            area, length = self._pick(_AREAS)
            cli = area + self._digits(length)
        if self.random() < 0.15:
            cli += "@" + self._pick(_SIP_PEERS)
        return cli

    def lines(self, call_start: str, *, single: bool) -> list[str]:
        """The SMDR lines of one call starting at ``call_start`` (local, formatted)."""
        self.call_id += self._between(1, 3)
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
        extension = self._pick(self.extensions)
        number, median = self._outside_number()
        dialled = ACCESS_CODE + number
        account = self._pick(_ACCOUNT_CODES) if random() < 0.05 else ""
        trunk = self._trunk()
        party1 = (f"E{extension}", self.names[extension])
        common = {"caller": extension, "direction": "O", "called": dialled, "dialled": dialled}
        if random() < 0.18:  # nobody answered, busy or failed
            ring = self._between(0, 45)
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
        ring = 0 if random() < 0.2 else self._between(2, 25)
        if single or random() >= 0.04 or not self.has_colleagues:
            return [
                self._line(
                    call_start,
                    connected=self._duration(median),
                    ring=ring,
                    party1=party1,
                    party2=trunk,
                    account=account,
                    hold_park=self._hold_park(),
                    **common,
                )
            ]
        # Transferred to a colleague, who stays on the outside call.
        colleague = self._other_extension(extension)
        party1b = (f"E{colleague}", self.names[colleague])
        return [
            self._line(
                call_start,
                connected=self._duration(40),
                ring=ring,
                party1=party1,
                party2=trunk,
                account=account,
                continuation="1",
                hold_park=(self._between(3, 30), 0),
                targeting=("U XfP", party1b[1]),
                **common,
            ),
            self._line(
                call_start,
                connected=self._duration(median),
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
        extension = self._pick(self.extensions)
        trunk = self._trunk()
        party1 = (f"E{extension}", self.names[extension])
        ddi = "52" + extension.zfill(5)[-5:]
        common = {"caller": self._cli(), "direction": "I", "called": extension, "dialled": ddi}
        if random() < 0.14:  # rang out
            ring = self._between(8, 45)
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
                    connected=self._duration(100),
                    ring=ring,
                    party1=party1,
                    party2=trunk,
                    hold_park=self._hold_park(),
                    **common,
                )
            ]
        hold_park = (self._between(3, 40), 0)
        if segments < 0.04:  # answered, then sent to voicemail to leave a message
            channel = self._between(1, 20)
            voicemail = (f"V{9500 + channel}", f"VM Channel {channel}")
            return [
                self._line(
                    call_start,
                    connected=self._duration(30),
                    ring=ring,
                    party1=party1,
                    party2=trunk,
                    continuation="1",
                    hold_park=hold_park,
                    **common,
                ),
                self._line(
                    call_start,
                    connected=self._duration(25),
                    ring=0,
                    party1=voicemail,
                    party2=trunk,
                    **common,
                ),
            ]
        # Answered, then transferred to a colleague.
        colleague = self._other_extension(extension)
        party1b = (f"E{colleague}", self.names[colleague])
        return [
            self._line(
                call_start,
                connected=self._duration(30),
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
                connected=self._duration(120),
                ring=self._between(2, 12),
                party1=party1b,
                party2=trunk,
                hold_park=self._hold_park(),
                targeting=("U Xfd", party1[1]),
                **common | {"called": colleague},
            ),
        ]

    def _internal(self, call_start: str) -> list[str]:
        extension = self._pick(self.extensions)
        callee = self._other_extension(extension)
        answered = self.random() >= 0.15
        return [
            self._line(
                call_start,
                connected=self._duration(45) if answered else 0,
                ring=self._between(1, 20),
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

    def _other_extension(self, extension: str) -> str:
        extensions = self.extensions
        while True:
            other = self._pick(extensions)
            if other != extension:
                return other
