"""What each family's generated month holds, family by family, with each family's
expectation in a table: the order and range of its records, the numbers its calls
dial and show, its outcomes and durations, its docstring example.

The month is the registry's (:func:`month_of`: 2,000 records of seed 1 at a Córdoba
site). What only one family has is tested in ``test_simulators_<family>.py``.
"""

import datetime as dt
import importlib
from collections import Counter

import pytest

from pbxsim import GENERATORS
from smdr.parsers import Direction

from .test_simulators_registry import (
    CORDOBA,
    DELAY,
    END,
    EXTENSIONS,
    START,
    TIMED,
    month_of,
    parse_all,
    received,
)

# Generic's column map has no direction, trunk or caller: it is tested on its own.
FAMILIES = sorted(GENERATORS)
MINUTE = dt.timedelta(minutes=1)
# Where the parsed call ends without its ring time (the record times the talk only).
TALK_ONLY = {"siemens-hipath", "panasonic", "nec"}
# The families that print a call when it ends (CDRs, call charge lines), in that order;
# the others print it at its start, in order of start.
PRINTED_AT_THE_END = {
    "avaya-cm",
    "siemens-hipath",
    "panasonic",
    "asterisk-csv",
    "freeswitch-csv",
    "3cx",
    "cisco-cucm",
    "nec-neax",
    "grandstream-ucm",
    "yeastar",
}
# Printed to the minute: the start or the end.
WHOLE_MINUTES = {
    "mitel-5000": "start",
    "mitel-mivb": "start",
    "nec": "start",
    "avaya-cm": "end",
    "ericsson-md110": "start",
    "star-hash": "start",
}
# How early a parsed start may read: NEC prints the start, Panasonic the end to the
# minute (the start is the end minus the duration).
EARLY = {"nec": MINUTE, "panasonic": MINUTE, "ericsson-md110": MINUTE, "star-hash": MINUTE}
# Share of calls not answered, where it is not 5 % to 35 %.
UNANSWERED = {"avaya-cm": (0.02, 0.35), "siemens-hipath": (0.02, 0.35), "nec": (0.04, 0.30)}
# The formats that report no internal calls.
NO_INTERNAL = {"siemens-hipath", "samsung-officeserv", "alcatel-omnipcx"}
# The formats where a call may have no extension (a ring-in nobody answered, a call to
# the main number); the others always name one of the site's.
MAY_LACK_AN_EXTENSION = {"mitel-5000", "nec", "freeswitch-csv"}
# What an outgoing number starts with: the access code 0, but for the formats that
# print what went out on the trunk.
DIALLED_PREFIX = {
    "mitel-5000": "",
    "mitel-mivb": "",
    "avaya-cm": "",
    "siemens-hipath": "",
    "star-hash": "",
}
# The formats that print no account code.
NO_ACCOUNT_CODE = {"star-hash", "ericsson-md110", "alcatel-omnipcx", "unify-openscape"}
# The caller's number: (a Córdoba caller's prefix, its digits, a withheld number).
# Avaya CM's printer format has no caller number; FreeSWITCH's is tested on its own.
CALLER_IDS = {
    "3cx": ("351", 10, "anonymous"),
    "asterisk-csv": ("351", 10, "anonymous"),
    "avaya-ipoffice": ("351", 10, ""),
    "cisco-cucm": ("351", 10, ""),
    "ericsson-md110": ("351", 10, ""),
    "mitel-5000": ("351", 10, ""),
    "mitel-mivb": ("351", 10, ""),
    "nec": ("351", 10, ""),
    "panasonic": ("351", 10, ""),
    "samsung-officeserv": ("351", 10, ""),
    "siemens-hipath": ("0351", 11, ""),
    "star-hash": ("351", 10, ""),
    "nec-neax": ("351", 10, ""),
    "alcatel-omnipcx": ("351", 10, ""),
    "unify-openscape": ("351", 10, ""),
    "grandstream-ucm": ("351", 10, "anonymous"),
    "yeastar": ("351", 10, "anonymous"),
}
# Where the caller's name is, for the formats that carry it.
CALLER_NAME = {
    "3cx": "from_dispname",
    "asterisk-csv": "caller_name",
    "freeswitch-csv": "caller_name",
    "grandstream-ucm": "caller_name",
    "nec": "caller_name",
    "panasonic": "name",
    "samsung-officeserv": "caller_name",
}
# Incoming calls name their trunk, but where the format logs none.
NO_INCOMING_TRUNK = {"freeswitch-csv", "samsung-officeserv", "ericsson-md110"}


