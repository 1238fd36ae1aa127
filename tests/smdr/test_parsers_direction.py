"""Direction decided from what the site knows (smdr.parsers.direction), in the families.

The rules, in order: the source's own options, the site's known extensions, a number
longer than the longest extension, trunk-like names, then the family's default; the
rule that decided is ``details["direction_rule"]``.
"""

import csv
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from smdr.parsers.asterisk_csv import AsteriskCSVParser
from smdr.parsers.base import Direction, ParserSettings
from smdr.parsers.cisco_cucm import CiscoCUCMParser
from smdr.parsers.direction import (
    Rule,
    context_direction,
    is_trunk_name,
    known_direction,
    trunk_direction,
)
from smdr.parsers.freeswitch_csv import FreeSWITCHCSVParser
from smdr.parsers.threecx import ThreeCXParser
from tests.smdr.test_parsers_cisco_cucm import OUTGOING as CUCM_OUTGOING
from tests.smdr.test_parsers_cisco_cucm import build as cucm_row

DATA = Path(__file__).resolve().parent.parent / "data"
ZONE = ZoneInfo("America/Argentina/Cordoba")
IN, OUT, INTERNAL = Direction.INCOMING, Direction.OUTGOING, Direction.INTERNAL


def settings(extensions=(), **options):
    return ParserSettings(time_zone=ZONE, options=options, extensions=frozenset(extensions))


def lines(path):
    return (DATA / path).read_bytes().decode("utf-8-sig").splitlines()


def asterisk_line(src, dst, context, channel, dst_channel, seconds=30):
    """An 18-column cdr_csv line, quoted as cdr_csv writes it."""
    start = "2024-01-27 15:27:58"
    fields = ["", src, dst, context, f'"{src}" <{src}>', channel, dst_channel, "Dial", ""]
    fields += [start, start, start]
    quoted = ",".join('"' + value.replace('"', '""') + '"' for value in fields)
    return f'{quoted},{seconds},{seconds},"ANSWERED","DOCUMENTATION","1706369278.2",""'


# --- the rules one by one -------------------------------------------------------------


def test_settings_default_to_no_extensions_and_derive_the_longest():
    assert ParserSettings(time_zone=ZONE).extensions == frozenset()
    assert ParserSettings(time_zone=ZONE).longest_extension == 0
    assert settings(["154", "2003", "30"]).longest_extension == 4


@pytest.mark.parametrize(
    ("callers", "callees", "expected"),
    [
        (("2003",), ("2004",), (INTERNAL, Rule.KNOWN_EXTENSION)),
        (("2003",), ("0351422",), (OUT, Rule.KNOWN_EXTENSION)),
        (("0351422",), ("2004",), (IN, Rule.KNOWN_EXTENSION)),
        (("x", "2003"), ("", "2004"), (INTERNAL, Rule.KNOWN_EXTENSION)),  # any name
        (("89245555937",), ("211474",), (IN, Rule.LONGER_THAN_EXTENSIONS)),
        (("210",), ("+54351422",), (OUT, Rule.LONGER_THAN_EXTENSIONS)),
        (("9999",), ("8888",), None),  # as long as extensions, unknown: no say
        (("anonymous",), ("s",), None),
    ],
)
def test_known_direction(callers, callees, expected):
    assert known_direction(frozenset({"2003", "2004"}), 4, callers, callees) == expected


def test_known_direction_needs_known_extensions():
    assert known_direction(frozenset(), 0, ("89245555937",), ("2004",)) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("stadion-pstn", True),
        ("From-External", True),
        ("SIP_Trunk_1", True),
        ("OUTBOUND", True),
        ("from-internal", False),
        ("", False),
    ],
)
def test_trunk_names(name, expected):
    assert is_trunk_name(name) is expected


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ("stadion-pstn", IN),
        ("from-trunk", IN),
        ("from-external", IN),
        ("outbound", OUT),
        ("macro-dialout-trunk", OUT),
        ("default", ""),
    ],
)
def test_context_direction(context, expected):
    assert context_direction(context) == expected


