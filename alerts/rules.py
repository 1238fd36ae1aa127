"""Alert rules as plain data: their parameters and channels checked, and compiled into
matchers that test a batch of calls in memory.

No ORM here: :mod:`alerts.services` reads the enabled rules once per rule-set version,
compiles them with :func:`rule_compile`, and runs each batch of calls through them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

KINDS = ("emergency", "number", "after-hours", "threshold", "spike", "silence")
# Kinds evaluated on each batch of calls (spike with a query per batch, for its
# baseline); silence is evaluated on the sources' health (services.sources_silence_check).
BATCH_KINDS = frozenset({"emergency", "number", "after-hours", "threshold", "spike"})
PARAM_KEYS = {
    "emergency": {"numbers"},
    "number": {"prefixes"},
    "after-hours": {"categories", "from", "to", "weekends", "holidays"},
    "threshold": {"min_cost", "min_seconds"},
    "spike": {"window_minutes", "factor", "min_calls", "per", "measure", "categories"},
    "silence": {"minutes"},
}
DIGITS = re.compile(r"\+?[0-9]{1,20}")
HH_MM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
SEPARATORS = re.compile(r"[\s\-./()]")


def _error(key: str, message: str) -> ValidationError:
    return ValidationError({"params": _("%(key)s: %(message)s") % {"key": key, "message": message}})


def _digit_list(params: Mapping[str, Any], key: str, *, required: bool) -> list[str]:
    value = params.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _error(key, _('a list of numbers as text, such as ["911", "+5411"]'))
    for item in value:
        if not DIGITS.fullmatch(SEPARATORS.sub("", item)):
            raise _error(
                key, _("%(value)r is not a number (digits, optionally after +)") % {"value": item}
            )
    if required and not value:
        raise _error(key, _("give at least one number or prefix"))
    return [SEPARATORS.sub("", item).lstrip("+") for item in value]


def _whole(params: Mapping[str, Any], key: str, *, minimum: int = 1) -> int | None:
    value = params.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _error(key, _("a whole number of at least %(minimum)s") % {"minimum": minimum})
    return value


def _decimal(params: Mapping[str, Any], key: str) -> Decimal | None:
    value = params.get(key)
    if value is None:
        return None
    try:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise InvalidOperation
        amount = Decimal(str(value))
    except InvalidOperation:
        amount = Decimal(-1)
    if not amount.is_finite() or amount < 0:
        raise _error(key, _('an amount of 0 or more, such as "500.00"'))
    return amount


def _local_time(params: Mapping[str, Any], key: str) -> dt.time:
    value = params.get(key)
    match = HH_MM.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise _error(key, _('a local time "HH:MM", such as "08:00"'))
    return dt.time(int(match[1]), int(match[2]))


def _flag(params: Mapping[str, Any], key: str, default: bool) -> bool:
    value = params.get(key, default)
    if not isinstance(value, bool):
        raise _error(key, _("true or false"))
    return value


def _threshold_check(params: Mapping[str, Any]) -> None:
    cost, seconds = _decimal(params, "min_cost"), _whole(params, "min_seconds")
    if cost is None and seconds is None:
        raise _error("min_cost", _("give min_cost, min_seconds or both"))


def _after_hours_check(params: Mapping[str, Any]) -> None:
    _categories(params)
    if _local_time(params, "from") == _local_time(params, "to"):
        raise _error("to", _("the working day must end at another time than it starts"))
    _flag(params, "weekends", True)
    _flag(params, "holidays", True)


SPIKE_PER = ("extension", "trunk")
SPIKE_MEASURES = ("calls", "cost")


def _spike_check(params: Mapping[str, Any]) -> None:
    for key in ("window_minutes", "min_calls"):
        if _whole(params, key) is None:
            raise _error(key, _("required"))
    if _decimal(params, "factor") in (None, Decimal(0)):
        raise _error("factor", _("a multiple above 0, such as 3"))
    if params.get("per", "extension") not in SPIKE_PER:
        raise _error("per", _('"extension" (the default) or "trunk"'))
    if params.get("measure", "calls") not in SPIKE_MEASURES:
        raise _error("measure", _('"calls" (the default) or "cost"'))
    _categories(params)


def _categories(params: Mapping[str, Any]) -> frozenset[str]:
    categories = params.get("categories", [])
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        raise _error("categories", _('a list of categories, such as ["international"]'))
    return frozenset(categories)


def _silence_check(params: Mapping[str, Any]) -> None:
    if _whole(params, "minutes") is None:
        raise _error("minutes", _("required"))


CHECKS: dict[str, Callable[[Mapping[str, Any]], object]] = {
    "emergency": lambda params: _digit_list(params, "numbers", required=False),
    "number": lambda params: _digit_list(params, "prefixes", required=True),
    "threshold": _threshold_check,
    "after-hours": _after_hours_check,
    "spike": _spike_check,
    "silence": _silence_check,
}


def params_validate(kind: str, params: object) -> dict[str, Any]:
    """Check ``params`` for a rule of ``kind``; raise ``ValidationError`` naming the key."""
    if kind not in KINDS:
        raise ValidationError({"kind": _("Unknown kind %(kind)r.") % {"kind": kind}})
    if not isinstance(params, dict):
        raise ValidationError({"params": _("An object of parameters, such as {}.")})
    for key in params:
        if key not in PARAM_KEYS[kind]:
            allowed = ", ".join(sorted(PARAM_KEYS[kind]))
            raise _error(
                key,
                _("not a parameter of this kind (it takes: %(allowed)s)") % {"allowed": allowed},
            )
    CHECKS[kind](params)
    return params


def channels_validate(channels: object) -> list[dict[str, Any]]:
    """Check a rule's channels; raise ``ValidationError`` naming the channel and key."""
    if not isinstance(channels, list):
        raise ValidationError(
            {
                "channels": _(
                    'A list of channels, such as [{"type": "email", "to": ["desk@example.org"]}].'
                )
            }
        )
    for number, channel in enumerate(channels, start=1):

        def fail(key: str, message: str, number: int = number) -> ValidationError:
            return ValidationError(
                {
                    "channels": _("channel %(number)s, %(key)s: %(message)s")
                    % {"number": number, "key": key, "message": message}
                }
            )

        if not isinstance(channel, dict):
            raise fail("type", _("an object with a type"))
        kind = str(channel.get("type", ""))
        allowed = {"email": {"type", "to", "managers"}, "webhook": {"type", "url", "secret"}}.get(
            kind
        )
        if allowed is None:
            raise fail("type", _('"email" or "webhook"'))
        for key in channel:
            if key not in allowed:
                raise fail(key, _("not a key of this channel"))
        if kind == "email":
            managers = channel.get("managers", False)
            if not isinstance(managers, bool):
                raise fail("managers", _("true (also to the managers of the calls' departments)"))
            addresses = channel.get("to", [] if managers else None)
            if not isinstance(addresses, list) or not (addresses or managers):
                raise fail(
                    "to",
                    _(
                        'a list of e-mail addresses (it may be left out with "managers": true, '
                        "to write to the managers of the calls' departments only)"
                    ),
                )
            for address in addresses:
                try:
                    validate_email(address)
                except ValidationError:
                    raise fail(
                        "to", _("%(value)r is not an e-mail address") % {"value": address}
                    ) from None
        else:
            url = channel.get("url")
            parts = urlsplit(url) if isinstance(url, str) else None
            if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
                raise fail("url", _("an http:// or https:// address"))
            if not isinstance(channel.get("secret", ""), str):
                raise fail("secret", _("text"))
    return channels


