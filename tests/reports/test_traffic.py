"""Trunk traffic: peak concurrency, busy hour, Erlang B, against hand-computed figures.

The fixture adds trunks and calls to the report tests' organization (Córdoba, UTC-3)
in October 2026; a call holds its line from its start to start + ring + conversation.

    E1 (2 lines)   5 Oct 10:00-10:10, 10:05-10:15 (10 s of it ringing), 10:08-10:10:
                   three at once at 10:08:00; 10:55-11:05 crosses the hour;
                   31 Oct 23:50 to 1 Nov 00:10 crosses the hour and the month.
                   Busy hour 5 Oct 10:00: 600 + 600 + 120 + 300 s = 0.45 E.
    B2B (no lines) 6 Oct 09:00-09:05 and 09:05-09:10 (back to back: never two at
                   once), and a call of no length at 09:05:00: three calls, peak 1.
    LONG           30 Sep 23:30 to 1 Oct 00:30 (started in September) and
                   1 Oct 00:00-03:30: two at once at 00:00:00; 00:00 hour 1.5 E.
    EMPTY (30)     no calls.

Groups (``grouped``): A (2 lines) 12 Oct 10:00-10:10 and 10:02-10:08 (two at once
from 10:02), B (3 lines) 12 Oct 14:00-14:20 and 14:05-14:10 (two at once from 14:05)
and 10:30-10:35: each trunk peaks at 2, their group at 2 (10:02), not 2 + 2; the
group's busy hour is 14:00 (1200 + 300 s = 0.417 E) on 2 + 3 = 5 lines.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from billing.models import Call
from capture.models import RawRecord
from org.models import Trunk, TrunkGroup
from reports.traffic import erlang_b, lines_needed, trunk_heat_map, trunk_report
from tests.factories import SiteFactory, SourceFactory

from .conftest import CORDOBA, OCTOBER, client_for

KEYS = {
    "site",
    "trunk",
    "lines",
    "calls",
    "peak_concurrent",
    "peak_at",
    "busy_hour_start",
    "busy_hour_erlangs",
    "blocking",
    "lines_for_1pct",
    "blocked_reported",
    "group",
}
GROUP_KEYS = (KEYS - {"group"}) | {"trunks"}
_seq = itertools.count(10_000)


def trunk_call(source, trunk, start, *, duration, ring=0, details=None):
    seq = next(_seq)
    raw = RawRecord.objects.create(
        source=source, seq=seq, received_at=start, line=f"trunk call {seq}", state="parsed"
    )
    return Call.objects.create(
        site=source.site,
        source=source,
        raw_record=raw,
        start=start,
        duration_seconds=duration,
        ring_seconds=ring,
        answered=duration > 0,
        direction="outgoing",
        trunk=trunk,
        number="03514000000",
        category="national",
        cost=0,
        currency="ARS",
        details=details or {},
    )


def at(month, day, hour, minute=0, second=0):
    return dt.datetime(2026, month, day, hour, minute, second, tzinfo=CORDOBA)


def erlang_b_closed_form(traffic, lines):
    """The textbook formula, as an oracle for small numbers."""
    terms = [traffic**k / math.factorial(k) for k in range(lines + 1)]
    return terms[-1] / sum(terms)


@pytest.fixture
def trunks(org):
    site, source = org.site, org.source
    e1 = Trunk.objects.create(site=site, name="E1", lines=2)
    b2b = Trunk.objects.create(site=site, name="B2B")
    long = Trunk.objects.create(site=site, name="LONG", lines=4)
    empty = Trunk.objects.create(site=site, name="EMPTY", lines=30)
    trunk_call(source, e1, at(10, 5, 10, 0), duration=600)
    trunk_call(source, e1, at(10, 5, 10, 5), ring=10, duration=590)
    trunk_call(source, e1, at(10, 5, 10, 8), duration=120)
    trunk_call(source, e1, at(10, 5, 10, 55), duration=600)
    trunk_call(source, e1, at(10, 31, 23, 50), duration=1200)
    trunk_call(source, b2b, at(10, 6, 9, 0), duration=300)
    trunk_call(source, b2b, at(10, 6, 9, 5), duration=300)
    trunk_call(source, b2b, at(10, 6, 9, 5), duration=0)
    trunk_call(source, long, at(9, 30, 23, 30), duration=3600)
    trunk_call(source, long, at(10, 1, 0, 0), duration=12_600)
    return {"E1": e1, "B2B": b2b, "LONG": long, "EMPTY": empty}


def by_trunk(report):
    return {line.trunk: line for line in report.trunks}


def test_three_overlapping_calls_peak_at_three_when_the_third_starts(org, trunks):
    """Three calls on E1 overlap from 10:08:00: the peak, first reached then."""
    e1 = by_trunk(trunk_report(month=OCTOBER, user=org.admin))["E1"]
    assert e1.calls == 5
    assert e1.peak_concurrent == 3
    assert e1.peak_at == at(10, 5, 10, 8)


def test_busy_hour_adds_each_calls_seconds_clipped_to_the_hour(org, trunks):
    """5 Oct 10:00-11:00: 600 + 600 (ringing included) + 120 + 300 of 10:55-11:05."""
    e1 = by_trunk(trunk_report(month=OCTOBER, user=org.admin))["E1"]
    assert e1.busy_hour_start == at(10, 5, 10)
    assert e1.busy_hour_erlangs == pytest.approx(1620 / 3600)
    eleven = next(hour for hour in e1.hours if hour.start == at(10, 5, 11))
    assert eleven.erlangs == pytest.approx(300 / 3600)
    assert e1.blocking == pytest.approx(erlang_b_closed_form(0.45, 2))
    assert e1.blocking == pytest.approx(0.06527, abs=1e-6)
    assert e1.lines_for_1pct == 3


def test_back_to_back_calls_do_not_overlap(org, trunks):
    """An end at the same instant as a start is not two calls at once; a call of no
    length counts as a call but holds no line."""
    b2b = by_trunk(trunk_report(month=OCTOBER, user=org.admin))["B2B"]
    assert b2b.calls == 3
    assert b2b.peak_concurrent == 1
    assert b2b.peak_at == at(10, 6, 9, 0)
    assert b2b.busy_hour_erlangs == pytest.approx(600 / 3600)


def test_call_crossing_the_month_counts_in_the_month_it_started(org, trunks):
    """31 Oct 23:50 to 1 Nov 00:10: a call of October; ten minutes of traffic in each."""
    october = by_trunk(trunk_report(month=OCTOBER, user=org.admin))["E1"]
    last = october.hours[-1]
    assert last.start == at(10, 31, 23)
    assert last.erlangs == pytest.approx(600 / 3600)
    assert len(october.hours) == 31 * 24
    november = by_trunk(trunk_report(month=dt.date(2026, 11, 1), user=org.admin))["E1"]
    assert november.calls == 0
    assert november.peak_concurrent == 1
    assert november.peak_at == at(11, 1, 0, 0)
    assert november.busy_hour_start == at(11, 1, 0)
    assert november.busy_hour_erlangs == pytest.approx(600 / 3600)


def test_call_from_the_month_before_is_clipped_to_the_months_start(org, trunks):
    """LONG: 30 Sep 23:30-1 Oct 00:30 and 1 Oct 00:00-03:30."""
    long = by_trunk(trunk_report(month=OCTOBER, user=org.admin))["LONG"]
    assert long.calls == 1
    assert long.peak_concurrent == 2
    assert long.peak_at == at(10, 1, 0, 0)
    assert long.busy_hour_start == at(10, 1, 0)
    assert long.busy_hour_erlangs == pytest.approx(1.5)
    assert [round(hour.erlangs, 3) for hour in long.hours[:5]] == [1.5, 1.0, 1.0, 0.5, 0.0]
    assert [hour.peak for hour in long.hours[:5]] == [2, 1, 1, 1, 0]
    september = by_trunk(trunk_report(month=dt.date(2026, 9, 1), user=org.admin))["LONG"]
    assert september.calls == 1
    assert september.busy_hour_erlangs == pytest.approx(0.5)


def test_trunk_without_lines_has_no_blocking_and_one_without_calls_is_listed(org, trunks):
    lines = by_trunk(trunk_report(month=OCTOBER, user=org.admin))
    assert lines["B2B"].lines is None
    assert lines["B2B"].blocking is None
    assert lines["B2B"].lines_for_1pct == 3  # 0.167 E: B(2) = 1.2 %, B(3) = 0.07 %
    empty = lines["EMPTY"]
    assert (empty.calls, empty.peak_concurrent, empty.peak_at) == (0, 0, None)
    assert (empty.busy_hour_start, empty.busy_hour_erlangs) == (None, 0)
    assert (empty.blocking, empty.lines_for_1pct) == (0, 0)
    assert list(lines) == ["B2B", "E1", "EMPTY", "LONG"]


def test_random_calls_match_a_second_by_second_count(org):
    """Against an oracle that counts the calls holding a line in every second."""
    trunk = Trunk.objects.create(site=org.site, name="RANDOM", lines=3)
    rng = random.Random(20)
    origin = at(10, 12, 8)
    spans = []
    for _ in range(60):
        start = origin + dt.timedelta(seconds=rng.randrange(0, 4 * 3600))
        ring, duration = rng.choice([0, 0, 7]), rng.randrange(0, 1800)
        trunk_call(org.source, trunk, start, ring=ring, duration=duration)
        spans.append((start, start + dt.timedelta(seconds=ring + duration)))
    line = by_trunk(trunk_report(month=OCTOBER, user=org.admin))["RANDOM"]
    held = {}
    for start, end in spans:
        second = start
        while second < end:
            held[second] = held.get(second, 0) + 1
            second += dt.timedelta(seconds=1)
    peak = max(held.values())
    assert line.peak_concurrent == peak
    assert line.peak_at == min(second for second, count in held.items() if count == peak)
    per_hour = {}
    for second, count in held.items():
        hour = second.astimezone(CORDOBA).replace(minute=0, second=0)
        per_hour[hour] = per_hour.get(hour, 0) + count
    for hour in line.hours:
        assert hour.erlangs == pytest.approx(per_hour.get(hour.start, 0) / 3600)
        in_hour = [
            count
            for second, count in held.items()
            if hour.start <= second < hour.start + dt.timedelta(hours=1)
        ]
        assert hour.peak == max(in_hour, default=0), hour.start
    busy = max(per_hour.values())
    assert line.busy_hour_erlangs == pytest.approx(busy / 3600)
    assert line.busy_hour_start == min(hour for hour, s in per_hour.items() if s == busy)


def test_months_and_hours_are_the_sites_local_ones(org):
    """A site in Madrid: October 2026 ends on the last Sunday's change to winter time
    (25 hours that day), and the calls are dated by Madrid's clock."""
    madrid = SiteFactory(slug="madrid", name="Madrid", time_zone="Europe/Madrid")
    source = SourceFactory(site=madrid, slug="madrid-pbx")
    trunk = Trunk.objects.create(site=madrid, name="SIP", lines=10)
    zone = madrid.zone
    trunk_call(source, trunk, dt.datetime(2026, 10, 1, 0, 10, tzinfo=zone), duration=60)
    line = by_trunk(trunk_report(month=OCTOBER, user=org.admin, site_slug="madrid"))["SIP"]
    assert len(line.hours) == 31 * 24 + 1
    assert line.busy_hour_start == dt.datetime(2026, 10, 1, 0, tzinfo=zone)
    assert line.calls == 1


