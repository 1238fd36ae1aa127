"""The Asterisk cdr_csv (Master.csv) parser, on the real sample records and variations."""

import contextlib
import csv
import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smdr.parsers.asterisk_csv import AsteriskCSVParser
from smdr.parsers.base import Direction, ParserSettings, RecordError

DATA = Path(__file__).resolve().parent.parent / "data" / "asterisk"
CORDOBA = ZoneInfo("America/Argentina/Cordoba")
LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC

SAMPLE = (DATA / "Master.csv").read_bytes().decode("utf-8").splitlines(keepends=True)


def parser(time_zone=CORDOBA, **options):
    return AsteriskCSVParser(ParserSettings(time_zone=time_zone, options=options))


def split(line):
    return next(csv.reader([line.rstrip("\n")]))


def cdr_line(fields):
    """Fields written as cdr_csv writes them: strings quoted with doubled quotes, the
    integers (duration, billsec, sequence) and empty times bare."""
    bare = {12, 13}
    if len(fields) >= 19:
        bare.add(len(fields) - 1)  # sequence
    parts = []
    for index, value in enumerate(fields):
        if index in bare or (index in (9, 10, 11) and value == ""):
            parts.append(value)
        else:
            parts.append('"' + value.replace('"', '""') + '"')
    return ",".join(parts)


def with_fields(line, **replacements):
    """``line`` with the fields numbered by the keys (``f2=...``) replaced."""
    fields = split(line)
    for key, value in replacements.items():
        fields[int(key[1:]) - 1] = value
    return cdr_line(fields)


def test_sample_file_has_the_expected_records():
    """The sample is copied byte for byte: 5 records of 18 columns, LF line ends."""
    assert len(SAMPLE) == 5
    assert all(line.endswith('"\n') and not line.endswith("\r\n") for line in SAMPLE)
    assert all(len(split(line)) == 18 for line in SAMPLE)


def test_writer_helper_reproduces_the_sample():
    """The test helper writes the sample lines exactly, quoting included."""
    for line in SAMPLE:
        assert cdr_line(split(line)) == line.rstrip("\n")


@pytest.mark.parametrize("line", SAMPLE)
def test_every_sample_line_parses_to_a_utc_call(line):
    """Every sample record is a call with an aware UTC start and JSON-ready details."""
    call = parser().parse(line)
    assert call is not None
    assert call.start.tzinfo is UTC
    assert call.pbx_call_id == split(line)[16]
    assert call.details["disposition"] in ("ANSWERED", "NO ANSWER")
    assert json.loads(json.dumps(call.details)) == call.details
    assert all(isinstance(value, str | int | bool) for value in call.details.values())


def test_outgoing_call_over_an_h323_trunk():
    """Record 1: SIP/2889 dials 09243820431 out through OOH323/avayaG700, 183 s."""
    call = parser().parse(SAMPLE[0])
    # 11:05:20 in Córdoba (UTC-3, no DST in 2018) is 14:05:20 UTC.
    assert call.start == dt.datetime(2018, 9, 7, 14, 5, 20, tzinfo=UTC)
    assert call.direction == Direction.OUTGOING
    assert (call.extension, call.trunk, call.number) == ("2889", "avayaG700", "09243820431")
    assert (call.duration_seconds, call.ring_seconds) == (183, 0)
    assert call.answered is True
    assert call.account_code == ""
    assert call.pbx_call_id == "1536293101.12458"
    # The clid name "2889" is just the number, so it is not repeated.
    assert call.details == {
        "direction_rule": "default",
        "disposition": "ANSWERED",
        "last_app": "Dial",
    }


def test_unanswered_incoming_call_with_an_empty_answer_time():
    """Record 2: the Avaya trunk rings SIP/1110 for 28 s; answer time is an empty field."""
    call = parser().parse(SAMPLE[1])
    assert call.start == dt.datetime(2018, 9, 7, 14, 8, 3, tzinfo=UTC)
    assert call.direction == Direction.INCOMING
    assert (call.extension, call.trunk, call.number) == ("1110", "avayaipo", "3711")
    assert call.account_code == "ast_h323"
    assert call.answered is False
    # billsec 0, duration 28: no conversation, 28 s from start to hang-up.
    assert (call.duration_seconds, call.ring_seconds) == (0, 28)
    assert call.details == {
        "direction_rule": "default",
        "disposition": "NO ANSWER",
        "caller_name": "Bryl A",
        "last_app": "Dial",
    }


