"""The Grandstream UCM CDR parser, on the records of Grandstream's CDR API guides.

``HEADER`` and ``DOCUMENTED`` are the example output of the "UCM6510 CDR Report and
CDR API Guide" (and the UCM6100 Series "CDR and REC API Guide", page 14), joined into
lines; ``DOCUMENTED_JSON`` is the same call in that guide's JSON. The other records are
[DERIVED] from those columns and the guides' channel descriptions.
"""

import contextlib
import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smdr.parsers import PARSERS, Direction, ParserSettings, RecordError
from smdr.parsers.grandstream_ucm import NEWER_COLUMNS, GrandstreamUCMParser

CORDOBA = ZoneInfo("America/Argentina/Cordoba")  # UTC-3 all year
UTC = dt.UTC
HEADER = (
    "AcctId,accountcode,src,dst,dcontext,clid,channel,dstchannel,lastapp,lastdata,start,"
    "answer,end,duration,billsec,disposition,amaflags,uniqueid,userfield,channel_ext,"
    "dstchannel_ext,service"
)
DOCUMENTED = (
    '62,,5300,5301,from-internal,"pn01" <5300>,SIP/5300-00000000,SIP/5301-00000001,Dial,'
    "SIP/5301,60,,2013-12-03 11:46:40,2013-12-03 11:46:43,2013-12-03 11:46:49,9,6,ANSWERED,"
    "DOCUMENTATION,1386092800.0,EXT,5300,5301,s"
)
DOCUMENTED_JSON = (
    '{ "AcctId": "62", "accountcode": "", "src": "5300", "dst": "5301", "dcontext":'
    ' "from-internal", "clid": "\\"pn01\\" <5300>", "channel": "SIP/5300-00000000",'
    ' "dstchannel": "SIP/5301-00000001", "lastapp": "Dial", "lastdata": "SIP/5301,60,",'
    ' "start": "2013-12-03 11:46:40", "answer": "2013-12-03 11:46:43", "end":'
    ' "2013-12-03 11:46:49", "duration": "9", "billsec": "6", "disposition": "ANSWERED",'
    ' "amaflags": "DOCUMENTATION", "uniqueid": "1386092800.0", "userfield": "EXT",'
    ' "channel_ext": "5300", "dstchannel_ext": "5301", "service": "s" }'
)
# [DERIVED] An outside call out over trunk_1 (the guide's SIP/trunk_X/NUM form), with
# an account code, and a call in from trunk_2 (SIP/trunk_X-XXXXXX) that rang out.
OUTGOING = (
    '70,4455,5300,903514567890,from-internal,"pn01" <5300>,SIP/5300-00000010,'
    "SIP/trunk_1/03514567890,Dial,SIP/trunk_1/03514567890,60,,2013-12-03 15:00:00,"
    "2013-12-03 15:00:12,2013-12-03 15:05:12,312,300,ANSWERED,DOCUMENTATION,"
    "1386093600.10,OUT,5300,,s"
)
INCOMING_MISSED = (
    '71,,3514567890,5301,ext-did-0001,"GOMEZ MARIA" <3514567890>,SIP/trunk_2-00000011,'
    "SIP/5301-00000012,Dial,SIP/5301,60,,2013-12-03 16:00:00,,2013-12-03 16:00:25,25,0,"
    "NO ANSWER,DOCUMENTATION,1386097200.11,IN,,5301,s"
)


def parser(**options):
    return GrandstreamUCMParser(ParserSettings(time_zone=CORDOBA, options=options))


def test_documented_record_after_its_header():
    """The guide's example: the header is noise, the row an internal call of 6 s talk
    after 3 s of ringing, at 11:46:40 in the UCM's zone."""
    ucm = parser()
    assert ucm.parse(HEADER) is None
    call = ucm.parse(DOCUMENTED + "\r\n")
    assert call.start == dt.datetime(2013, 12, 3, 14, 46, 40, tzinfo=UTC)
    assert (call.duration_seconds, call.ring_seconds, call.answered) == (6, 3, True)
    assert (call.direction, call.extension, call.number, call.trunk) == (
        Direction.INTERNAL,
        "5300",
        "5301",
        "",
    )
    assert (call.account_code, call.pbx_call_id) == ("", "1386092800.0")
    assert call.details == {
        "acct_id": "62",
        "direction_rule": "default",
        "disposition": "ANSWERED",
        "caller_name": "pn01",
        "lastapp": "Dial",
        "userfield": "EXT",
    }