def test_heat_map_shades_the_mean_traffic_per_weekday_and_hour(org, trunks):
    e1 = by_trunk(trunk_report(month=OCTOBER, user=org.admin))["E1"]
    heat = trunk_heat_map(e1)
    monday = heat[0]  # 5 October 2026 is a Monday; October has four Mondays
    assert monday.cells[10].erlangs == pytest.approx(1620 / 3600 / 4)
    assert monday.cells[10].level == 5
    assert heat[1].cells[10].level == 0


# ---------------------------------------------------------------- Erlang B


def test_erlang_b_known_values():
    assert erlang_b(10, 15) == pytest.approx(0.0365, abs=5e-5)
    assert erlang_b(10, 15) == pytest.approx(erlang_b_closed_form(10, 15))
    assert lines_needed(10) == 18
    assert erlang_b(10, 17) > 0.01 >= erlang_b(10, 18)
    assert erlang_b(0, 5) == 0
    assert erlang_b(3, 0) == 1
    assert lines_needed(0) == 0


def test_erlang_b_is_stable_for_big_trunks():
    """The recurrence needs no factorials: 1,000 Erlangs on 1,000 lines is fine."""
    assert 0.02 < erlang_b(1000, 1000) < 0.03
    assert lines_needed(1000) == pytest.approx(1029, abs=3)