def test_incoming_call_through_an_ivr_context():
    """Record 3: trunk KTTK, IVR context, bridged to SIP/2910; dst "1" kept in details."""
    call = parser().parse(SAMPLE[2])
    assert call.start == dt.datetime(2018, 9, 7, 14, 7, 39, tzinfo=UTC)
    assert call.direction == Direction.INCOMING
    assert (call.extension, call.trunk, call.number) == ("2910", "KTTK", "9996837840")
    assert (call.duration_seconds, call.ring_seconds) == (50, 0)
    assert call.details["caller_name"] == "New User"
    assert call.details["dst"] == "1"


def test_anonymous_pjsip_call_answered_by_hangup():
    """Record 4: an anonymous PJSIP caller to 333, answered by Hangup, 0 s."""
    call = parser().parse(SAMPLE[3])
    # 19:49:18 in Córdoba is 22:49:18 UTC.
    assert call.start == dt.datetime(2017, 5, 31, 22, 49, 18, tzinfo=UTC)
    assert call.direction == Direction.INCOMING
    assert call.number == "anonymous"  # kept as presented
    assert call.trunk == "desperate_poitras"
    assert call.extension == "333"  # no destination channel: dst
    assert call.answered is True  # disposition ANSWERED, even at 0 s
    assert call.duration_seconds == 0
    assert call.pbx_call_id == "1496260158.0"
    assert call.details == {
        "direction_rule": "default",
        "disposition": "ANSWERED",
        "caller_name": "Anonymous",
        "last_app": "Hangup",
    }


def test_outgoing_call_to_a_named_sip_trunk():
    """Record 5: SIP/501 in context-user-501 dials 181 through SIP/isoft."""
    call = parser().parse(SAMPLE[4])
    assert call.start == dt.datetime(2012, 8, 1, 18, 41, 8, tzinfo=UTC)
    assert call.direction == Direction.OUTGOING
    assert (call.extension, call.trunk, call.number) == ("501", "isoft", "181")
    assert call.duration_seconds == 5
    assert call.details["caller_name"] == "HomeDroid"


def test_usegmtime_reads_the_times_as_utc():
    """With usegmtime the written time is UTC already: 11:05:20 stays 11:05:20."""
    expected = dt.datetime(2018, 9, 7, 11, 5, 20, tzinfo=UTC)
    assert parser(usegmtime=True).parse(SAMPLE[0]).start == expected
    assert parser(usegmtime="yes").parse(SAMPLE[0]).start == expected
    assert parser(usegmtime="no").parse(SAMPLE[0]).start == expected + dt.timedelta(hours=3)


def test_local_time_in_another_zone():
    """The zone comes from the settings: 11:05:20 BST (UTC+1) is 10:05:20 UTC."""
    call = parser(LONDON).parse(SAMPLE[0])
    assert call.start == dt.datetime(2018, 9, 7, 10, 5, 20, tzinfo=UTC)


def test_ambiguous_and_skipped_local_times():
    """London: 01:30 on 2024-10-27 is BST (first, 00:30 UTC); on 2024-03-31 it is GMT."""
    autumn = with_fields(SAMPLE[0], f10="2024-10-27 01:30:00")
    spring = with_fields(SAMPLE[0], f10="2024-03-31 01:30:00")
    assert parser(LONDON).parse(autumn).start == dt.datetime(2024, 10, 27, 0, 30, tzinfo=UTC)
    assert parser(LONDON).parse(spring).start == dt.datetime(2024, 3, 31, 1, 30, tzinfo=UTC)
    noon = with_fields(SAMPLE[0], f10="2024-03-31 12:00:00")
    assert parser(LONDON).parse(noon).start == dt.datetime(2024, 3, 31, 11, 0, tzinfo=UTC)


def test_16_columns_have_no_call_id():
    """Without loguniqueid/loguserfield the record stops at amaflags."""
    line = cdr_line(split(SAMPLE[0])[:16])
    call = parser().parse(line)
    assert call.pbx_call_id == ""
    assert call.extension == "2889"
    assert "uniqueid" not in call.details