def test_trunk_direction_prefers_the_calling_side():
    assert trunk_direction(("pstn-gw",), ("trunk-2",)) == IN
    assert trunk_direction(("desk",), ("trunk-2",)) == OUT
    assert trunk_direction(("desk",), ("phone",)) == ""


# --- Asterisk ---------------------------------------------------------------------


def asterisk(extensions=(), **options):
    return AsteriskCSVParser(settings(extensions, **options))


# The shape of the real site's records (issue 14): PSTN peers named by 6-digit accounts
# (SIP/211474), calls from them in a "*-pstn" context, the site's own phones (154, 200,
# 301) behind a SIP peer to the on-site PBX. Numbers changed; the shapes are the site's.
PSTN_SITE = [
    # (record, the direction the data implies)
    (asterisk_line("89240000001", "211474", "site-pstn", "SIP/211474-00000001", ""), IN),
    (
        asterisk_line(
            "81070000002", "211553", "site-pstn", "SIP/211553-0000001c", "SIP/sitepbx-0000001e"
        ),
        IN,
    ),
    (
        asterisk_line(
            "89020000003", "211553", "site-pstn", "SIP/211553-00000017", "SIP/301-00000018"
        ),
        IN,
    ),
    (
        asterisk_line(
            "89020000003", "211553", "site-pstn", "SIP/211553-00000017", "Local/ch1@delay-0c;1"
        ),
        IN,
    ),
    (
        asterisk_line(
            "89240000001", "ch2", "TimeDelay", "Local/ch2@TimeDelay-01;2", "SIP/sitepbx-08"
        ),
        IN,
    ),
    (asterisk_line("154", "301", "from-sitepbx", "SIP/sitepbx-00000020", "SIP/301-21"), INTERNAL),
    (
        asterisk_line("154", "89240000001", "from-sitepbx", "SIP/sitepbx-22", "SIP/211474-23"),
        OUT,
    ),
]
SITE_EXTENSIONS = ("154", "200", "301")


def test_pstn_site_records_are_right_with_the_sites_extensions():
    """How the expected answers were established: each record's caller and callee read
    against what the site is. Callers of 11 digits (Russian mobiles, 89...) dialling the
    6-digit accounts of the site's PSTN lines (211474, 211553) in a ``*-pstn`` context
    are calls in; 154 to 301 is between the site's phones; 154 dialling an 11-digit
    number through a PSTN account is a call out. The parser before these rules took
    the 6-digit peers for extensions and got 1 of the 7 right; the trunk-like context
    alone gets 5; with the site's extensions all 7 are right."""
    alone = asterisk()
    new = asterisk(SITE_EXTENSIONS)
    alone_right = sum(alone.parse(line).direction == expected for line, expected in PSTN_SITE)
    for line, expected in PSTN_SITE:
        assert new.parse(line).direction == expected, line
    assert (alone_right, len(PSTN_SITE)) == (5, 7)


def test_pstn_context_is_incoming_even_without_extensions():
    """The trunk-like context alone now reads the 6-digit peer as a PSTN line."""
    call = asterisk().parse(PSTN_SITE[0][0])
    assert call.direction == IN
    assert call.details["direction_rule"] == Rule.TRUNK_NAME
    assert (call.trunk, call.number) == ("211474", "89240000001")


def test_pstn_call_in_with_extensions_has_the_extension_reached():
    call = asterisk(SITE_EXTENSIONS).parse(PSTN_SITE[2][0])
    assert call.details["direction_rule"] == Rule.KNOWN_EXTENSION  # SIP/301 answered
    assert (call.extension, call.trunk, call.number) == ("301", "211553", "89020000003")
    assert call.details["dst"] == "211553"


def test_outgoing_call_by_known_extension_names_its_trunk():
    call = asterisk(SITE_EXTENSIONS).parse(PSTN_SITE[-1][0])
    assert call.direction == OUT
    assert call.details["direction_rule"] == Rule.KNOWN_EXTENSION
    assert (call.extension, call.trunk, call.number) == ("154", "211474", "89240000001")