# --- compiled rules -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallRow:
    """What a rule looks at in a call (a row of the batch, read once)."""

    raw_record_id: int
    site_id: int
    department_id: int | None
    extension_id: int | None
    direction: str
    number: str
    normalized_number: str
    category: str
    cost: Decimal | None
    duration_seconds: int
    start: dt.datetime  # aware, UTC
    trunk_id: int | None = None


@dataclass(frozen=True, slots=True)
class SiteContext:
    """What a rule needs of the batch's site."""

    id: int
    zone: ZoneInfo
    access_codes: tuple[str, ...]
    holidays: Callable[[int], frozenset[dt.date]]  # year -> the site's public holidays
    region: str = ""  # ISO 3166: its emergency numbers
    _local: dict[int, dt.datetime] = field(default_factory=dict, repr=False, compare=False)

    def local(self, call: CallRow) -> dt.datetime:
        """The call's start in the site's zone, worked out once per batch."""
        moment = self._local.get(call.raw_record_id)
        if moment is None:
            moment = self._local[call.raw_record_id] = call.start.astimezone(self.zone)
        return moment


@dataclass(slots=True)
class CompiledRule:
    """A rule ready to test calls: ``matches`` says whether one call raises it."""

    id: int
    kind: str
    site_id: int | None
    department_id: int | None
    test: Callable[[CallRow, SiteContext], bool]
    # What the kind's screen (one cheap pass per kind and batch) needs of this rule.
    hints: dict[str, Any] = field(default_factory=dict)
    grouped: bool = True  # one alert per batch; emergency: one per call
    departments: frozenset[int] | None = field(default=None)  # the scope's branch, per batch

    def in_scope(self, call: CallRow) -> bool:
        if self.site_id is not None and call.site_id != self.site_id:
            return False
        if self.departments is not None:
            return call.department_id in self.departments
        return True


