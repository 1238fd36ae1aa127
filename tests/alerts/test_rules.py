"""Alert rules as plain data: parameters checked naming the key, and the matchers."""

import datetime as dt
import itertools
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from alerts.rules import (
    CallRow,
    SiteContext,
    batch_evaluate,
    channels_validate,
    params_validate,
    rule_compile,
)

CORDOBA = SiteContext(
    id=1,
    zone=ZoneInfo("America/Argentina/Cordoba"),
    access_codes=("0",),
    holidays=lambda year: frozenset({dt.date(year, 12, 25)}),
)


RECORD_IDS = itertools.count(1)  # each row its own record (the local time is kept per record)


def row(number="000442071234567", *, local=(2026, 11, 3, 3, 0), category="international", **fields):
    start = dt.datetime(*local, tzinfo=CORDOBA.zone).astimezone(dt.UTC)
    values = {
        "raw_record_id": next(RECORD_IDS),
        "site_id": 1,
        "department_id": None,
        "extension_id": 7,
        "direction": "outgoing",
        "number": number,
        "normalized_number": "+442071234567",
        "category": category,
        "cost": Decimal("30.0000"),
        "duration_seconds": 60,
        "start": start,
    } | fields
    return CallRow(**values)


def compiled(kind, params, **scope):
    return rule_compile(
        id=1, kind=kind, params=params, site_id=scope.get("site_id"), department_id=None
    )


@pytest.mark.parametrize(
    ("kind", "params", "key"),
    [
        ("number", {}, "prefixes"),
        ("number", {"prefixes": ["54 11", "abc"]}, "prefixes"),
        ("number", {"prefix": ["5411"]}, "prefix"),
        ("threshold", {}, "min_cost"),
        ("threshold", {"min_cost": "-1"}, "min_cost"),
        ("threshold", {"min_seconds": 1.5}, "min_seconds"),
        ("after-hours", {"from": "8:00", "to": "18:00"}, "from"),
        ("after-hours", {"from": "08:00", "to": "25:00"}, "to"),
        ("after-hours", {"from": "08:00", "to": "18:00", "weekends": "yes"}, "weekends"),
        (
            "after-hours",
            {"from": "08:00", "to": "18:00", "categories": "international"},
            "categories",
        ),
        ("emergency", {"numbers": [911]}, "numbers"),
        ("spike", {"window_minutes": 60, "min_calls": 5}, "factor"),
        ("spike", {"window_minutes": 60, "min_calls": 5, "factor": 3, "per": "site"}, "per"),
        (
            "spike",
            {"window_minutes": 60, "min_calls": 5, "factor": 3, "measure": "minutes"},
            "measure",
        ),
        (
            "spike",
            {"window_minutes": 60, "min_calls": 5, "factor": 3, "categories": "mobile"},
            "categories",
        ),
        ("silence", {}, "minutes"),
    ],
)
def test_bad_parameters_are_refused_naming_the_key(kind, params, key):
    with pytest.raises(ValidationError) as caught:
        params_validate(kind, params)

    assert caught.value.message_dict["params"][0].startswith(f"{key}:")


@pytest.mark.parametrize(
    ("channels", "words"),
    [
        ([{"type": "sms", "to": "1"}], "channel 1, type"),
        ([{"type": "email", "to": []}], "channel 1, to"),
        ([{"type": "email", "to": ["not-an-address"]}], "channel 1, to"),
        (
            [{"type": "email", "to": ["a@b.org"]}, {"type": "webhook", "url": "ftp://x"}],
            "channel 2, url",
        ),
        ([{"type": "webhook", "url": "https://x.org/h", "secret": 5}], "channel 1, secret"),
        ([{"type": "webhook", "url": "https://x.org/h", "token": "t"}], "channel 1, token"),
    ],
)
def test_bad_channels_are_refused_naming_the_channel_and_key(channels, words):
    with pytest.raises(ValidationError) as caught:
        channels_validate(channels)

    assert caught.value.message_dict["channels"][0].startswith(words)


def test_emergency_matches_the_rating_category_and_the_extra_numbers():
    rule = compiled("emergency", {"numbers": ["4444"]})

    assert rule.test(row("0911", category="emergency"), CORDOBA)
    assert rule.test(row("04444", category=""), CORDOBA)  # an extra, after the outside-line code
    assert not rule.test(row("04445", category=""), CORDOBA)
    assert not rule.test(row("911", category="emergency", direction="incoming"), CORDOBA)


def test_after_hours_looks_at_the_local_time_weekends_and_holidays():
    rule = compiled(
        "after-hours", {"categories": ["international"], "from": "08:00", "to": "18:00"}
    )

    assert rule.test(row(local=(2026, 11, 3, 3, 0)), CORDOBA)  # Tuesday 3 a.m.
    assert not rule.test(row(local=(2026, 11, 3, 10, 0)), CORDOBA)  # Tuesday 10 a.m.
    assert rule.test(row(local=(2026, 11, 3, 18, 0)), CORDOBA)  # the end is exclusive
    assert rule.test(row(local=(2026, 11, 7, 10, 0)), CORDOBA)  # Saturday
    assert rule.test(row(local=(2026, 12, 25, 10, 0)), CORDOBA)  # a holiday (Friday)
    assert not rule.test(row(local=(2026, 11, 3, 3, 0), category="local"), CORDOBA)
    assert not rule.test(row(local=(2026, 11, 3, 3, 0), direction="incoming"), CORDOBA)


def test_number_and_threshold_rules():
    watched = compiled("number", {"prefixes": ["+44 20"]})
    costly = compiled("threshold", {"min_cost": "25"})
    long_call = compiled("threshold", {"min_seconds": 3600})

    assert watched.test(row(), CORDOBA)
    assert not watched.test(row(normalized_number="+4415"), CORDOBA)
    assert costly.test(row(), CORDOBA) and not costly.test(row(cost=Decimal("24.99")), CORDOBA)
    assert not costly.test(row(cost=None), CORDOBA)  # unrated: no cost to compare
    assert long_call.test(row(duration_seconds=3600), CORDOBA)
    assert not long_call.test(row(), CORDOBA)


def test_a_batch_is_evaluated_per_rule_in_its_scope():
    other_site = compiled("threshold", {"min_seconds": 1}, site_id=2)
    everywhere = compiled("threshold", {"min_seconds": 1})
    calls = [row(raw_record_id=n) for n in range(3)]

    raised = batch_evaluate([other_site, everywhere], calls, CORDOBA)

    assert [(rule, len(matched)) for rule, matched in raised] == [(everywhere, 3)]
    assert rule_compile(id=9, kind="silence", params={}, site_id=None, department_id=None) is None
