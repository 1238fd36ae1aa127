"""What only the Asterisk cdr_csv generator makes: 18 quoted columns, dispositions,
SIP and PRI channels, DIDs and the s extension.

What every family's month holds is tested in ``test_simulators_families.py``.
"""

import csv
import re
from collections import Counter

from smdr.parsers import Direction

from .test_simulators_families import by_direction
from .test_simulators_registry import month_of

TRUNKS = {"telecom-ar", "claro-sip", "DAHDI/i1"}


def month():
    return month_of("asterisk-csv")


def test_lines_are_18_columns_as_cdr_csv_writes_them():
    """18 CSV columns (uniqueid, userfield): cdr_csv quotes every string; the integers
    and an empty answer time are bare."""
    lines = month().records
    rows = [next(csv.reader([line])) for line in lines]
    assert all(len(row) == 18 for row in rows)
    assert all(line.startswith('"') and line.endswith('""') for line in lines)
    assert all(re.fullmatch(r"[0-9]{10}\.[0-9]+", row[16]) for row in rows)
    assert all(row[15] == "DOCUMENTATION" and row[17] == "" for row in rows)


def test_outgoing_calls_go_out_on_a_sip_trunk_or_the_pri():
    """Over a SIP trunk or the PRI; a FAILED attempt reaches no channel, so no trunk."""
    outgoing = by_direction("asterisk-csv", Direction.OUTGOING)
    assert {call.trunk for call in outgoing} == TRUNKS | {""}
    assert all((call.trunk == "") == (call.details["disposition"] == "FAILED") for call in outgoing)
    assert any(call.details.get("caller_name") for call in outgoing)


def test_incoming_calls_come_to_a_did_or_s():
    incoming = by_direction("asterisk-csv", Direction.INCOMING)
    assert {call.trunk for call in incoming} == TRUNKS
    destinations = Counter(call.details["dst"][:6] for call in incoming)
    assert set(destinations) == {"351485", "s"}
