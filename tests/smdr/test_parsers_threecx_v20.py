"""3CX V18 and V20: the CDR log's header and V20 values, and V20's CDR table
(``cdroutput``) rows, with the ``layout`` option; the simulator's V20 rows parse back."""

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pbxsim.threecx import threecx_v20_header, threecx_v20_records
from smdr.chooser import rank
from smdr.parsers.base import Direction, ParserSettings, RecordError
from smdr.parsers.threecx import ThreeCXParser
from smdr.parsers.threecx_v20 import V20_COLUMNS

UTC = dt.UTC
NEW_YORK = ZoneInfo("America/New_York")
# A real V20 CDR log line, posted to dorel14/3CX-Cdr-Server issue 16 ("V20 cdr column
# names", 2024-04-30), the caller's number masked by its poster.
V20_REAL = (Path(__file__).resolve().parents[1] / "data" / "3cx" / "v20-cdr.log").read_text(
    encoding="utf-8"
)

# The example values of the public V20 schema note's cdroutput table, as one row
# ([DERIVED] from the documented columns: no exported file was found).
DOCUMENTED = {
    "cdr_id": "00000000-01dc-688a-2607-57e500000c10",
    "call_history_id": "00000000-01dc-688a-2607-3bc20000028e",
    "source_participant_id": "00000000-01dc-688a-2607-582e00000e9d",
    "source_entity_type": "external_line",
    "source_dn_number": "10001",
    "source_dn_type": "provider",
    "source_dn_name": "FHSI",
    "source_participant_phone_number": "4073650906",
    "source_participant_trunk_did": "383_2318",
    "source_participant_is_incoming": "t",
    "source_participant_is_already_connected": "f",
    "source_participant_group_name": "__DEFAULT__",
    "destination_participant_id": "00000000-01dc-688a-2607-585700000e9e",
    "destination_entity_type": "extension",
    "destination_dn_number": "116",
    "destination_dn_type": "extension",
    "destination_dn_name": "Rasheed, Dina",
    "destination_participant_name": "Rasheed, Dina",
    "destination_participant_phone_number": "116",
    "destination_participant_is_incoming": "f",
    "destination_participant_is_already_connected": "f",
    "destination_participant_group_name": "__DEFAULT__",
    "creation_method": "route_to",
    "creation_forward_reason": "none",
    "termination_reason": "dst_participant_terminated",
    "terminated_by_participant_id": "00000000-01dc-688a-2607-585700000e9e",
    "cdr_started_at": "2025-12-08 21:32:26.70634+00",
    "cdr_ended_at": "2025-12-08 21:33:26.895684+00",
    "cdr_answered_at": "2025-12-08 21:32:29.322063+00",
    "processed": "t",
    "migrated": "f",
    "source_presentation": "Nathan Jones",
}
# A V18/V20 CDR log header, in an order an administrator chose, dashed as the console
# names the fields; then a line of V20's values in that order ([DERIVED]).
V18_HEADER = (
    "time-start,time-answered,time-end,from-no,to-no,from-dn,to-dn,dial-no,"
    "reason-terminated,from-type,to-type,final-type,historyid,callid,duration"
)
V20_LOG_LINE = (
    "2025/12/08 16:32:26,2025/12/08 16:32:29,2025/12/08 16:33:26,4073650906,Ext.116,"
    "10001,116,116,src_participant_terminated,external_line,extension,extension,"
    "Call 512,00000171DEE41BB3_2501,00:00:57"
)


def parser(time_zone=NEW_YORK, **options):
    return ThreeCXParser(ParserSettings(time_zone=time_zone, options=options))


def row(values):
    return ",".join(
        f'"{value}"' if "," in value else value
        for value in (values.get(name, "") for name in V20_COLUMNS)
    )


def test_a_real_v20_cdr_log_line_reads_with_the_default_layout():
    call = parser(time_zone=UTC).parse(V20_REAL)

    assert call.start == dt.datetime(2024, 4, 30, 6, 27, 28, tzinfo=UTC)
    assert (call.ring_seconds, call.duration_seconds, call.answered) == (8, 490, True)
    # From a Line (trunk DN 10020) to the queue 80002, transferred to 10013.
    assert call.direction == Direction.INCOMING
    assert (call.extension, call.trunk, call.number) == ("80002", "10020", "070XXXXXXX")
    assert call.details["final_number"] == "10013"
    assert call.details["final_dispname"] == "Måns Last name Last Name"
    assert call.pbx_call_id == "89d3af2d8f010000_3456"


def test_the_documented_v20_row_is_an_incoming_call_answered_at_116():
    call = parser(layout="v20").parse(row(DOCUMENTED))

    assert call.start == dt.datetime(2025, 12, 8, 21, 32, 26, tzinfo=UTC)
    assert (call.ring_seconds, call.duration_seconds, call.answered) == (3, 57, True)
    assert call.direction == Direction.INCOMING
    assert (call.extension, call.number, call.trunk) == ("116", "4073650906", "10001")
    assert call.pbx_call_id == DOCUMENTED["call_history_id"]
    assert call.details["cdr_id"] == DOCUMENTED["cdr_id"]
    assert call.details["termination_reason"] == "dst_participant_terminated"
    assert call.details["destination_dn_name"] == "Rasheed, Dina"  # quoted: it has a comma
    assert call.details["source_participant_trunk_did"] == "383_2318"


