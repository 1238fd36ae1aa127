"""What only the Grandstream UCM CDR generator makes: the CDR API's 22 columns with
lastdata's commas unquoted, AcctIds counting up, PJSIP channels, the userfield.

What every family's month holds is tested in ``test_simulators_families.py``.
"""

import csv
import re

from smdr.parsers import Direction
from smdr.parsers.grandstream_ucm import DEFAULT_COLUMNS

from .test_simulators_families import by_direction
from .test_simulators_registry import month_of

LASTDATA = DEFAULT_COLUMNS.index("lastdata")
USERFIELDS = {Direction.OUTGOING: "OUT", Direction.INCOMING: "IN", Direction.INTERNAL: "EXT"}


def month():
    return month_of("grandstream-ucm")


def test_rows_are_the_22_columns_with_lastdata_commas_unquoted():
    """Split by the csv module, a row has 24 fields: lastdata's two commas are bare,
    as on the UCM; put back together, the 22 columns."""
    for line in month().records:
        row = next(csv.reader([line]))
        assert len(row) == len(DEFAULT_COLUMNS) + 2
        assert re.fullmatch(r"PJSIP/[0-9a-z_@]+", row[LASTDATA])
        assert row[LASTDATA + 1 : LASTDATA + 3] == ["60", ""]


def test_acct_ids_count_up_and_times_add_up():
    """The UCM numbers its records as it writes them; duration is ring plus talk."""
    lines, _, calls = month()
    acct_ids = [int(call.details["acct_id"]) for call in calls]
    assert acct_ids == list(range(acct_ids[0], acct_ids[0] + len(acct_ids)))
    for line, call in zip(lines, calls, strict=True):
        row = next(csv.reader([line]))
        assert int(row[-9]) == call.duration_seconds + call.ring_seconds  # duration
        assert int(row[-8]) == call.duration_seconds  # billsec
        assert (row[-7] == "ANSWERED") == call.answered


def test_userfield_says_the_direction_and_trunks_are_named():
    for direction, userfield in USERFIELDS.items():
        calls = by_direction("grandstream-ucm", direction)
        assert {call.details["userfield"] for call in calls} == {userfield}
    trunks = {call.trunk for call in by_direction("grandstream-ucm", Direction.OUTGOING)}
    assert trunks == {"trunk_1", "trunk_2"}
