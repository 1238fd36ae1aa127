"""The FreeSWITCH mod_cdr_csv parser, on the documentation's records and templates."""

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
from smdr.parsers.freeswitch_csv import EXAMPLE_TEMPLATE, FreeSWITCHCSVParser

DATA = Path(__file__).resolve().parent.parent / "data" / "freeswitch"
MADRID = ZoneInfo("Europe/Madrid")
LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC

SAMPLE = (DATA / "Master.csv").read_bytes().decode("utf-8").splitlines(keepends=True)

# The "example" template as it stands in cdr_csv.conf.xml.
EXAMPLE_XML = (
    '"${caller_id_name}","${caller_id_number}","${destination_number}","${context}",'
    '"${start_stamp}","${answer_stamp}","${end_stamp}","${duration}","${billsec}",'
    '"${hangup_cause}","${uuid}","${bleg_uuid}","${accountcode}","${read_codec}",'
    '"${write_codec}"'
)


def parser(time_zone=MADRID, **options):
    return FreeSWITCHCSVParser(ParserSettings(time_zone=time_zone, options=options))


def record(**values):
    """A line of the example template: every field quoted, inner quotes doubled."""
    fields = [values.get(name, "") for name in EXAMPLE_TEMPLATE]
    return ",".join('"' + value.replace('"', '""') + '"' for value in fields)


def answered_call(**overrides):
    """Extension 1001 in context default calls 0034911234567: rings 5 s, talks 60 s."""
    values = {
        "caller_id_name": "Ana",
        "caller_id_number": "1001",
        "destination_number": "0034911234567",
        "context": "default",
        "start_stamp": "2024-05-02 10:15:00",
        "answer_stamp": "2024-05-02 10:15:05",
        "end_stamp": "2024-05-02 10:16:05",
        "duration": "65",
        "billsec": "60",
        "hangup_cause": "NORMAL_CLEARING",
        "uuid": "5f0c0b6e-0001-11ef-8000-0242ac120002",
        "bleg_uuid": "5f0c0b6e-0002-11ef-8000-0242ac120002",
        "accountcode": "77",
        "read_codec": "PCMA",
        "write_codec": "PCMA",
    }
    values.update(overrides)
    return record(**values)


def test_sample_file_has_the_expected_records():
    """The sample is copied byte for byte: 2 records of the example template, LF ends."""
    assert len(SAMPLE) == 2
    assert all(line.endswith('"\n') and not line.endswith("\r\n") for line in SAMPLE)
    assert all(len(next(csv.reader([line]))) == 15 for line in SAMPLE)


@pytest.mark.parametrize("line", SAMPLE)
def test_every_sample_line_parses_to_a_utc_call(line):
    """Both documentation records are unanswered calls in context public."""
    call = parser().parse(line)
    assert call is not None
    assert call.start.tzinfo is UTC
    assert call.answered is False  # empty answer stamp
    assert (call.duration_seconds, call.ring_seconds) == (0, 0)
    assert call.direction == Direction.INCOMING
    assert call.details["hangup_cause"] == "NORMAL_CLEARING"
    assert json.loads(json.dumps(call.details)) == call.details


def test_first_documentation_record():
    """9007 reaches 0034688886392 in context public: incoming, the long number a DID."""
    call = parser().parse(SAMPLE[0])
    # 16:59:50 in Madrid (CEST, UTC+2) is 14:59:50 UTC.
    assert call.start == dt.datetime(2014, 5, 29, 14, 59, 50, tzinfo=UTC)
    assert call.number == "9007"
    assert call.extension == ""  # 13 digits: not an extension
    assert call.trunk == ""
    assert call.account_code == ""
    assert call.pbx_call_id == "a5c9f6c0-e752-11e3-8bfb-65b6c3cdac7d"
    # The caller's name is just the number again; empty bleg_uuid and codecs are dropped.
    assert call.details == {
        "direction_rule": "default",
        "ddi": "0034688886392",
        "hangup_cause": "NORMAL_CLEARING",
    }


def test_second_documentation_record_keeps_the_plus():
    """The DID +34688886392 is kept as presented, not normalized."""
    call = parser().parse(SAMPLE[1])
    assert call.start == dt.datetime(2014, 5, 29, 15, 1, 32, tzinfo=UTC)
    assert call.number == "9008"
    assert call.details["ddi"] == "+34688886392"
    assert call.pbx_call_id == "e29ff0ae-e752-11e3-8bff-65b6c3cdac7d"


def test_outgoing_call_from_the_default_context():
    """A phone in context default dialling a long number: outgoing, billsec talked."""
    call = parser().parse(answered_call())
    # 10:15:00 CEST is 08:15:00 UTC.
    assert call.start == dt.datetime(2024, 5, 2, 8, 15, tzinfo=UTC)
    assert call.direction == Direction.OUTGOING
    assert (call.extension, call.number, call.trunk) == ("1001", "0034911234567", "")
    assert call.answered is True
    assert (call.duration_seconds, call.ring_seconds) == (60, 5)
    assert call.account_code == "77"
    assert call.details == {
        "direction_rule": "default",
        "caller_name": "Ana",
        "hangup_cause": "NORMAL_CLEARING",
        "bleg_uuid": "5f0c0b6e-0002-11ef-8000-0242ac120002",
        "read_codec": "PCMA",
        "write_codec": "PCMA",
    }