def calls_of(family):
    return month_of(family).calls


def call_end(family, call):
    """When the call ended, by what the parsed call says."""
    timed = (
        call.duration_seconds if family in TALK_ONLY else call.duration_seconds + call.ring_seconds
    )
    return call.start + dt.timedelta(seconds=timed)


def by_direction(family, direction):
    return [call for call in calls_of(family) if call.direction == direction]


@pytest.mark.parametrize("family", FAMILIES)
def test_records_come_in_order_within_the_range(family):
    """Calls printed at their end come in order of end, the others of start; they start
    in [start, end) (a minute early where printed to the minute) and the last is
    printed before the end."""
    calls = calls_of(family)
    at_the_end = family in PRINTED_AT_THE_END
    times = [call_end(family, call) if at_the_end else call.start for call in calls]
    assert times == sorted(times)
    assert all(START - EARLY.get(family, dt.timedelta(0)) <= call.start for call in calls)
    assert times[-1] < END
    if at_the_end:
        assert times[0] >= START


@pytest.mark.parametrize(("family", "printed"), sorted(WHOLE_MINUTES.items()))
def test_printed_times_are_whole_minutes(family, printed):
    calls = calls_of(family)
    times = [call_end(family, call) if printed == "end" else call.start for call in calls]
    assert all(time.second == 0 for time in times)


@pytest.mark.parametrize("family", sorted(TIMED))
def test_parsed_times_are_the_generated_ones(family):
    """The parsed call ends (start, then ring and talk) when the generator ended it."""
    month = month_of(family)
    for received_at, call in zip(month.received, month.calls, strict=True):
        assert call_end(family, call) == received_at - DELAY


WINDOWS = {  # (start, end) of a short range
    "avaya-cm": (START, START + dt.timedelta(minutes=3)),
    "siemens-hipath": (START, START + dt.timedelta(minutes=1)),
}
LIVE_WINDOW = (  # the live simulator's two minutes
    dt.datetime(2026, 10, 14, 12, 58, 30, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 14, 13, 0, 30, tzinfo=dt.UTC),
)


@pytest.mark.parametrize("family", sorted(PRINTED_AT_THE_END))
def test_short_range_calls_fit_inside_it(family):
    """In a short range every call starts and ends inside it, however long it was
    drawn, and some are answered."""
    start, end = WINDOWS.get(family, LIVE_WINDOW)
    pairs = received(family, 200, start=start, end=end, extensions=EXTENSIONS, zone=CORDOBA, seed=1)
    calls = parse_all(family, pairs)
    assert all(start - EARLY.get(family, dt.timedelta(0)) <= call.start for call in calls)
    assert all(call_end(family, call) < end for call in calls)
    assert any(call.answered for call in calls)


@pytest.mark.parametrize("family", FAMILIES)
def test_mixes_directions(family):
    """Outgoing calls the most, then incoming; internal ones where the format has them."""
    directions = Counter(call.direction for call in calls_of(family))
    assert directions[Direction.OUTGOING] > directions[Direction.INCOMING] > 0
    if family in NO_INTERNAL:
        assert set(directions) == {Direction.OUTGOING, Direction.INCOMING}
    else:
        assert directions[Direction.INTERNAL] > 0


