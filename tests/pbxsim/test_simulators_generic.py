"""The generic generator: records of the column map the generic parser documents."""

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

from pbxsim import generic as module
from pbxsim.generic import EXAMPLE_SETTINGS, generic_records
from smdr.parsers import Direction, ParserSettings
from smdr.parsers import generic as generic_parser
from smdr.parsers.generic import GenericParser

CORDOBA = ZoneInfo("America/Argentina/Cordoba")
END = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
START = END - dt.timedelta(days=7)
EXTENSIONS = [str(number) for number in range(2000, 2040)]


def records(count=1_000, seed=1):
    return list(
        generic_records(
            count=count, start=START, end=END, extensions=EXTENSIONS, time_zone=CORDOBA, seed=seed
        )
    )


def parse(record):
    parser = GenericParser(ParserSettings(time_zone=CORDOBA, options=EXAMPLE_SETTINGS))
    return parser.parse(record, END + dt.timedelta(hours=1))


def test_settings_are_the_parsers_documented_example():
    """EXAMPLE_SETTINGS is the map the generic parser's docstring shows, to the letter."""
    shown = re.search(r"is read with these settings::\n\n(.*?)\n\n", generic_parser.__doc__, re.S)
    assert json.loads(shown.group(1)) == EXAMPLE_SETTINGS


def test_docstring_record_has_the_generated_layout():
    """The module docstring's record sits in the columns the generator writes."""
    shown = re.search(r'::\n\n    "(.*?)"', module.__doc__).group(1)
    call = parse(shown)
    assert (call.extension, call.number, call.duration_seconds) == ("2033", "001143215678", 161)
    assert call.start == dt.datetime(2026, 10, 14, 13, 12, tzinfo=dt.UTC)
    for record in records(50):
        assert (record[3], record[9], record[16], record[19]) == ("/", ":", ":", ":")


def test_records_fill_the_mapped_columns():
    """Extension in 24-27, the number in 34-59, completion A in 60 for answered calls,
    account code in 73-84, and nothing between."""
    for record in records():
        call = parse(record)
        record = record.ljust(84)  # trailing blanks are stripped
        assert record[23:27].strip() == call.extension
        assert record[33:59].strip() == call.number
        assert (record[59] == "A") == call.answered
        assert record[72:84].strip() == call.account_code
        assert not record[27:33].strip() and not record[60:72].strip()


def test_calls_to_colleagues_are_internal_and_the_rest_go_out():
    calls = [parse(record) for record in records()]
    internal = [call for call in calls if call.direction == Direction.INTERNAL]
    outgoing = [call for call in calls if call.direction == Direction.OUTGOING]
    assert internal and outgoing and len(internal) + len(outgoing) == len(calls)
    assert all(call.number in EXTENSIONS for call in internal)
    assert all(call.number.startswith("0") and len(call.number) > 4 for call in outgoing)
    assert any(call.account_code for call in outgoing)
    assert all(call.details == {"completion": "A"} for call in calls if call.answered)
