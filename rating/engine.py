"""The rating engine: from a call as the PBX recorded it to its price, with reasons.

Pure Python and ``Decimal``, no Django: services build a :class:`Tariff` from the
database once per plan version and a :class:`Rater` per site (and trunk), then
price calls by the thousand. The steps, in order:

1. **Number.** Separators are dropped; on outgoing calls an outside-line access
   code is stripped; the rest is read with the site's numbering plan (international
   prefix, national prefix, or a local number within the site's area code) and
   normalized to E.164 by ``phonenumbers``, which also knows national quirks such as
   Argentina's ``0 + area + 15 + subscriber`` mobiles (``+549...``). Emergency short
   numbers are recognised as such.
2. **Destination.** The longest prefix of the E.164 digits among the plan's
   destinations that have a rate for the call's direction.
3. **Rate.** The destination's rate valid on the call's local start date, in the
   time band that applies at the call's local start (a public holiday of the site's
   country and province counts as the plan's holiday band); a rate without a band
   applies when no banded rate does.
4. **Money.** Billable seconds from the initial and subsequent increments; cost =
   connection fee + billable seconds x price per minute / 60, at least the minimum
   charge, rounded half-up to 4 decimals in the plan's currency. A cost above the
   rater's ``max_cost`` (what the call table holds) leaves the call unrated, saying so.

Unanswered calls cost 0; incoming and internal calls cost 0 unless the plan has a
rate for that direction. A call no destination matches is *unrated* (``cost`` is
``None``, with the reason), never silently free.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache, lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo

import holidays
import phonenumbers
from phonenumbers import shortnumberinfo

CENT_FRACTION = Decimal("0.0001")  # costs are kept to 4 decimals
ZERO = Decimal("0.0000")
SECONDS_PER_MINUTE = Decimal(60)
SEPARATORS = re.compile(r"[\s\-./()]")
MAX_MATCH_CACHE = 500_000
# The ``valid_from`` of a rate that has always applied: a plan's first deck loaded
# without dates prices every earlier call, not only those from the day of the import.
OPEN_START = dt.date.min


# --- inputs -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NumberingPlan:
    """How a site's people dial: the fields of ``Site`` that drive normalization."""

    region: str  # ISO 3166, e.g. "AR"
    country_code: str  # "54"
    area_code: str = ""  # "351"
    national_prefix: str = "0"
    international_prefix: str = "00"
    access_codes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Band:
    id: int
    name: str
    weekdays: frozenset[int]  # ISO: 1 = Monday ... 7 = Sunday
    start: dt.time
    end: dt.time  # exclusive; at or before start means the band runs past midnight

    def covers(self, local: dt.datetime) -> bool:
        moment = local.time()
        if self.start < self.end:
            return local.isoweekday() in self.weekdays and self.start <= moment < self.end
        # Past midnight: the early hours belong to the day the band started on.
        if moment >= self.start:
            return local.isoweekday() in self.weekdays
        return moment < self.end and (local - dt.timedelta(days=1)).isoweekday() in self.weekdays