@pytest.mark.parametrize("family", FAMILIES)
def test_some_calls_are_not_answered_and_last_nothing(family):
    """Answered calls have a duration; a share of the calls is not answered and has none."""
    calls = calls_of(family)
    assert all(call.duration_seconds > 0 for call in calls if call.answered)
    unanswered = [call for call in calls if not call.answered]
    low, high = UNANSWERED.get(family, (0.05, 0.35))
    assert low < len(unanswered) / len(calls) < high
    assert all(call.duration_seconds == 0 for call in unanswered)


@pytest.mark.parametrize("family", FAMILIES)
def test_calls_are_the_sites_extensions(family):
    """Every call names one of the site's extensions, or (where the format may) none."""
    extensions = {call.extension for call in calls_of(family)}
    if family in MAY_LACK_AN_EXTENSION:
        extensions.discard("")
    assert extensions <= set(EXTENSIONS)


@pytest.mark.parametrize("family", FAMILIES)
def test_internal_calls_go_to_colleagues(family):
    """An internal call goes from one extension to another (Cisco's to voicemail
    aside); only the Mitel 5000's go over a connection that reads as a trunk."""
    internal = by_direction(family, Direction.INTERNAL)
    to_phones = [call for call in internal if "voicemail" not in call.details]
    assert all(call.number in EXTENSIONS and call.number != call.extension for call in to_phones)
    if family != "mitel-5000":
        assert not any(call.trunk for call in internal)


@pytest.mark.parametrize("family", FAMILIES)
def test_outgoing_calls_dial_argentine_numbers(family):
    """Local, national, mobile and international numbers, after the access code 0 where
    the format prints it; some calls carry an account code."""
    prefix = DIALLED_PREFIX.get(family, "0")
    outgoing = by_direction(family, Direction.OUTGOING)
    numbers = [call.number for call in outgoing]
    assert all(number.startswith(prefix) and number.isdigit() for number in numbers)
    assert any(
        len(number) == len(prefix) + 7 and number[len(prefix)] in "45" for number in numbers
    )  # local
    assert any(number.startswith(prefix + "011") for number in numbers)  # Buenos Aires
    assert any(number.startswith(prefix + "035115") for number in numbers)  # Córdoba mobile
    assert any(number.startswith(prefix + "00") for number in numbers)  # international
    if family not in NO_ACCOUNT_CODE:
        assert any(call.account_code for call in outgoing)


@pytest.mark.parametrize("family", sorted(set(FAMILIES) - NO_INCOMING_TRUNK))
def test_incoming_calls_come_in_on_a_trunk(family):
    assert all(call.trunk for call in by_direction(family, Direction.INCOMING))


@pytest.mark.parametrize(("family", "caller_id"), sorted(CALLER_IDS.items()))
def test_incoming_calls_carry_the_caller_id(family, caller_id):
    """The caller's number in the family's form, from Córdoba and elsewhere, now and
    then withheld."""
    prefix, digits, withheld = caller_id
    numbers = [call.number for call in by_direction(family, Direction.INCOMING)]
    assert all(
        number == withheld or (number.isdigit() and len(number) == digits) for number in numbers
    )
    assert any(number.startswith(prefix) for number in numbers)
    assert withheld in numbers


@pytest.mark.parametrize(("family", "key"), sorted(CALLER_NAME.items()))
def test_incoming_calls_carry_the_callers_name(family, key):
    """Now and then the carrier sends the caller's name."""
    incoming = by_direction(family, Direction.INCOMING)
    assert any(call.details.get(key) == "GOMEZ MARIA" for call in incoming)