def test_21_columns_group_legs_by_linkedid():
    """newcdrcolumns adds peeraccount, linkedid and sequence: linkedid is the call id."""
    fields = [*split(SAMPLE[2]), "peer7", "1536293249.12600", "42"]
    line = cdr_line(fields)
    assert line.endswith(',"","peer7","1536293249.12600",42')
    call = parser().parse(line)
    assert call.pbx_call_id == "1536293249.12600"
    assert call.details["uniqueid"] == "1536293250.12602"
    assert call.details["peeraccount"] == "peer7"
    assert call.details["sequence"] == 42


def test_19_columns_are_the_newcdrcolumns_only():
    """16 base columns plus peeraccount, linkedid, sequence."""
    fields = [*split(SAMPLE[0])[:16], "", "1536293101.12458", "3"]
    call = parser().parse(cdr_line(fields))
    assert call.pbx_call_id == "1536293101.12458"
    assert call.details["sequence"] == 3
    assert "uniqueid" not in call.details


def test_17_and_20_columns_tell_uniqueid_from_userfield_by_shape():
    """One optional column: a uniqueid looks like epoch.counter, anything else is userfield."""
    base = split(SAMPLE[0])[:16]
    with_uniqueid = parser().parse(cdr_line([*base, "pbx1-1536293101.12458"]))
    assert with_uniqueid.pbx_call_id == "pbx1-1536293101.12458"
    with_userfield = parser().parse(cdr_line([*base, "project 17"]))
    assert with_userfield.pbx_call_id == ""
    assert with_userfield.details["userfield"] == "project 17"
    twenty = parser().parse(cdr_line([*base, "1536293101.12458", "", "1536293100.1", "0"]))
    assert twenty.pbx_call_id == "1536293100.1"
    assert twenty.details["uniqueid"] == "1536293101.12458"
    assert twenty.details["sequence"] == 0


def test_quoted_strings_with_commas_and_doubled_quotes():
    """Commas and doubled quotes inside quoted strings do not split fields."""
    line = with_fields(
        SAMPLE[1], f5='"Smith, John" <3711>', f9="SIP/1110,30,tT", f18='say "hi", then'
    )
    assert '"""Smith, John"" <3711>"' in line
    assert line.endswith(',"say ""hi"", then"')
    call = parser().parse(line)
    assert call.details["caller_name"] == "Smith, John"
    assert call.details["userfield"] == 'say "hi", then'
    assert call.details["last_app"] == "Dial"
    assert call.duration_seconds == 0
    assert call.pbx_call_id == "1536293283.12653"


def test_pjsip_internal_call():
    """PJSIP/2001 to PJSIP/2002: internal, the extension from the channel name."""
    line = with_fields(
        SAMPLE[0],
        f2="2001",
        f3="2002",
        f4="from-internal",
        f5='"Ana" <2001>',
        f6="PJSIP/2001-00000001",
        f7="PJSIP/2002-00000002",
    )
    call = parser().parse(line)
    assert call.direction == Direction.INTERNAL
    assert (call.extension, call.number, call.trunk) == ("2001", "2002", "")
    assert call.details["caller_name"] == "Ana"


def test_extension_without_destination_channel():
    """No dstchannel: a short or non-numeric dst is internal, a long one outgoing."""
    base = {"f6": "SIP/2001-0000000a", "f7": ""}
    voicemail = parser().parse(with_fields(SAMPLE[0], f3="*97", **base))
    assert voicemail.direction == Direction.INTERNAL
    assert voicemail.extension == "2001"
    failed = parser().parse(with_fields(SAMPLE[0], f3="+5493514000000", **base))
    assert failed.direction == Direction.OUTGOING
    assert failed.number == "+5493514000000"
    assert failed.trunk == ""


def test_named_phone_in_an_internal_context():
    """PJSIP/alice is no number: the context says it is a phone, src is the extension."""
    line = with_fields(SAMPLE[0], f2="2005", f4="from-internal", f6="PJSIP/alice-0000001f", f7="")
    call = parser().parse(line)
    assert call.direction == Direction.OUTGOING  # dst 09243820431 is long
    assert call.extension == "2005"
    other_context = parser().parse(with_fields(line, f4="somewhere"))
    assert other_context.direction == Direction.INCOMING
    assert other_context.trunk == "alice"