def test_internal_call_and_feature_codes():
    """A short destination, or a feature code such as *98, stays internal."""
    assert parser().parse(answered_call(destination_number="1002")).direction == (
        Direction.INTERNAL
    )
    voicemail = parser().parse(answered_call(destination_number="*98"))
    assert voicemail.direction == Direction.INTERNAL
    assert voicemail.number == "*98"


def test_unknown_context_uses_the_caller_number():
    """In a context of neither list, a short caller number is an extension."""
    call = parser().parse(answered_call(context="office"))
    assert call.direction == Direction.OUTGOING
    outside = parser().parse(answered_call(context="office", caller_id_number="0351422000"))
    assert outside.direction == Direction.INCOMING
    assert outside.number == "0351422000"


def test_context_options():
    """Sites name their own contexts; a trailing * matches a prefix."""
    line = answered_call(context="gw-carrier-1")
    assert parser().parse(line).direction == Direction.OUTGOING
    call = parser(incoming_contexts=["gw-*"]).parse(line)
    assert call.direction == Direction.INCOMING
    assert call.number == "1001"
    phones = parser(internal_contexts=["phones"], incoming_contexts=["public"])
    named = phones.parse(answered_call(context="phones", caller_id_number="ana"))
    assert named.direction == Direction.OUTGOING
    assert named.extension == "ana"


def test_template_given_as_the_xml_text():
    """The template text copied from cdr_csv.conf.xml works like the default list."""
    assert parser(template=EXAMPLE_XML).parse(SAMPLE[0]) == parser().parse(SAMPLE[0])
    dollar_names = [f"${{{name}}}" for name in EXAMPLE_TEMPLATE]
    assert parser(template=dollar_names).parse(SAMPLE[0]) == parser().parse(SAMPLE[0])


def test_custom_template_with_epochs_gateway_and_extra_variables():
    """Epoch times are UTC; sip_gateway_name is the trunk; other variables go to details."""
    template = [
        "uuid",
        "call_uuid",
        "caller_id_number",
        "destination_number",
        "context",
        "start_epoch",
        "answer_epoch",
        "billsec",
        "duration",
        "sip_gateway_name",
        "sip_user_agent",
        "progresssec",
    ]
    line = (
        '"leg-b","call-1","0351422000","1001","public","1714637700","1714637712",'
        '"30","42","carrier1","Yealink T46U","3"'
    )
    call = parser(LONDON, template=template).parse(line)
    # 1714637700 s after 1970-01-01 is 2024-05-02 08:15:00 UTC, whatever the site zone.
    assert call.start == dt.datetime(2024, 5, 2, 8, 15, tzinfo=UTC)
    assert call.direction == Direction.INCOMING
    assert (call.number, call.extension, call.trunk) == ("0351422000", "1001", "carrier1")
    assert (call.duration_seconds, call.ring_seconds) == (30, 12)
    assert call.answered is True
    assert call.pbx_call_id == "call-1"  # call_uuid groups the legs
    assert call.details == {
        "direction_rule": "default",
        "uuid": "leg-b",
        "sip_user_agent": "Yealink T46U",
        "progresssec": "3",
    }
    unanswered = line.replace('"1714637712"', '"0"').replace('"30"', '"0"')
    assert parser(template=template).parse(unanswered).answered is False


def test_billmsec_and_microsecond_start():
    """billmsec is whole seconds; start_uepoch keeps whole seconds."""
    template = ["caller_id_number", "destination_number", "start_uepoch", "billmsec"]
    call = parser(template=template).parse('"1001","1002","1714637700999999","61999"')
    assert call.start == dt.datetime(2024, 5, 2, 8, 15, tzinfo=UTC)
    assert call.duration_seconds == 61
    assert call.answered is True  # no answer column: billsec says


def test_ambiguous_local_time_is_the_first_occurrence():
    """01:30 happens twice in London on 2024-10-27: taken as BST, 00:30 UTC."""
    line = answered_call(start_stamp="2024-10-27 01:30:00")
    assert parser(LONDON).parse(line).start == dt.datetime(2024, 10, 27, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n",
        "\x00\r\n",
        ",".join(f'"{name}"' for name in EXAMPLE_TEMPLATE),
        ",".join(EXAMPLE_TEMPLATE[:5]),
    ],
)
def test_noise_is_none(text):
    """Blank lines, control bytes and a header row naming the variables are noise."""
    assert parser().parse(text) is None


