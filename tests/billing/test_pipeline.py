"""The pipeline: raw records stored first, then parsed into calls; nothing lost."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.models import Call
from billing.pipeline import (
    PROCESS_LOCK_CLASS,
    parser_settings,
    raw_records_ingest,
    raw_records_process,
    raw_records_reprocess,
    raw_records_sweep,
)
from capture.models import RawRecord
from capture.services import IncomingRecord, raw_records_store
from org.models import Extension
from tests.factories import DepartmentFactory, ExtensionFactory, SourceFactory

pytestmark = pytest.mark.django_db(transaction=True)

# Late in the month: the calls below (2 to 20 November) were all made before it.
RECEIVED = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)
SEGMENT_1 = (
    "2026/11/02 09:30:57,00:00:13,7,01707392200,I,299999,299999,,0,1000014160,1,"
    "E4750,John Smith,T9002,LINE 1.2,11,0,,,,,,,,,,,,,"
)
SEGMENT_2 = (
    "2026/11/02 09:30:57,00:00:21,0,01707392200,I,299999,299999,,0,1000014160,0,"
    "V9502,VM Channel 2,T9002,LINE 1.2,0,0,,,,,,,,,,,,,"
)
BROKEN = (
    "2026/13/45 09:30:57,00:00:21,0,017,I,2999,2999,,0,1000014161,0,E1,A,T9002,L,0,0,,,,,,,,,,,,,"
)
# Well formed, but 3,599,999,999 seconds: more than PostgreSQL's 4-byte integer holds.
ENDLESS = SEGMENT_1.replace("00:00:13", "999999:59:59").replace("1000014160", "1000014170")


def store(source, *lines, first_seq=1, process=True):
    records = [
        IncomingRecord(seq=first_seq + n, received_at=RECEIVED, line=line)
        for n, line in enumerate(lines)
    ]
    # process: stored through the pipeline, which queues the parse; else only stored.
    store_records = raw_records_ingest if process else raw_records_store
    return store_records(source=source, records=records)


def test_every_record_ends_parsed_ignored_or_error(source):
    """A bad record is kept with a message naming the field; noise is ignored."""
    store(source, SEGMENT_1, "", BROKEN, SEGMENT_2)

    states = dict(RawRecord.objects.values_list("seq", "state"))
    assert states == {1: "parsed", 2: "ignored", 3: "error", 4: "parsed"}
    error = RawRecord.objects.get(seq=3).error
    assert "Call Start" in error and "2026/13/45" in error
    assert Call.objects.count() == 2


def test_segments_are_linked_by_call_id_and_numbered(source):
    store(source, SEGMENT_1)
    store(source, SEGMENT_2, first_seq=2)

    legs = list(Call.objects.order_by("leg").values_list("pbx_call_id", "leg", "duration_seconds"))
    assert legs == [("1000014160", 1, 13), ("1000014160", 2, 21)]


def test_times_are_stored_in_utc_from_the_site_zone(source):
    """The site is in Córdoba (UTC-3): 09:30:57 local is 12:30:57 UTC."""
    store(source, SEGMENT_1)

    assert Call.objects.get().start == dt.datetime(2026, 11, 2, 12, 30, 57, tzinfo=dt.UTC)


def test_source_time_zone_overrides_the_site(source):
    source.settings = {"time_zone": "Europe/Madrid"}
    source.save()

    store(source, SEGMENT_1)

    assert Call.objects.get().start == dt.datetime(2026, 11, 2, 8, 30, 57, tzinfo=dt.UTC)


def test_calls_are_charged_to_the_department_at_the_time_of_the_call(source):
    """An extension moved after a call keeps that call's department; a call imported
    late is charged to the department the extension had back then."""
    before, after = DepartmentFactory(code="BEFORE"), DepartmentFactory(code="AFTER")
    extension = ExtensionFactory(site=source.site, number="4750", department=before)
    history = extension.history.get()
    history.history_date = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    history.save()
    store(source, SEGMENT_1)  # a November call while in BEFORE
    extension.department = after
    extension.save()
    moved = extension.history.latest("history_date")
    moved.history_date = dt.datetime(2026, 11, 15, tzinfo=dt.UTC)
    moved.save()

    late = SEGMENT_1.replace("2026/11/02", "2026/11/20").replace("1000014160", "1000099999")
    store(source, late, first_seq=2)

    assert dict(Call.objects.values_list("pbx_call_id", "department__code")) == {
        "1000014160": "BEFORE",
        "1000099999": "AFTER",
    }


def test_unknown_extensions_are_created_for_an_administrator_to_assign(source):
    store(source, SEGMENT_1)

    extension = Extension.objects.get(site=source.site, number="4750")
    assert extension.department is None
    assert extension.discovered  # not counted as known until confirmed
    assert Call.objects.get().extension == extension


def test_discovered_extensions_do_not_tell_inside_from_outside(source):
    """A PSTN account taken for the extension (211474) is kept, discovered: neither a
    known extension nor the site's longest; confirmed ones are both."""
    ExtensionFactory(site=source.site, number="2001")
    ExtensionFactory(site=source.site, number="211474", discovered=True)

    settings = parser_settings(source)

    assert settings.extensions == frozenset({"2001"})
    assert settings.longest_extension == 4


