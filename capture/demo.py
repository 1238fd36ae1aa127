"""The clearly labelled demo organization that ``make run`` seeds on first start.

The demo site has a month of generated Avaya IP Office history, stored and parsed
through the same pipeline as real records, and a source that captures a simulated
IP Office live over TCP (``make run`` starts the simulator and the capture).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from billing.models import Department, Extension, Site
from rating.models import RatePlan

from .models import PbxFamily, Source, Transport
from .services import IncomingRecord, ProcessResult, raw_records_process, raw_records_store
from .simulators.avaya_ipoffice import ipoffice_records

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
BATCH_SIZE = 5000


def demo_exists() -> bool:
    return Site.objects.filter(slug=DEMO_SITE).exists()


def demo_seed(*, calls: int = 6000, now: dt.datetime | None = None) -> ProcessResult:
    """Create the demo site, its departments and extensions, and a month of calls."""
    now = now or timezone.now()
    with transaction.atomic():
        plan, _ = RatePlan.objects.get_or_create(
            slug="demo-plan", defaults={"name": "Demo plan (sample)", "currency": "ARS"}
        )
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
        for code, name, parent in DEPARTMENTS:
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
        start=now - dt.timedelta(days=30),
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
    stored = raw_records_store(source=source, records=batch, process=False)
    return raw_records_process(
        source_id=source.id, first_id=stored.first_id, last_id=stored.last_id
    )