@dataclass(frozen=True, slots=True)
class RateTerms:
    """One rate version, as the engine needs it."""

    id: int
    price_per_minute: Decimal
    connection_fee: Decimal = ZERO
    initial_seconds: int = 60
    increment_seconds: int = 60
    minimum_charge: Decimal = ZERO
    valid_from: dt.date = OPEN_START
    valid_to: dt.date | None = None  # exclusive
    band_id: int | None = None

    def billable_seconds(self, duration: int) -> int:
        if duration <= 0:
            return 0
        if duration <= self.initial_seconds:
            return self.initial_seconds
        extra = duration - self.initial_seconds
        blocks = -(-extra // self.increment_seconds)  # ceiling division, in integers
        return self.initial_seconds + blocks * self.increment_seconds

    def cost(self, billable_seconds: int) -> Decimal:
        raw = self.connection_fee + billable_seconds * self.price_per_minute / SECONDS_PER_MINUTE
        return max(raw, self.minimum_charge).quantize(CENT_FRACTION, ROUND_HALF_UP)

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


@dataclass(frozen=True, slots=True)
class DestinationRates:
    """A destination and its rates for one direction, newest version first."""

    prefix: str
    name: str
    category: str
    rates: tuple[RateTerms, ...]
    banded: bool = False  # some rate depends on the time band


@dataclass(frozen=True, slots=True)
class TariffDestination:
    """A destination with the rates of every direction, as a tariff is built from."""

    prefix: str
    name: str
    category: str
    rates: dict[str, list[RateTerms]]  # direction -> rates


class Tariff:
    """One version of a rate plan, indexed for longest-prefix lookup per direction."""

    def __init__(
        self,
        *,
        plan_id: int,
        slug: str,
        currency: str,
        version: int,
        destinations: Iterable[TariffDestination],
        bands: Iterable[Band] = (),
        holiday_band_id: int | None = None,
    ):
        self.plan_id = plan_id
        self.slug = slug
        self.currency = currency
        self.version = version
        bands = tuple(bands)  # in priority order
        self.holiday_band = next((b for b in bands if b.id == holiday_band_id), None)
        # The holiday band applies on holidays only, whatever its days and hours say.
        self.bands = tuple(b for b in bands if b is not self.holiday_band)
        self._index: dict[str, dict[str, DestinationRates]] = {}
        self.names: dict[str, DestinationRates] = {}  # any direction, for naming numbers
        for destination in destinations:
            self.names[destination.prefix] = DestinationRates(
                destination.prefix, destination.name, destination.category, ()
            )
            for direction, rates in destination.rates.items():
                newest_first = tuple(sorted(rates, key=lambda r: r.valid_from, reverse=True))
                self._index.setdefault(direction, {})[destination.prefix] = DestinationRates(
                    destination.prefix,
                    destination.name,
                    destination.category,
                    newest_first,
                    banded=any(rate.band_id is not None for rate in rates),
                )
        self._longest = {
            direction: max((len(p) for p in index), default=0)
            for direction, index in self._index.items()
        }
        self._longest_name = max((len(p) for p in self.names), default=0)
        self._matches: dict[tuple[str, str], DestinationRates | None] = {}

    def match(self, direction: str, digits: str) -> DestinationRates | None:
        """The destination with the longest prefix of ``digits`` priced for ``direction``."""
        key = (direction, digits)
        try:
            return self._matches[key]
        except KeyError:
            pass
        index = self._index.get(direction, {})
        found = _longest_prefix(index, digits, self._longest.get(direction, 0))
        if len(self._matches) >= MAX_MATCH_CACHE:
            self._matches.clear()
        self._matches[key] = found
        return found

    def name_of(self, digits: str) -> DestinationRates | None:
        """The destination a number belongs to, whether or not it has a rate."""
        return _longest_prefix(self.names, digits, self._longest_name)


def _longest_prefix(
    index: Mapping[str, DestinationRates], digits: str, longest: int
) -> DestinationRates | None:
    for length in range(min(len(digits), longest), -1, -1):
        found = index.get(digits[:length])
        if found is not None:
            return found
    return None


class RateableCall(Protocol):
    """What the engine reads of a call: parsed calls, stored calls and
    :class:`CallToRate` all have it, and are priced as they are."""

    @property
    def start(self) -> dt.datetime: ...  # aware

    @property
    def duration_seconds(self) -> int: ...

    @property
    def answered(self) -> bool: ...

    @property
    def direction(self) -> str: ...  # incoming | outgoing | internal

    @property
    def number(self) -> str: ...


@dataclass(slots=True)
class CallToRate:
    """A call to price built for the purpose (a prepaid call being authorized, a
    benchmark): the :class:`RateableCall` fields and nothing else."""

    start: dt.datetime  # aware
    duration_seconds: int
    answered: bool
    direction: str  # incoming | outgoing | internal
    number: str


# --- outputs ------------------------------------------------------------------------


@dataclass(slots=True)
class Price:
    """The outcome of rating one call. ``cost`` is None when the call is unrated."""

    cost: Decimal | None = None
    normalized_number: str = ""
    destination: str = ""
    category: str = ""
    currency: str = ""
    plan_id: int | None = None
    rate_id: int | None = None
    answered: bool | None = None  # when the trunk decides instead of the PBX
    billable_seconds: int = 0
    unrated_reason: str = ""
    steps: list[dict] | None = field(default=None, repr=False)


# --- numbers ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Number:
    """A dialled or presented number, read with a numbering plan."""

    digits: str  # E.164 digits without "+", or a short or internal number as dialled
    category: str = ""  # only when the number alone tells: emergency, internal
    note: str = ""  # how it was read, for the explanation
    error: str = ""
    e164: bool = False
    parsed: phonenumbers.PhoneNumber | None = field(default=None, compare=False, repr=False)

    @property
    def valid(self) -> bool:
        """A number the country's plan knows, not just a plausible length. Worked out
        when asked (explanations), not for every number rated: prices do not need it."""
        return self.parsed is not None and phonenumbers.is_valid_number(self.parsed)

    @property
    def how(self) -> str:
        """How the number was read, saying so when its country's plan does not know it."""
        if self.e164 and not self.valid:
            return self.note + "; not a valid number in its country's plan"
        return self.note


@lru_cache(maxsize=1 << 18)
def normalize(number: str, plan: NumberingPlan, outgoing: bool = True) -> Number:
    """Read ``number`` as the site's people dial it; cached, since numbers repeat."""
    dialled = SEPARATORS.sub("", number)
    if not dialled:
        return Number("", error="no number recorded")
    if dialled.startswith("+"):
        return _e164(dialled, plan, "international format (+)")
    if not dialled.isdigit():
        return Number("", error=f"{number!r} is not a phone number (only digits and + count)")
    notes = []
    if outgoing:
        for code in sorted(plan.access_codes, key=len, reverse=True):
            if dialled.startswith(code) and len(dialled) > len(code):
                dialled = dialled[len(code) :]
                notes.append(f"outside-line code {code} removed")
                break
    if _is_emergency_number(dialled, plan.region):
        return Number(dialled, "emergency", "; ".join([*notes, "emergency number"]))
    if len(dialled) <= 6 and _is_short_number(dialled, plan.region):
        # Service numbers (114, 112...) have no E.164 form; a destination may name them.
        return Number(dialled, note="; ".join([*notes, "short service number"]))
    if plan.international_prefix and dialled.startswith(plan.international_prefix):
        notes.append(f"international prefix {plan.international_prefix}")
        return _e164("+" + dialled[len(plan.international_prefix) :], plan, "; ".join(notes))
    if plan.national_prefix and dialled.startswith(plan.national_prefix):
        notes.append(f"national prefix {plan.national_prefix}")
        return _e164(dialled, plan, "; ".join(notes))
    local = _e164(plan.national_prefix + plan.area_code + dialled, plan, "")
    if plan.area_code and local.valid:
        return Number(
            local.digits,
            note="; ".join([*notes, f"local number in area {plan.area_code}"]),
            e164=True,
            parsed=local.parsed,
        )
    # Caller ids often come as national numbers without the prefix (3514123456).
    return _e164(plan.national_prefix + dialled, plan, "; ".join([*notes, "national number"]))


def _is_emergency_number(dialled: str, region: str) -> bool:
    """``shortnumberinfo.is_emergency_number``, quicker for plain ASCII digits.

    For such a string the library's text clean-up (Unicode digits, punctuation, a
    leading +) changes nothing, and what remains is an exact match of the region's
    emergency pattern from its own metadata, which is what this does. The library's
    clean-up was about a quarter of the time spent reading a number never seen before.
    """
    if not dialled.isascii():
        return shortnumberinfo.is_emergency_number(dialled, region)
    pattern = _emergency_pattern(region)
    return pattern is not None and pattern.fullmatch(dialled) is not None


def emergency_pattern(region: str) -> re.Pattern | None:
    """The emergency numbers of ``region`` (ISO 3166) as a pattern to match the dialled
    digits in full (phonenumbers' metadata: ``10[017]|911`` for Argentina); ``None``
    when the region has none. The alerts screen raw records with it."""
    return _emergency_pattern(region)


@cache
def _emergency_pattern(region: str) -> re.Pattern | None:
    metadata = phonenumbers.PhoneMetadata.short_metadata_for_region(region.upper(), None)
    if metadata is None or metadata.emergency is None:
        return None
    pattern = metadata.emergency.national_number_pattern
    return re.compile(pattern) if pattern else None


def _is_short_number(dialled: str, region: str) -> bool:
    try:
        number = phonenumbers.parse(dialled, region)
    except phonenumbers.NumberParseException:
        return False
    return shortnumberinfo.is_valid_short_number_for_region(number, region)


def _e164(text: str, plan: NumberingPlan, note: str) -> Number:
    try:
        parsed = phonenumbers.parse(text, plan.region)
    except phonenumbers.NumberParseException as error:
        return Number("", note=note, error=f"cannot read {text!r} as a phone number: {error}")
    digits = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)[1:]
    return Number(digits, note=note, e164=True, parsed=parsed)


