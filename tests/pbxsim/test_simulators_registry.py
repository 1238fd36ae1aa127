"""What every record generator promises, family by family over the registry: the same
records from the same arguments, exactly ``count`` of them, bad arguments refused at
the call, business hours, and records that all parse into calls in the range.

The month of records and calls here (:func:`month_of`) is shared: what a family's
records hold, family by family, is tested in ``test_simulators_families.py`` and what
only one family has (its columns, its call types) in ``test_simulators_<family>.py``.
"""

import datetime as dt
import functools
import inspect
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pbxsim import ALL_GENERATORS, GENERATORS, source_settings
from pbxsim.avaya_cm import avaya_cm_timed_records
from pbxsim.mitel_5000 import mitel_5000_timed_records
from pbxsim.mitel_mivb import mitel_mivb_timed_records
from pbxsim.siemens_hipath import siemens_hipath_timed_records
from smdr.parsers import PARSERS, Direction, ParserSettings
from tests.properties import utc_datetimes

FAMILIES = sorted(ALL_GENERATORS)
CORDOBA = ZoneInfo("America/Argentina/Cordoba")
END = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
START = END - dt.timedelta(days=30)
EXTENSIONS = [str(number) for number in range(2000, 2060)]
# Formats without a date are dated from their receipt: these generators say when each
# record is printed (the call's end).
TIMED = {
    "mitel-5000": mitel_5000_timed_records,
    "mitel-mivb": mitel_mivb_timed_records,
    "avaya-cm": avaya_cm_timed_records,
    "siemens-hipath": siemens_hipath_timed_records,
}
# An extension too wide for the family's column, where the column has a width.
TOO_WIDE = {
    "mitel-5000": "123456",
    "mitel-mivb": "12345",
    "avaya-cm": "123456",
    "siemens-hipath": "1234567",
    "panasonic": "123456",
    "nec": "12345678901",
    "samsung-officeserv": "1234567",
    "asterisk-csv": "1234567",
    "freeswitch-csv": "1234567",
    "generic": "12345",
    "alcatel-omnipcx": "123456",
}
# Timed records are received this long after their call ended.
DELAY = dt.timedelta(minutes=1)
# Starts are printed to the minute, and a local time in a DST fold is read as its first
# occurrence: a parsed start may be this much before the call's.
EARLIEST = dt.timedelta(hours=1, minutes=1)


def generate(
    family, count=2_000, *, start=START, end=END, extensions=EXTENSIONS, zone=CORDOBA, seed=1
):
    return list(
        ALL_GENERATORS[family](
            count=count, start=start, end=end, extensions=extensions, time_zone=zone, seed=seed
        )
    )


def received(family, count, *, start, end, extensions, zone, seed):
    """(record, time of receipt) pairs: a minute after the call ended where the family
    says when, else two hours after the range (past any DST change)."""
    arguments = {"count": count, "start": start, "end": end, "extensions": extensions}
    arguments |= {"time_zone": zone, "seed": seed}
    if family in TIMED:
        return [
            (record, dt.datetime.fromtimestamp(ended, dt.UTC) + DELAY)
            for ended, record in TIMED[family](**arguments)
        ]
    later = end + dt.timedelta(hours=2)
    return [(record, later) for record in ALL_GENERATORS[family](**arguments)]


def parse_all(family, pairs, zone=CORDOBA):
    parser = PARSERS[family](ParserSettings(time_zone=zone, options=source_settings(family)))
    return [parser.parse(record, received_at) for record, received_at in pairs]


class Month(NamedTuple):
    records: list[str]
    received: list[dt.datetime]
    calls: list


@functools.cache
def month_of(family):
    """2,000 records of a month at a Córdoba site (seed 1), when each was received, and
    the calls they parse into."""
    pairs = received(
        family, 2_000, start=START, end=END, extensions=EXTENSIONS, zone=CORDOBA, seed=1
    )
    records = [record for record, _ in pairs]
    return Month(records, [received_at for _, received_at in pairs], parse_all(family, pairs))


@pytest.fixture(scope="module", params=FAMILIES)
def month(request):
    """The month of :func:`month_of` of every family: (family, records, calls)."""
    records, _, calls = month_of(request.param)
    return request.param, records, calls


def test_registry_holds_every_family_with_a_parser():
    """Every PBX family id has a generator; only generic needs settings for its records."""
    assert set(ALL_GENERATORS) == set(PARSERS)
    assert set(ALL_GENERATORS) - set(GENERATORS) == {"generic"}
    assert source_settings("generic")["column_map"]["format"] == "fixed"
    assert source_settings("nec") == {}


@pytest.mark.parametrize("family", FAMILIES)
def test_same_arguments_same_records(family):
    assert generate(family, 300) == generate(family, 300)
    assert generate(family, 300) != generate(family, 300, seed=2)


