"""What only the Panasonic KX SMDR generator makes: 80-column Pattern A lines, ring
times on incoming calls only, DDIs.

What every family's month holds is tested in ``test_simulators_families.py``.
"""

from smdr.parsers import Direction

from .test_simulators_families import by_direction
from .test_simulators_registry import month_of


def month():
    return month_of("panasonic")


def test_lines_are_80_columns_of_pattern_a():
    """80-column ASCII lines, the duration where Pattern A has it."""
    lines = month().records
    assert all(len(line) == 80 and line.isascii() for line in lines)
    assert all(line[59] == ":" and line[62] == "'" for line in lines)


def test_outgoing_calls_name_a_trunk_and_do_not_ring():
    outgoing = by_direction("panasonic", Direction.OUTGOING)
    assert all(call.trunk.isdigit() and len(call.trunk) == 2 for call in outgoing)
    assert all(call.ring_seconds == 0 for call in outgoing)


def test_incoming_calls_ring_and_some_carry_the_ddi():
    incoming = by_direction("panasonic", Direction.INCOMING)
    assert all(call.ring_seconds > 0 for call in incoming)
    assert any(call.details.get("ddi") == "52" + call.extension.zfill(5) for call in incoming)
