"""What only the FreeSWITCH mod_cdr_csv generator makes: the example template's 15
quoted columns, version 1 uuids, hangup causes and codecs, the main number.

What every family's month holds is tested in ``test_simulators_families.py``.
"""

import csv
import datetime as dt
import uuid
from collections import Counter

from pbxsim.freeswitch_csv import MAIN_NUMBER
from smdr.parsers import Direction
from smdr.parsers.freeswitch_csv import EXAMPLE_TEMPLATE

from .test_simulators_families import by_direction
from .test_simulators_registry import EXTENSIONS, month_of

# The start of the Gregorian calendar, where version 1 uuids count from.
UUID_EPOCH = dt.datetime(1582, 10, 15, tzinfo=dt.UTC)


def month():
    return month_of("freeswitch-csv")


def test_lines_are_the_example_template():
    """The 15 template columns, every one quoted."""
    lines = month().records
    rows = [next(csv.reader([line])) for line in lines]
    assert all(len(row) == len(EXAMPLE_TEMPLATE) == 15 for row in rows)
    assert all(line.count('"') == 30 for line in lines)  # no quote or comma in a value


def test_uuids_are_version_1_from_the_channels_creation():
    """The uuids are time-based, made in the start's second; the B leg's a little later
    and only for bridged calls; all differ."""
    lines, _, calls = month()
    seen = set()
    for line, call in zip(lines, calls, strict=True):
        row = next(csv.reader([line]))
        a_leg = uuid.UUID(row[10])
        assert a_leg.version == 1
        created = UUID_EPOCH + dt.timedelta(microseconds=a_leg.time // 10)
        assert dt.timedelta(0) <= created - call.start < dt.timedelta(seconds=1)
        assert call.pbx_call_id == row[10]
        if call.answered:
            b_leg = uuid.UUID(call.details["bleg_uuid"])
            assert b_leg.version == 1 and b_leg.node == a_leg.node
            assert 0 < b_leg.time - a_leg.time < 10_000_000
            seen.add(b_leg)
        else:
            assert "bleg_uuid" not in call.details
        seen.add(a_leg)
    assert len(seen) == sum(2 if call.answered else 1 for call in calls)


def test_answered_calls_clear_normally_and_the_others_use_no_codec():
    calls = month().calls
    answered = [call for call in calls if call.answered]
    assert all(call.details["hangup_cause"] == "NORMAL_CLEARING" for call in answered)
    assert all(call.details["read_codec"] == call.details["write_codec"] for call in answered)
    assert all("read_codec" not in call.details for call in calls if not call.answered)


def test_only_calls_to_the_main_number_have_no_extension():
    """Calls to the main number reach no extension (the DID is in details); every other
    call names one, and none logs a gateway."""
    calls = month().calls
    to_main = [call for call in calls if call.details.get("ddi") == MAIN_NUMBER]
    assert to_main and all(call.extension == "" for call in to_main)
    assert all(call.extension in EXTENSIONS for call in calls if call not in to_main)
    assert not any(call.trunk for call in calls)  # the template logs no gateway


def test_account_codes_are_the_users_number_or_a_projects():
    """The account code is the user's number (the vanilla directory), empty, or now and
    then a project's; the caller's name is the extension's or the user's."""
    outgoing = by_direction("freeswitch-csv", Direction.OUTGOING)
    accounts = Counter(
        "own" if call.account_code == call.extension else call.account_code or "none"
        for call in outgoing
    )
    assert accounts["own"] > accounts["none"] > 0
    assert set(accounts) - {"own", "none"}  # project codes
    names = [call.details.get("caller_name", "") for call in outgoing]
    assert any(name.startswith("Extension ") for name in names)
    assert any(name and not name.startswith("Extension ") for name in names)


def test_incoming_calls_carry_the_caller_id():
    """Incoming calls arrive on public with the CLI: national, E.164 or anonymous."""
    incoming = by_direction("freeswitch-csv", Direction.INCOMING)
    assert all(
        call.number == "anonymous" or call.number.removeprefix("+54").isdigit() for call in incoming
    )
    assert any(call.number.startswith("351") for call in incoming)
    assert any(call.number.startswith("+54") for call in incoming)
    assert any(call.number == "anonymous" for call in incoming)
    assert not any(call.account_code for call in incoming)
