"""What only the Avaya CM CDR generator makes: printer-format records on Table 31's
columns, durations in tenths of a minute, ARS and trunk access codes.

What every family's month holds is tested in ``test_simulators_families.py``.
"""

from smdr.parsers import Direction

from .test_simulators_families import by_direction
from .test_simulators_registry import month_of


def month():
    return month_of("avaya-cm")


def test_records_are_on_the_printer_columns():
    """Table 31's columns, ASCII, trailing blanks stripped."""
    records = month().records
    assert all(record.isascii() and record.isprintable() for record in records)
    assert all(record == record.rstrip() and len(record) <= 76 for record in records)
    separators = (4, 9, 11, 15, 19, 35, 41, 57)  # blank columns (0-based) of the layout
    for record in records:
        assert all(record[column] == " " for column in separators if column < len(record))


def test_calls_last_tenths_of_a_minute():
    assert all((call.duration_seconds + call.ring_seconds) % 6 == 0 for call in month().calls)


def test_outgoing_calls_go_through_ars_with_access_code_0():
    """ARS calls dial 0 and go out on a trunk group; the number follows the code."""
    outgoing = by_direction("avaya-cm", Direction.OUTGOING)
    assert all(call.trunk in ("101", "102", "103") for call in outgoing)
    ars = [call for call in outgoing if call.details["condition_code"] == "7"]
    assert all(call.details["access_code_dialled"] == "0" for call in ars)
    assert all(call.details["frl"] for call in ars)
    assert all(len(call.number) <= 15 for call in outgoing)


def test_incoming_calls_name_their_trunk_group_and_member():
    """The printer format has no caller number: the incoming trunk's access code."""
    incoming = by_direction("avaya-cm", Direction.INCOMING)
    assert all(call.trunk in ("701", "702") and call.number == "" for call in incoming)
    assert all(len(call.details["incoming_circuit"]) == 3 for call in incoming)
    abandoned = [call for call in incoming if call.details["condition_code"] == "H"]
    assert abandoned
    assert all(call.ring_seconds > 0 and not call.answered for call in abandoned)