def test_incoming_context_wins_over_a_numeric_trunk_name():
    """A trunk peer named 10001 in from-trunk-sip-carrier is a trunk, not extension 10001."""
    line = with_fields(
        SAMPLE[2], f4="from-trunk-sip-carrier", f6="SIP/10001-00000abc", f7="SIP/2001-00000abd"
    )
    call = parser().parse(line)
    assert call.direction == Direction.INCOMING
    assert (call.trunk, call.extension) == ("10001", "2001")


def test_outgoing_contexts_option():
    """A site context listed in outgoing_contexts makes the call outgoing."""
    line = with_fields(SAMPLE[0], f4="salida", f7="SIP/2002-00000002")
    assert parser().parse(line).direction == Direction.INTERNAL
    call = parser(outgoing_contexts=["salida"]).parse(line)
    assert call.direction == Direction.OUTGOING
    assert call.extension == "2889"


def test_dahdi_trunks_keep_their_technology():
    """A DAHDI channel is a trunk even when numbered; the trunk names the channel/span."""
    incoming = parser().parse(with_fields(SAMPLE[2], f6="DAHDI/1-1"))
    assert incoming.direction == Direction.INCOMING
    assert incoming.trunk == "DAHDI/1"
    outgoing = parser().parse(with_fields(SAMPLE[0], f7="DAHDI/i1/09243820431-5"))
    assert outgoing.direction == Direction.OUTGOING
    assert outgoing.trunk == "DAHDI/i1"


def test_max_extension_digits_option():
    """Seven-digit extensions are outside numbers by default, extensions when allowed."""
    line = with_fields(SAMPLE[0], f2="5551234", f6="SIP/5551234-00000001", f7="")
    assert parser().parse(line).direction == Direction.INCOMING
    call = parser(max_extension_digits=7).parse(line)
    assert call.direction == Direction.OUTGOING
    assert call.extension == "5551234"


def test_non_default_amaflags_and_userfield_are_kept():
    """amaflags BILLING and a userfield go to details; DOCUMENTATION does not."""
    call = parser().parse(with_fields(SAMPLE[0], f16="BILLING", f18="cc-42"))
    assert call.details["amaflags"] == "BILLING"
    assert call.details["userfield"] == "cc-42"


def test_unknown_disposition_falls_back_on_the_answer_time():
    """A disposition Asterisk does not write: answered when there is an answer time."""
    call = parser().parse(with_fields(SAMPLE[0], f15="UNKNOWN"))
    assert call.answered is True
    assert call.details["disposition"] == "UNKNOWN"
    assert parser().parse(with_fields(SAMPLE[1], f15="UNKNOWN")).answered is False


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n",
        "  \r\n",
        "\x00\x00\n",
        "accountcode,src,dst,dcontext,clid,channel,dstchannel,lastapp,lastdata,start\n",
        '"accountcode","src","dst","dcontext","clid","channel","dstchannel","lastapp",'
        '"lastdata","start","answer","end","duration","billsec","disposition","amaflags"\n',
    ],
)
def test_noise_is_none(text):
    """Blank lines, control bytes and a header row from an export are noise."""
    assert parser().parse(text) is None