@pytest.mark.parametrize("family", FAMILIES)
def test_durations_and_ring_times_are_plausible(family):
    """Calls last up to a few hours, a minute or two in the middle, and ring for under
    a minute."""
    calls = calls_of(family)
    assert max(call.duration_seconds for call in calls) <= 4 * 3600
    assert max(call.ring_seconds for call in calls) <= 60
    answered = sorted(call.duration_seconds for call in calls if call.answered)
    assert 20 < answered[len(answered) // 2] < 300


# A value of a detail: (family, the calls, the detail, the values all of them take,
# or None: at least these values).
DETAIL_VALUES = [
    ("mitel-5000", None, "call_type", {"LOC", "TLC", "TLD", "000", "O/I", "IN", "DID", "NET"}),
    ("mitel-mivb", None, "completion_status", {"A", "B", "-", None}),
    ("avaya-cm", None, "condition_code", {"0", "7", "9", "A", "C", "H", "I"}),
    ("siemens-hipath", None, "info_element", {None, 3, 4, 5, 9, 51}),
    ("samsung-officeserv", None, "flag", {"O", "OT", "I", "IT", "A"}),
    ("asterisk-csv", "unanswered", "disposition", {"NO ANSWER", "BUSY", "FAILED"}),
    (
        "freeswitch-csv",
        "unanswered",
        "hangup_cause",
        {"ORIGINATOR_CANCEL", "NO_ANSWER", "USER_BUSY", "UNALLOCATED_NUMBER"},
    ),
    ("3cx", "unanswered", "reason_terminated", {"Failed", "Failed_Cancelled"}),
    ("grandstream-ucm", "unanswered", "disposition", {"NO ANSWER", "BUSY", "FAILED"}),
    ("yeastar", "unanswered", "status", {"NO ANSWER", "BUSY", "FAILED", "VOICEMAIL"}),
    ("panasonic", Direction.INCOMING, "condition", {"AN", "NA", "TR"}),
    ("nec", None, "class", {None, "IVOT", "POTP", "ALB", "IVIN", "PTRS"}),
    ("alcatel-omnipcx", Direction.INCOMING, "facilities", {None, "X"}),
    ("unify-openscape", None, "attempt", {0, 1, 5}),
    ("unify-openscape", "unanswered", "release_cause", {17, 19}),
]
AT_LEAST = {"mitel-5000", "mitel-mivb", "siemens-hipath"}


@pytest.mark.parametrize(
    ("family", "which", "detail", "values"),
    [pytest.param(*case, id=f"{case[0]}-{case[2]}") for case in DETAIL_VALUES],
)
def test_details_take_every_value(family, which, detail, values):
    """The family's call types, condition codes or reasons: every one appears (and,
    where the family has no others, no other)."""
    calls = calls_of(family)
    if which == "unanswered":
        calls = [call for call in calls if not call.answered]
    elif which:
        calls = [call for call in calls if call.direction == which]
    taken = {call.details.get(detail) for call in calls}
    if family in AT_LEAST:
        assert values <= taken
    else:
        assert taken == values


@pytest.mark.parametrize(
    "family", ["3cx", "asterisk-csv", "cisco-cucm", "grandstream-ucm", "yeastar"]
)
def test_call_ids_are_unique(family):
    """Each record is a call of its own, with an id of its own."""
    calls = calls_of(family)
    assert len({call.pbx_call_id for call in calls}) == len(calls)


@pytest.mark.parametrize("family", ["nec", "samsung-officeserv"])
def test_yearless_records_read_alike_just_after_the_call(family):
    """The records carry no year: received just after the call or hours after the
    month, they give the same year and call."""
    month = month_of(family)
    again = [
        parse_all(family, [(record, call_end(family, call) + MINUTE)])[0]
        for record, call in zip(month.records, month.calls, strict=True)
    ]
    assert again == month.calls


# The record a module docstring shows: (family, extensions, seed, count, which of the
# records (None: any), the record, the pieces of it the docstring shows).
SIEMENS_EXTENSIONS = [str(number) for number in range(200, 260)]
MIVB_PIECES = (
    " 10/16 12:18  00:04:22 T002  007 2035                        2035                    000",
    "   3516472882 3515202035",
)
SIEMENS_PIECES = (
    "21.10.2608:16:58 14   230     00:03:1702614114701                        5 21001",
    "                      0 1",
)
NEC_LINE = "POT  13:47 10/12  004 00:03:07 2044       001113896377"
PANASONIC_LINE = "10/08/26 10:31AM  2057 09 <I>PEREZ JUAN3514436993   0'09 00:02'31            AN"
SAMSUNG_HEAD = "  653207 2021             10/07 08:37:01 00:02:36 I  "
SAMSUNG_TAIL = "3515956313       BANCO CORDOBA      500   00:00:08  "
MITEL_5000_RECORD = (
    "TLD 2050  92006 03421018954                  13:56 00:05:59 $00.00             *"
)
AVAYA_CM_RECORD = "1324 0041 7 0   101 4546231         2001                             5"
DOCSTRING_RECORDS = [
    ("mitel-5000", EXTENSIONS, 1, 12, 1, MITEL_5000_RECORD, (MITEL_5000_RECORD,)),
    (
        "mitel-mivb",
        EXTENSIONS,
        1,
        12,
        5,
        "".join(MIVB_PIECES),
        [f'"{piece}"' for piece in MIVB_PIECES],
    ),
    ("avaya-cm", EXTENSIONS, 1, 12, 3, AVAYA_CM_RECORD, (AVAYA_CM_RECORD,)),
    (
        "siemens-hipath",
        SIEMENS_EXTENSIONS,
        1,
        12,
        8,
        "".join(SIEMENS_PIECES),
        [f'"{piece}"' for piece in SIEMENS_PIECES],
    ),
    ("nec", EXTENSIONS, 5, 300, None, NEC_LINE.ljust(79), (NEC_LINE,)),
    ("panasonic", EXTENSIONS, 5, 300, None, PANASONIC_LINE + " ", (PANASONIC_LINE,)),
    (
        "samsung-officeserv",
        EXTENSIONS,
        5,
        300,
        None,
        SAMSUNG_HEAD + " " * 48 + SAMSUNG_TAIL,
        (SAMSUNG_HEAD, SAMSUNG_TAIL),
    ),
]


@pytest.mark.parametrize(
    ("family", "extensions", "seed", "count", "index", "record", "pieces"),
    [pytest.param(*case, id=case[0]) for case in DOCSTRING_RECORDS],
)
def test_docstring_record_is_generated(family, extensions, seed, count, index, record, pieces):
    """The module docstring shows a record the generator really makes (the one at
    ``index`` of ``count``, where the docstring says which), perhaps in pieces."""
    generate = GENERATORS[family]
    records = list(
        generate(
            count=count,
            start=START,
            end=END,
            extensions=extensions,
            time_zone=CORDOBA,
            seed=seed,
        )
    )
    assert record in records if index is None else records[index] == record
    doc = importlib.import_module(generate.__module__).__doc__
    assert all(piece in doc for piece in pieces)


# The wrapped record of a docstring's first literal block: (family, how it starts).
LITERAL_BLOCKS = [
    ("asterisk-csv", '"","2033","00351157552317"'),
    ("freeswitch-csv", '"3514597905","3514597905","2041","public"'),
    ("3cx", "Call 53832,"),
    ("cisco-cucm", "1,1,1028750,"),
    ("grandstream-ucm", "6480,,2028,04220174,"),
    ("yeastar", "1790946092.639,"),
]


def docstring_record(doc):
    """The wrapped record of a docstring's first literal block, joined into one line."""
    block = doc.split("::\n\n", 1)[1].split("\n\n", 1)[0]
    return "".join(line.strip() for line in block.splitlines())


@pytest.mark.parametrize(("family", "beginning"), LITERAL_BLOCKS)
def test_docstring_literal_block_is_generated(family, beginning):
    """The module docstring's literal block is a record of 300 of seed 5."""
    generate = GENERATORS[family]
    shown = docstring_record(importlib.import_module(generate.__module__).__doc__)
    assert shown.startswith(beginning)
    records = generate(
        count=300, start=START, end=END, extensions=EXTENSIONS, time_zone=CORDOBA, seed=5
    )
    assert shown in list(records)
