"""The demo that ``make run`` seeds: priced history, a scoped manager, report totals."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Sum

from billing.demo import DEPARTMENTS, MANAGER, demo_seed
from billing.models import Call, MonthlyRollup
from org.models import Department
from org.selectors import departments_visible_to


def test_the_demo_has_a_year_of_priced_calls_and_a_manager(db):
    now = dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC)

    result = demo_seed(calls=3000, now=now, manager_password="a demo password 2026")

    assert result.parsed > 2500 and result.errors == 0
    calls = Call.objects.all()
    assert calls.filter(cost__isnull=True).count() == 0  # the sample deck covers them all
    assert calls.filter(cost__gt=0).count() > calls.count() // 3
    assert len({(c.start.year, c.start.month) for c in calls}) >= 13
    # SQLite sums decimals as floats: compare to the 4th decimal, as reports show them.
    in_rollups = MonthlyRollup.objects.aggregate(total=Sum("cost"))["total"]
    in_calls = calls.aggregate(total=Sum("cost"))["total"]
    assert round(in_rollups, 4) == round(in_calls, 4)
    user = get_user_model().objects.get(username=MANAGER[0])
    assert user.check_password("a demo password 2026")
    names = set(
        user.managed_departments.model.objects.filter(
            id__in=departments_visible_to(user)
        ).values_list("name", flat=True)
    )
    assert names == {"Administration", "Finance", "Human Resources"}


def test_bootstrap_prints_both_passwords_once_and_keeps_data(db, capsys, monkeypatch):
    monkeypatch.setattr("billing.management.commands.bootstrap.demo_seed", _small_seed)

    call_command("bootstrap")
    first = capsys.readouterr().out
    call_command("bootstrap")
    second = capsys.readouterr().out

    assert "user: admin" in first and f"user: {MANAGER[0]}" in first
    assert "password" not in second
    assert Call.objects.count() > 0


def _small_seed(**kwargs):
    return demo_seed(calls=200, **kwargs)


def test_the_demo_departments_are_named_in_english_by_default(db, settings):
    settings.LANGUAGE_CODE = "en"

    demo_seed(calls=50, now=dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC))

    names = dict(Department.objects.values_list("code", "name"))
    assert names["DEMO-ADM"] == "Administration" and names["DEMO-FIN"] == "Finance"
    assert set(names) == {code for code, _name, _parent in DEPARTMENTS}


def test_the_demo_departments_are_named_in_spanish_for_a_spanish_installation(db, settings):
    settings.LANGUAGE_CODE = "es-ar"

    demo_seed(calls=50, now=dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC))

    names = dict(Department.objects.values_list("code", "name"))
    assert set(names) == {code for code, _name, _parent in DEPARTMENTS}  # same codes
    assert names["DEMO-OPS"] == "Ministerio de Salud"
    assert names["DEMO-FIN"] == "Ministerio de Hacienda"
    assert names["DEMO-ADM"] == "Secretaría General"
    assert "Administration" not in names.values()
    parents = dict(Department.objects.values_list("code", "parent__code"))
    assert parents == {code: parent for code, _name, parent in DEPARTMENTS}
