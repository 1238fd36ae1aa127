"""What only the Alcatel OmniPCX simulators have: the Office ticket's columns and lines,
the Enterprise tickets of the other generator, both read by the parser's auto variant."""

import re
from collections import Counter

from pbxsim import alcatel_omnipcx as simulator
from pbxsim.pbx import frame
from smdr.framing import framer_for
from smdr.parsers import Direction

from .test_simulators_registry import CORDOBA, END, EXTENSIONS, START, month_of, parse_all

OFFICE_TICKET = re.compile(
    r"[0-9]{2,5} *(-->|<--) (L0[1-4]|P01) [0-9]{2}/[0-9]{2}/[0-9]{2} [0-9:]{8} [0-9:]{8} "
    r"[ 0-9]{5} ST(?: [X ] {3} [0-9]+| X)?"
)


def test_office_tickets_have_the_default_statements_columns():
    month = month_of("alcatel-omnipcx")
    assert all(OFFICE_TICKET.fullmatch(record) for record in month.records)
    assert {call.trunk for call in month.calls} == {"L01", "L02", "L03", "L04", "P01"}


def test_outgoing_tickets_carry_units_and_incoming_ones_none():
    calls = month_of("alcatel-omnipcx").calls
    outgoing = [call for call in calls if call.direction == Direction.OUTGOING]
    assert sum("units" in call.details for call in outgoing) > len(outgoing) / 2
    incoming = [call for call in calls if call.direction == Direction.INCOMING]
    assert not any("units" in call.details for call in incoming)
    assert any(call.details.get("facilities") == "X" for call in incoming)


def test_the_docstring_ticket_has_the_generated_shape():
    example = "    2044  --> L01 14/10/26 13:05:07 00:03:06     2 ST      0451478965\n"
    assert example in simulator.__doc__
    assert OFFICE_TICKET.fullmatch(example.strip())


def test_the_wire_is_crlf_lines():
    records = month_of("alcatel-omnipcx").records[:50]
    wire = b"".join(frame("alcatel-omnipcx", record) for record in records)
    framer = framer_for("alcatel-omnipcx")
    assert [item.decode() for item in framer.feed(wire) + framer.flush()] == records


def test_enterprise_tickets_parse_back_to_their_calls():
    records = list(
        simulator.alcatel_omnipcx_enterprise_records(
            count=600, start=START, end=END, extensions=EXTENSIONS, time_zone=CORDOBA, seed=2
        )
    )
    assert {len(record) for record in records} == {525}
    calls = parse_all("alcatel-omnipcx", [(record, END) for record in records])
    assert Counter(call.direction for call in calls).keys() == {
        Direction.OUTGOING,
        Direction.INCOMING,
        Direction.INTERNAL,
    }
    for record, call in zip(records, calls, strict=True):
        assert START <= call.start < END
        assert call.extension == record[35:65].strip()
        assert call.duration_seconds == int(record[201:211])
        assert call.ring_seconds == int(record[425:430])
        assert call.answered == (call.duration_seconds > 0)
    assert any(call.account_code for call in calls)