def test_asterisk_sample_keeps_its_directions_with_the_sites_extensions():
    """The real sample's answers (see test_parsers_asterisk_csv) stand when the site
    knows its extensions; only the deciding rule differs."""
    sample = lines("asterisk/Master.csv")
    old = [asterisk().parse(line) for line in sample]
    new = [asterisk(["2889", "1110", "2910", "501", "333"]).parse(line) for line in sample]
    assert [call.direction for call in new] == [call.direction for call in old]
    assert [call.direction for call in old] == [OUT, IN, IN, IN, OUT]
    assert [call.details["direction_rule"] for call in new] == [
        Rule.KNOWN_EXTENSION,
        Rule.KNOWN_EXTENSION,
        Rule.KNOWN_EXTENSION,
        Rule.KNOWN_EXTENSION,
        Rule.KNOWN_EXTENSION,
    ]


def test_explicit_context_option_wins_over_known_extensions():
    line = asterisk_line("154", "301", "site-out", "SIP/154-1", "SIP/301-2")
    assert asterisk(SITE_EXTENSIONS).parse(line).direction == INTERNAL
    call = asterisk(SITE_EXTENSIONS, outgoing_contexts=["site-out"]).parse(line)
    assert call.direction == OUT
    assert call.details["direction_rule"] == Rule.OPTION


def test_known_extension_wins_over_longer_and_trunk_names():
    line = asterisk_line("154", "301", "from-pstn", "SIP/154-1", "SIP/301-2")
    call = asterisk(SITE_EXTENSIONS).parse(line)
    assert (call.direction, call.details["direction_rule"]) == (INTERNAL, Rule.KNOWN_EXTENSION)


def test_longer_wins_over_trunk_names():
    line = asterisk_line("154", "0351422000", "outbound", "SIP/trunkside-1", "SIP/x-2")
    call = asterisk(["1500"]).parse(line)
    assert (call.direction, call.details["direction_rule"]) == (
        OUT,
        Rule.LONGER_THAN_EXTENSIONS,
    )
    line = asterisk_line("x", "y", "outbound", "SIP/desk-1", "SIP/x-2")
    call = asterisk(["1500"]).parse(line)
    assert (call.direction, call.details["direction_rule"]) == (OUT, Rule.TRUNK_NAME)


def test_without_a_say_the_default_decides():
    line = asterisk_line("2001", "2002", "default", "SIP/2001-1", "SIP/2002-2")
    call = asterisk().parse(line)
    assert (call.direction, call.details["direction_rule"]) == (INTERNAL, Rule.DEFAULT)


# --- Cisco UCM: the voicemail SIP trunk -------------------------------------------

TO_VOICEMAIL = {
    **CUCM_OUTGOING,
    "originalCalledPartyNumber": "8000",
    "finalCalledPartyNumber": "8000",
    "destDeviceName": "Unity_SIP_Trunk",
}


def test_phone_to_voicemail_trunk_looks_outgoing_without_site_knowledge():
    call = CiscoCUCMParser(settings()).parse(cucm_row(**TO_VOICEMAIL))
    assert (call.direction, call.trunk) == (OUT, "Unity_SIP_Trunk")
    assert call.details["direction_rule"] == Rule.TRUNK_NAME


def test_phone_to_voicemail_pilot_that_is_a_known_extension_is_internal():
    call = CiscoCUCMParser(settings(["2001", "2002", "8000"])).parse(cucm_row(**TO_VOICEMAIL))
    assert (call.direction, call.trunk) == (INTERNAL, "")
    assert call.details["direction_rule"] == Rule.KNOWN_EXTENSION


def test_phone_to_voicemail_number_option_is_internal():
    parser = CiscoCUCMParser(settings(["2001"], voicemail_numbers=["8000"]))
    call = parser.parse(cucm_row(**TO_VOICEMAIL))
    assert (call.direction, call.trunk) == (INTERNAL, "")
    assert call.details["direction_rule"] == Rule.OPTION
    assert call.details["voicemail"] is True


