"""What only the Ericsson MD110 simulator has: its columns, codes, pulses and NUL padding."""

from collections import Counter

from pbxsim import ericsson_md110 as simulator
from pbxsim.pbx import frame
from smdr.framing import framer_for
from smdr.parsers import Direction

from .test_simulators_registry import month_of


def test_records_are_121_characters_with_known_codes():
    month = month_of("ericsson-md110")
    assert {len(record) for record in month.records} == {121}
    codes = Counter(call.details.get("condition", "") for call in month.calls)
    assert {"", "I", "J", "CI", "M"} <= set(codes)


def test_outgoing_calls_carry_meter_pulses_and_incoming_none():
    calls = month_of("ericsson-md110").calls
    outgoing = [call for call in calls if call.direction == Direction.OUTGOING and call.answered]
    assert sum("meter_pulses" in call.details for call in outgoing) > len(outgoing) / 2
    assert all(isinstance(call.details.get("meter_pulses", 0), int) for call in calls)
    incoming = [call for call in calls if call.direction == Direction.INCOMING]
    assert not any("meter_pulses" in call.details for call in incoming)


def test_durations_are_tenths_of_a_minute():
    assert simulator.duration_text(186) == "0031"
    assert simulator.duration_text(1) == "0001"
    assert all(call.duration_seconds % 6 == 0 for call in month_of("ericsson-md110").calls)


def test_the_wire_pads_with_nuls_and_the_framer_drops_them():
    records = month_of("ericsson-md110").records[:50]
    wire = b"".join(frame("ericsson-md110", record) for record in records)
    assert wire.count(b"\r\n\x00\x00\x00") == 50
    framer = framer_for("ericsson-md110", "serial")
    assert [item.decode() for item in framer.feed(wire) + framer.flush()] == records


def test_the_docstring_example_is_a_record_of_that_shape():
    example = "    00010121347 0031     2                  04567890          2044\n"
    assert example in simulator.__doc__
