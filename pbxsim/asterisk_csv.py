'''Realistic Asterisk ``cdr_csv`` (Master.csv) records for a site in Argentina, from a seed.

:func:`asterisk_csv_records` yields Master.csv lines (without the LF) in the 18-column
layout of the ``cdr.conf`` Asterisk ships (``loguniqueid`` and ``loguserfield`` on, see
``pbx-formats.md`` section 7), times local to the site (``usegmtime`` off), e.g.
Valentina Bianchi at extension 2033 calling a Córdoba mobile, 0351 15 755 2317, through
the outside access code ``0`` and the ``telecom-ar`` SIP trunk, 16 s of ringing and
1 min 17 s of conversation::

    "","2033","00351157552317","from-internal","""Valentina Bianchi"" <2033>",
    "PJSIP/2033-000104a4","PJSIP/telecom-ar-000104a5","Dial",
    "PJSIP/0351157552317@telecom-ar,300,Tt","2026-10-06 07:02:02","2026-10-06 07:02:18",
    "2026-10-06 07:03:35",93,77,"ANSWERED","DOCUMENTATION","1791280922.27211",""

(one line, wrapped here). The mix: outgoing calls from ``from-internal`` (local
Córdoba, national, mobile, toll-free and international numbers) over PJSIP trunks or an
E1 PRI (``DAHDI/i1``), now and then with an account code, some ``NO ANSWER``, ``BUSY``
or ``FAILED``; incoming calls in ``from-trunk`` (SIP) or ``from-pstn`` (PRI) with the
caller's number and name (or ``anonymous``), to the DID or ``s``, bridged to the
extension's phone (``PJSIP/2001-...``, a few legacy ``SIP/``), some not answered;
internal calls; business hours weighted. One row per call (no transfers, queues or
``Local`` channels). Asterisk writes a row when the call ends: rows come in order of
their end time, and every call starts in ``[start, end)``. The same arguments always
give the same lines; every line parses with
:class:`smdr.parsers.asterisk_csv.AsteriskCSVParser` under its default options.
'''

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

# The parser's default max_extension_digits: a longer channel name is not an extension.
MAX_EXTENSION_DIGITS = 6
_SIP_TRUNKS = ("telecom-ar", "telecom-ar", "claro-sip")  # PJSIP endpoints of carriers
_PRI = "DAHDI/i1"  # an E1 PRI span; the dialplan dials its group g0


def asterisk_csv_records(
    *,
    count: int,
    start: dt.datetime,
    end: dt.datetime,
    extensions: Sequence[str],
    time_zone: ZoneInfo,
    seed: int = 0,
) -> Iterator[str]:
    """Yield ``count`` Master.csv lines (no line terminators) of calls in ``[start, end)``.

    Lines come in order of the call's end (when Asterisk writes them), which also lies
    in ``[start, end)``; times are printed in ``time_zone`` to the second.
    ``extensions`` are the site's extension numbers (digits, at most 6: the parser
    takes a longer channel name for a trunk).
    """
    start_ts, end_ts = checked_range(count, start, end, extensions, MAX_EXTENSION_DIGITS)
    # Checked above, when called; the lines come lazily from here.
    return records_at_instants(
        _AsteriskCalls, count, start_ts, end_ts, list(extensions), time_zone, seed
    )