def dialled_forms(number: str, access_codes: Iterable[str]) -> set[str]:
    """The number as dialled, and without each of the site's outside-line codes."""
    digits = SEPARATORS.sub("", number).lstrip("+")
    found = {digits}
    for code in access_codes:
        if code and digits.startswith(code) and len(digits) > len(code):
            found.add(digits[len(code) :])
    return found


def _dialled(call: CallRow, site: SiteContext) -> set[str]:
    return dialled_forms(call.number, site.access_codes)


Matcher = tuple[Callable[[CallRow, SiteContext], bool], dict[str, Any]]


def _emergency(params: Mapping[str, Any]) -> Matcher:
    extras = frozenset(_digit_list(params, "numbers", required=False))

    def test(call: CallRow, site: SiteContext) -> bool:
        if call.direction == "incoming":
            return False
        # The rating engine reads the site's country's emergency numbers (phonenumbers'
        # metadata: 911, 100, 101, 107 in Argentina) into the category.
        return call.category == "emergency" or bool(extras and _dialled(call, site) & extras)

    return test, {"numbers": extras}


def _number(params: Mapping[str, Any]) -> Matcher:
    prefixes = tuple(_digit_list(params, "prefixes", required=True))

    def test(call: CallRow, site: SiteContext) -> bool:
        digits = call.normalized_number.lstrip("+")
        return bool(digits) and digits.startswith(prefixes)

    return test, {"prefixes": prefixes}


def _threshold(params: Mapping[str, Any]) -> Matcher:
    min_cost, min_seconds = _decimal(params, "min_cost"), _whole(params, "min_seconds")

    def test(call: CallRow, site: SiteContext) -> bool:
        if min_cost is not None and call.cost is not None and call.cost >= min_cost:
            return True
        return min_seconds is not None and call.duration_seconds >= min_seconds

    return test, {"min_cost": min_cost, "min_seconds": min_seconds}


def _after_hours(params: Mapping[str, Any]) -> Matcher:
    categories = frozenset(params.get("categories", []))
    opens, closes = _local_time(params, "from"), _local_time(params, "to")
    weekends, holidays = _flag(params, "weekends", True), _flag(params, "holidays", True)

    def working(local: dt.datetime) -> bool:
        moment = local.time()
        if opens < closes:
            return opens <= moment < closes
        return moment >= opens or moment < closes  # a working day past midnight

    def test(call: CallRow, site: SiteContext) -> bool:
        if call.direction != "outgoing" or (categories and call.category not in categories):
            return False
        local = site.local(call)
        if weekends and local.isoweekday() >= 6:
            return True
        if holidays and local.date() in site.holidays(local.year):
            return True
        return not working(local)

    return test, {"categories": categories}