def test_documented_json_object_is_the_same_call():
    """The CDR API's JSON gives the same call as its CSV (lastdata's commas are inside
    a JSON string there)."""
    assert parser().parse(DOCUMENTED_JSON) == parser().parse(DOCUMENTED)


def test_main_cdr_of_an_ucm63xx_object_is_read():
    wrapped = json.dumps({"main_cdr": json.loads(DOCUMENTED_JSON), "sub_cdr_1": {}})
    assert parser().parse(wrapped) == parser().parse(DOCUMENTED)


def test_outgoing_call_over_a_trunk():
    call = parser().parse(OUTGOING)
    assert call.start == dt.datetime(2013, 12, 3, 18, 0, tzinfo=UTC)
    assert (call.direction, call.extension, call.number, call.trunk) == (
        Direction.OUTGOING,
        "5300",
        "903514567890",
        "trunk_1",
    )
    assert (call.duration_seconds, call.ring_seconds, call.account_code) == (300, 12, "4455")


def test_incoming_call_not_answered():
    call = parser().parse(INCOMING_MISSED)
    assert (call.direction, call.extension, call.number, call.trunk) == (
        Direction.INCOMING,
        "5301",
        "3514567890",
        "trunk_2",
    )
    assert (call.answered, call.duration_seconds, call.ring_seconds) == (False, 0, 25)
    assert call.details["disposition"] == "NO ANSWER"
    assert call.details["caller_name"] == "GOMEZ MARIA"


def test_channels_decide_without_userfield():
    """With userfield empty: an extension's channel to a trunk is outgoing, a trunk's
    channel to an extension incoming, an analogue FXO port a trunk named DAHDI/<port>."""
    out = OUTGOING.replace(",OUT,5300,,s", ",,,,s")
    assert parser().parse(out).direction == Direction.OUTGOING
    analogue = INCOMING_MISSED.replace("SIP/trunk_2-00000011", "DAHDI/1-1").replace(
        ",IN,,5301,s", ",,,,s"
    )
    call = parser().parse(analogue)
    assert (call.direction, call.extension, call.trunk) == (Direction.INCOMING, "5301", "DAHDI/1")
    # An FXO line's call: the UCM does not know the number called ("s").
    fxo = analogue.replace(",3514567890,5301,ext-did-0001,", ",3514567890,s,ext-did-0001,")
    assert parser().parse(fxo).extension == "5301"
    no_channel = fxo.replace("SIP/5301-00000012", "")
    assert parser().parse(no_channel).extension == ""


def test_known_extensions_decide_first():
    """The site's extensions outrank the userfield."""
    settings = ParserSettings(time_zone=CORDOBA, extensions=frozenset({"5301"}))
    call = GrandstreamUCMParser(settings).parse(DOCUMENTED.replace(",EXT,", ",OUT,"))
    assert (call.direction, call.details["direction_rule"]) == (
        Direction.INCOMING,
        "known-extension",
    )


def test_newer_columns_by_header():
    """Newer firmware's header adds session and the trunk names: the header decides the
    columns, the session is the call id and the trunk name the trunk."""
    ucm = parser()
    assert ucm.parse(",".join(NEWER_COLUMNS)) is None
    row = OUTGOING + ",1386093600.10-1,cdr_owner,DIAL,,Movistar"
    call = ucm.parse(row)
    assert (call.trunk, call.pbx_call_id) == ("Movistar", "1386093600.10-1")
    assert call.details["uniqueid"] == "1386093600.10"
    assert (call.details["action_type"], call.details["action_owner"]) == ("DIAL", "cdr_owner")
    with pytest.raises(RecordError, match="has 22 comma-separated fields, the columns have 27"):
        ucm.parse(DOCUMENTED.replace("SIP/5301,60,", "x"))


def test_web_download_titles_name_the_same_columns():
    """The web page's download titles (Caller Number, Start Time, Talk Time...) are the
    API's columns, in any order; H:MM:SS times are read."""
    ucm = parser(
        columns=[
            "Start Time",
            "Caller Number",
            "Callee Number",
            "Call Time",
            "Talk Time",
            "Status",
            "Source Trunk Name",
            "Account Code",
        ]
    )
    call = ucm.parse("2013-12-03 16:00:00,3514567890,5301,0:01:05,0:00:59,ANSWERED,Movistar,")
    assert (call.direction, call.extension, call.number, call.trunk) == (
        Direction.INCOMING,
        "5301",
        "3514567890",
        "Movistar",
    )
    assert (call.duration_seconds, call.ring_seconds) == (59, 6)


