"""The Alcatel-Lucent OmniPCX parser: Office metering tickets and Enterprise tickets.

No real ticket of either has been published. Office tickets here are placed in the
fields and widths of the OXO Technical Documentation (3EH 21000 BSAA, "Call metering
services" pp. 17-19) [DERIVED]; Enterprise tickets at the ED5.2 columns of the OXE_EAcc
collector (``ED5.2.txt``) [DERIVED].
"""

import contextlib
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smdr.framing import LineFramer, framer_for
from smdr.parsers import PARSERS
from smdr.parsers import alcatel_omnipcx as module
from smdr.parsers.alcatel_omnipcx import (
    ENTERPRISE_COLUMNS,
    ENTERPRISE_FIELDS,
    AlcatelOmniPCXParser,
)
from smdr.parsers.base import Direction, ParserSettings, RecordError
from tests.properties import utc_datetimes

CORDOBA = ZoneInfo("America/Argentina/Cordoba")
PARIS = ZoneInfo("Europe/Paris")
UTC = dt.UTC
DOCSTRING_TICKET = "2044  --> L01 14/10/26 13:05:07 00:03:06     2 ST      0451478965"


def parser(zone=CORDOBA, **options):
    return AlcatelOmniPCXParser(ParserSettings(time_zone=zone, options=options))


def parse(text, zone=CORDOBA, **options):
    return parser(zone, **options).parse(text)


def office(
    user="2044",
    kind="-->",
    line="L01",
    date="14/10/26",
    time="13:05:07",
    duration="00:03:06",
    units="2",
    services="ST",
    facilities="",
    number="0451478965",
):
    """A ticket in the default statement's fields, one blank between two [DERIVED]."""
    return (
        f"{user:<5} {kind:<3} {line:<3} {date:<8} {time:<8} {duration:<8} {units:>5} "
        f"{services:<2} {facilities:<4} {number}"
    ).rstrip()


def enterprise(**values):
    """A 525-column ED5.2 ticket with ``values`` (by our keys) at their columns."""
    characters = [" "] * 525
    for key, text in values.items():
        _, first, last = ENTERPRISE_FIELDS[key]
        assert len(text) <= last - first + 1
        characters[first - 1 : first - 1 + len(text)] = text
    return "".join(characters)


OUTGOING_ENTERPRISE = {
    "version": "ED5.2",
    "called": "0114567890",
    "charged": "4321",
    "calling": "4321",
    "call_type": "0",
    "end": "20261014 13:06:45",
    "units": "3",
    "duration": "93",
    "trunk": "7",
    "trunk_group": "12",
    "access_code": "1001",
    "call_reference": "58311",
    "waiting": "22",
    "start": "20261014 13:04:50",
}


def test_registered_with_a_line_framer():
    assert PARSERS["alcatel-omnipcx"] is AlcatelOmniPCXParser
    assert isinstance(framer_for("alcatel-omnipcx"), LineFramer)
    assert AlcatelOmniPCXParser.serial_defaults == {
        "baud": 9600,
        "bytesize": 8,
        "parity": "N",
        "stopbits": 1,
    }


def test_the_docstring_office_ticket():
    assert office() == DOCSTRING_TICKET
    assert "    " + DOCSTRING_TICKET + "\n" in module.__doc__
    call = parse(DOCSTRING_TICKET)
    assert call.start == dt.datetime(2026, 10, 14, 16, 5, 7, tzinfo=UTC)  # UTC-3
    assert call.duration_seconds == 186
    assert call.ring_seconds == 0
    assert call.direction == Direction.OUTGOING
    assert call.extension == "2044"
    assert call.trunk == "L01"
    assert call.number == "0451478965"
    assert call.account_code == ""
    assert call.answered
    assert call.details == {"units": 2, "services": "ST"}


def test_an_unanswered_incoming_ticket():
    call = parse(office(kind="<--", line="P01", duration="00:00:00", units="", number="3514436993"))
    assert call.direction == Direction.INCOMING
    assert call.number == "3514436993"
    assert call.trunk == "P01"
    assert not call.answered
    assert call.duration_seconds == 0
    assert "units" not in call.details


def test_every_field_and_the_8_digit_user():
    fields = [
        "initial_user8", "charged_user8", "type", "line4", "date", "time", "duration", "units",
        "services", "facilities", "number", "mode", "ring", "cost", "account", "name", "operator",
    ]  # fmt: skip
    ticket = (
        f"{'G9':<9} {'21002044':<9} <-- {'N**1':<4} 14/10/26 13:05:07 00:10:00 {'':>5} ST "
        f"{'X':<4} {'3514436993':<20} M 00:12 {'0.00':>10} {'1001':>16} {'Ramón Peña':<16} 1"
    )
    call = parse(ticket, fields=fields)
    assert call.direction == Direction.INCOMING
    assert call.extension == "21002044"
    assert call.trunk == "N**1"
    assert call.ring_seconds == 12
    assert call.duration_seconds == 600
    assert call.account_code == "1001"
    assert call.details == {
        "initial_user": "G9",
        "cost": "0.00",
        "services": "ST",
        "facilities": "X",
        "mode": "M",
        "name": "Ramón Peña",
        "operator": "1",
    }