def test_line_ends_and_byte_order_mark_are_ignored():
    """CR LF, no line end or a BOM give the same call."""
    expected = parser().parse(SAMPLE[0])
    assert parser().parse(SAMPLE[0].rstrip("\n") + "\r\n") == expected
    assert parser().parse("\ufeff" + SAMPLE[0].rstrip("\n")) == expected


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            answered_call(start_stamp="2024-05-02T10:15:00"),
            "field 5 (start_stamp): '2024-05-02T10:15:00' is not YYYY-MM-DD HH:MM:SS",
        ),
        (
            answered_call(start_stamp=""),
            "field 5 (start_stamp): '' is not YYYY-MM-DD HH:MM:SS",
        ),
        (
            answered_call(start_stamp="2024-02-30 10:15:00"),
            "field 5 (start_stamp): '2024-02-30 10:15:00' is not a valid date and time",
        ),
        (
            answered_call(answer_stamp="soon"),
            "field 6 (answer_stamp): 'soon' is not YYYY-MM-DD HH:MM:SS",
        ),
        (
            answered_call(end_stamp="2024-05-02 10:16"),
            "field 7 (end_stamp): '2024-05-02 10:16' is not YYYY-MM-DD HH:MM:SS",
        ),
        (
            answered_call(duration="6.5"),
            "field 8 (duration): '6.5' is not a number of seconds",
        ),
        (
            answered_call(billsec="1000000000"),
            "field 9 (billsec): '1000000000' is not a number of seconds",
        ),
        (
            answered_call(billsec="-1"),
            "field 9 (billsec): '-1' is not a number of seconds",
        ),
    ],
)
def test_bad_field_names_the_field_and_quotes_the_value(line, message):
    """A bad value raises RecordError naming the field by number and variable."""
    with pytest.raises(RecordError) as raised:
        parser().parse(line)
    assert str(raised.value) == message


def test_field_count_must_match_the_template():
    """A line from another template says how many fields came and were expected."""
    with pytest.raises(RecordError) as raised:
        parser().parse(SAMPLE[0].rstrip("\n") + ',"extra"')
    assert str(raised.value) == (
        "record has 16 comma-separated fields, the template has 15 "
        "(caller_id_name, caller_id_number, destination_number, context, ...)"
    )


def test_broken_csv_is_a_record_error():
    """A bare carriage return inside an unquoted field is not valid CSV."""
    with pytest.raises(RecordError, match="record is not valid CSV"):
        parser().parse('"9007",90\r07')


def test_epoch_out_of_range_is_a_record_error():
    """A start epoch of 0 or of absurd size fails as a record."""
    template = ["caller_id_number", "start_epoch", "billsec"]
    with pytest.raises(RecordError, match=r"field 2 \(start_epoch\): '0'"):
        parser(template=template).parse('"1001","0","0"')
    with pytest.raises(RecordError, match=r"field 2 \(start_epoch\): '999999999999' is not"):
        parser(template=template).parse('"1001","999999999999","0"')


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"template": 15},
            "option template: 15 is not a list of channel variable names or a cdr_csv template",
        ),
        ({"template": []}, "option template: [] names no variables (or an empty one)"),
        (
            {"template": ["caller_id_number", "billsec"]},
            "option template: the template must log the call's start"
            " (start_stamp, start_epoch or start_uepoch)",
        ),
        (
            {"template": ["start_stamp", "duration"]},
            "option template: the template must log billsec (or billmsec)",
        ),
        (
            {"internal_contexts": "default"},
            "option internal_contexts: 'default' is not a list of dialplan context names",
        ),
        (
            {"max_extension_digits": "6"},
            "option max_extension_digits: '6' is not a whole number from 1 to 32",
        ),
    ],
)
def test_bad_options_are_record_errors(options, message):
    """A wrong per-source option fails when the parser is built, naming the option."""
    with pytest.raises(RecordError) as raised:
        parser(**options)
    assert str(raised.value) == message


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_raises_only_record_errors(text):
    """Whatever arrives, the parser returns a call or None, or raises RecordError."""
    with contextlib.suppress(RecordError):
        parser().parse(text)


FIELD_TEXT = st.text(alphabet=st.sampled_from('0123456789:- +*.,"\x00\u00b2\u0661\r'), max_size=22)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([*SAMPLE, answered_call()]),
    st.dictionaries(st.integers(min_value=0, max_value=15), FIELD_TEXT, max_size=4),
    st.sampled_from([None, ["caller_id_number", "start_epoch", "answer_uepoch", "billmsec"]]),
)
def test_damaged_records_raise_only_record_errors(line, damage, template):
    """Records with fields overwritten by look-alike junk never crash the parser."""
    fields = next(csv.reader([line.rstrip("\n")]))
    for index, value in damage.items():
        if index < len(fields):
            fields[index] = value
    options = {"template": template} if template else {}
    text = ",".join(
        '"' + value.replace('"', '""') + '"' for value in fields[: len(template or fields)]
    )
    try:
        call = parser(**options).parse(text)
    except RecordError:
        return
    assert call is None or call.start.tzinfo is UTC