def test_processing_twice_makes_no_second_call(source):
    store(source, SEGMENT_1, SEGMENT_2, process=False)

    first = raw_records_process(source_id=source.id)
    second = raw_records_process(source_id=source.id)

    assert (first.parsed, second.parsed) == (2, 0)
    assert Call.objects.count() == 2


def test_two_processors_at_once_make_each_call_once(source):
    """Two workers handed the same records at the same moment: one call per record."""
    store(source, *[SEGMENT_1] * 200, process=False)
    barrier = threading.Barrier(2)
    results = []

    def process():
        barrier.wait()
        try:
            results.append(raw_records_process(source_id=source.id).parsed)
        finally:
            connection.close()

    threads = [threading.Thread(target=process) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [0, 200]
    assert Call.objects.count() == 200
    assert sorted(Call.objects.values_list("leg", flat=True)) == list(range(1, 201))


def test_reprocess_parses_again_and_replaces_the_call(source):
    store(source, SEGMENT_1, BROKEN)
    broken = RawRecord.objects.get(seq=2)
    RawRecord.objects.filter(pk=broken.pk).update(line=BROKEN.replace("2026/13/45", "2026/11/05"))

    count = raw_records_reprocess(queryset=RawRecord.objects.all())

    assert count == 2
    assert dict(RawRecord.objects.values_list("seq", "state")) == {1: "parsed", 2: "parsed"}
    assert Call.objects.count() == 2


def test_sweep_parses_records_left_pending(source):
    store(source, SEGMENT_1, process=False)
    RawRecord.objects.update(created_at=timezone.now() - dt.timedelta(minutes=10))

    result = raw_records_sweep()

    assert result.parsed == 1
    assert RawRecord.objects.get().state == RawRecord.State.PARSED


def test_an_impossible_duration_ends_its_record_in_error_and_its_batch_parses(source):
    """999999:59:59 is refused with a message naming the field; the records around it
    are parsed (the database refused the whole batch, which stayed pending)."""
    store(source, SEGMENT_1, ENDLESS, SEGMENT_2)

    states = dict(RawRecord.objects.values_list("seq", "state"))
    assert states == {1: "parsed", 2: "error", 3: "parsed"}
    assert RawRecord.objects.get(seq=2).error == "duration_seconds: 3599999999 is more than 7 days"
    assert sorted(Call.objects.values_list("duration_seconds", flat=True)) == [13, 21]


def test_reprocess_of_an_impossible_record_ends_in_error(source):
    store(source, ENDLESS, process=False)

    raw_records_reprocess(queryset=RawRecord.objects.all())

    assert RawRecord.objects.get().state == RawRecord.State.ERROR


def test_a_call_the_database_refuses_ends_only_its_own_record_in_error(source, monkeypatch):
    """The check cannot foresee everything: a call the database refuses (here a
    negative ring, past a check made to let it through) ends its own record in error,
    alone, and its batch-mates are stored."""
    import dataclasses

    from billing import pipeline

    parse = pipeline.parser_for(source.family, pipeline.parser_settings(source)).parse

    class Parser:
        def parse(self, text, received_at):
            parsed = parse(text, received_at)
            if parsed and "1000014170" in text:  # the second record
                parsed = dataclasses.replace(parsed, ring_seconds=-5)
            return parsed

    monkeypatch.setattr(pipeline, "parser_for", lambda family, settings: Parser())
    monkeypatch.setattr(pipeline, "call_check", lambda call, **kwargs: None)

    store(source, SEGMENT_1, SEGMENT_1.replace("1000014160", "1000014170"), SEGMENT_2)

    states = dict(RawRecord.objects.values_list("seq", "state"))
    assert states == {1: "parsed", 2: "error", 3: "parsed"}
    error = RawRecord.objects.get(seq=2).error
    assert error.startswith("the database refused the call: ")
    assert "ring_seconds" in error  # the constraint the call broke
    assert Call.objects.count() == 2


def test_wrong_source_settings_end_every_record_in_error(source):
    """A time zone the admin would refuse, written past it, names the setting."""
    source.settings = {"time_zone": "Mars/Olympus"}
    source.save()  # save() runs no clean()

    store(source, SEGMENT_1, SEGMENT_2)

    assert set(RawRecord.objects.values_list("state", "error")) == {
        ("error", "source settings: time_zone: 'Mars/Olympus' is not an IANA time zone")
    }


def test_the_sweep_parses_other_sources_past_a_poisoned_one(source, monkeypatch):
    """A source whose parse fails (here its database writes fail as on a lost
    connection) no longer stops the sweep: the others are parsed."""
    from django.db import OperationalError

    from billing import pipeline

    record = pipeline.calls_record

    def calls_record(*, site, source_id, entries, **options):
        if source_id == source.id:
            raise OperationalError("server closed the connection unexpectedly")
        return record(site=site, source_id=source_id, entries=entries, **options)

    monkeypatch.setattr(pipeline, "calls_record", calls_record)
    store(source, SEGMENT_1, SEGMENT_2, process=False)
    other = SourceFactory(site=source.site)
    store(other, SEGMENT_1, ENDLESS, process=False)
    RawRecord.objects.update(created_at=timezone.now() - dt.timedelta(minutes=10))

    raw_records_sweep()

    assert list(RawRecord.objects.values_list("source", "seq", "state")) == [
        (source.id, 1, "pending"),  # left for the next sweep
        (source.id, 2, "pending"),
        (other.id, 1, "parsed"),
        (other.id, 2, "error"),
    ]


def test_the_sweep_takes_each_source_once(source):
    """However many records a source has pending, the sweep parses it once (a DISTINCT
    spoilt by Meta.ordering gave one row per record)."""
    store(source, SEGMENT_1, SEGMENT_2, BROKEN, process=False)
    other = SourceFactory(site=source.site)
    store(other, SEGMENT_1, SEGMENT_2, process=False)
    RawRecord.objects.update(created_at=timezone.now() - dt.timedelta(minutes=10))

    with CaptureQueriesContext(connection) as queries:
        result = raw_records_sweep()

    assert (result.parsed, result.errors) == (4, 1)
    sources_loaded = [q["sql"] for q in queries if 'FROM "capture_source" INNER JOIN' in q["sql"]]
    assert len(sources_loaded) == 2


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_sweep_logs_a_source_it_cannot_lock_and_parses_the_others(source, caplog):
    """PostgreSQL: one source's records cannot be taken (another session holds its lock
    past our lock timeout); the sweep logs it and parses the other source."""
    store(source, SEGMENT_1, process=False)
    other = SourceFactory(site=source.site)
    store(other, SEGMENT_2, process=False)
    RawRecord.objects.update(created_at=timezone.now() - dt.timedelta(minutes=10))
    holder = connections.create_connection("default")
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [PROCESS_LOCK_CLASS, source.id])
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")

        raw_records_sweep()
    finally:
        holder.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")

    assert dict(RawRecord.objects.values_list("source", "state")) == {
        source.id: "pending",
        other.id: "parsed",
    }
    failures = [r for r in caplog.records if r.exc_info and str(source.id) in r.getMessage()]
    assert len(failures) == 1