class _AsteriskCalls(CallMaker):
    """Master.csv rows: one per call, bridged between two channels (or attempted)."""

    def __init__(self, rng: random.Random, extensions: list[str], time_zone: ZoneInfo):
        super().__init__(rng, extensions, time_zone)
        self.stamp = LocalStamps(time_zone)
        # Each phone's technology, and its caller id as cdr_csv quotes it.
        self.phones = {}
        self.clids = {}
        for ext in extensions:
            self.phones[ext] = "SIP" if self.random() < 0.12 else "PJSIP"
            self.clids[ext] = f'"""{self.user_name()}"" <{ext}>"'
        self.channel = 0x1000 + rng.randrange(0x10000)  # channel name sequence
        self.unique = 1000 + rng.randrange(100_000)  # uniqueid sequence

    def _channels(self) -> tuple[int, int]:
        """The sequence numbers of a call's two channels."""
        first = self.channel = self.channel + self.between(2, 4)
        return first, first + 1

    def _line(
        self,
        *,
        account: str,
        src: str,
        dst: str,
        context: str,
        clid: str,
        channel: str,
        dst_channel: str,
        last_data: str,
        end: int,
        ring: int,
        talk: int,
        disposition: str,
    ) -> str:
        start = end - ring - talk
        stamp = self.stamp
        answer = f'"{stamp(start + ring)}"' if talk else ""  # unanswered: empty, unquoted
        self.unique += self.between(2, 4)
        return (
            f'"{account}","{src}","{dst}","{context}",{clid},"{channel}","{dst_channel}",'
            f'"Dial","{last_data}","{stamp(start)}",{answer},"{stamp(end)}",{ring + talk},'
            f'{talk},"{disposition}","DOCUMENTATION","{start}.{self.unique}",""'
        )

    def _outgoing(self, end: int, longest: int) -> str:
        random = self.random
        extension = self.pick(self.extensions)
        number, median, _ = self.outside_number()
        first, second = self._channels()
        if random() < 0.75:
            trunk = self.pick(_SIP_TRUNKS)
            dst_channel = f"PJSIP/{trunk}-{second:08x}"
            last_data = f"PJSIP/{number}@{trunk},300,Tt"
        else:
            dst_channel = f"{_PRI}/{number}-{second:x}"
            last_data = f"DAHDI/g0/{number},300,Tt"
        account = self.pick(ACCOUNT_CODES) if random() < 0.05 else ""
        outcome = random()
        if outcome < 0.82:
            ring = 0 if random() < 0.2 else self.between(2, 25)
            ring, talk = fit(longest, ring, self.seconds(median))
            disposition = "ANSWERED" if talk else "NO ANSWER"
        elif outcome < 0.93:
            ring, talk, disposition = min(self.between(15, 45), longest), 0, "NO ANSWER"
        elif outcome < 0.98:
            ring, talk, disposition = min(self.between(0, 4), longest), 0, "BUSY"
        else:  # the trunk refused the call: no channel to the other side
            ring, talk, disposition, dst_channel = 0, 0, "FAILED", ""
        return self._line(
            account=account,
            src=extension,
            dst=ACCESS_CODE + number,
            context="from-internal",
            clid=self.clids[extension],
            channel=f"{self.phones[extension]}/{extension}-{first:08x}",
            dst_channel=dst_channel,
            last_data=last_data,
            end=end,
            ring=ring,
            talk=talk,
            disposition=disposition,
        )

    def _incoming(self, end: int, longest: int) -> str:
        random = self.random
        extension = self.pick(self.extensions)
        phone = self.phones[extension]
        first, second = self._channels()
        shown = random()
        if shown < 0.06:  # withheld
            cli, clid = "anonymous", '"""Anonymous"" <anonymous>"'
        else:
            cli = self.cli()
            name = self.pick(CALLER_NAMES) if shown < 0.30 else cli
            clid = f'"""{name}"" <{cli}>"'
        if cli != "anonymous" and random() < 0.25:  # the E1 PRI: the DID, or none
            channel = f"{_PRI}/{cli}-{first:x}"
            context = "from-pstn"
            dst = "s" if random() < 0.5 else "351485" + extension.zfill(4)[-4:]
        else:
            channel = f"PJSIP/{self.pick(_SIP_TRUNKS)}-{first:08x}"
            context = "from-trunk"
            dst = "351485" + extension.zfill(4)[-4:]
        outcome = random()
        if outcome < 0.86:
            ring, talk = fit(longest, self.ring(), self.seconds(100))
            disposition = "ANSWERED" if talk else "NO ANSWER"
        elif outcome < 0.97:
            ring, talk, disposition = min(self.between(8, 45), longest), 0, "NO ANSWER"
        else:
            ring, talk, disposition = min(self.between(0, 2), longest), 0, "BUSY"
        return self._line(
            account="",
            src=cli,
            dst=dst,
            context=context,
            clid=clid,
            channel=channel,
            dst_channel=f"{phone}/{extension}-{second:08x}",
            last_data=f"{phone}/{extension},30,tr",
            end=end,
            ring=ring,
            talk=talk,
            disposition=disposition,
        )

    def _internal(self, end: int, longest: int) -> str:
        random = self.random
        extension = self.pick(self.extensions)
        callee = self.other_extension(extension)
        first, second = self._channels()
        outcome = random()
        if outcome < 0.85:
            ring, talk = fit(longest, self.between(1, 15), self.seconds(45))
            disposition = "ANSWERED" if talk else "NO ANSWER"
        elif outcome < 0.95:
            ring, talk, disposition = min(self.between(5, 20), longest), 0, "NO ANSWER"
        else:
            ring, talk, disposition = min(self.between(0, 2), longest), 0, "BUSY"
        phone = self.phones[callee]
        return self._line(
            account="",
            src=extension,
            dst=callee,
            context="from-internal",
            clid=self.clids[extension],
            channel=f"{self.phones[extension]}/{extension}-{first:08x}",
            dst_channel=f"{phone}/{callee}-{second:08x}",
            last_data=f"{phone}/{callee},20,tr",
            end=end,
            ring=ring,
            talk=talk,
            disposition=disposition,
        )
