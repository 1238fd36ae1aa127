"""Storing raw records: numbered, deduplicated, kept as received."""

import datetime as dt

import pytest

from capture.models import RawRecord, Transport
from capture.services import IncomingRecord, line_fingerprints, raw_records_store
from core.errors import DomainError
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db(transaction=True)

RECEIVED = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)
SEGMENT_1 = (
    "2026/11/02 09:30:57,00:00:13,7,01707392200,I,299999,299999,,0,1000014160,1,"
    "E4750,John Smith,T9002,LINE 1.2,11,0,,,,,,,,,,,,,"
)
SEGMENT_2 = (
    "2026/11/02 09:30:57,00:00:21,0,01707392200,I,299999,299999,,0,1000014160,0,"
    "V9502,VM Channel 2,T9002,LINE 1.2,0,0,,,,,,,,,,,,,"
)


def test_fingerprinted_records_get_numbers_from_the_source(db):
    source = SourceFactory(transport=Transport.FILE)
    lines = [SEGMENT_1, SEGMENT_1, SEGMENT_2]
    records = [
        IncomingRecord(received_at=RECEIVED, line=line, fingerprint=fingerprint)
        for line, fingerprint in zip(lines, line_fingerprints(lines), strict=True)
    ]

    first = raw_records_store(source=source, records=records)
    again = raw_records_store(source=source, records=records)

    assert (first.stored, first.duplicates, first.last_seq) == (3, 0, 3)
    assert (again.stored, again.duplicates) == (0, 3)
    assert list(RawRecord.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2, 3]
    source.refresh_from_db()
    assert source.last_seq == 3


def test_agent_sources_refuse_centre_numbered_records(source):
    with pytest.raises(DomainError, match="import files into a source of transport 'file'"):
        raw_records_store(source=source, records=[IncomingRecord(received_at=RECEIVED, line="x")])


def test_fingerprints_tell_repeated_lines_apart_but_not_files():
    assert line_fingerprints(["a", "a", "b"]) == line_fingerprints(["a", "a", "b"])
    first, second, _ = line_fingerprints(["a", "a", "b"])
    assert first != second
    assert line_fingerprints(["a", "b"]) == line_fingerprints(["a", "b", "c"])[:2]