def test_byte_order_mark_and_crlf_are_ignored():
    """A file saved with a BOM and CR LF parses as the plain line does."""
    expected = parser().parse(SAMPLE[0])
    assert parser().parse("\ufeff" + SAMPLE[0].rstrip("\n") + "\r\n") == expected
    assert parser().parse(SAMPLE[0].rstrip("\n")) == expected


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            with_fields(SAMPLE[0], f10="2018/09/07 11:05:20"),
            "field 10 (start): '2018/09/07 11:05:20' is not YYYY-MM-DD HH:MM:SS",
        ),
        (
            with_fields(SAMPLE[0], f10="2018-02-30 11:05:20"),
            "field 10 (start): '2018-02-30 11:05:20' is not a valid date and time",
        ),
        (
            with_fields(SAMPLE[0], f10="2018-09-07 24:05:20"),
            "field 10 (start): '2018-09-07 24:05:20' is not a valid date and time",
        ),
        (
            with_fields(SAMPLE[0], f10="2018-09-07 \u0661\u0661:05:20"),
            "field 10 (start): '2018-09-07 \u0661\u0661:05:20' is not YYYY-MM-DD HH:MM:SS",
        ),
        (
            with_fields(SAMPLE[0], f11="yesterday"),
            "field 11 (answer): 'yesterday' is not empty or YYYY-MM-DD HH:MM:SS",
        ),
        (
            with_fields(SAMPLE[0], f12="0"),
            "field 12 (end): '0' is not YYYY-MM-DD HH:MM:SS",
        ),
        (
            with_fields(SAMPLE[0], f13="-1"),
            "field 13 (duration): '-1' is not a number of seconds",
        ),
        (
            with_fields(SAMPLE[0], f14="18.3"),
            "field 14 (billsec): '18.3' is not a number of seconds",
        ),
        (
            cdr_line([*split(SAMPLE[0]), "", "1.2", "x"]),
            "field 21 (sequence): 'x' is not an integer",
        ),
    ],
)
def test_bad_field_names_the_field_and_quotes_the_value(line, message):
    """A bad value raises RecordError naming the field by number and name."""
    with pytest.raises(RecordError) as raised:
        parser().parse(line)
    assert str(raised.value) == message


def test_wrong_field_counts():
    """Fewer than 16 or more than 21 fields is not a cdr_csv record."""
    with pytest.raises(RecordError, match="record has 15 comma-separated fields, expected 16"):
        parser().parse(cdr_line(split(SAMPLE[0])[:15]))
    with pytest.raises(RecordError, match="record has 22 comma-separated fields"):
        parser().parse(SAMPLE[0].rstrip("\n") + ',"","","","1"')


def test_broken_csv_is_a_record_error():
    """A newline inside an unquoted field is not valid CSV."""
    with pytest.raises(RecordError, match="record is not valid CSV"):
        parser().parse('"",2889\r"x","y"')


def test_year_out_of_range_is_a_record_error():
    """Extreme dates fail as records, not as overflows."""
    cases = [
        ("9999-12-31 23:59:59", "America/Los_Angeles"),
        ("0001-01-01 00:00:00", "Asia/Tokyo"),
        ("0000-01-01 00:00:00", "UTC"),
    ]
    for start, zone in cases:
        with pytest.raises(RecordError, match=r"field 10 \(start\)"):
            parser(ZoneInfo(zone)).parse(with_fields(SAMPLE[0], f10=start))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"usegmtime": "maybe"}, "option usegmtime: 'maybe' is not true or false"),
        ({"usegmtime": 2}, "option usegmtime: 2 is not true or false"),
        (
            {"internal_contexts": "from-internal"},
            "option internal_contexts: 'from-internal' is not a list of dialplan context names",
        ),
        (
            {"outgoing_contexts": ["out", 3]},
            "option outgoing_contexts: ['out', 3] is not a list of dialplan context names",
        ),
        (
            {"max_extension_digits": 0},
            "option max_extension_digits: 0 is not a whole number from 1 to 32",
        ),
        (
            {"max_extension_digits": True},
            "option max_extension_digits: True is not a whole number from 1 to 32",
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


FIELD_TEXT = st.text(
    alphabet=st.sampled_from('0123456789:-/ .,"<>SIPLocal@\x00\u00b2\u0661\r'), max_size=24
)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(SAMPLE),
    st.dictionaries(st.integers(min_value=0, max_value=20), FIELD_TEXT, max_size=4),
    st.integers(min_value=16, max_value=21),
    st.booleans(),
)
def test_damaged_records_raise_only_record_errors(line, damage, count, quoted):
    """Sample records with fields overwritten by look-alike junk never crash the parser."""
    fields = split(line)
    fields += ["1"] * (21 - len(fields))
    for index, value in damage.items():
        fields[index] = value
    fields = fields[:count]
    text = cdr_line(fields) if quoted else ",".join(fields)
    try:
        call = parser().parse(text)
    except RecordError:
        return
    assert call is None or call.start.tzinfo is UTC