def test_a_resent_batch_of_duplicates_gets_the_pending_records_parsed(source):
    """A crash between the commit and the parse; the sender, unanswered, sends the
    batch again: all duplicates, and the records it stored the first time are parsed."""
    store(source, SEGMENT_1, SEGMENT_2, process=False)  # as the crash left them

    again = store(source, SEGMENT_1, SEGMENT_2)

    assert (again.stored, again.duplicates) == (0, 2)
    assert set(RawRecord.objects.values_list("state", flat=True)) == {"parsed"}
    assert Call.objects.count() == 2


def test_a_nul_inside_a_field_ends_its_record_in_error(source):
    """Bytes kept as they came (not text: they hold NUL) give a number PostgreSQL could
    not store; the record says so, the batch is parsed."""
    with_nul = SEGMENT_1.replace("01707392200", "0170\x007392200").encode()
    records = [
        IncomingRecord(seq=1, received_at=RECEIVED, data=with_nul),
        IncomingRecord(seq=2, received_at=RECEIVED, line=SEGMENT_2),
    ]
    raw_records_ingest(source=source, records=records)

    assert dict(RawRecord.objects.values_list("seq", "state")) == {1: "error", 2: "parsed"}
    assert RawRecord.objects.get(seq=1).error == "number: '0170\\x007392200' holds a NUL character"