def test_the_issues_example_a_trunk_at_29_of_30_lines():
    """The issue's telecom E1: 2.1 % blocking at 30 lines needs 33 for 1 %."""
    traffic = 22.1  # Erlangs in the busy hour
    assert erlang_b(traffic, 30) == pytest.approx(0.0213, abs=5e-5)
    assert lines_needed(traffic) == 33


# ---------------------------------------------------------------- API and scope


def test_api_shape_per_contract(org, trunks):
    response = client_for(org.admin).get("/api/v1/reports/trunks/", {"month": "2026-10"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"month", "trunks", "groups"}
    assert body["month"] == "2026-10"
    assert body["groups"] == []
    assert all(set(line) == KEYS for line in body["trunks"])
    e1 = next(line for line in body["trunks"] if line["trunk"] == "E1")
    assert e1 == {
        "site": "cordoba",
        "trunk": "E1",
        "lines": 2,
        "calls": 5,
        "peak_concurrent": 3,
        "peak_at": "2026-10-05T10:08:00-03:00",
        "busy_hour_start": "2026-10-05T10:00:00-03:00",
        "busy_hour_erlangs": 0.45,
        "blocking": 0.06527,
        "lines_for_1pct": 3,
        "blocked_reported": None,  # an IP Office does not say it
        "group": None,
    }
    b2b = next(line for line in body["trunks"] if line["trunk"] == "B2B")
    assert (b2b["lines"], b2b["blocking"]) == (None, None)


def test_api_site_filter_and_unknown_site(org, trunks):
    client = client_for(org.admin)
    other = SiteFactory(slug="rosario")
    Trunk.objects.create(site=other, name="R1")
    everything = client.get("/api/v1/reports/trunks/", {"month": "2026-10"}).json()
    assert {line["site"] for line in everything["trunks"]} == {"cordoba", "rosario"}
    rosario = client.get("/api/v1/reports/trunks/", {"month": "2026-10", "site": "rosario"})
    assert [line["trunk"] for line in rosario.json()["trunks"]] == ["R1"]
    unknown = client.get("/api/v1/reports/trunks/", {"month": "2026-10", "site": "nowhere"})
    assert unknown.status_code == 404
    assert "nowhere" in unknown.json()["detail"]


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "october", "", "9999-12"])
def test_api_bad_month_is_400_with_the_reason(org, month):
    response = client_for(org.admin).get("/api/v1/reports/trunks/", {"month": month})
    assert response.status_code == 400
    assert "month" in response.json()


