"""The 3CX CDR parser, on the real sample records and the configurable field order."""

import contextlib
import csv
import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smdr.parsers.base import Direction, ParserSettings, RecordError
from smdr.parsers.threecx import DEFAULT_COLUMNS, ThreeCXParser

DATA = Path(__file__).resolve().parent.parent / "data" / "3cx"
PARIS = ZoneInfo("Europe/Paris")
LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC

SAMPLE = (DATA / "cdr.csv").read_bytes().decode("utf-8").splitlines(keepends=True)
NAMES = ("from_dispname", "to_dispname", "final_dispname")
PLACEHOLDERS = dict(zip(NAMES, ("from disp", "to disp", "fin disp"), strict=True))


def parser(time_zone=PARIS, **options):
    return ThreeCXParser(ParserSettings(time_zone=time_zone, options=options))


def split(line):
    return next(csv.reader([line.rstrip("\r\n")]))


def join(fields):
    """Fields written as 3CX writes them: quoted only when they hold a comma."""
    return ",".join(f'"{value}"' if "," in value else value for value in fields)


def with_fields(line, **replacements):
    """``line`` with the named fields (default order) replaced."""
    fields = split(line)
    for name, value in replacements.items():
        fields[DEFAULT_COLUMNS.index(name)] = value
    return join(fields)


def test_sample_file_has_the_expected_records():
    """The sample is copied byte for byte: 5 records of 27 fields, CR LF line ends."""
    assert len(SAMPLE) == 5
    assert all(line.endswith(",\r\n") for line in SAMPLE)
    assert all(len(split(line)) == 27 for line in SAMPLE)
    assert all(join(split(line)) + "\r\n" == line for line in SAMPLE)


@pytest.mark.parametrize("line", SAMPLE)
def test_every_sample_line_parses_to_a_utc_call(line):
    """Every sample record is a call with the callid as call id and JSON-ready details."""
    call = parser().parse(line)
    assert call is not None
    assert call.start.tzinfo is UTC
    assert call.pbx_call_id == split(line)[1]
    assert call.details["history_id"] == split(line)[0].removeprefix("Call ")
    assert call.answered == (split(line)[4] != "")
    assert json.loads(json.dumps(call.details)) == call.details


def test_incoming_call_transferred():
    """Call 9744: 0611360468 on trunk 10000 to Ext.610, transferred to Ext.185."""
    call = parser().parse(SAMPLE[0])
    # 10:53:43 in Paris (CEST, UTC+2) is 08:53:43 UTC.
    assert call.start == dt.datetime(2020, 5, 4, 8, 53, 43, tzinfo=UTC)
    assert call.direction == Direction.INCOMING
    assert (call.number, call.extension, call.trunk) == ("0611360468", "610", "10000")
    assert (call.duration_seconds, call.ring_seconds) == (315, 0)  # 5 min 15 s
    assert call.answered is True
    assert call.account_code == ""
    assert call.details == {
        "direction_rule": "default",
        "history_id": "9744",
        "final_number": "185",  # Ext.185 without its prefix
        "reason_terminated": "TerminatedByDst",
        "reason_changed": "ReplacedDst",
        **PLACEHOLDERS,
    }


def test_internal_call_not_answered():
    """Call 9745: Ext.315 calls Ext.184, cancelled after ringing 16 s; empty duration."""
    call = parser().parse(SAMPLE[1])
    assert call.start == dt.datetime(2020, 5, 4, 8, 58, 46, tzinfo=UTC)
    assert call.direction == Direction.INTERNAL
    assert (call.extension, call.number, call.trunk) == ("315", "184", "")
    assert call.answered is False
    assert (call.duration_seconds, call.ring_seconds) == (0, 16)  # 10:58:46 to 10:59:02
    assert call.details == {
        "direction_rule": "default",
        "history_id": "9745",
        "reason_terminated": "Failed_Cancelled",
        **PLACEHOLDERS,
    }


def test_outgoing_call_with_billing():
    """Call 9748: Ext.114 dials 0232354095 out on trunk 10001; 3CX rated it."""
    call = parser().parse(SAMPLE[2])
    assert call.start == dt.datetime(2020, 5, 4, 8, 56, 58, tzinfo=UTC)
    assert call.direction == Direction.OUTGOING
    assert (call.extension, call.number, call.trunk) == ("114", "0232354095", "10001")
    assert (call.duration_seconds, call.ring_seconds) == (307, 5)  # answered 10:57:03
    assert call.details == {
        "direction_rule": "default",
        "history_id": "9748",
        "reason_terminated": "TerminatedByDst",
        "bill_rate": "1",
        "bill_cost": "5.12",
        "bill_name": "default",
        **PLACEHOLDERS,
    }


