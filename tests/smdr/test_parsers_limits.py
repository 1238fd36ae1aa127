"""The check of every parsed call against what the database holds and plain sanity."""

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from billing.models import Call
from org.models import Extension, Trunk
from pbxsim import ALL_GENERATORS, source_settings
from smdr.parsers import PARSERS, ParsedCall, ParserSettings, RecordError
from smdr.parsers.limits import (
    MAX_DURATION,
    MAX_INTEGER,
    MAX_LENGTHS,
    MAX_RING,
    call_check,
    extension_fitting,
    trunk_fitting,
)

RECEIVED = dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC)
CALL = ParsedCall(
    start=dt.datetime(2026, 11, 2, 11, 30, tzinfo=dt.UTC),
    duration_seconds=125,
    ring_seconds=7,
    direction="outgoing",
    extension="2001",
    trunk="T9001",
    number="0351155550000",
    account_code="77",
    pbx_call_id="1000014160",
    answered=True,
    details={"caller": "Jane", "parties": ["2001", "T9001"]},
)


def check(**changes):
    call_check(dataclasses.replace(CALL, **changes), received_at=RECEIVED)


def test_a_plain_call_passes():
    check()
    check(duration_seconds=7 * 86400, ring_seconds=3600, extension="", trunk="")
    check(start=RECEIVED + dt.timedelta(hours=23))  # a PBX clock somewhat ahead


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"duration_seconds": 3_599_999_999}, "duration_seconds: 3599999999 is more than 7 days"),
        ({"duration_seconds": 7 * 86400 + 1}, "duration_seconds: 604801 is more than 7 days"),
        ({"duration_seconds": -1}, "duration_seconds: -1 is negative"),
        ({"duration_seconds": 1.5}, "duration_seconds: 1.5 is not a whole number of seconds"),
        ({"duration_seconds": True}, "duration_seconds: True is not a whole number of seconds"),
        ({"ring_seconds": 3601}, "ring_seconds: 3601 is more than 1 hour"),
        ({"ring_seconds": 999_999_999}, "ring_seconds: 999999999 is more than 1 hour"),
        (
            {"start": dt.datetime(1989, 12, 31, 23, tzinfo=dt.UTC)},
            "start: 1989-12-31T23:00:00+00:00 is before 1990",
        ),
        (
            {"start": RECEIVED + dt.timedelta(days=1, seconds=1)},
            "start: 2026-11-03T12:00:01+00:00 is more than 1 day after the record was "
            "received (2026-11-02T12:00:00+00:00)",
        ),
        # A naive start, on purpose: refused.
        ({"start": dt.datetime(2026, 11, 2)}, "start: datetime.datetime(2026, 11, 2, 0, 0) is"),  # noqa: DTZ001
        ({"direction": "sideways"}, "direction: 'sideways' is not one of"),
        ({"extension": "1" * 33}, "extension: '111111111111111111111111111111111' is longer "),
        ({"trunk": "T" * 65}, "trunk: "),
        ({"number": "035\x001"}, "number: '035\\x001' holds a NUL character"),
        ({"details": {"a": ["x\x00"]}}, "details: a value holds a NUL character"),
    ],
)
def test_what_the_database_cannot_hold_or_no_call_can_be_is_named(changes, message):
    with pytest.raises(RecordError) as raised:
        check(**changes)
    assert str(raised.value).startswith(message)


def test_nul_is_looked_for_only_when_the_record_holds_one():
    with pytest.raises(RecordError, match="number: '035\\\\x001' holds a NUL"):
        call_check(dataclasses.replace(CALL, number="035\x001"), record="2026/11/02,035\x001")
    call_check(CALL, record="2026/11/02 11:30,00:02:05,7,0351155550000")


def test_text_the_call_record_cuts_to_its_column_passes():
    """number, account code and PBX call id are cut to their columns when stored."""
    check(number="1" * 100, account_code="2" * 50, pbx_call_id="3" * 100)


def test_the_csv_families_blank_a_long_extension_and_cut_a_long_trunk():
    """What the CSV parsers (Asterisk, FreeSWITCH, 3CX, Cisco) do with them, in one place."""
    assert extension_fitting("2001") == "2001"
    assert extension_fitting("4" * 32) == "4" * 32
    assert extension_fitting("sip:" + "4" * 40 + "@pbx.example.org") == ""
    assert trunk_fitting("SIP/carrier") == "SIP/carrier"
    assert trunk_fitting("T" * 70) == "T" * 64


def test_the_limits_are_those_of_the_models():
    columns = {
        "extension": Extension._meta.get_field("number").max_length,
        "trunk": Trunk._meta.get_field("name").max_length,
    }
    assert columns == MAX_LENGTHS
    # The sanity limits are within the integer columns, so the check covers both.
    for name in ("duration_seconds", "ring_seconds"):
        assert Call._meta.get_field(name).get_internal_type() == "PositiveIntegerField"
    assert MAX_INTEGER > MAX_DURATION.total_seconds() > MAX_RING.total_seconds()


@pytest.mark.parametrize("family", sorted(ALL_GENERATORS))
def test_every_simulated_call_of_every_family_passes(family):
    """What the simulators of real PBXs print (calls up to hours, rings, trunks) passes."""
    end = dt.datetime(2026, 11, 2, 15, tzinfo=dt.UTC)
    zone = ZoneInfo("America/Argentina/Cordoba")
    parser = PARSERS[family](ParserSettings(zone, source_settings(family)))
    records = ALL_GENERATORS[family](
        count=500,
        start=end - dt.timedelta(days=2),
        end=end,
        extensions=["201", "2002", "2033"],
        time_zone=zone,
        seed=7,
    )
    calls = [parser.parse(record, end) for record in records]

    for call in calls:
        if call is not None:
            call_check(call, received_at=end)
    assert sum(call is not None for call in calls) >= 400
