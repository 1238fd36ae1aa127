"""Shared fixtures for the report tests: a small organization with a month of calls.

``org`` builds a department tree, extensions, users of each kind and priced calls
in October 2026 (and a few in the months around it), then rebuilds the rollups from
the calls, so every report can be checked against ``billing.models.Call`` sums.

    Administration (ADM)            ext 4001
      Finance (FIN)                 ext 4002   managed by ``finance``
        Payroll (PAY)               ext 4003
    Sales (SAL)                     ext 4004   managed by ``sales``
      North (SLN)                   ext 4005
    Support (SUP)                   ext 4006
    (no department)                 ext 4099
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count, Q, Sum
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from billing.models import Call
from billing.rollups import rollups_rebuild
from capture.models import RawRecord, Source
from org.models import Department, Extension, Site
from tests.factories import (
    AdminFactory,
    DepartmentFactory,
    ExtensionFactory,
    SiteFactory,
    SourceFactory,
    UserFactory,
)

CORDOBA = ZoneInfo("America/Argentina/Cordoba")
OCTOBER = dt.date(2026, 10, 1)
NOVEMBER = dt.date(2026, 11, 1)
SEPTEMBER = dt.date(2026, 9, 1)

_seq = itertools.count(1)


def call_make(
    *,
    source: Source,
    extension: Extension | None,
    start: dt.datetime,
    cost: Decimal | str | None,
    duration: int = 60,
    answered: bool = True,
    direction: str = "outgoing",
    category: str = "national",
    number: str = "03514000000",
    department: Department | bool | None = True,
    unrated_reason: str = "",
) -> Call:
    """A stored call (with its raw record); ``department=True`` takes the extension's."""
    seq = next(_seq)
    raw = RawRecord.objects.create(
        source=source, seq=seq, received_at=start, line=f"call {seq}", state="parsed"
    )
    if department is True:
        department = extension.department if extension else None
    return Call.objects.create(
        site=source.site,
        source=source,
        raw_record=raw,
        start=start,
        duration_seconds=duration,
        ring_seconds=5,
        answered=answered,
        direction=direction,
        extension=extension,
        department=department or None,
        number=number,
        category=category,
        destination=category.title(),
        cost=None if cost is None else Decimal(cost),
        currency=source.site.currency,
        unrated_reason=unrated_reason,
    )


def local(day: int, hour: int = 10, minute: int = 0, month: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=CORDOBA)


def month_call_sums(month: dt.date, department_ids=None) -> dict:
    """Calls, answered, seconds and cost of the local month, straight from the calls."""
    following = (month + dt.timedelta(days=32)).replace(day=1)
    in_month = Q()
    for site in Site.objects.all():
        in_month |= Q(
            site=site,
            start__gte=dt.datetime.combine(month, dt.time(), site.zone),
            start__lt=dt.datetime.combine(following, dt.time(), site.zone),
        )
    calls = Call.objects.filter(in_month)
    if department_ids is not None:
        calls = calls.filter(department_id__in=department_ids)
    sums = calls.aggregate(
        calls=Count("id"),
        answered=Count("id", filter=Q(answered=True)),
        seconds=Sum("duration_seconds"),
        cost=Sum("cost"),
    )
    sums["seconds"] = sums["seconds"] or 0
    sums["cost"] = Decimal(sums["cost"] or 0).quantize(Decimal("0.0001"))
    return sums


@dataclass
class Org:
    site: Site
    source: Source
    departments: dict[str, Department]  # by code
    extensions: dict[str, Extension]  # by number
    admin: object
    finance: object  # manages FIN (sees FIN, PAY)
    sales: object  # manages SAL (sees SAL, SLN)
    nobody: object  # manages nothing

    def ids(self, *codes: str) -> set[int]:
        return {self.departments[code].pk for code in codes}


def client_for(user) -> APIClient:
    """An API client signed in as ``user`` through its token, as a script would be."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def org(db) -> Org:
    site = SiteFactory(slug="cordoba", name="Córdoba", time_zone="America/Argentina/Cordoba")
    source = SourceFactory(site=site, slug="cordoba-ipoffice")
    adm = DepartmentFactory(name="Administration", code="ADM")
    fin = DepartmentFactory(name="Finance", code="FIN", parent=adm)
    pay = DepartmentFactory(name="Payroll", code="PAY", parent=fin)
    sal = DepartmentFactory(name="Sales", code="SAL")
    sln = DepartmentFactory(name="North", code="SLN", parent=sal)
    sup = DepartmentFactory(name="Support", code="SUP")
    departments = {d.code: d for d in (adm, fin, pay, sal, sln, sup)}
    extensions = {}
    for number, department, holder in (
        ("4001", adm, "Director"),
        ("4002", fin, "Ana Contable"),
        ("4003", pay, "Payroll desk"),
        ("4004", sal, "Sales lead"),
        ("4005", sln, "North office"),
        ("4006", sup, "Help desk"),
        ("4099", None, "Lobby"),
    ):
        extensions[number] = ExtensionFactory(
            site=site, number=number, department=department, holder=holder
        )
    admin, nobody = AdminFactory(username="boss"), UserFactory(username="nobody")
    finance, sales = UserFactory(username="finance"), UserFactory(username="sales")
    fin.managers.add(finance)
    sal.managers.add(sales)

    costs = {
        "4001": ["1.2500", "0.3333"],
        "4002": ["10.0000", "2.5001", None],  # one call not rated
        "4003": ["7.7777"],
        "4004": ["3.0000", "4.0000", "5.0000"],
        "4005": ["0.0100"],
        "4006": ["100.0000"],
        "4099": ["9.9999"],
    }
    for number, amounts in costs.items():
        for index, cost in enumerate(amounts):
            call_make(
                source=source,
                extension=extensions[number],
                start=local(3 + index, 9 + index),
                cost=cost,
                duration=30 + 17 * index,
                answered=index != 1,
                category="mobile" if index == 1 else ("national" if cost else ""),
            )
    # Incoming and internal calls cost nothing but count.
    call_make(
        source=source, extension=extensions["4002"], start=local(9), cost="0", direction="incoming"
    )
    call_make(
        source=source,
        extension=extensions["4004"],
        start=local(10),
        cost="0",
        direction="internal",
        category="internal",
    )
    # 23:30 on 31 October in Córdoba is already November in UTC: it is October here.
    call_make(source=source, extension=extensions["4003"], start=local(31, 23, 30), cost="1.0000")
    # A call with no extension and no department at all.
    call_make(source=source, extension=None, start=local(15), cost="0.5000")
    # Around the month: must not count in October.
    call_make(
        source=source, extension=extensions["4002"], start=local(1, 0, 5, month=11), cost="50"
    )
    call_make(
        source=source, extension=extensions["4002"], start=local(30, 23, 55, month=9), cost="60"
    )
    rollups_rebuild([SEPTEMBER, OCTOBER, NOVEMBER])
    return Org(
        site=site,
        source=source,
        departments=departments,
        extensions=extensions,
        admin=admin,
        finance=finance,
        sales=sales,
        nobody=nobody,
    )
