"""What only the Unify OpenScape simulators have: OpenScape Voice's 130 fields, party
identifiers and SIP endpoints, and the HiPath 4000 records of the other generator."""

import datetime as dt
import re
from collections import Counter

from pbxsim import unify_openscape as simulator
from smdr.parsers import Direction

from .test_simulators_registry import CORDOBA, END, EXTENSIONS, START, month_of, parse_all


def test_records_are_full_cdrs_of_130_fields():
    month = month_of("unify-openscape")
    assert all(record.startswith("00000000,") for record in month.records)
    assert {record.count(",") for record in month.records} == {simulator.FIELDS - 1}
    assert len({call.pbx_call_id for call in month.calls}) == len(month.calls)


def test_party_identifiers_and_endpoints_give_direction_and_trunk():
    month = month_of("unify-openscape")
    parties = Counter(
        (record.split(",")[39], record.split(",")[40], call.direction)
        for record, call in zip(month.records, month.calls, strict=True)
    )
    assert set(parties) == {
        ("900", "903", Direction.OUTGOING),
        ("901", "902", Direction.INCOMING),
        ("900", "902", Direction.INTERNAL),
    }
    trunks = {call.direction: call.trunk for call in month.calls if call.trunk}
    assert trunks == {Direction.OUTGOING: "10.0.172.17", Direction.INCOMING: "10.0.172.18"}


def test_unanswered_calls_say_why():
    calls = [call for call in month_of("unify-openscape").calls if not call.answered]
    assert {call.details["attempt"] for call in calls} == {1, 5}
    assert all(call.ring_seconds > 0 for call in calls)


def test_the_docstring_cdr_has_the_generated_shape():
    shown = "00000000,2026-10-14T13:05:07.0-0300,93,,OSV01-0000000001,,,,,,04514789653,2044,"
    assert shown in simulator.__doc__
    shape = re.compile(
        r"00000000,[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.0-0300,[0-9]+,,OSV01-[0-9]{10},,,,,,"
        r"[0-9]*,[0-9]*,"
    )
    assert shape.match(shown)
    assert all(shape.match(record) for record in month_of("unify-openscape").records)


def test_hipath_4000_records_parse_back_to_their_calls():
    records = list(
        simulator.unify_openscape_hipath4000_records(
            count=600, start=START, end=END, extensions=EXTENSIONS, time_zone=CORDOBA, seed=2
        )
    )
    calls = parse_all("unify-openscape", [(record, END) for record in records])
    assert Counter(call.direction for call in calls).keys() == {
        Direction.OUTGOING,
        Direction.INCOMING,
        Direction.INTERNAL,
    }
    for record, call in zip(records, calls, strict=True):
        date, time, seconds, extension, number, trunk, units, account, _ = record.split(";")
        end = dt.datetime.strptime(f"{date} {time}", "%d.%m.%y %H:%M:%S").replace(tzinfo=CORDOBA)
        assert call.start == end.astimezone(dt.UTC) - dt.timedelta(seconds=int(seconds))
        assert (call.extension, call.number, call.trunk) == (extension, number, trunk)
        assert call.account_code == account
        assert call.details.get("units", "") == (int(units) if units else "")
    assert any(call.account_code for call in calls)
