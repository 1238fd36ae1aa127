"""What only the Mitel 5000 SMDR generator makes: 80-column records, trunk extension
numbers, ring-ins nobody answered, network calls over IP.

What every family's month holds is tested in ``test_simulators_families.py``.
"""

from smdr.parsers import Direction

from .test_simulators_registry import EXTENSIONS, month_of


def month():
    return month_of("mitel-5000")


def test_records_are_80_printable_columns():
    """80 columns each (trailing blanks kept), ASCII."""
    records = month().records
    assert {len(record) for record in records} == {80}
    assert all(record.isascii() and record.isprintable() for record in records)


def test_outgoing_calls_leave_on_trunk_extensions():
    """Trunks are 5-digit extension numbers; the outside party hangs up first now and then."""
    outgoing = [call for call in month().calls if call.direction == Direction.OUTGOING]
    assert all(call.trunk.isdigit() and len(call.trunk) == 5 for call in outgoing)
    assert any(call.details.get("trunk_disconnected_first") for call in outgoing)


def test_ring_ins_nobody_answered_have_no_extension():
    """Incoming calls nobody answered print no extension, and ELAPSED is the ring time."""
    incoming = [call for call in month().calls if call.direction == Direction.INCOMING]
    rang_out = [call for call in incoming if not call.answered]
    assert rang_out
    assert all(call.extension == "" and call.ring_seconds > 0 for call in rang_out)


def test_network_calls_go_to_colleagues_over_ip():
    """NET calls: from one extension to another over an IP connection P000n."""
    internal = [call for call in month().calls if call.direction == Direction.INTERNAL]
    assert all(call.trunk.startswith("P000") for call in internal)
    assert all(call.number in EXTENSIONS for call in internal)
