"""NEC NEAX IMS SMDR records (KA, KK, KL, KM), from a seed.

:func:`nec_neax_records` yields each record's text as :class:`smdr.framing.STXFramer`
hands it on, without STX and ETX (``pbxsim.pbx.frame`` adds them, with no line end,
as the PBX sends them). Outgoing calls are mostly ``KA`` records in the 132-byte layout
of ``layout-nec-ka.md`` with the years filled in (offsets 116-119, as the
``capdaina.c`` PBX prints them) and now and then ``KK`` flexible records; incoming
calls are ``KL`` and station-to-station calls ``KM``, in the kinds and sizes of the
real records of zombat/NEC-SMDR-Collector's test data. E.g. a KA record of extension
2044 on route 001 trunk 012 dialling 0 351 4234567, 13:47:05 to 13:50:12 on 12 October
2026, 2 pulses (blanks shortened)::

    0!KA0010120012044  10121347051012135012 ... 0203514234567 ... 0002 ... 2626...

KA records carry an account code now and then. Calls end in ``[start, end)`` (the
PBX prints a record when the call ends) and start in it too. The same arguments give
the same records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from .common import ACCESS_CODE, CallMaker, checked_range, records_at_instants

STATION_WIDTH = 6


def nec_neax_records(
    *,
    count: int,
    start: dt.datetime,
    end: dt.datetime,
    extensions: Sequence[str],
    time_zone: ZoneInfo,
    seed: int = 0,
) -> Iterator[str]:
    """Yield ``count`` records (without STX and ETX) of calls in ``[start, end)``;
    ``extensions`` have at most 6 digits."""
    start_ts, end_ts = checked_range(count, start, end, extensions, STATION_WIDTH)
    return records_at_instants(_Calls, count, start_ts, end_ts, list(extensions), time_zone, seed)


def _field(kind: str, data: str, length: int | None = None) -> str:
    return f"{kind}{len(data) if length is None else length:02d}{data}"


class _Calls(CallMaker):
    """One call's record at a time; ``instant`` is the call's end. About one call in
    ten lasts 0 s (a KA the capdaina.c PBX printed, and capdaina dropped): not answered."""

    def _length(self, median: float, longest: int) -> int:
        return 0 if self.random() < 0.1 else min(self.seconds(median), longest)

    def _times(self, instant: int, seconds: int) -> tuple[dt.datetime, dt.datetime]:
        end = dt.datetime.fromtimestamp(instant, self.time_zone)
        return dt.datetime.fromtimestamp(instant - seconds, self.time_zone), end

    def _route(self) -> tuple[str, str]:
        return f"{self.between(1, 8):03d}", f"{self.between(1, 60):03d}"

    def _outgoing(self, instant: int, longest: int) -> str:
        station = self.pick(self.extensions)
        number, median, kind = self.outside_number()
        seconds = self._length(median, longest)
        began, ended = self._times(instant, seconds)
        route, trunk = self._route()
        dialled = ACCESS_CODE + number
        pulses = 0 if seconds == 0 or kind == "toll-free" else 1 + seconds // 120
        if self.random() < 0.8:
            account = self.pick(("", "", "", "1001", "2040"))
            return (
                f"0!KA{route}{trunk}001{station:<6}{began:%m%d%H%M%S}{ended:%m%d%H%M%S}"
                f"{account:<10}   020{'':6}{dialled:<32}{pulses:04d}{'':8}{'':10}"
                f"{began:%y}{ended:%y}0{'':6}{'':4}"
            )
        return "0!KK" + "".join(
            (
                _field("01", f"001{route}{trunk}{route}"),
                _field("02", f"0001{station:<6}"),
                _field("06", f"{began:%Y%m%d%H%M%S}000{ended:%Y%m%d%H%M%S}000"),
                _field("08", "000"),
                _field("10", dialled, len(dialled) + 1),
            )
        )

    def _incoming(self, instant: int, longest: int) -> str:
        station = self.pick(self.extensions)
        seconds = self._length(100, longest)
        began, ended = self._times(instant, seconds)
        route, trunk = self._route()
        cli = self.cli(withheld=0.08)
        fields = [
            _field("01", f"001{route}{trunk}{route}"),
            _field("04", f"0001{station:<6}"),
            _field("06", f"{began:%Y%m%d%H%M%S}000{ended:%Y%m%d%H%M%S}000"),
            _field("08", "000"),
            _field("10", station, len(station) + 1),
        ]
        if cli:
            fields.append(_field("16", "1" + cli))
        return "0!KL" + "".join(fields)

    def _internal(self, instant: int, longest: int) -> str:
        station = self.pick(self.extensions)
        callee = self.other_extension(station)
        seconds = self._length(45, longest)
        began, ended = self._times(instant, seconds)
        return "0!KM" + "".join(
            (
                _field("02", f"0001{station:<6}"),
                _field("04", f"0001{callee:<6}"),
                _field("06", f"{began:%Y%m%d%H%M%S}000{ended:%Y%m%d%H%M%S}000"),
            )
        )