def test_call_from_with_a_name():
    """The UCM6510 page's "Call From" format, "John Doe"<6012>: number and name."""
    ucm = parser(columns=["Start Time", "Call From", "Call To", "Call Time", "Talk Time"])
    call = ucm.parse('2013-03-27 16:47:03,"John Doe"<6012>,6005,0:00:10,0:00:10')
    assert (call.extension, call.number, call.details["caller_name"]) == (
        "6012",
        "6005",
        "John Doe",
    )


def test_a_header_without_start_is_an_error():
    with pytest.raises(RecordError, match=r"^header row: the columns lack start"):
        parser().parse("src,dst,clid,channel,dstchannel")


def test_lastdata_commas_go_back_to_lastdata():
    """Unquoted commas in lastdata make extra fields; the row still reads right. A row
    of more columns than the source's (newer firmware) is an error, not a long
    lastdata."""
    more = DOCUMENTED.replace("SIP/5301,60,", "SIP/5301,60,tTr,M(x),")
    assert parser().parse(more) == parser().parse(DOCUMENTED)
    with pytest.raises(
        RecordError,
        match=r"^record has 29 comma-separated fields \(2 of them commas in lastdata\), the",
    ):
        parser().parse(OUTGOING + ",1386093600.10-1,cdr_owner,DIAL,,Movistar")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (DOCUMENTED[:60], r"^record has 8 comma-separated fields, the columns have 22"),
        (
            DOCUMENTED.replace("2013-12-03 11:46:40", "2013-13-03 11:46:40"),
            r"^field 11 \(start\): '2013-13-03 11:46:40' is not a valid date and time",
        ),
        (
            DOCUMENTED.replace("2013-12-03 11:46:40", "yesterday"),
            r"^field 11 \(start\): 'yesterday' is not a date and time",
        ),
        (DOCUMENTED.replace(",9,6,", ",9s,6,"), r"^field 14 \(duration\): '9s' is not a count"),
        (DOCUMENTED.replace(",9,6,", ",9,60,"), r"^field 15 \(billsec\): 60 s of talk is longer"),
        ('{"src": "5300", ', r"^record is not valid JSON"),
        ('{"cdr": [' + DOCUMENTED_JSON + "]}", r"^record is a whole API answer \('cdr'"),
        ('{"src": "5300"}', r"^start: '' is not a date and time"),
    ],
)
def test_bad_records_name_the_field(line, message):
    """Truncated or garbled records are errors naming the field, never dropped."""
    with pytest.raises(RecordError, match=message):
        parser().parse(line)


def test_blank_lines_are_noise_and_columns_are_checked():
    assert parser().parse("\ufeff\r\n") is None
    with pytest.raises(RecordError, match=r"^option columns: the columns lack start"):
        parser(columns=["src", "dst"])
    with pytest.raises(RecordError, match=r"^option columns: 'src' is not a list"):
        parser(columns="src")


def test_repeated_hour_reads_its_first_pass():
    """A local time in the hour repeated when clocks go back is its first occurrence."""
    new_york = GrandstreamUCMParser(ParserSettings(time_zone=ZoneInfo("America/New_York")))
    call = new_york.parse(DOCUMENTED.replace("2013-12-03 11:46:40", "2025-11-02 01:30:00"))
    assert call.start == dt.datetime(2025, 11, 2, 5, 30, tzinfo=UTC)


def test_registered():
    assert PARSERS["grandstream-ucm"] is GrandstreamUCMParser


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_raises_only_record_errors(text):
    """Whatever arrives, the parser returns a call or None, or raises RecordError."""
    with contextlib.suppress(RecordError):
        parser().parse(text)


FIELD_TEXT = st.text(alphabet=st.sampled_from('0123456789:/- .,"<>{}SIP\x00\ufeff'), max_size=22)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([DOCUMENTED, OUTGOING, INCOMING_MISSED]),
    st.dictionaries(st.integers(min_value=0, max_value=21), FIELD_TEXT, max_size=4),
)
def test_damaged_records_raise_only_record_errors(line, damage):
    """Documented records with fields overwritten by look-alike junk never crash it."""
    fields = line.split(",")
    for index, value in damage.items():
        fields[index % len(fields)] = value
    try:
        call = parser().parse(",".join(fields))
    except RecordError:
        return
    assert call is None or (call.start.tzinfo is UTC and call.duration_seconds >= 0)