def test_the_sites_extensions_decide_the_direction():
    """2003 calls 2004 through named SIP peers in the ``default`` context: by the
    channel names alone a call in from a peer, internal once the site's extensions
    (2003, 2004) are known; the rule goes with the call's details."""
    source = SourceFactory(family="asterisk-csv", site__slug="mendoza")
    line = (
        '"","2003","2004","default","""Ana"" <2003>","SIP/office-00000001","SIP/desk-00000002",'
        '"Dial","SIP/desk","2026-11-02 09:30:00","2026-11-02 09:30:05","2026-11-02 09:31:05",'
        '65,60,"ANSWERED","DOCUMENTATION","1793615400.1",""'
    )
    store(source, line)
    call = Call.objects.get()
    assert call.direction == "incoming"

    for number in ("2003", "2004"):  # the pipeline may have discovered one from the call
        Extension.objects.update_or_create(
            site=source.site, number=number, defaults={"discovered": False}
        )
    raw_records_reprocess(queryset=RawRecord.objects.filter(source=source))
    call = Call.objects.get()
    assert call.direction == "internal"
    assert call.details["direction_rule"] == "known-extension"


def test_storing_and_parsing_batches_logs_nothing_at_info(source, caplog):
    """A line per record or per batch at INFO buries everything else on a busy PBX:
    the capture logs its own summary once a minute, the pipeline says nothing."""
    caplog.set_level("INFO")

    for batch in range(3):
        store(source, SEGMENT_1.replace("1000014160", f"10000142{batch:02}"), first_seq=batch + 1)
    raw_records_sweep()

    assert Call.objects.count() == 3
    assert [record.getMessage() for record in caplog.records] == []