def test_cucm_outgoing_through_a_gateway_with_the_sites_extensions():
    call = CiscoCUCMParser(settings(["2001"])).parse(cucm_row(**CUCM_OUTGOING))
    assert (call.direction, call.trunk) == (OUT, "GW_PSTN_1")
    assert call.details["direction_rule"] == Rule.KNOWN_EXTENSION


# --- 3CX and FreeSWITCH -----------------------------------------------------------


def test_3cx_sample_directions_stand_with_the_sites_extensions():
    """The party types of the real sample agree with the site's extensions."""
    sample = lines("3cx/cdr.csv")
    known = ["610", "185", "315", "184", "114", "318", "195"]
    old = [ThreeCXParser(settings()).parse(line) for line in sample]
    new = [ThreeCXParser(settings(known)).parse(line) for line in sample]
    assert [call.direction for call in new] == [call.direction for call in old]
    assert [call.direction for call in old] == [IN, INTERNAL, OUT, OUT, OUT]
    assert {call.details["direction_rule"] for call in new} == {Rule.KNOWN_EXTENSION}
    assert [(call.extension, call.trunk) for call in new] == [
        (call.extension, call.trunk) for call in old
    ]


def test_freeswitch_public_context_with_a_known_caller_is_outgoing():
    """The documentation records come from 9007 and 9008 in ``public``: incoming by
    default, outgoing once the site says 9007 is its extension."""
    sample = [line for line in lines("freeswitch/Master.csv") if line]
    assert FreeSWITCHCSVParser(settings()).parse(sample[0]).direction == IN
    call = FreeSWITCHCSVParser(settings(["9007"])).parse(sample[0])
    assert (call.direction, call.extension, call.number) == (OUT, "9007", "0034688886392")
    assert call.details["direction_rule"] == Rule.KNOWN_EXTENSION
    option = FreeSWITCHCSVParser(settings(["9007"], incoming_contexts=["public"]))
    call = option.parse(sample[0])
    assert (call.direction, call.details["direction_rule"]) == (IN, Rule.OPTION)


def test_every_sample_call_names_its_rule():
    assert all(
        AsteriskCSVParser(settings()).parse(line).details["direction_rule"]
        for line in lines("asterisk/Master.csv")
    )


def test_start_is_unchanged_by_the_rules():
    line = PSTN_SITE[0][0]
    assert asterisk().parse(line).start == asterisk(SITE_EXTENSIONS).parse(line).start
    assert asterisk().parse(line).start.tzinfo is dt.UTC
    assert next(csv.reader([line]))[3] == "site-pstn"


# --- 3CX chains -------------------------------------------------------------------


@pytest.mark.parametrize(
    "chain",
    [
        "Chain: 0611360468,Ext.610,Ext.185,",
        "Chain: 0611360468;Ext.610;Ext.185;",
        "Chain: 0611360468'Ext.610'Ext.185'",
    ],
)
def test_chain_parties_whatever_the_separator(chain):
    from smdr.parsers.threecx import chain_parties

    assert chain_parties(chain) == ["0611360468", "Ext.610", "Ext.185"]


def test_chain_with_apostrophes_names_the_final_party():
    """A source logging the chain but no final columns: the chain's last party is the
    final one, so a call forwarded out to a mobile is outgoing by the site's extensions."""
    columns = ["historyid", "time_start", "from_no", "to_no", "from_dn", "to_dn", "chain"]
    line = (
        "Call 9801,2020/05/04 10:53:43,Ext.610,Ext.185,610,185,Chain: Ext.610'Ext.185'0611360468'"
    )
    known = ThreeCXParser(settings(["610", "185"], columns=columns)).parse(line)
    assert known.direction == OUT
    assert known.details["final_number"] == "0611360468"
    assert known.details["direction_rule"] == Rule.KNOWN_EXTENSION


def test_chain_quoted_with_apostrophes_keeps_the_field_count():
    """The real sample's first record with its chain quoted with ' instead of "."""
    line = lines("3cx/cdr.csv")[0].replace('"', "'")
    expected = ThreeCXParser(settings()).parse(lines("3cx/cdr.csv")[0])
    assert ThreeCXParser(settings()).parse(line) == expected
