"""The clearly labelled demo organization that ``make run`` seeds on first start.

The demo site has thirteen months of generated Avaya IP Office history, stored,
parsed and priced through the same pipeline as real records (with a sample rate deck
in the shape of an Argentine business tariff), a manager who sees only the
Administration branch of the department tree, and a source that captures a simulated
IP Office live over TCP (``make run`` starts the simulator and the capture).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from capture.models import PbxFamily, Source, Transport
from capture.services import IncomingRecord, raw_records_store
from org.models import Department, Extension, Site
from pbxsim.avaya_ipoffice import ipoffice_records
from rating.decks import deck_apply, deck_diff, deck_read
from rating.models import RatePlan

from .pipeline import ProcessResult, raw_records_process

DEMO_SITE = "demo"
DEMO_SOURCE = "demo-ipoffice"
DEMO_TIME_ZONE = "America/Argentina/Cordoba"
DEMO_PBX_PORT = 6001  # where make run's simulated PBX listens
DEPARTMENTS = [
    ("DEMO", "Demo Ministry (sample data)", None),
    ("DEMO-ADM", "Administration", "DEMO"),
    ("DEMO-FIN", "Finance", "DEMO-ADM"),
    ("DEMO-HR", "Human Resources", "DEMO-ADM"),
    ("DEMO-OPS", "Operations", "DEMO"),
    ("DEMO-IT", "Information Technology", "DEMO-OPS"),
]
EXTENSIONS_PER_DEPARTMENT = 8
# The same tree named in Spanish, for an installation whose LANGUAGE_CODE is Spanish
# (``DJANGO_LANGUAGE_CODE=es-ar``): the codes, and so the slugs and links, stay the same.
SPANISH_DEPARTMENT_NAMES = {
    "DEMO": "Ministerio de Demostración (datos de ejemplo)",
    "DEMO-ADM": "Secretaría General",
    "DEMO-FIN": "Ministerio de Hacienda",
    "DEMO-HR": "Dirección de Recursos Humanos",
    "DEMO-OPS": "Ministerio de Salud",
    "DEMO-IT": "Dirección de Sistemas",
}
MANAGER = ("manager", "DEMO-ADM")  # the demo manager's user name and department
HISTORY_DAYS = 395  # thirteen months: the dashboard's trend and last year's month
BATCH_SIZE = 5000
# A sample deck (illustrative prices, in ARS) for the destinations the simulated
# PBX dials: local pulses, per-second mobiles, per-minute long distance.
DEMO_DECK = """prefix,destination,category,price_per_minute,connection_fee,initial_seconds,increment_seconds,minimum_charge
54351,Córdoba,local,0.90,0,120,120,0
549351,Córdoba mobiles,mobile,15.00,0,30,1,0
549,Argentina mobiles,mobile,18.00,0,30,1,0
54,Argentina,national,3.60,0.50,60,60,0
5411,Buenos Aires,national,2.40,0,60,60,0
54800,Toll-free,toll-free,0,0,1,1,0
1,United States and Canada,international,45.00,0,60,6,50.00
34,Spain,international,40.00,0,60,6,0
39,Italy,international,42.00,0,60,6,0
49,Germany,international,40.00,0,60,6,0
55,Brazil,international,30.00,0,60,6,0
56,Chile,international,28.00,0,60,6,0
598,Uruguay,international,26.00,0,60,6,0
"""  # noqa: E501


def demo_departments() -> list[tuple[str, str, str | None]]:
    """``DEPARTMENTS`` (code, name, parent code), named in Spanish when the
    installation's ``LANGUAGE_CODE`` is Spanish; the codes never change."""
    if not settings.LANGUAGE_CODE.lower().startswith("es"):
        return list(DEPARTMENTS)
    return [(code, SPANISH_DEPARTMENT_NAMES[code], parent) for code, _name, parent in DEPARTMENTS]


def demo_exists() -> bool:
    return Site.objects.filter(slug=DEMO_SITE).exists()


def demo_seed(
    *, calls: int = 40_000, now: dt.datetime | None = None, manager_password: str = ""
) -> ProcessResult:
    """Create the demo site, its departments, extensions, rates and manager, and
    thirteen months of calls. The manager signs in with ``manager_password`` (none: a
    user who cannot sign in until an administrator sets one)."""
    now = now or timezone.now()
    with transaction.atomic():
        plan, _ = RatePlan.objects.get_or_create(
            slug="demo-plan", defaults={"name": "Demo plan (sample)", "currency": "ARS"}
        )
        first_day = (now - dt.timedelta(days=HISTORY_DAYS)).date()
        rows = deck_read("demo-deck.csv", default_valid_from=first_day, content=DEMO_DECK.encode())
        deck_apply(plan, rows, deck_diff(plan, rows), ends_on=first_day)
        site = Site.objects.create(
            name="Demo site (generated sample data)",
            slug=DEMO_SITE,
            time_zone=DEMO_TIME_ZONE,
            country_code="54",
            area_code="351",
            national_prefix="0",
            international_prefix="00",
            access_codes=["0"],
            currency="ARS",
            rate_plan=plan,
        )
        departments: dict[str, Department] = {}
        for code, name, parent in demo_departments():
            departments[code] = Department.objects.create(
                code=code, name=name, parent=departments.get(parent)
            )
        numbers = []
        for index, department in enumerate(departments.values()):
            for offset in range(EXTENSIONS_PER_DEPARTMENT):
                number = str(2000 + index * 100 + offset)
                Extension.objects.create(
                    site=site, number=number, department=department, holder=f"Demo user {number}"
                )
                numbers.append(number)
        manager = get_user_model().objects.create_user(
            MANAGER[0], f"{MANAGER[0]}@localhost", manager_password or None
        )
        departments[MANAGER[1]].managers.add(manager)
        # The manager holds their department's first extension: "My calls" shows it.
        Extension.objects.filter(
            pk=Extension.objects.filter(department=departments[MANAGER[1]])
            .order_by("number")
            .values("pk")[:1]
        ).update(user=manager)
        source = Source.objects.create(
            site=site,
            slug=DEMO_SOURCE,
            name="Demo IP Office (simulated PBX)",
            family=PbxFamily.AVAYA_IPOFFICE,
            transport=Transport.TCP_CLIENT,
            settings={"host": "127.0.0.1", "port": DEMO_PBX_PORT},
        )
    lines = ipoffice_records(
        count=calls,
        start=now - dt.timedelta(days=HISTORY_DAYS),
        end=now,
        extensions=numbers,
        time_zone=ZoneInfo(DEMO_TIME_ZONE),
        seed=2026,
    )
    result = ProcessResult()
    batch: list[IncomingRecord] = []
    for line in lines:
        batch.append(IncomingRecord(received_at=now, line=line))
        if len(batch) == BATCH_SIZE:
            result += _store_and_parse(source, batch)
            batch = []
    if batch:
        result += _store_and_parse(source, batch)
    return result


def _store_and_parse(source: Source, batch: list[IncomingRecord]) -> ProcessResult:
    stored = raw_records_store(source=source, records=batch)
    return raw_records_process(
        source_id=source.id, first_id=stored.first_id, last_id=stored.last_id
    )