# --- holidays -----------------------------------------------------------------------


@lru_cache(maxsize=256)
def holidays_of(region: str, subdivision: str, year: int) -> frozenset[dt.date]:
    """Public holidays of a country (and province) in a year, from ``holidays``."""
    calendar = holidays.country_holidays(region, subdiv=subdivision or None, years=year)
    return frozenset(calendar)


# --- the rater ----------------------------------------------------------------------


class Rater:
    """Prices the calls of one site (and, with an override, one trunk)."""

    def __init__(
        self,
        *,
        tariff: Tariff | None,
        numbering: NumberingPlan,
        zone: ZoneInfo,
        subdivision: str = "",
        answer_after_seconds: int | None = None,
        fallback_currency: str = "",
        max_cost: Decimal | None = None,
    ):
        self.tariff = tariff
        # The largest cost the store of calls holds: a dearer call is unrated, with why.
        self.max_cost = max_cost
        self.numbering = numbering
        self.zone = zone
        self.subdivision = subdivision
        self.answer_after_seconds = answer_after_seconds
        self.currency = tariff.currency if tariff else fallback_currency
        self.plan_id = tariff.plan_id if tariff else None
        # Numbers, durations and rates repeat: each is worked out once per rater.
        self._resolved: dict[tuple[str, str], tuple[Number, DestinationRates | None]] = {}
        self._costs: dict[tuple[int, int], Decimal] = {}
        self._utc_bounds: dict[int, tuple[dt.datetime, dt.datetime | None]] = {}

    def price(self, call: RateableCall, *, explain: bool = False) -> Price:
        """Price one call; with ``explain``, ``Price.steps`` records how."""
        steps: list[dict] | None = [] if explain else None
        answered = call.answered
        if self.answer_after_seconds is not None:
            answered = call.duration_seconds >= self.answer_after_seconds
        direction = call.direction
        number, destination = self._resolve(direction, call.number)
        price = Price(
            normalized_number=self._shown(number),
            currency=self.currency,
            plan_id=self.plan_id,
            answered=answered if self.answer_after_seconds is not None else None,
            steps=steps,
        )
        if steps is not None:
            self._explain_number(steps, call, answered, number, destination)

        if destination is None:
            return self._free_or_unrated(price, direction, number, answered, steps)
        price.destination = destination.name
        price.category = destination.category
        if not answered:
            price.cost = ZERO
            _step(steps, "cost", "0: the call was not answered")
            return price

        rate = self._rate_at(destination, call.start, steps)
        if rate is None:
            price.unrated_reason = self._no_rate_reason(destination, call.start)
            _step(steps, "unrated", price.unrated_reason)
            return price
        billable = rate.billable_seconds(call.duration_seconds)
        key = (rate.id, billable)
        cost = self._costs.get(key)
        if cost is None:
            cost = self._costs[key] = _cost(rate, billable)
        price.billable_seconds = billable
        if self.max_cost is not None and cost > self.max_cost:
            price.unrated_reason = (
                f"cost {cost} is more than the {self.max_cost:,f} a call can hold; check the "
                f"rate of {destination.name} (#{rate.id}, {rate.price_per_minute}/min)"
            )
            _step(steps, "unrated", price.unrated_reason)
            return price
        price.rate_id = rate.id
        price.cost = cost
        if steps is not None:
            _explain_money(steps, rate, call.duration_seconds, billable, cost, self.currency)
        return price

    def _resolve(self, direction: str, dialled: str) -> tuple[Number, DestinationRates | None]:
        """The number read with the numbering plan and the destination it falls in."""
        key = (direction, dialled)
        found = self._resolved.get(key)
        if found is None:
            if direction == "internal":
                number = Number(SEPARATORS.sub("", dialled), "internal", "internal call")
            else:
                number = normalize(dialled, self.numbering, direction == "outgoing")
            destination = None
            if self.tariff is not None and not number.error:
                destination = self.tariff.match(direction, number.digits)
            if len(self._resolved) >= MAX_MATCH_CACHE:
                self._resolved.clear()
            found = self._resolved[key] = (number, destination)
        return found

    def _free_or_unrated(
        self,
        price: Price,
        direction: str,
        number: Number,
        answered: bool,
        steps: list[dict] | None,
    ) -> Price:
        """Calls no rate covers: free when they are free by nature, unrated otherwise."""
        named = self.tariff.name_of(number.digits) if self.tariff and number.digits else None
        if named is not None:
            price.destination, price.category = named.name, named.category
        if number.category:
            price.category = number.category
        if not answered:
            why = "the call was not answered"
        elif direction != "outgoing":
            why = f"{direction} calls are free unless a rate says otherwise"
        elif number.category == "emergency":
            why = "emergency calls are free unless a rate says otherwise"
        else:
            price.unrated_reason = number.error or (
                f"no destination of plan {self.tariff.slug} matches {number.digits}"
                if self.tariff
                else "the site has no rate plan"
            )
            _step(steps, "unrated", price.unrated_reason)
            return price
        # Priced (at 0) but in no destination, e.g. a withheld caller: "unknown", as
        # an empty category means "not rated" to the reports.
        price.category = price.category or "unknown"
        price.cost = ZERO
        _step(steps, "cost", f"0: {why}")
        return price

    def _rate_at(
        self, destination: DestinationRates, start: dt.datetime, steps: list[dict] | None
    ) -> RateTerms | None:
        """The destination's rate at ``start``: valid on the local date, in the band
        that applies then, or else the one for any time."""
        if not destination.banded and steps is None:
            # The common case, without a local-time conversion: UTC validity bounds.
            for rate in destination.rates:  # newest first
                valid_from, valid_to = self._bounds(rate)
                if valid_from <= start and (valid_to is None or start < valid_to):
                    return rate
            return None
        local = start.astimezone(self.zone)
        day = local.date()
        band = self._band_at(local) if destination.banded else None
        if steps is not None:
            _step(steps, "local start", local.isoformat(), zone=str(self.zone))
            if destination.banded:
                _step(steps, "band", band.name if band else "(none)")
        any_time = None
        for rate in destination.rates:
            if not rate.valid_on(day):
                continue
            if rate.band_id is None:
                any_time = any_time or rate
            elif band is not None and rate.band_id == band.id:
                return rate
        return any_time

    def _bounds(self, rate: RateTerms) -> tuple[dt.datetime, dt.datetime | None]:
        """A rate's validity as UTC instants: its dates begin at local midnight."""
        bounds = self._utc_bounds.get(rate.id)
        if bounds is None:
            bounds = self._utc_bounds[rate.id] = (
                self._local_midnight(rate.valid_from),
                self._local_midnight(rate.valid_to) if rate.valid_to else None,
            )
        return bounds

    def _local_midnight(self, day: dt.date) -> dt.datetime:
        if day == OPEN_START:  # 0001-01-01 00:00 east of UTC is before year 1 in UTC
            return dt.datetime.min.replace(tzinfo=dt.UTC)
        return dt.datetime.combine(day, dt.time(), self.zone).astimezone(dt.UTC)

    def _no_rate_reason(self, destination: DestinationRates, start: dt.datetime) -> str:
        local = start.astimezone(self.zone)
        band = self._band_at(local) if destination.banded else None
        band_note = f" in band {band.name}" if band else ""
        return f"no rate for {destination.name} valid on {local.date()}{band_note}"

    def _explain_number(
        self,
        steps: list[dict],
        call: RateableCall,
        answered: bool,
        number: Number,
        destination: DestinationRates | None,
    ) -> None:
        if self.answer_after_seconds is not None:
            verdict = "answered" if answered else "unanswered"
            _step(
                steps,
                "answer",
                f"{verdict}: {call.duration_seconds} s against the trunk's "
                f"{self.answer_after_seconds} s (no answer supervision)",
            )
        _step(steps, "number as recorded", call.number or "(none)", direction=call.direction)
        pulses = meter_pulses(call)
        if pulses is not None:
            _step(
                steps,
                "meter pulses",
                str(pulses),
                how="metered by the PBX, kept for reference: the price comes from the duration",
            )
        _step(steps, "normalized", self._shown(number) or "(none)", how=number.how)
        if self.tariff is not None:
            _step(steps, "plan", f"{self.tariff.slug} version {self.tariff.version}")
        if destination is not None:
            _step(
                steps,
                "destination",
                destination.name,
                prefix=destination.prefix,
                category=destination.category,
            )

    @staticmethod
    def _shown(number: Number) -> str:
        return "+" + number.digits if number.e164 else number.digits

    def _band_at(self, local: dt.datetime) -> Band | None:
        tariff = self.tariff
        assert tariff is not None  # only banded destinations ask, and they come from it
        if tariff.holiday_band is not None and local.date() in holidays_of(
            self.numbering.region, self.subdivision, local.year
        ):
            return tariff.holiday_band
        for band in tariff.bands:
            if band.covers(local):
                return band
        return None


