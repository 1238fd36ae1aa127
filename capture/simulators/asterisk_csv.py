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
:class:`capture.parsers.asterisk_csv.AsteriskCSVParser` under its default options.

The module also holds what the end-ordered CDR generators of FreeSWITCH, Cisco UCM and
3CX share: argument checks, fast local time stamps and a base maker of calls.
'''

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from .avaya_ipoffice import (
    _AREAS,
    _COUNTRIES,
    _FIRST_NAMES,
    _LAST_NAMES,
    _LOCAL_AREA,
    _OTHER_NAMES,
    ACCESS_CODE,
    _instants,
)

# The parser's default max_extension_digits: a longer channel name is not an extension.
MAX_EXTENSION_DIGITS = 6
_ACCOUNT_CODES = ("1001", "1002", "2040", "3300")
# Caller names as carriers send them (CNAM), never with quotes or commas.
_CALLER_NAMES = (
    "GOMEZ MARIA", "PEREZ JUAN", "ACME SA", "LOPEZ HNOS", "CLINICA SUR", "BANCO CORDOBA",
    "DIAZ ROSA", "SOSA CARLOS", "TRANSPORTES NORTE", "ROSSI E HIJOS",
)  # fmt: skip
_SIP_TRUNKS = ("telecom-ar", "telecom-ar", "claro-sip")  # PJSIP endpoints of carriers
_PRI = "DAHDI/i1"  # an E1 PRI span; the dialplan dials its group g0
_EPOCH = dt.date(1970, 1, 1)
# Local clock texts: "HH:MM:" for each minute of a day and "SS" for each second.
_MINUTES = tuple(f"{minute // 60:02d}:{minute % 60:02d}:" for minute in range(1440))
_SECONDS = tuple(f"{second:02d}" for second in range(60))
_VARIES = 1 << 40  # an hour whose UTC offset changes within it


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
    start_ts, end_ts = _checked(count, start, end, extensions, MAX_EXTENSION_DIGITS)
    # Checked above, when called; the lines come lazily from here.
    return _records(_AsteriskCalls, count, start_ts, end_ts, list(extensions), time_zone, seed)


def _checked(
    count: int,
    start: dt.datetime,
    end: dt.datetime,
    extensions: Sequence[str],
    max_digits: int | None,
) -> tuple[int, float]:
    """The range as (first whole second, end) POSIX times, after checking the arguments."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be aware datetimes")
    if count < 0:
        raise ValueError("count must not be negative")
    if not extensions or not all(
        ext.isdigit() and ext.isascii() and (max_digits is None or len(ext) <= max_digits)
        for ext in extensions
    ):
        longest = "" if max_digits is None else f" of at most {max_digits} digits"
        raise ValueError(f"extensions must be a non-empty sequence of digit strings{longest}")
    start_ts = math.ceil(start.timestamp())
    end_ts = end.timestamp()
    if end_ts <= start_ts:
        raise ValueError("end must be at least a whole second after start")
    return start_ts, end_ts


def _records(
    maker: type[_Calls],
    count: int,
    start_ts: int,
    end_ts: float,
    extensions: list[str],
    time_zone: ZoneInfo,
    seed: int,
) -> Iterator[str]:
    """One record per call, in order of the calls' ends: ``count`` ascending instants."""
    if count == 0:
        return
    rng = random.Random(seed)
    calls = maker(rng, extensions, time_zone)
    record = calls.record
    for instant in _instants(rng, count, start_ts, end_ts, time_zone):
        yield record(instant, instant - start_ts)


class _LocalStamps:
    """POSIX seconds as ``YYYY-MM-DD HH:MM:SS`` in a zone, about four times faster than
    formatting ``datetime.fromtimestamp``: the UTC offset is looked up once an hour."""

    def __init__(self, time_zone: ZoneInfo, date_separator: str = "-"):
        self.zone = time_zone
        self.separator = date_separator
        self.offsets: dict[int, int] = {}  # UTC hour -> offset in seconds, or _VARIES
        self.days: dict[int, str] = {}  # local day since 1970 -> "YYYY-MM-DD "

    def __call__(self, seconds: int) -> str:
        hour = seconds // 3600
        offset = self.offsets.get(hour)
        if offset is None:
            offset = self._offset(hour)
        if offset == _VARIES:
            local = dt.datetime.fromtimestamp(seconds, self.zone)
            return self._day(local.toordinal() - _EPOCH.toordinal()) + (
                _MINUTES[local.hour * 60 + local.minute] + _SECONDS[local.second]
            )
        day, second = divmod(seconds + offset, 86400)
        text = self.days.get(day)
        if text is None:
            text = self._day(day)
        return text + _MINUTES[second // 60] + _SECONDS[second % 60]

    def _offset(self, hour: int) -> int:
        """The UTC offset throughout ``hour`` (seconds), or _VARIES when it changes."""
        first = dt.datetime.fromtimestamp(hour * 3600, self.zone).utcoffset()
        last = dt.datetime.fromtimestamp(hour * 3600 + 3599, self.zone).utcoffset()
        offset = int(first.total_seconds()) if first == last else _VARIES
        self.offsets[hour] = offset
        return offset

    def _day(self, day: int) -> str:
        text = self.days.get(day)
        if text is None:
            date = dt.date.fromordinal(_EPOCH.toordinal() + day)
            separator = self.separator
            text = f"{date.year:04d}{separator}{date.month:02d}{separator}{date.day:02d} "
            self.days[day] = text
        return text


class _Calls:
    """Makes one call's record at a time, from a shared random stream.

    Subclasses define ``record(end, longest)``: the record of a call that ends at
    ``end`` (POSIX seconds) and may last at most ``longest`` seconds, ringing included,
    so that it starts in the range.
    """

    def __init__(self, rng: random.Random, extensions: list[str], time_zone: ZoneInfo):
        self.rng = rng
        self.random = rng.random
        self.extensions = extensions
        self.has_colleagues = len(set(extensions)) > 1  # internal calls, transfers
        self.time_zone = time_zone

    def record(self, end: int, longest: int) -> str:
        raise NotImplementedError

    def _pick(self, choices: Sequence):
        """``random.choice``, a few times faster (``int(random() * n)`` is uniform enough)."""
        return choices[int(self.random() * len(choices))]

    def _between(self, low: int, high: int) -> int:
        """``random.randint``, a few times faster."""
        return low + int(self.random() * (high - low + 1))

    def _seconds(self, median: float) -> int:
        """A conversation's length: log-normal around ``median``, 1 s to 4 h."""
        seconds = int(self.rng.lognormvariate(math.log(median), 0.9)) + 1
        return min(seconds, 4 * 3600)

    def _ring(self) -> int:
        """How long an incoming call rings before it is answered (2 s to a minute)."""
        return min(int(self.rng.expovariate(1 / 7)) + 2, 60)

    def _digits(self, length: int) -> str:
        low = 10 ** (length - 1)
        return str(low + int(self.random() * 9 * low))

    def _user_name(self) -> str:
        if self.random() < 0.04:
            return self._pick(_OTHER_NAMES)
        return f"{self._pick(_FIRST_NAMES)} {self._pick(_LAST_NAMES)}"

    def _outside_number(self) -> tuple[str, float, str]:
        """A number as dialled after the access code, a typical duration, and its kind."""
        kind = self.random()
        if kind < 0.40:  # local Córdoba
            return self._pick("45") + self._digits(6), 75, "local"
        if kind < 0.62:  # national
            area, length = self._pick(_AREAS)
            return "0" + area + self._digits(length), 120, "national"
        if kind < 0.72:  # mobile, local short form
            return "15" + self._digits(7), 60, "mobile"
        if kind < 0.92:  # mobile, full form
            area, length = self._pick((*_AREAS, (_LOCAL_AREA, 7), (_LOCAL_AREA, 7)))
            return "0" + area + "15" + self._digits(length), 60, "mobile"
        if kind < 0.95:  # toll-free
            return "0800" + self._digits(7), 150, "toll-free"
        country, length = self._pick(_COUNTRIES)
        return "00" + country + self._digits(length), 240, "international"

    def _cli(self) -> str:
        """The caller's national significant number, as a carrier presents it."""
        if self.random() < 0.80:
            return _LOCAL_AREA + self._pick("4556") + self._digits(6)
        area, length = self._pick(_AREAS)
        return area + self._digits(length)

    def _other_extension(self, extension: str) -> str:
        extensions = self.extensions
        while True:
            other = self._pick(extensions)
            if other != extension:
                return other


def _fit(longest: int, ring: int, talk: int) -> tuple[int, int]:
    """Ring and talk times cut to last at most ``longest`` seconds together.

    Talk is cut before ring and stays at least 1 s when it was, unless ``longest`` is
    0: then nothing fits, and the caller makes the call an unanswered one (talk 0).
    """
    if ring + talk <= longest:
        return ring, talk
    talk = min(talk, longest)
    return min(ring, longest - talk), talk


class _AsteriskCalls(_Calls):
    """Master.csv rows: one per call, bridged between two channels (or attempted)."""

    def __init__(self, rng: random.Random, extensions: list[str], time_zone: ZoneInfo):
        super().__init__(rng, extensions, time_zone)
        self.stamp = _LocalStamps(time_zone)
        # Each phone's technology, and its caller id as cdr_csv quotes it.
        self.phones = {}
        self.clids = {}
        for ext in extensions:
            self.phones[ext] = "SIP" if self.random() < 0.12 else "PJSIP"
            self.clids[ext] = f'"""{self._user_name()}"" <{ext}>"'
        self.channel = 0x1000 + rng.randrange(0x10000)  # channel name sequence
        self.unique = 1000 + rng.randrange(100_000)  # uniqueid sequence

    def _channels(self) -> tuple[int, int]:
        """The sequence numbers of a call's two channels."""
        first = self.channel = self.channel + self._between(2, 4)
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
        self.unique += self._between(2, 4)
        return (
            f'"{account}","{src}","{dst}","{context}",{clid},"{channel}","{dst_channel}",'
            f'"Dial","{last_data}","{stamp(start)}",{answer},"{stamp(end)}",{ring + talk},'
            f'{talk},"{disposition}","DOCUMENTATION","{start}.{self.unique}",""'
        )

    def record(self, end: int, longest: int) -> str:
        kind = self.random()
        if kind < 0.50:
            return self._outgoing(end, longest)
        if kind < 0.82 or not self.has_colleagues:
            return self._incoming(end, longest)
        return self._internal(end, longest)

    def _outgoing(self, end: int, longest: int) -> str:
        random = self.random
        extension = self._pick(self.extensions)
        number, median, _ = self._outside_number()
        first, second = self._channels()
        if random() < 0.75:
            trunk = self._pick(_SIP_TRUNKS)
            dst_channel = f"PJSIP/{trunk}-{second:08x}"
            last_data = f"PJSIP/{number}@{trunk},300,Tt"
        else:
            dst_channel = f"{_PRI}/{number}-{second:x}"
            last_data = f"DAHDI/g0/{number},300,Tt"
        account = self._pick(_ACCOUNT_CODES) if random() < 0.05 else ""
        outcome = random()
        if outcome < 0.82:
            ring = 0 if random() < 0.2 else self._between(2, 25)
            ring, talk = _fit(longest, ring, self._seconds(median))
            disposition = "ANSWERED" if talk else "NO ANSWER"
        elif outcome < 0.93:
            ring, talk, disposition = min(self._between(15, 45), longest), 0, "NO ANSWER"
        elif outcome < 0.98:
            ring, talk, disposition = min(self._between(0, 4), longest), 0, "BUSY"
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
        extension = self._pick(self.extensions)
        phone = self.phones[extension]
        first, second = self._channels()
        shown = random()
        if shown < 0.06:  # withheld
            cli, clid = "anonymous", '"""Anonymous"" <anonymous>"'
        else:
            cli = self._cli()
            name = self._pick(_CALLER_NAMES) if shown < 0.30 else cli
            clid = f'"""{name}"" <{cli}>"'
        if cli != "anonymous" and random() < 0.25:  # the E1 PRI: the DID, or none
            channel = f"{_PRI}/{cli}-{first:x}"
            context = "from-pstn"
            dst = "s" if random() < 0.5 else "351485" + extension.zfill(4)[-4:]
        else:
            channel = f"PJSIP/{self._pick(_SIP_TRUNKS)}-{first:08x}"
            context = "from-trunk"
            dst = "351485" + extension.zfill(4)[-4:]
        outcome = random()
        if outcome < 0.86:
            ring, talk = _fit(longest, self._ring(), self._seconds(100))
            disposition = "ANSWERED" if talk else "NO ANSWER"
        elif outcome < 0.97:
            ring, talk, disposition = min(self._between(8, 45), longest), 0, "NO ANSWER"
        else:
            ring, talk, disposition = min(self._between(0, 2), longest), 0, "BUSY"
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
        extension = self._pick(self.extensions)
        callee = self._other_extension(extension)
        first, second = self._channels()
        outcome = random()
        if outcome < 0.85:
            ring, talk = _fit(longest, self._between(1, 15), self._seconds(45))
            disposition = "ANSWERED" if talk else "NO ANSWER"
        elif outcome < 0.95:
            ring, talk, disposition = min(self._between(5, 20), longest), 0, "NO ANSWER"
        else:
            ring, talk, disposition = min(self._between(0, 2), longest), 0, "BUSY"
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