def _spike(params: Mapping[str, Any]) -> Matcher:
    """The outgoing calls (of ``categories``, if given) of extensions or trunks
    (``per``): the service compares each one's calls, or their cost (``measure``), in
    the window with its baseline (the same window in each of the last 4 weeks)."""
    per = params.get("per", "extension")
    categories = _categories(params)
    hints = {
        "window_minutes": _whole(params, "window_minutes"),
        "factor": _decimal(params, "factor"),
        "min_calls": _whole(params, "min_calls"),
        "key": "trunk_id" if per == "trunk" else "extension_id",
        "measure": params.get("measure", "calls"),
        "categories": categories,
    }
    key = hints["key"]

    def test(call: CallRow, site: SiteContext) -> bool:
        if call.direction != "outgoing" or getattr(call, key) is None:
            return False
        return not categories or call.category in categories

    return test, hints


COMPILERS: dict[str, Callable[[Mapping[str, Any]], Matcher]] = {
    "emergency": _emergency,
    "number": _number,
    "threshold": _threshold,
    "after-hours": _after_hours,
    "spike": _spike,
}


def rule_compile(
    *, id: int, kind: str, params: Mapping[str, Any], site_id: int | None, department_id: int | None
) -> CompiledRule | None:
    """A matcher for a rule evaluated on batches; ``None`` for the other kinds. Raises
    ``ValidationError`` for parameters :func:`params_validate` refuses (a rule written
    to the database without its checks)."""
    compiler = COMPILERS.get(kind)
    if compiler is None:
        return None
    params_validate(kind, params)
    test, hints = compiler(params)
    return CompiledRule(
        id=id,
        kind=kind,
        site_id=site_id,
        department_id=department_id,
        test=test,
        hints=hints,
        grouped=kind != "emergency",
    )


def _screen(kind: str, rules: list[CompiledRule], site: SiteContext) -> Callable[[CallRow], bool]:
    """A cheap test that no rule of ``kind`` can raise a call it refuses: the union of
    their numbers or prefixes, the lowest of their thresholds. Fifty rules then cost
    one pass over the batch per kind, and each rule looks at the few calls left."""
    if kind == "emergency":
        numbers = frozenset().union(*(rule.hints["numbers"] for rule in rules))
        return lambda call: (
            call.direction != "incoming"
            and (call.category == "emergency" or bool(numbers and _dialled(call, site) & numbers))
        )
    if kind == "number":
        prefixes = tuple(prefix for rule in rules for prefix in rule.hints["prefixes"])
        return lambda call: call.normalized_number.lstrip("+").startswith(prefixes)
    if kind == "threshold":
        costs = [rule.hints["min_cost"] for rule in rules if rule.hints["min_cost"] is not None]
        durations = [
            rule.hints["min_seconds"] for rule in rules if rule.hints["min_seconds"] is not None
        ]
        min_cost = min(costs) if costs else None
        min_seconds = min(durations) if durations else None
        return lambda call: (
            (min_cost is not None and call.cost is not None and call.cost >= min_cost)
            or (min_seconds is not None and call.duration_seconds >= min_seconds)
        )
    if kind == "after-hours":
        if any(not rule.hints["categories"] for rule in rules):
            return lambda call: call.direction == "outgoing"
        categories = frozenset().union(*(rule.hints["categories"] for rule in rules))
        return lambda call: call.direction == "outgoing" and call.category in categories
    return lambda call: True


def batch_evaluate(
    rules: Iterable[CompiledRule], calls: list[CallRow], site: SiteContext
) -> list[tuple[CompiledRule, list[CallRow]]]:
    """Which calls raise each rule: ``(rule, calls)`` for every rule some call raised."""
    by_kind: dict[str, list[CompiledRule]] = {}
    for rule in rules:
        if rule.site_id is None or rule.site_id == site.id:
            by_kind.setdefault(rule.kind, []).append(rule)
    raised = []
    for kind, kind_rules in by_kind.items():
        screen = _screen(kind, kind_rules, site)
        candidates = [call for call in calls if screen(call)]
        if not candidates:
            continue
        for rule in kind_rules:
            matched = [call for call in candidates if rule.in_scope(call) and rule.test(call, site)]
            if matched:
                raised.append((rule, matched))
    raised.sort(key=lambda item: item[0].id)
    return raised
