"""The calls API's pages: a keyset on (start, id) that visits every call once and ends,
however many calls share one start; damaged or crafted cursors answer 400."""

import base64
import datetime as dt

import pytest

from billing.models import Call
from billing.pagination import Position, calls_keyset_page
from capture.models import RawRecord
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/calls/"
BUSY = dt.datetime(2026, 11, 2, 13, 0, tzinfo=dt.UTC)


def calls_bulk(source, starts: list[dt.datetime]) -> None:
    """Calls (with their raw records) at ``starts``, inserted in bulk. Rollups are not
    kept: paging reads the calls only."""
    records = RawRecord.objects.bulk_create(
        RawRecord(source=source, seq=seq, received_at=start, line=f"call {seq}", state="parsed")
        for seq, start in enumerate(starts, start=1)
    )
    Call.objects.bulk_create(
        (
            Call(
                site=source.site,
                source=source,
                raw_record=record,
                start=record.received_at,
                duration_seconds=30,
                answered=True,
                direction="outgoing",
                number=f"0351{record.seq:07d}",
                currency="ARS",
            )
            for record in records
        ),
        batch_size=1000,
    )


@pytest.fixture
def crowd(db):
    """5,000 calls of one start, with three calls before it and two after."""
    source = SourceFactory()
    before = [BUSY - dt.timedelta(minutes=minutes) for minutes in (3, 2, 1)]
    after = [BUSY + dt.timedelta(seconds=1), BUSY + dt.timedelta(minutes=5)]
    calls_bulk(source, before + [BUSY] * 5_000 + after)
    return list(Call.objects.order_by("-start", "-id").values_list("pk", flat=True))


def walk(client, first_url: str, link: str, limit: int) -> tuple[list[list[int]], dict]:
    """The pages from ``first_url`` following ``link`` (``next`` or ``previous``), at
    most ``limit`` of them (pagination that never ends stops the test, not the run)."""
    pages, response = [], client.get(first_url)
    while len(pages) < limit:
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append([call["id"] for call in body["results"]])
        if not body[link]:
            return pages, body
        response = client.get(body[link])
    pytest.fail(f"still a {link} link after {limit} pages")


@pytest.mark.parametrize("page_size", [100, 1000])
def test_next_visits_every_call_once_in_start_and_id_order(admin_client, crowd, page_size):
    expected_pages = -(-len(crowd) // page_size)

    pages, last = walk(admin_client, f"{URL}?page_size={page_size}", "next", expected_pages + 1)

    seen = [pk for page in pages for pk in page]
    assert seen == crowd  # each call once, newest first by (start, id)
    assert len(pages) == expected_pages
    assert all(len(page) == page_size for page in pages[:-1])
    assert last["next"] is None


def test_pages_of_one_call_visit_every_call_once(crowd):
    """Page size 1 through the paginator's keyset itself (5,005 pages over HTTP took
    22 s here; the test above covers the HTTP layer)."""
    seen, at = [], None
    while len(seen) <= len(crowd):
        page = calls_keyset_page(Call.objects.all(), size=1, at=at)
        seen += [call.pk for call in page.calls]
        if not page.has_older:
            break
        at = Position(start=page.calls[-1].start, id=page.calls[-1].pk)

    assert seen == crowd


@pytest.mark.parametrize("page_size", [100, 1000])
def test_previous_walks_back_over_the_same_pages(admin_client, crowd, page_size):
    limit = -(-len(crowd) // page_size) + 1
    forward, _ = walk(admin_client, f"{URL}?page_size={page_size}", "next", limit)
    cut = Call.objects.get(pk=forward[-2][-1])
    cursor = Position(start=cut.start, id=cut.pk).encode()
    last_page = f"{URL}?page_size={page_size}&cursor={cursor}"

    backward, first = walk(admin_client, last_page, "previous", limit)

    assert backward == forward[::-1]
    assert first["previous"] is None


def test_filters_apply_across_pages(admin_client, crowd):
    pages, _ = walk(admin_client, f"{URL}?page_size=7&number=035100000", "next", 100)

    assert [pk for page in pages for pk in page] == list(
        Call.objects.filter(number__startswith="035100000")
        .order_by("-start", "-id")
        .values_list("pk", flat=True)
    )


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        b64("p=123"),  # DRF's own cursor format, crafted
        b64("o=1&r=1&p=2026-11-02+13:00:00+00:00"),
        base64.b64encode(bytes(range(256))).decode(),  # random bytes
        "!!not base64!!",
        "cD0xMjM",  # p=123 without its padding
        b64("2026-11-02T13:00:00|1"),  # no time zone
        b64("2026-11-02T13:00:00+00:00|0"),
        b64("2026-11-02T13:00:00+00:00|99999999999999999999999"),
        b64("2026-11-02T13:00:00+00:00|1|x"),
        b64("0001-01-01T00:00:00+05:00|1"),  # before year 1 in UTC
        b64("9999-12-31T23:59:59-05:00|1"),  # after year 9999 in UTC
        b64("🙂|🙂"),
    ],
)
def test_a_damaged_or_crafted_cursor_answers_400(admin_client, cursor):
    response = admin_client.get(URL, {"cursor": cursor})

    assert response.status_code == 400
    assert "invalid cursor" in response.json()["detail"].lower()


def test_a_cursor_past_the_last_call_gives_an_empty_page_and_a_way_back(admin_client, crowd):
    oldest = Call.objects.order_by("start", "id").first()
    response = admin_client.get(
        URL, {"cursor": Position(start=oldest.start, id=oldest.pk).encode()}
    )

    body = response.json()
    assert body["results"] == [] and body["next"] is None
    assert "cursor=" not in body["previous"]