def test_api_month_is_required(org):
    response = client_for(org.admin).get("/api/v1/reports/trunks/")
    assert response.status_code == 400
    assert "month" in response.json()


@pytest.mark.parametrize("who", ["finance", "nobody"])
def test_managers_are_refused(org, trunks, who):
    """Trunks carry every department's calls: only administrators see their figures."""
    response = client_for(getattr(org, who)).get("/api/v1/reports/trunks/", {"month": "2026-10"})
    assert response.status_code == 403
    assert "administrators" in response.json()["detail"]
    page = client_for(getattr(org, who))
    page.force_login(getattr(org, who))
    assert page.get(reverse("reports:trunks"), {"month": "2026-10"}).status_code == 403


def test_api_queries_do_not_grow_with_the_calls(org, trunks, django_assert_max_num_queries):
    client = client_for(org.admin)
    with django_assert_max_num_queries(10):
        assert client.get("/api/v1/reports/trunks/", {"month": "2026-10"}).status_code == 200


# ---------------------------------------------------------------- page


def test_page_shows_the_table_the_charts_and_the_heat_map(org, trunks):
    from django.test import Client

    client = Client()
    client.force_login(org.admin)
    response = client.get(reverse("reports:trunks"), {"month": "2026-10"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-trunk="E1"' in html
    assert "<svg" in html
    assert 'class="heat"' in html
    assert "<script" not in html
    picked = client.get(reverse("reports:trunks"), {"month": "2026-10", "trunk": trunks["LONG"].pk})
    assert picked.status_code == 200
    assert picked.context["chosen"].trunk == "LONG"


@pytest.mark.parametrize(
    "query", [{"month": "2026-13"}, {"month": "2026-10", "site": "nowhere"}, {"trunk": "x"}]
)
def test_page_bad_input_is_404_not_500(org, query):
    from django.test import Client

    client = Client()
    client.force_login(org.admin)
    assert client.get(reverse("reports:trunks"), query).status_code == 404


def test_page_in_spanish(org, trunks):
    from django.test import Client

    client = Client(headers={"accept-language": "es"})
    client.force_login(org.admin)
    html = client.get(reverse("reports:trunks"), {"month": "2026-10"}).content.decode()
    assert "Troncales" in html
    assert "Hora pico" in html


# ---------------------------------------------------------------- trunk groups


@pytest.fixture
def grouped(org):
    site, source = org.site, org.source
    group = TrunkGroup.objects.create(site=site, name="Telecom E1", description="2 x E1")
    a = Trunk.objects.create(site=site, name="A", lines=2, group=group)
    b = Trunk.objects.create(site=site, name="B", lines=3, group=group)
    Trunk.objects.create(site=site, name="ALONE", lines=30)
    trunk_call(source, a, at(10, 12, 10, 0), duration=600)
    trunk_call(source, a, at(10, 12, 10, 2), duration=360)
    trunk_call(source, b, at(10, 12, 14, 0), duration=1200)
    trunk_call(source, b, at(10, 12, 14, 5), duration=300)
    trunk_call(source, b, at(10, 12, 10, 30), duration=300)
    return {"group": group, "A": a, "B": b}


def test_a_groups_peak_is_of_its_calls_together_not_its_trunks_peaks_added(org, grouped):
    report = trunk_report(month=OCTOBER, user=org.admin)
    trunks = by_trunk(report)
    assert (trunks["A"].peak_concurrent, trunks["B"].peak_concurrent) == (2, 2)
    assert (trunks["A"].group, trunks["ALONE"].group) == ("Telecom E1", None)
    [group] = report.groups
    assert (group.trunk, group.members, group.description) == ("Telecom E1", ("A", "B"), "2 x E1")
    assert group.calls == 5
    assert group.peak_concurrent == 2
    assert group.peak_at == at(10, 12, 10, 2)
    assert group.busy_hour_start == at(10, 12, 14)
    assert group.busy_hour_erlangs == pytest.approx(1500 / 3600)
    assert group.lines == 5
    assert group.blocking == pytest.approx(erlang_b(1500 / 3600, 5))
    assert group.lines_for_1pct == 3  # 0.417 E: B(2) = 5.8 %, B(3) = 0.8 %
    ten = next(hour for hour in group.hours if hour.start == at(10, 12, 10))
    assert ten.erlangs == pytest.approx((600 + 360 + 300) / 3600)
    assert ten.peak == 2


def test_a_group_whose_calls_overlap_across_its_trunks_peaks_above_each(org, grouped):
    """A call on B at 10:05 meets A's two: three at once in the group, two on A."""
    trunk_call(org.source, grouped["B"], at(10, 12, 10, 5), duration=60)
    report = trunk_report(month=OCTOBER, user=org.admin)
    assert by_trunk(report)["A"].peak_concurrent == 2
    [group] = report.groups
    assert group.peak_concurrent == 3
    assert group.peak_at == at(10, 12, 10, 5)


def test_a_group_with_a_trunk_of_unknown_lines_has_no_blocking(org, grouped):
    Trunk.objects.filter(pk=grouped["B"].pk).update(lines=None)
    [group] = trunk_report(month=OCTOBER, user=org.admin).groups
    assert (group.lines, group.blocking) == (None, None)
    assert group.busy_hour_erlangs == pytest.approx(1500 / 3600)


def test_a_trunk_joins_only_a_group_of_its_site(org, grouped):
    other = TrunkGroup.objects.create(site=SiteFactory(slug="rosario"), name="Elsewhere")
    trunk = grouped["A"]
    trunk.group = other
    with pytest.raises(ValidationError) as raised:
        trunk.full_clean()
    assert "group" in raised.value.message_dict
    assert "A" in raised.value.message_dict["group"][0]


def test_api_gives_the_groups_beside_the_trunks(org, grouped):
    body = client_for(org.admin).get("/api/v1/reports/trunks/", {"month": "2026-10"}).json()
    [group] = body["groups"]
    assert set(group) == GROUP_KEYS
    assert group["trunk"] == "Telecom E1"
    assert group["trunks"] == ["A", "B"]
    assert (group["lines"], group["calls"], group["peak_concurrent"]) == (5, 5, 2)
    assert group["peak_at"] == "2026-10-12T10:02:00-03:00"
    assert group["busy_hour_erlangs"] == 0.417
    assert {line["trunk"]: line["group"] for line in body["trunks"]} == {
        "A": "Telecom E1",
        "B": "Telecom E1",
        "ALONE": None,
    }


def test_page_shows_the_groups_above_the_trunks(org, grouped):
    from django.test import Client

    client = Client()
    client.force_login(org.admin)
    html = client.get(reverse("reports:trunks"), {"month": "2026-10"}).content.decode()
    assert 'data-group="Telecom E1"' in html
    assert html.index('data-group="Telecom E1"') < html.index('data-trunk="A"')


def test_admin_edits_a_groups_trunks_inline(org, grouped):
    from django.test import Client

    client = Client()
    client.force_login(org.admin)
    page = client.get(reverse("admin:org_trunkgroup_change", args=[grouped["group"].pk]))
    assert page.status_code == 200
    assert "Telecom E1" in page.content.decode()
    assert client.get(reverse("admin:org_trunk_changelist"), {"group": grouped["group"].pk})


# ---------------------------------------------------------------- blocked, as the PBX says


def test_blocked_reported_counts_the_pbxs_all_lines_busy_calls(org):
    """An Asterisk site: CONGESTION is all circuits busy (BUSY is the called party's);
    a Cisco site: Q.850 cause 34 (no circuit available), kept as a number."""
    asterisk = SourceFactory(site=org.site, slug="cordoba-asterisk", family="asterisk-csv")
    trunk = Trunk.objects.create(site=org.site, name="SIP", lines=2)
    Trunk.objects.create(site=org.site, name="IDLE", lines=2)
    for disposition in ("CONGESTION", "CONGESTION", "BUSY", "NO ANSWER"):
        trunk_call(asterisk, trunk, at(10, 7, 9), duration=0, details={"disposition": disposition})
    trunk_call(asterisk, trunk, at(9, 30, 9), duration=0, details={"disposition": "CONGESTION"})
    cisco_site = SiteFactory(slug="lima", name="Lima")
    cisco = SourceFactory(site=cisco_site, slug="lima-cucm", family="cisco-cucm")
    gateway = Trunk.objects.create(site=cisco_site, name="GW1", lines=23)
    trunk_call(cisco, gateway, at(10, 7, 9), duration=0, details={"orig_cause": 34})
    trunk_call(cisco, gateway, at(10, 7, 9), duration=0, details={"dest_cause": 16})
    report = trunk_report(month=OCTOBER, user=org.admin)
    lines = {line.trunk: line for line in report.trunks}
    assert lines["SIP"].blocked_reported == 2
    assert lines["IDLE"].blocked_reported == 0
    assert lines["GW1"].blocked_reported == 1


def test_blocked_reported_is_null_where_the_pbx_does_not_say(org, trunks):
    """The report site's PBX is an IP Office, which does not report it."""
    assert {
        line.blocked_reported for line in trunk_report(month=OCTOBER, user=org.admin).trunks
    } == {None}