def test_the_users_as_the_manual_writes_them():
    assert parse(office(user="A2044")).extension == "2044"
    assert parse(office(user="****")).extension == ""
    call = parse(office(user="L03"))
    assert call.extension == ""
    assert call.details["charged_line"] == "L03"


def test_options_order_the_date_and_time_the_end():
    call = parse(office(date="10/14/26"), date_order="mdy", time_is="end")
    assert call.start == dt.datetime(2026, 10, 14, 16, 5, 7, tzinfo=UTC) - dt.timedelta(seconds=186)


def test_widths_correct_the_manual():
    ticket = f"{'2044':<5} --> {'L01':<3} 14/10/26 13:05:07 00:03:06 {'2':>7} ST      0451478965"
    call = parse(ticket, widths={"units": 7})
    assert call.details["units"] == 2
    assert call.number == "0451478965"


def test_a_service_request_with_units_is_kept_and_one_without_is_noise():
    call = parse(office(kind="CS+", duration="00:00:00", units="1", number="*21*2045#"))
    assert call.direction == Direction.OUTGOING
    assert call.details["service"] == "CS+"
    assert call.details["units"] == 1
    assert not call.answered
    assert parse(office(kind="CS-", duration="00:00:00", units="", number="#21#")) is None


def test_the_site_zone_dates_the_ticket():
    call = parse(office(date="29/03/26", time="02:30:00"), zone=PARIS)  # in the spring gap
    assert call.start == dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert parse(office(date="14/07/26"), zone=PARIS).start == dt.datetime(
        2026, 7, 14, 11, 5, 7, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\x0c",
        "   \r\n",
        "CHARGED TYPE LINE DATE     TIME     DURATION UNITS SE FAC  DIALLED NUMBER",
        "-" * 75,
        "# TicketLabel,TicketVersion",
    ],
)
def test_noise(text):
    assert parse(text) is None


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (office(kind="->>"), "TYPE"),
        (office(date="32/10/26"), "DATE"),
        (office(date="14-1O-26"), "DATE"),
        (office(time="25:05:07"), "TIME"),
        (office(duration="00:3:06"), "DURATION"),
        (office(duration="00:03:6x"), "DURATION"),
        (office(units="2x"), "UNITS"),
        (DOCSTRING_TICKET[:30], "DURATION"),  # truncated before the duration
        (office()[:5] + "\x00" * 3 + office()[8:], "TYPE"),  # garbled
    ],
)
def test_bad_office_tickets_are_errors_naming_the_field(text, field):
    with pytest.raises(RecordError, match=field):
        parse(text)


def test_a_bad_cost_names_the_field():
    fields = [*module.DEFAULT_FIELDS, "cost"]
    ticket = office().ljust(75) + " " + "1,2,3".rjust(10)
    assert (
        parse(office().ljust(75) + " " + "12.50".rjust(10), fields=fields).details["cost"]
        == "12.50"
    )
    with pytest.raises(RecordError, match="COST"):
        parse(ticket, fields=fields)


@pytest.mark.parametrize(
    "options",
    [
        {"variant": "oxo"},
        {"fields": ["type", "date", "time"]},  # no duration, no charged user
        {"fields": ["charged_user", "type", "date", "time", "duration", "duration"]},
        {"fields": "charged_user type"},
        {"widths": {"units": 0}},
        {"widths": {"colour": 3}},
        {"date_order": "ymd"},
        {"time_is": "middle"},
    ],
)
def test_bad_options_are_refused_naming_the_option(options):
    with pytest.raises(RecordError, match="option"):
        parser(**options)


def test_the_enterprise_outgoing_ticket():
    call = parse(enterprise(**OUTGOING_ENTERPRISE))
    assert call.start == dt.datetime(2026, 10, 14, 16, 4, 50, tzinfo=UTC)
    assert call.duration_seconds == 93
    assert call.ring_seconds == 22
    assert call.direction == Direction.OUTGOING
    assert call.extension == "4321"
    assert call.number == "0114567890"
    assert call.trunk == "12"
    assert call.account_code == "1001"
    assert call.pbx_call_id == "58311"
    assert call.answered
    assert call.details == {
        "call_type": 0,
        "units": 3,
        "version": "ED5.2",
        "trunk_identity": "7",
    }


def test_the_enterprise_ticket_after_its_binary_label_and_without_a_start():
    values = dict(OUTGOING_ENTERPRISE)
    del values["start"]
    call = parse("\x01\x00\x02\x00" + enterprise(**values).rstrip())
    assert call.start == dt.datetime(2026, 10, 14, 16, 4, 50, tzinfo=UTC)  # end - 93 - 22


