"""What only the NEC SL / SV SMDR generator makes: 79-column lines, lines that only an
incoming call nobody answered leaves without a station, all-lines-busy attempts.

What every family's month holds is tested in ``test_simulators_families.py``.
"""

from smdr.parsers import Direction

from .test_simulators_families import by_direction
from .test_simulators_registry import EXTENSIONS, month_of


def month():
    return month_of("nec")


def test_lines_are_79_columns():
    """79-column ASCII lines: time, date and duration in their columns."""
    lines = month().records
    assert all(len(line) == 79 and line.isascii() for line in lines)
    assert all(line[7] == ":" and line[13] == "/" for line in lines)
    assert all(line[24] == ":" or not line[22:30].strip() for line in lines)


def test_only_an_incoming_call_nobody_answered_has_no_station():
    assert all(
        call.extension in EXTENSIONS
        or (call.extension == "" and call.direction == Direction.INCOMING and not call.answered)
        for call in month().calls
    )


def test_outgoing_calls_go_out_on_a_line_but_when_all_are_busy():
    """Every call went out on a line but the all-lines-busy (ALB) attempts."""
    assert all(
        (call.trunk.isdigit() and len(call.trunk) == 3) == (call.details.get("class") != "ALB")
        for call in by_direction("nec", Direction.OUTGOING)
    )


def test_incoming_calls_have_no_account_code():
    assert not any(call.account_code for call in by_direction("nec", Direction.INCOMING))