def meter_pulses(call: object) -> int | None:
    """The meter pulses the PBX printed for the call (``details["meter_pulses"]``, kept
    by the families that print them), or ``None``. Never priced: Capturador priced the
    duration too, as national calls print 1 pulse whatever their length."""
    details = getattr(call, "details", None)
    pulses = details.get("meter_pulses") if isinstance(details, dict) else None
    return pulses if isinstance(pulses, int) and not isinstance(pulses, bool) else None


def _cost(rate: RateTerms, billable: int) -> Decimal:
    """The rate's cost of ``billable`` seconds; beyond the 28 digits that rounding to 4
    decimals can hold (only a rate no deck accepts), the cost unrounded."""
    try:
        return rate.cost(billable)
    except InvalidOperation:
        return max(
            rate.connection_fee + billable * rate.price_per_minute / SECONDS_PER_MINUTE,
            rate.minimum_charge,
        )


def _step(steps: list[dict] | None, step: str, value: str, **details: object) -> None:
    if steps is not None:
        steps.append({"step": step, "value": value, **{k: v for k, v in details.items() if v}})


def _explain_money(
    steps: list[dict], rate: RateTerms, duration: int, billable: int, cost: Decimal, currency: str
) -> None:
    if rate.valid_from == OPEN_START:
        validity = f"until {rate.valid_to}" if rate.valid_to else "always"
    else:
        validity = f"from {rate.valid_from}" + (f" to {rate.valid_to}" if rate.valid_to else "")
    _step(
        steps,
        "rate",
        f"#{rate.id}, valid {validity}",
        price_per_minute=str(rate.price_per_minute),
        connection_fee=str(rate.connection_fee),
        increments=f"{rate.initial_seconds}/{rate.increment_seconds}",
        minimum_charge=str(rate.minimum_charge),
    )
    if duration <= rate.initial_seconds:
        how = f"{duration} s fits in the first block of {rate.initial_seconds} s"
    else:
        blocks = (billable - rate.initial_seconds) // rate.increment_seconds
        how = f"{rate.initial_seconds} s + {blocks} x {rate.increment_seconds} s for {duration} s"
    _step(steps, "billable seconds", str(billable), how=how)
    raw = rate.connection_fee + billable * rate.price_per_minute / SECONDS_PER_MINUTE
    arithmetic = (
        f"{rate.connection_fee} + {billable} x {rate.price_per_minute} / 60 = {raw.normalize():f}"
    )
    if raw < rate.minimum_charge:
        arithmetic += f", raised to the minimum charge {rate.minimum_charge}"
    _step(
        steps,
        "cost",
        f"{cost} {currency}",
        arithmetic=arithmetic + ", rounded half-up to 4 decimals",
    )