@pytest.mark.parametrize(
    ("call_type", "direction", "number"),
    [
        ("4", Direction.INCOMING, "3514436993"),
        ("13", Direction.INCOMING, "3514436993"),
        ("7", Direction.OUTGOING, "0114567890"),
        ("2", Direction.INTERNAL, "0114567890"),
        ("14", Direction.INTERNAL, "0114567890"),
        ("6", Direction.OUTGOING, "0114567890"),  # unspecified, with a trunk
    ],
)
def test_enterprise_call_types(call_type, direction, number):
    values = OUTGOING_ENTERPRISE | {"call_type": call_type, "calling": "3514436993"}
    call = parse(enterprise(**values))
    assert call.direction == direction
    assert call.number == number
    assert call.extension == "4321"


def test_the_enterprise_tab_separated_file_line():
    """The docstring's tab-separated line: the 48 fields, trimmed, as OXE_EAcc writes them."""
    by_name = {ENTERPRISE_FIELDS[key][0]: text for key, text in OUTGOING_ENTERPRISE.items()}
    line = "\t".join(by_name.get(name, "") for name in ENTERPRISE_COLUMNS)
    assert len(line.split("\t")) == 48
    call = parse(line)
    assert (call.extension, call.number, call.trunk) == ("4321", "0114567890", "12")
    assert (call.duration_seconds, call.ring_seconds) == (93, 22)
    assert call.start == dt.datetime(2026, 10, 14, 16, 4, 50, tzinfo=UTC)
    shown = "\t".join(["ED5.2", "0114567890", "4321", "...", "0", "...", "20261014 13:06:45"])
    assert shown in module.__doc__
    assert parse(line, variant="enterprise") == call


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (enterprise(**OUTGOING_ENTERPRISE | {"call_type": "x"}), "CallType"),
        (enterprise(**OUTGOING_ENTERPRISE | {"call_type": "16"}), "CallType"),
        (enterprise(**OUTGOING_ENTERPRISE | {"duration": "9x"}), "Duration"),
        (enterprise(**OUTGOING_ENTERPRISE | {"start": "20261340 13:04:50"}), "StartDateTime"),
        (enterprise(**OUTGOING_ENTERPRISE | {"start": "20261014 13:04"}), "StartDateTime"),
        (enterprise(**OUTGOING_ENTERPRISE | {"units": "three"}), "ChargeUnits"),
        (enterprise(**OUTGOING_ENTERPRISE)[:200], "Duration"),
        ("ED5.2\t0114567890\t4321", "through Duration"),
    ],
)
def test_bad_enterprise_tickets_are_errors_naming_the_field(text, field):
    with pytest.raises(RecordError, match=field):
        parse(text, variant="enterprise")


def test_auto_tells_the_variants_apart():
    assert parse(DOCSTRING_TICKET).trunk == "L01"
    assert parse(enterprise(**OUTGOING_ENTERPRISE)).trunk == "12"
    with pytest.raises(RecordError, match="TYPE"):
        parse(enterprise(**OUTGOING_ENTERPRISE), variant="office")


@settings(max_examples=200, deadline=None)
@given(
    user=st.from_regex(r"[0-9]{2,5}", fullmatch=True),
    incoming=st.booleans(),
    moment=utc_datetimes(
        dt.datetime(1971, 1, 1, tzinfo=UTC), dt.datetime(2068, 12, 31, tzinfo=UTC)
    ),
    seconds=st.integers(0, 99 * 3600 + 3599),
    units=st.integers(0, 99999),
    number=st.from_regex(r"[0-9]{0,20}", fullmatch=True),
)
def test_any_office_ticket_reads_back(user, incoming, moment, seconds, units, number):
    duration = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    ticket = office(
        user=user,
        kind="<--" if incoming else "-->",
        date=moment.strftime("%d/%m/%y"),
        time=moment.strftime("%H:%M:%S"),
        duration=duration,
        units=str(units),
        number=number,
    )
    call = parse(ticket, zone=UTC)
    assert call.start == moment.replace(microsecond=0)
    assert call.duration_seconds == seconds
    assert call.extension == user
    assert call.number == number
    assert call.details.get("units", 0) == units
    assert call.direction == (Direction.INCOMING if incoming else Direction.OUTGOING)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=600), st.sampled_from(["auto", "office", "enterprise"]))
def test_any_text_parses_or_is_an_error(text, variant):
    try:
        call = parse(text, variant=variant)
    except RecordError:
        return
    assert call is None or call.start.tzinfo is not None


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=800))
def test_any_bytes_frame_and_parse_or_error(data):
    framer = framer_for("alcatel-omnipcx")
    for item in framer.feed(data) + framer.flush():
        with contextlib.suppress(RecordError):
            parse(item.decode("latin-1"))
