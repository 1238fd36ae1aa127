"""What only the Siemens HiPath call charge generator makes: compressed lines on Table
7-1's columns, information elements, charge units, the MSN, two-digit years.

What every family's month holds is tested in ``test_simulators_families.py``.
"""

import datetime as dt

from smdr.parsers import Direction

from .test_simulators_families import by_direction
from .test_simulators_registry import CORDOBA, EXTENSIONS, month_of, parse_all, received


def month():
    return month_of("siemens-hipath")


def test_lines_are_compressed():
    """Table 7-1's columns, ASCII, trailing blanks stripped."""
    records = month().records
    assert all(record.isascii() and record.isprintable() for record in records)
    assert all(record == record.rstrip() for record in records)
    assert {len(record) for record in records} <= {76, 98, 105}
    for record in records:
        assert (record[2], record[5], record[10], record[13]) == (".", ".", ":", ":")


def test_calls_not_connected_only_rang():
    unanswered = [call for call in month().calls if not call.answered]
    assert unanswered
    assert all(call.ring_seconds > 0 for call in unanswered)


def test_disa_calls_say_so():
    calls = month().calls
    assert all(call.details.get("disa") for call in calls if call.details.get("info_element") == 51)


def test_outgoing_calls_seize_a_line_with_0_and_count_charge_units():
    """Seizure code 0 on an LCR route and a B channel; charge units but to toll-free."""
    outgoing = by_direction("siemens-hipath", Direction.OUTGOING)
    assert all(call.details["seizure_code"] == "0" for call in outgoing)
    assert all(call.details["lcr_route"] in ("1", "2") for call in outgoing)
    assert all(1 <= int(call.trunk) <= 30 for call in outgoing)
    free = [call for call in outgoing if call.number.startswith("0800")]
    assert free
    assert all("charge_units" not in call.details for call in free)
    assert all(call.details["charge_units"] > 0 for call in outgoing if call not in free)


def test_incoming_calls_carry_the_msn():
    """The MSN is the DDI called: 52 and the extension in five digits."""
    incoming = by_direction("siemens-hipath", Direction.INCOMING)
    assert all(call.details["msn"] == "52" + call.extension.zfill(5) for call in incoming)


def test_two_digit_years():
    """Lines of 1999 and of 2000 both read back in their own century."""
    start = dt.datetime(1999, 12, 31, 23, 0, tzinfo=CORDOBA)
    end = dt.datetime(2000, 1, 1, 1, 0, tzinfo=CORDOBA)
    pairs = received(
        "siemens-hipath", 200, start=start, end=end, extensions=EXTENSIONS, zone=CORDOBA, seed=1
    )
    calls = parse_all("siemens-hipath", pairs)
    assert all(start <= call.start < end for call in calls)
    ends = [call.start + dt.timedelta(seconds=call.duration_seconds) for call in calls]
    assert {end.astimezone(CORDOBA).year for end in ends} == {1999, 2000}