@pytest.mark.parametrize("family", sorted(TIMED))
def test_timed_records_are_the_records_with_their_times(family):
    """A family's ``*_records`` is its ``*_timed_records`` without the times, with the
    same keyword-only arguments (both come from the shared loop in pbxsim.common)."""
    arguments = {"count": 500, "start": START, "end": END, "extensions": EXTENSIONS}
    timed = list(TIMED[family](**arguments, time_zone=CORDOBA, seed=4))
    records = ALL_GENERATORS[family]

    assert [record for _, record in timed] == generate(family, 500, seed=4)
    assert inspect.signature(records).parameters == inspect.signature(TIMED[family]).parameters
    assert records.__name__ == TIMED[family].__name__.replace("_timed_records", "_records")
    assert records.__doc__.startswith("Yield ``count`` ")


def test_yields_count_records_without_terminators(month):
    """No record ends in a terminator; star-hash's outgoing calls are two records
    joined by CR LF, as its framer joins them."""
    family, records, _ = month
    assert len(records) == 2_000
    assert all(isinstance(record, str) and record for record in records)
    if family == "star-hash":
        records = [part for record in records for part in record.split("\r\n")]
    assert not any(set(record) & {"\r", "\n", "\x00"} for record in records)


def test_every_record_parses_into_a_call_in_the_range(month):
    """No record is an error or noise; every start lies in the range."""
    _, _, calls = month
    assert all(call is not None for call in calls)
    for call in calls:
        assert START - EARLIEST <= call.start < END
        assert call.start.tzinfo is dt.UTC
        assert not call.answered or call.duration_seconds > 0
        assert 0 <= call.duration_seconds <= 4 * 3600


def test_mixes_directions_and_outcomes(month):
    """Calls go out and (but for generic, whose map has no direction column) come in;
    some are not answered."""
    family, _, calls = month
    directions = {call.direction for call in calls}
    assert Direction.OUTGOING in directions
    if family != "generic":
        assert Direction.INCOMING in directions
    assert any(call.answered for call in calls)
    assert any(not call.answered for call in calls)


def test_business_hours_are_busiest(month):
    """Most calls start on weekdays between 8 and 19, local time."""
    _, _, calls = month
    local = [call.start.astimezone(CORDOBA) for call in calls]
    office = sum(start.weekday() < 5 and 8 <= start.hour < 19 for start in local)
    assert office / len(calls) > 0.8


@pytest.mark.parametrize("family", FAMILIES)
def test_a_single_extension_makes_no_internal_calls(family):
    """With one extension there is nobody to call inside."""
    pairs = received(family, 300, start=START, end=END, extensions=["201"], zone=CORDOBA, seed=1)
    calls = parse_all(family, pairs)
    assert all(call.direction != Direction.INTERNAL for call in calls)


@pytest.mark.parametrize("family", FAMILIES)
def test_zero_count_yields_nothing(family):
    assert generate(family, 0) == []


BAD_ARGUMENTS = [
    {"start": dt.datetime(2026, 10, 1)},  # noqa: DTZ001 (naive on purpose: refused)
    {"end": START},
    {"extensions": []},
    {"extensions": ["20a"]},
    {"count": -1},
]


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("arguments", BAD_ARGUMENTS)
def test_bad_arguments_fail_at_the_call(family, arguments):
    """Bad arguments raise ValueError when called, before any record is asked for."""
    keywords = {
        "count": 10,
        "start": START,
        "end": END,
        "extensions": EXTENSIONS,
        "time_zone": CORDOBA,
    } | arguments
    with pytest.raises(ValueError):
        ALL_GENERATORS[family](**keywords)


@pytest.mark.parametrize(("family", "extension"), sorted(TOO_WIDE.items()))
def test_extensions_wider_than_the_column_fail_at_the_call(family, extension):
    with pytest.raises(ValueError, match="extensions"):
        generate(family, 10, extensions=[extension])


@settings(max_examples=150, deadline=None)
@given(
    family=st.sampled_from(FAMILIES),
    seed=st.integers(min_value=0, max_value=2**32),
    count=st.integers(min_value=1, max_value=60),
    start=utc_datetimes(
        dt.datetime(2000, 1, 1, tzinfo=dt.UTC), dt.datetime(2035, 1, 1, tzinfo=dt.UTC)
    ),
    span_seconds=st.integers(min_value=120, max_value=90 * 86_400),
    zone=st.sampled_from(
        ["America/Argentina/Cordoba", "Europe/London", "Australia/Lord_Howe", "Asia/Kathmandu"]
    ),
    extensions=st.lists(st.from_regex(r"[0-9]{2,4}", fullmatch=True), min_size=1, max_size=5),
)
def test_every_generated_record_parses(family, seed, count, start, span_seconds, zone, extensions):
    """Whatever the seed, span, zone and extensions, every record parses into a call
    that starts in the range."""
    time_zone = ZoneInfo(zone)
    end = start + dt.timedelta(seconds=span_seconds)
    pairs = received(
        family, count, start=start, end=end, extensions=extensions, zone=time_zone, seed=seed
    )
    assert len(pairs) == count
    for call in parse_all(family, pairs, time_zone):
        assert call is not None
        assert start - EARLIEST <= call.start < end
        assert not call.answered or call.duration_seconds > 0