def test_outgoing_call_ended_by_endcall():
    """Call 9760: Ext.318 dials 0800910387, which 3CX sends to EndCall (not a trunk)."""
    call = parser().parse(SAMPLE[3])
    assert call.direction == Direction.OUTGOING
    assert (call.extension, call.number, call.trunk) == ("318", "0800910387", "")
    assert (call.duration_seconds, call.ring_seconds) == (6, 1)
    assert call.details["final_number"] == "EndCall"


def test_failed_outgoing_call():
    """Call 9762: Ext.195 to 003265395525 failed; to_dn is the number, so no trunk."""
    call = parser().parse(SAMPLE[4])
    assert call.start == dt.datetime(2020, 5, 4, 9, 19, 12, tzinfo=UTC)
    assert call.direction == Direction.OUTGOING
    assert (call.extension, call.number, call.trunk) == ("195", "003265395525", "")
    assert call.answered is False
    assert (call.duration_seconds, call.ring_seconds) == (0, 37)
    assert call.details["reason_terminated"] == "Failed"


def test_byte_order_mark_and_line_ends_are_ignored():
    """A file saved with a UTF-8 BOM, or a line without CR LF, parses the same."""
    expected = parser().parse(SAMPLE[0])
    assert parser().parse("\ufeff" + SAMPLE[0]) == expected
    assert parser().parse(SAMPLE[0].rstrip("\r\n")) == expected
    assert parser().parse(SAMPLE[0].rstrip("\r\n") + "\n") == expected


def test_bill_code_is_the_account_code():
    """The billing code dialled after the number is the call's account code."""
    call = parser().parse(with_fields(SAMPLE[2], bill_code="**Sales"))
    assert call.account_code == "**Sales"
    assert "bill_code" not in call.details


def test_display_names_with_commas_and_utf8():
    """Names are quoted when they hold commas; non-ASCII names are kept."""
    line = with_fields(SAMPLE[2], from_dispname="Müller, Jörg", to_dispname="Société Générale")
    assert '"Müller, Jörg"' in line
    call = parser().parse(line)
    assert call.details["from_dispname"] == "Müller, Jörg"
    assert call.details["to_dispname"] == "Société Générale"
    assert call.number == "0232354095"


def test_columns_option_with_documented_names_in_another_order():
    """The console's hyphenated names in a site's own order, with an unknown field."""
    columns = ["callid", "time-start", "time-end", "Duration", "from-no", "to-no", "dial-no"]
    columns += ["from-dn", "to-dn", "from-type", "to-type", "final-type", "queue-name"]
    line = (
        "00000171DEE71559_2510,2020/05/04 10:56:58,2020/05/04 11:02:10,00:05:07,Ext.114,"
        "0232354095,0232354095,114,10001,Internal,External,External,Support"
    )
    call = parser(columns=columns).parse(line)
    assert call.start == dt.datetime(2020, 5, 4, 8, 56, 58, tzinfo=UTC)
    assert call.direction == Direction.OUTGOING
    assert (call.extension, call.number, call.trunk) == ("114", "0232354095", "10001")
    assert call.duration_seconds == 307
    assert call.answered is True  # no time_answered column: the duration says
    assert call.ring_seconds == 312  # to the end: no answer time to go by
    assert call.pbx_call_id == "00000171DEE71559_2510"
    assert call.details == {"direction_rule": "default", "queue_name": "Support"}
    header = ",".join(columns)
    assert parser(columns=columns).parse(header) is None


def test_without_type_columns_ext_prefix_decides():
    """With empty types, an Ext. party is internal and anything else outside."""
    line = with_fields(SAMPLE[0], from_type="", to_type="", final_type="")
    assert parser().parse(line).direction == Direction.INCOMING
    line = with_fields(SAMPLE[2], from_type="", to_type="", final_type="")
    assert parser().parse(line).direction == Direction.OUTGOING
    line = with_fields(SAMPLE[1], from_type="", to_type="", final_type="")
    assert parser().parse(line).direction == Direction.INTERNAL


def test_long_durations_and_dashed_dates():
    """Hours may pass 99; dates with dashes are accepted."""
    line = with_fields(SAMPLE[2], duration="100:00:01", time_start="2020-05-04 10:56:58")
    call = parser().parse(line)
    assert call.duration_seconds == 360001
    assert call.start == dt.datetime(2020, 5, 4, 8, 56, 58, tzinfo=UTC)


def test_trailing_extra_comma_is_tolerated():
    """One more empty field at the end (a trailing comma) is not an error."""
    assert parser().parse(SAMPLE[0].rstrip("\r\n") + ",") == parser().parse(SAMPLE[0])


