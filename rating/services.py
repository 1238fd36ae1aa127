"""Rating services: building tariffs from the database and pricing calls with them.

Ingest and re-rating call :func:`calls_price` for every batch of calls. A plan's
tariff (every destination, rate version and band) is built once and kept in
memory until the plan's ``version`` changes, which one indexed query per batch
checks.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import phonenumbers

from .engine import (
    Band,
    NumberingPlan,
    Price,
    RateableCall,
    Rater,
    RateTerms,
    Tariff,
    TariffDestination,
    normalize,
)
from .models import Destination, Rate, RatePlan, TimeBand


class PricedSite(Protocol):
    """What rating reads of a site: ``org.Site``, which rating does not import (the two
    apps sit side by side, neither above the other)."""

    @property
    def region(self) -> str: ...
    @property
    def country_code(self) -> str: ...
    @property
    def area_code(self) -> str: ...
    @property
    def national_prefix(self) -> str: ...
    @property
    def international_prefix(self) -> str: ...
    @property
    def access_codes(self) -> Any: ...  # a JSON list of outside-line codes, or null
    @property
    def rate_plan_id(self) -> int | None: ...
    @property
    def zone(self) -> ZoneInfo: ...
    @property
    def subdivision(self) -> str: ...
    @property
    def currency(self) -> str: ...


class PricedTrunk(Protocol):
    """What rating reads of a trunk (``org.Trunk``): its own plan and answer detection."""

    @property
    def rate_plan_id(self) -> int | None: ...
    @property
    def answer_after_seconds(self) -> int | None: ...


class CallOnTrunk(RateableCall, Protocol):
    """A call to price that names the trunk it went out on ("" for none)."""

    @property
    def trunk(self) -> str: ...


# The Rate columns that RateTerms holds: its fields, in its order.
RATE_TERMS_COLUMNS = tuple(field.name for field in dataclasses.fields(RateTerms))
_tariffs: dict[int, Tariff] = {}
_tariffs_lock = threading.Lock()


def tariff_for(plan_id: int | None) -> Tariff | None:
    """The current tariff of a plan, from the cache unless the plan changed."""
    if plan_id is None:
        return None
    version = RatePlan.objects.filter(pk=plan_id).values_list("version", flat=True).first()
    if version is None:
        return None
    cached = _tariffs.get(plan_id)
    if cached is not None and cached.version == version:
        return cached
    with _tariffs_lock:
        tariff = tariff_build(RatePlan.objects.get(pk=plan_id))
        _tariffs[plan_id] = tariff
    return tariff


def tariff_build(plan: RatePlan) -> Tariff:
    """Every destination, rate version and band of ``plan``, ready for the engine."""
    destinations = {
        pk: TariffDestination(prefix, name, category, {})
        for pk, prefix, name, category in Destination.objects.filter(plan=plan).values_list(
            "pk", "prefix", "name", "category"
        )
    }
    rates = Rate.objects.filter(plan=plan).values_list(
        "destination_id", "applies_to", *RATE_TERMS_COLUMNS
    )
    for destination_id, applies_to, *terms in rates.iterator(chunk_size=20_000):
        destinations[destination_id].rates.setdefault(applies_to, []).append(RateTerms(*terms))
    bands = [
        Band(band.id, band.name, frozenset(int(d) for d in band.weekdays), band.start, band.end)
        for band in TimeBand.objects.filter(plan=plan).order_by("priority", "name")
    ]
    return Tariff(
        plan_id=plan.pk,
        slug=plan.slug,
        currency=plan.currency,
        version=plan.version,
        destinations=destinations.values(),
        bands=bands,
        holiday_band_id=plan.holiday_band_id,
    )


def numbering_of(site: PricedSite) -> NumberingPlan:
    return NumberingPlan(
        region=site.region,
        country_code=site.country_code,
        area_code=site.area_code,
        national_prefix=site.national_prefix,
        international_prefix=site.international_prefix,
        access_codes=tuple(site.access_codes or ()),
    )


def number_normalized(site: PricedSite, number: str, *, outgoing: bool = True) -> str:
    """``number`` as E.164 digits (or a short number as it is), read as the site's
    people dial it (``outgoing``: the PBX's outside-line codes removed) or as a
    carrier writes it; "" when it is no phone number."""
    return normalize(number, numbering_of(site), outgoing).digits


def numbering_of_country(region: str) -> NumberingPlan:
    """How people dial in ``region`` (ISO 3166) by phonenumbers' metadata: its calling
    code and national and international prefixes, with no area or access code. The
    home plan (``TARIFICADOR_COUNTRY``) where no site says otherwise."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region.upper())
    if metadata is None:
        raise ValueError(f"phonenumbers knows no numbering plan for {region!r}")
    # Some countries give a pattern of several prefixes: take the preferred one
    # ("8~10" in Russia: dial 8, wait for the tone, dial 10), else "00".
    international = "00"
    for prefix in (metadata.preferred_international_prefix, metadata.international_prefix):
        prefix = (prefix or "").replace("~", "")
        if prefix.isdigit():
            international = prefix
            break
    return NumberingPlan(
        region=region.upper(),
        country_code=str(metadata.country_code),
        national_prefix=metadata.national_prefix or "",
        international_prefix=international,
    )


def rater_for(
    *, site: PricedSite, max_cost: Decimal | None, trunk: PricedTrunk | None = None
) -> Rater:
    """The rater of ``site``'s calls, or of those on ``trunk`` when it has overrides.

    ``max_cost`` is the dearest price the caller can store (billing's
    ``CALL_COST_MAX``, what the call table holds): a dearer call is left unrated,
    saying why. ``None``: no bound."""
    plan_id = site.rate_plan_id
    if trunk is not None and trunk.rate_plan_id:
        plan_id = trunk.rate_plan_id
    return Rater(
        tariff=tariff_for(plan_id),
        numbering=numbering_of(site),
        zone=site.zone,
        subdivision=site.subdivision,
        answer_after_seconds=trunk.answer_after_seconds if trunk is not None else None,
        fallback_currency=site.currency,
        max_cost=max_cost,
    )


def calls_price(
    *,
    site: PricedSite,
    calls: Sequence[CallOnTrunk],
    max_cost: Decimal | None,
    trunks: Mapping[str, PricedTrunk] | None = None,
) -> list[Price]:
    """Price ``calls`` (anything with start, duration_seconds, answered, direction,
    number and trunk) of ``site``; one :class:`Price` per call, in order. ``trunks``
    maps trunk names to trunks whose plan or answer detection differ from the site's;
    ``max_cost`` as for :func:`rater_for`.
    """
    trunks = trunks or {}
    site_rater = rater_for(site=site, max_cost=max_cost)
    raters = {
        name: rater_for(site=site, max_cost=max_cost, trunk=trunk) for name, trunk in trunks.items()
    }
    prices = []
    for call in calls:
        rater = raters.get(call.trunk, site_rater) if call.trunk else site_rater
        prices.append(rater.price(call))
    return prices


def call_explain(
    *,
    site: PricedSite,
    call: RateableCall,
    max_cost: Decimal | None,
    trunk: PricedTrunk | None = None,
) -> Price:
    """Rate one call again with the current tariff, recording every step."""
    return rater_for(site=site, max_cost=max_cost, trunk=trunk).price(call, explain=True)
