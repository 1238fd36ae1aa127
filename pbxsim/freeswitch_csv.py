"""Realistic FreeSWITCH ``mod_cdr_csv`` records for a site in Argentina, from a seed.

:func:`freeswitch_csv_records` yields Master.csv lines (without the LF) laid out by the
default ``example`` template of ``cdr_csv.conf.xml`` (``pbx-formats.md`` section 8; 15
columns, all quoted), A legs only (``legs="a"``), stamps local to the site, e.g. an
incoming call from 351 459 7905 on the ``public`` context, answered at extension 2041
after 5 s of ringing, 5 min 23 s of conversation::

    "3514597905","3514597905","2041","public","2026-10-02 09:16:36",
    "2026-10-02 09:16:41","2026-10-02 09:22:04","328","323","NORMAL_CLEARING",
    "1d3accbd-be5b-11f1-bf4b-b9b1279eb8d9","1d4239a6-be5b-11f1-bf4c-b9b1279eb8d9","",
    "PCMA","PCMA"

(one line, wrapped here). The mix: outgoing calls from the ``default`` context through
the outside access code ``0`` (local Córdoba, national, mobile, toll-free and
international numbers), the account code the user's own number as the vanilla
directory sets it (or empty, or now and then a project code), some ``NO_ANSWER``,
``USER_BUSY``, ``ORIGINATOR_CANCEL`` or ``UNALLOCATED_NUMBER``; incoming calls on the
``public`` context with the caller's number (national, now and then E.164 or
``anonymous``) and name, to the extension or to the site's main number (no extension);
internal calls; business hours weighted. The uuids are time-based (version 1), as
FreeSWITCH makes them; the B leg's only when the call was bridged. mod_cdr_csv writes a
line when the call ends: lines come in order of their end stamp, and every call starts
in ``[start, end)``. The same arguments always give the same lines; every line parses
with :class:`smdr.parsers.freeswitch_csv.FreeSWITCHCSVParser` under its default
options.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from .common import (
    ACCESS_CODE,
    ACCOUNT_CODES,
    CALLER_NAMES,
    CallMaker,
    LocalStamps,
    checked_range,
    fit,
    records_at_instants,
)

# The parser's default max_extension_digits: a longer caller number is an outside one.
MAX_EXTENSION_DIGITS = 6
MAIN_NUMBER = "3514850000"  # the site's main DID, answered by an IVR
_UUID_EPOCH = 0x01B21DD213814000  # 100 ns ticks from 1582-10-15 (UUID time) to 1970
_TRUNK_CODECS = ("PCMA",) * 8 + ("G729",)
_PHONE_CODECS = ("PCMA", "G722", "G722", "OPUS")


def freeswitch_csv_records(
    *,
    count: int,
    start: dt.datetime,
    end: dt.datetime,
    extensions: Sequence[str],
    time_zone: ZoneInfo,
    seed: int = 0,
) -> Iterator[str]:
    """Yield ``count`` Master.csv lines (no line terminators) of calls in ``[start, end)``.

    Lines come in order of the call's end (when mod_cdr_csv writes them), which also
    lies in ``[start, end)``; stamps are printed in ``time_zone`` to the second.
    ``extensions`` are the site's extension numbers (digits, at most 6: the parser takes
    a longer caller number for an outside one).
    """
    start_ts, end_ts = checked_range(count, start, end, extensions, MAX_EXTENSION_DIGITS)
    # Checked above, when called; the lines come lazily from here.
    return records_at_instants(
        _FreeSWITCHCalls, count, start_ts, end_ts, list(extensions), time_zone, seed
    )


class _FreeSWITCHCalls(CallMaker):
    """Lines of the ``example`` template, one per call's A leg."""

    def __init__(self, rng: random.Random, extensions: list[str], time_zone: ZoneInfo):
        super().__init__(rng, extensions, time_zone)
        self.stamp = LocalStamps(time_zone)
        # The directory's effective_caller_id_name and accountcode of each user.
        self.names = {}
        self.accounts = {}
        for ext in extensions:
            vanilla = self.random() < 0.15
            self.names[ext] = f"Extension {ext}" if vanilla else self.user_name()
            self.accounts[ext] = ext if self.random() < 0.7 else ""
        self.node = f"{rng.getrandbits(48) | 1 << 40:012x}"  # a multicast-style node id
        self.clock_sequence = rng.getrandbits(14)

    def _uuid(self, ticks: int) -> str:
        """A version 1 uuid for a channel created ``ticks`` (100 ns) after 1970."""
        ticks += _UUID_EPOCH
        sequence = self.clock_sequence = (self.clock_sequence + 1) & 0x3FFF
        return (
            f"{ticks & 0xFFFFFFFF:08x}-{ticks >> 32 & 0xFFFF:04x}-"
            f"{ticks >> 48 & 0x0FFF | 0x1000:04x}-{sequence | 0x8000:04x}-{self.node}"
        )

    def _line(
        self,
        *,
        name: str,
        caller: str,
        destination: str,
        context: str,
        end: int,
        ring: int,
        talk: int,
        cause: str,
        account: str,
        codecs: Sequence[str],
    ) -> str:
        start = end - ring - talk
        stamp = self.stamp
        created = start * 10_000_000 + int(self.random() * 10_000_000)
        uuid = self._uuid(created)
        if talk:
            answer = stamp(start + ring)
            bleg = self._uuid(created + 10_000 + int(self.random() * 500_000))  # ms later
            codec = self.pick(codecs)
        else:
            answer = bleg = codec = ""
        return (
            f'"{name}","{caller}","{destination}","{context}","{stamp(start)}","{answer}",'
            f'"{stamp(end)}","{ring + talk}","{talk}","{cause}","{uuid}","{bleg}",'
            f'"{account}","{codec}","{codec}"'
        )

    def _unanswered(self, longest: int, cancel: float, no_answer: float) -> tuple[int, str]:
        """Ring time and hang-up cause of a call nobody answered."""
        outcome = self.random()
        if outcome < cancel:  # the caller gave up
            return min(self.between(3, 40), longest), "ORIGINATOR_CANCEL"
        if outcome < no_answer:  # the dialplan's call_timeout
            return min(self.between(28, 32), longest), "NO_ANSWER"
        return min(self.between(0, 3), longest), "USER_BUSY"

    def _outgoing(self, end: int, longest: int) -> str:
        random = self.random
        extension = self.pick(self.extensions)
        number, median, _ = self.outside_number()
        account = self.accounts[extension]
        if random() < 0.05:
            account = self.pick(ACCOUNT_CODES)
        outcome = random()
        talk = 0
        if outcome < 0.82:
            ring = 0 if random() < 0.2 else self.between(2, 25)
            ring, talk = fit(longest, ring, self.seconds(median))
            cause = "NORMAL_CLEARING"
            if not talk:
                cause = "ORIGINATOR_CANCEL"
        elif outcome < 0.98:
            ring, cause = self._unanswered(longest, 0.5, 0.8)
        else:  # the carrier does not know the number
            ring, cause = min(self.between(0, 2), longest), "UNALLOCATED_NUMBER"
        return self._line(
            name=self.names[extension],
            caller=extension,
            destination=ACCESS_CODE + number,
            context="default",
            end=end,
            ring=ring,
            talk=talk,
            cause=cause,
            account=account,
            codecs=_TRUNK_CODECS,
        )

    def _incoming(self, end: int, longest: int) -> str:
        random = self.random
        shown = random()
        if shown < 0.05:  # withheld
            caller, name = "anonymous", "Anonymous"
        else:
            national = self.cli()
            caller = "+54" + national if random() < 0.15 else national
            name = self.pick(CALLER_NAMES) if shown < 0.25 else caller
        destination = MAIN_NUMBER if random() < 0.1 else self.pick(self.extensions)
        talk = 0
        if random() < 0.86:
            ring = 0 if destination == MAIN_NUMBER else self.ring()  # the IVR answers
            ring, talk = fit(longest, ring, self.seconds(100))
            cause = "NORMAL_CLEARING" if talk else "ORIGINATOR_CANCEL"
        else:
            ring, cause = self._unanswered(longest, 0.7, 0.9)
        return self._line(
            name=name,
            caller=caller,
            destination=destination,
            context="public",
            end=end,
            ring=ring,
            talk=talk,
            cause=cause,
            account="",
            codecs=_TRUNK_CODECS,
        )

    def _internal(self, end: int, longest: int) -> str:
        extension = self.pick(self.extensions)
        callee = self.other_extension(extension)
        talk = 0
        if self.random() < 0.85:
            ring, talk = fit(longest, self.between(1, 15), self.seconds(45))
            cause = "NORMAL_CLEARING" if talk else "ORIGINATOR_CANCEL"
        else:
            ring, cause = self._unanswered(longest, 0.6, 0.9)
        return self._line(
            name=self.names[extension],
            caller=extension,
            destination=callee,
            context="default",
            end=end,
            ring=ring,
            talk=talk,
            cause=cause,
            account=self.accounts[extension],
            codecs=_PHONE_CODECS,
        )