def test_ambiguous_local_time_is_the_first_occurrence():
    """01:30 happens twice in London on 2024-10-27: taken as BST, 00:30 UTC."""
    line = with_fields(SAMPLE[1], time_start="2024/10/27 01:30:00", time_end="2024/10/27 01:30:16")
    call = parser(LONDON).parse(line)
    assert call.start == dt.datetime(2024, 10, 27, 0, 30, tzinfo=UTC)
    assert call.ring_seconds == 16


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\r\n",
        "\ufeff\r\n",
        "\x00\x00\r\n",
        ",".join(DEFAULT_COLUMNS) + "\r\n",
        "\ufeff" + ",".join(name.replace("_", "-") for name in DEFAULT_COLUMNS),
        "historyid,callid,duration",
    ],
)
def test_noise_is_none(text):
    """Blank lines, control bytes and header rows are noise."""
    assert parser().parse(text) is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            with_fields(SAMPLE[0], time_start="04/05/2020 10:53:43"),
            "field 4 (time_start): '04/05/2020 10:53:43' is not YYYY/MM/DD HH:MM:SS",
        ),
        (
            with_fields(SAMPLE[0], time_start=""),
            "field 4 (time_start): '' is not YYYY/MM/DD HH:MM:SS",
        ),
        (
            with_fields(SAMPLE[0], time_start="2020/02/30 10:53:43"),
            "field 4 (time_start): '2020/02/30 10:53:43' is not a valid date and time",
        ),
        (
            with_fields(SAMPLE[0], time_answered="10:53:43"),
            "field 5 (time_answered): '10:53:43' is not empty or a time",
        ),
        (
            with_fields(SAMPLE[0], time_end="2020/05/04 25:00:00"),
            "field 6 (time_end): '2020/05/04 25:00:00' is not a valid date and time",
        ),
        (
            with_fields(SAMPLE[0], duration="5:15"),
            "field 3 (duration): '5:15' is not empty or HH:MM:SS",
        ),
        (
            with_fields(SAMPLE[0], time_answered="9999/05/04 10:53:43"),
            "field 5 (time_answered): '9999/05/04 10:53:43' is too long after time_start",
        ),
        (
            with_fields(SAMPLE[0], duration="100000:00:00"),
            "field 3 (duration): '100000:00:00' is not empty or HH:MM:SS",
        ),
        (
            with_fields(SAMPLE[0], duration="00:61:00"),
            "field 3 (duration): '00:61:00' is not empty or HH:MM:SS",
        ),
    ],
)
def test_bad_field_names_the_field_and_quotes_the_value(line, message):
    """A bad value raises RecordError naming the field by number and name."""
    with pytest.raises(RecordError) as raised:
        parser().parse(line)
    assert str(raised.value) == message


def test_wrong_field_count():
    """A record of another length asks for the columns option."""
    with pytest.raises(RecordError) as raised:
        parser().parse("Call 1,abc,00:00:01")
    assert str(raised.value) == (
        "record has 3 comma-separated fields, the source's columns option has 27"
        " (historyid, callid, duration, time_start, ...)"
    )


def test_unbalanced_quote_does_not_crash():
    """An unclosed quote in chain is read by the csv module; the count then fails."""
    broken = SAMPLE[0].replace('Ext.185,",', "Ext.185,")
    with pytest.raises(RecordError, match="comma-separated fields"):
        parser().parse(broken)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"columns": "historyid,callid"}, "option columns: 'historyid,callid' is not a list"),
        ({"columns": ["historyid", " "]}, "option columns: ['historyid', ' '] is not a list"),
        ({"columns": ["historyid", "callid"]}, "option columns: the fields must include"),
        ({"max_extension_digits": 0}, "option max_extension_digits: 0 is not a whole number"),
    ],
)
def test_bad_options_are_record_errors(options, message):
    """A wrong per-source option fails when the parser is built, naming the option."""
    with pytest.raises(RecordError) as raised:
        parser(**options)
    assert str(raised.value).startswith(message)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_raises_only_record_errors(text):
    """Whatever arrives, the parser returns a call or None, or raises RecordError."""
    with contextlib.suppress(RecordError):
        parser().parse(text)


FIELD_TEXT = st.text(
    alphabet=st.sampled_from('0123456789:/- .,"CalExt\x00\ufeff\u00b2\u0661\r'), max_size=22
)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(SAMPLE),
    st.dictionaries(st.integers(min_value=0, max_value=26), FIELD_TEXT, max_size=4),
)
def test_damaged_records_raise_only_record_errors(line, damage):
    """Sample records with fields overwritten by look-alike junk never crash the parser."""
    fields = split(line)
    for index, value in damage.items():
        fields[index] = value
    try:
        call = parser().parse(join(fields))
    except RecordError:
        return
    assert call is None or call.start.tzinfo is UTC
