"""Capturador "star-hash" records (the Córdoba Casa de Gobierno PBX), from a seed.

:func:`star_hash_records` yields what :class:`smdr.framing.StarHashFramer` hands the
parser: a 102-character standard record for an incoming or internal call, and for an
outgoing call the standard record, CR LF, and its 59-character accounting record with
the next sequence number (``pbxsim.pbx.frame`` adds the last CR LF, so the wire carries
the two lines the PBX prints). The offsets are those of ``layout-star-hash.md``; e.g.
an outgoing call from extension 2044 on trunk 0474716, answered, 75 s seized, 61 s
metered, 1 pulse (blanks shortened)::

    * #0112126101213472044 ... 0474716 ... 13140000100531000075
    * #011324234567 ... 0000 ... 000000001000061

The mix follows the real capture: about 70 % outgoing (a fifth unanswered, some over
tie lines to 4-digit numbers), 15 % incoming with the caller's 10-digit number, 15 %
internal; the operator (9599) is left out, as it is no extension of the site; pulses
are one per 120 s of metered time on local and mobile calls and 1 on national ones, as
the capture shows. The sequence number runs
on over both record types and wraps 99 to 00. The same arguments give the same records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from .common import CallMaker, checked_range, records_at_instants

PARTY_WIDTH = 12
_TRUNK_GROUPS = ("047", "001", "002", "004", "011")


def star_hash_records(
    *,
    count: int,
    start: dt.datetime,
    end: dt.datetime,
    extensions: Sequence[str],
    time_zone: ZoneInfo,
    seed: int = 0,
) -> Iterator[str]:
    """Yield ``count`` records (an outgoing call's two joined by CR LF) of calls
    starting in ``[start, end)``, printed in ``time_zone`` to the minute."""
    start_ts, end_ts = checked_range(count, start, end, extensions, PARTY_WIDTH)
    return records_at_instants(_Calls, count, start_ts, end_ts, list(extensions), time_zone, seed)


class _Calls(CallMaker):
    """One call's records at a time, with the PBX's running sequence number."""

    sequence = -1

    def _next(self) -> str:
        self.sequence = (self.sequence + 1) % 100
        return f"* #01{self.sequence:02d}"

    def _standard(
        self, instant: int, party_a: str, extra_a: str, party_b: str, types: str,
        answered: bool, seconds: int,
    ) -> str:  # fmt: skip
        local = dt.datetime.fromtimestamp(instant, self.time_zone)
        stamp = local.strftime("%y%m%d%H%M")
        code = "030000" if types[0] == "3" else "140000"
        delay = self.between(1, 30) if answered else self.between(10, 60)
        return (
            f"{self._next()}1{stamp}{party_a:<12}{extra_a:<20}{party_b:<12}{'':<20}"
            f"{types}{code}{int(answered)}{delay:03d}31{seconds:06d}"
        )

    def _trunk(self) -> str:
        return self.pick(_TRUNK_GROUPS) + self.digits(4)

    def record(self, instant: int, longest: int) -> str:
        kind = self.random()
        if kind < 0.70:
            return self._outgoing(instant, longest)
        if kind < 0.85 or not self.has_colleagues:
            return self._incoming(instant, longest)
        return self._internal(instant, longest)

    def _outgoing(self, instant: int, longest: int) -> str:
        random = self.random
        extension = self.pick(self.extensions)
        types = "13"
        if random() < 0.1:  # a tie line to another ministry's PBX: no pulses
            number, median, kind = self.digits(4), 60.0, "tie"
        else:
            number, median, kind = self.outside_number()
        answered = random() < 0.8
        metered = self.seconds(median) if answered else 0
        seized = metered + self.between(1, 30)
        if kind in ("tie", "toll-free") or metered == 0:
            pulses = 0
        elif kind in ("national", "international"):
            pulses = 1
        else:
            pulses = -(-metered // 120)
        standard = self._standard(instant, extension, "", self._trunk(), types, answered, seized)
        accounting = f"{self._next()}2{number:<20}0000{'':<12}000{pulses:06d}{metered:06d}"
        return standard + "\r\n" + accounting

    def _incoming(self, instant: int, longest: int) -> str:
        answered = self.random() < 0.85
        seconds = self.seconds(100) if answered else self.between(5, 40)
        callee = self.pick(self.extensions)
        return self._standard(
            instant, self._trunk(), self.cli(withheld=0.08), callee, "31", answered, seconds
        )

    def _internal(self, instant: int, longest: int) -> str:
        caller = self.pick(self.extensions)
        answered = self.random() < 0.9
        seconds = self.seconds(45) if answered else self.between(3, 30)
        return self._standard(
            instant, caller, "", self.other_extension(caller), "11", answered, seconds
        )