def test_an_unanswered_outgoing_row_rings_until_it_ends():
    values = {
        **DOCUMENTED,
        "source_entity_type": "extension",
        "source_dn_number": "101",
        "source_dn_type": "extension",
        "source_participant_phone_number": "101",
        "destination_entity_type": "outbound_rule",
        "destination_dn_number": "",
        "destination_dn_type": "outbound_rule",
        "destination_participant_phone_number": "4073650906",
        "termination_reason": "cancelled",
        "cdr_answered_at": "",
    }

    call = parser(layout="v20").parse(row(values))

    assert call.direction == Direction.OUTGOING
    assert (call.extension, call.number, call.trunk) == ("101", "4073650906", "")
    assert (call.answered, call.duration_seconds, call.ring_seconds) == (False, 0, 60)


def test_iso_times_and_times_without_an_offset_in_the_sources_zone():
    values = {
        **DOCUMENTED,
        "cdr_started_at": "2025-12-08T21:32:26Z",
        "cdr_answered_at": "\\N",
        "cdr_ended_at": "2025-12-08 16:33:26",  # New York, UTC-5
    }

    call = parser(layout="v20").parse(row(values))

    assert call.start == dt.datetime(2025, 12, 8, 21, 32, 26, tzinfo=UTC)
    assert (call.answered, call.ring_seconds) == (False, 60)


def test_auto_switches_to_v20_at_its_header_and_reads_by_name():
    reordered = ("cdr_started_at", "cdr_ended_at", "cdr_answered_at", *V20_COLUMNS[:33])
    header = ",".join(reordered)
    line = ",".join(
        f'"{value}"' if "," in value else value
        for value in (DOCUMENTED.get(name, "") for name in reordered)
    )
    reader = parser()

    assert reader.parse("\ufeff" + header + "\r\n") is None
    call = reader.parse(line)

    assert (call.extension, call.number, call.duration_seconds) == ("116", "4073650906", 57)


def test_a_v20_row_without_its_header_is_an_error_naming_the_counts():
    with pytest.raises(RecordError, match="record has 42 comma-separated fields, the source's"):
        parser().parse(row(DOCUMENTED))
    with pytest.raises(RecordError, match="record has 27 comma-separated fields, the 3CX V20"):
        parser(layout="v20").parse(",".join(["x"] * 27))


def test_a_v20_header_lacking_the_times_is_refused():
    with pytest.raises(RecordError, match="3CX V20 columns lack cdr_started_at"):
        parser(layout="v20", columns=["cdr_id", "cdr_ended_at"])
    with pytest.raises(RecordError, match="lack cdr_started_at, cdr_ended_at"):
        parser().parse("cdr_id,call_history_id,source_dn_number")


def test_bad_v20_times_name_the_column():
    with pytest.raises(RecordError, match="cdr_started_at: 'yesterday' is not a time"):
        parser(layout="v20").parse(row({**DOCUMENTED, "cdr_started_at": "yesterday"}))


def test_a_cdr_log_header_in_the_consoles_order_sets_the_columns_and_v20_values_read():
    reader = parser()

    assert reader.parse(V18_HEADER) is None
    call = reader.parse(V20_LOG_LINE)

    assert call.start == dt.datetime(2025, 12, 8, 21, 32, 26, tzinfo=UTC)
    assert call.direction == Direction.INCOMING  # external_line, V20's lowercase type
    assert (call.extension, call.number, call.trunk) == ("116", "4073650906", "10001")
    assert call.duration_seconds == 57
    assert call.details["reason_terminated"] == "src_participant_terminated"
    assert call.details["history_id"] == "512"


def test_the_cdr_log_layout_keeps_its_columns_at_a_header():
    reader = parser(layout="cdr-log")

    assert reader.parse(V18_HEADER) is None  # noise
    with pytest.raises(RecordError, match="record has 15 comma-separated fields"):
        reader.parse(V20_LOG_LINE)


def test_an_unknown_layout_is_refused():
    with pytest.raises(RecordError, match="option layout: 'v19' is not one of auto"):
        parser(layout="v19")


def simulated(count=200):
    now = dt.datetime(2026, 10, 5, 15, tzinfo=UTC)
    return now, list(
        threecx_v20_records(
            count=count,
            start=now - dt.timedelta(days=2),
            end=now,
            extensions=["2001", "2002", "2003", "2004"],
            time_zone=NEW_YORK,
            seed=20,
        )
    )


def test_the_simulators_v20_rows_parse_back_with_the_layout_and_after_the_header():
    now, rows = simulated()
    with_layout = [parser(layout="v20").parse(line) for line in rows]
    auto = parser()
    assert auto.parse(threecx_v20_header()) is None
    after_header = [auto.parse(line) for line in rows]

    assert after_header == with_layout
    directions = {call.direction for call in with_layout}
    assert directions == {Direction.INCOMING, Direction.OUTGOING, Direction.INTERNAL}
    assert all(now - dt.timedelta(days=3) < call.start < now for call in with_layout)
    assert all(call.extension in {"2001", "2002", "2003", "2004"} for call in with_layout)
    answered = [call for call in with_layout if call.answered]
    assert answered and all(call.duration_seconds > 0 for call in answered)


def test_the_chooser_proposes_the_v20_layout_for_rows_without_a_header():
    now, rows = simulated(100)

    without = rank(rows, zone=NEW_YORK, received_at=now)[0]
    with_header = rank([threecx_v20_header(), *rows], zone=NEW_YORK, received_at=now)[0]

    assert (without.family, without.settings, without.calls) == ("3cx", {"layout": "v20"}, 100)
    assert (with_header.family, with_header.settings, with_header.calls) == ("3cx", {}, 100)
