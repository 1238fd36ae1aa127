"""Alerts' writes: evaluating each batch of recorded calls against the rules (the
pipeline's call observer), raising alerts once per rule and call, sending them, and
acknowledging them."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.columns import RECORDED_COLUMNS
from billing.models import Call
from capture.models import RawRecord, Source
from capture.parsing import parser_settings_for
from capture.selectors import HealthState, silent_since
from capture.services import HEALTH_STATE_WORDS, RAW_RECORD_COLUMNS
from core.errors import DomainError
from org.models import Extension, Site
from org.selectors import department_subtree_ids
from rating.engine import emergency_pattern, holidays_of
from smdr.parsers import ParsedCall, RecordError, parser_for

from .channels import DeliveryFailed, alert_summary, channel_send
from .models import Alert, AlertCall, AlertRule, Delivery, SourceSilence
from .rules import (
    CallRow,
    CompiledRule,
    SiteContext,
    batch_evaluate,
    dialled_forms,
    params_validate,
    rule_compile,
)

logger = logging.getLogger(__name__)

RETRY_FOR = dt.timedelta(hours=24)  # a delivery is retried this long after its alert
RETRY_FIRST = dt.timedelta(seconds=30)  # then twice as long each time, up to RETRY_MOST
RETRY_MOST = dt.timedelta(hours=1)
CLAIM_FOR = dt.timedelta(minutes=2)  # a delivery being sent is left alone this long
CALL_COLUMNS = (
    "raw_record_id",
    "site_id",
    "department_id",
    "extension_id",
    "direction",
    "number",
    "normalized_number",
    "category",
    "cost",
    "duration_seconds",
    "start",
    "trunk_id",
)
_ROW_INDEXES = tuple(RECORDED_COLUMNS.index(column) for column in CALL_COLUMNS)
_SEQ, _RECEIVED, _LINE, _DATA = (
    RAW_RECORD_COLUMNS.index(column) for column in ("seq", "received_at", "line", "data")
)


@dataclass(frozen=True, slots=True)
class RuleSet:
    version: tuple
    rules: tuple[CompiledRule, ...]
    channels: dict[int, list[dict]]
    names: dict[int, str]
    # Per site (and its region and outside-line codes): the regex that finds a
    # possible emergency number in a raw line.
    screens: dict[tuple, re.Pattern | None] = field(default_factory=dict)


_rule_set: RuleSet | None = None
_rule_set_lock = threading.Lock()


def rule_set_current() -> RuleSet:
    """The enabled rules, compiled once per version of the rule set (one small query
    per batch to learn the version: how many rules, the latest change)."""
    global _rule_set
    version = tuple(
        AlertRule.objects.aggregate(count=Count("id"), changed=Max("updated_at")).values()
    )
    current = _rule_set
    if current is not None and current.version == version:
        return current
    compiled, channels, names = [], {}, {}
    for rule in AlertRule.objects.filter(enabled=True).order_by("id"):
        try:
            matcher = rule_compile(
                id=rule.id,
                kind=rule.kind,
                params=rule.params,
                site_id=rule.site_id,
                department_id=rule.department_id,
            )
        except Exception:  # stored before validation, or edited in the database
            logger.exception("alert rule %s (%s) has parameters it cannot run with", rule.id, rule)
            continue
        if matcher is not None:
            compiled.append(matcher)
            channels[rule.id] = list(rule.channels or [])
            names[rule.id] = rule.name
    with _rule_set_lock:
        _rule_set = RuleSet(version, tuple(compiled), channels, names)
    return _rule_set


def calls_observe(*, source: Source, calls: Sequence[tuple]) -> list[Alert]:
    """The pipeline's call observer: raise the alerts a batch of recorded calls calls for.

    Runs in the pipeline's transaction (in a savepoint of its own): the alerts and the
    de-duplication rows commit with the calls, and the deliveries are sent once that
    commits. A call already alerted for a rule (a re-parse, a re-sent batch) raises
    nothing again. ``calls`` are rows in ``billing.columns.RECORDED_COLUMNS`` order, as
    the pipeline wrote them. Queries: the rule-set version, one per spike rule, and four
    for all the alerts raised together.
    """
    rule_set = rule_set_current()
    if not rule_set.rules or not calls:
        return []
    site = source.site
    context = _site_context(site)
    rules = _with_departments([rule for rule in rule_set.rules if rule.site_id in (None, site.id)])
    if not rules:
        return []
    # The rows as the pipeline wrote them: reading 5,000 calls back cost more than
    # parsing them (datetimes, Decimals); picking ten columns costs nothing.
    rows = [CallRow(*(row[index] for index in _ROW_INDEXES)) for row in calls]
    matches = [
        (rule, _spike_calls(rule, matched) if rule.kind == "spike" else matched)
        for rule, matched in batch_evaluate(rules, rows, context)
    ]
    raised = _alerts_raise(matches, source, rule_set)
    if raised:
        alert_ids = [alert.id for alert in raised]
        transaction.on_commit(lambda: _deliveries_queue(alert_ids))
    return raised


def _site_context(site: Site) -> SiteContext:
    return SiteContext(
        id=site.id,
        zone=site.zone,
        access_codes=tuple(site.access_codes or ()),
        region=site.region,
        holidays=lambda year: holidays_of(site.region, site.subdivision, year),
    )


def _with_departments(rules: list[CompiledRule]) -> list[CompiledRule]:
    """The rules with their department's branch (one query for the tree, if any)."""
    if not any(rule.department_id is not None for rule in rules):
        return rules
    return [
        replace(rule, departments=frozenset(department_subtree_ids([rule.department_id])))
        if rule.department_id is not None
        else rule
        for rule in rules
    ]


WEEK = dt.timedelta(days=7)
SPIKE_BASELINE_WEEKS = 4


def _spike_calls(rule: CompiledRule, calls: list[CallRow]) -> list[CallRow]:
    """The calls of extensions (or trunks: ``per``) whose outgoing calls (of
    ``categories``) in the window ending with the batch reach ``min_calls`` and whose
    count (or cost: ``measure``) passes ``factor`` times their baseline: the average of
    the same window in each of the last 4 weeks. One query per batch, on the
    extension and start index (per trunk, the start index: there is no trunk index)."""
    hints = rule.hints
    key = hints["key"]
    window = dt.timedelta(minutes=hints["window_minutes"])
    by_key: dict[int, list[CallRow]] = {}
    for call in calls:
        by_key.setdefault(getattr(call, key), []).append(call)
    end = max(call.start for call in calls)
    windows = [(end - window - WEEK * k, end - WEEK * k) for k in range(SPIKE_BASELINE_WEEKS + 1)]
    anywhere = Q()
    for first, last in windows:
        anywhere |= Q(start__gt=first, start__lte=last)
    aggregate = Sum if hints["measure"] == "cost" else Count
    column = "cost" if hints["measure"] == "cost" else "id"
    figures = {
        f"week_{k}": aggregate(column, filter=Q(start__gt=first, start__lte=last))
        for k, (first, last) in enumerate(windows)
    }
    figures["current_calls"] = Count("id", filter=Q(start__gt=windows[0][0], start__lte=end))
    found = Call.objects.filter(anywhere, direction="outgoing", **{f"{key}__in": list(by_key)})
    if hints["categories"]:
        found = found.filter(category__in=hints["categories"])
    rows = found.order_by().values(key).annotate(**figures).values_list(key, *figures)
    factor, min_calls = hints["factor"], hints["min_calls"]
    spiked: list[CallRow] = []
    for key_id, *weeks, current_calls in rows:
        current, *past = (figure or 0 for figure in weeks)
        if current_calls >= min_calls and current * SPIKE_BASELINE_WEEKS > factor * sum(past):
            spiked += [call for call in by_key[key_id] if call.start > windows[0][0]]
    return spiked


def _alerts_raise(
    matches: list[tuple[CompiledRule, list[CallRow]]],
    source: Source,
    rule_set: RuleSet,
    details: dict[int, str] | None = None,
) -> list[Alert]:
    """Raise each rule for the calls it has not raised before (by raw record): the
    rules of a batch together, in four queries whatever their number (the calls seen,
    then the alerts, their calls and their deliveries). With ``details`` (by raw
    record), each alert's detail is its first call's."""
    matches = [(rule, calls) for rule, calls in matches if calls]
    if not matches:
        return []
    record_ids = [call.raw_record_id for _rule, calls in matches for call in calls]
    seen = set(
        AlertCall.objects.filter(
            rule_id__in={rule.id for rule, _calls in matches},
            raw_record_id__gte=min(record_ids),
            raw_record_id__lte=max(record_ids),
        ).values_list("rule_id", "raw_record_id")
    )
    now = timezone.now()
    raised: list[tuple[CompiledRule, Alert, list[CallRow]]] = []
    for rule, calls in matches:
        fresh = [call for call in calls if (rule.id, call.raw_record_id) not in seen]
        if not fresh:
            continue
        name = rule_set.names[rule.id]
        for group in [fresh] if rule.grouped else [[call] for call in fresh]:
            alert = Alert(
                rule_id=rule.id,
                raised_at=now,
                summary=_summary(rule, name, group),
                source=source,
                detail=(details or {}).get(group[0].raw_record_id, ""),
            )
            raised.append((rule, alert, group))
    if not raised:
        return []
    Alert.objects.bulk_create([alert for _rule, alert, _group in raised])  # ids set
    AlertCall.objects.bulk_create(
        [
            AlertCall(
                alert=alert,
                rule_id=rule.id,
                raw_record_id=call.raw_record_id,
                department_id=call.department_id,
            )
            for rule, alert, group in raised
            for call in group
        ]
    )
    Delivery.objects.bulk_create(
        [
            Delivery(alert=alert, channel=channel, next_attempt_at=now)
            for rule, alert, _group in raised
            for channel in rule_set.channels[rule.id]
        ]
    )
    return [alert for _rule, alert, _group in raised]


def records_observe(
    *, source: Source, rows: Sequence[tuple], first_id: int, last_id: int
) -> list[Alert]:
    """The emergency rules on raw records as they are stored, before any parse: the
    store's observer (``TARIFICADOR_RECORD_OBSERVERS``), in its transaction. The
    alerts are sent by the storing process once the records commit, without waiting
    for the parse (a Celery worker's, with a broker); the parse later finds them
    raised (by raw record) and raises nothing again.

    No query per record: a regex of the site's emergency numbers (from phonenumbers'
    metadata, and the rules' ``numbers``, after any outside-line code), compiled once
    per rule-set version, screens the lines; only the lines it finds are parsed, in
    memory, with the source's parser, to read the direction, extension and number.
    Queries: the rule-set version; with a line found, the site's extensions, the
    records' ids and four for the alerts' rows. ``rows`` are in ``RAW_RECORD_COLUMNS`` order.
    """
    rule_set = rule_set_current()
    rules = [
        rule
        for rule in rule_set.rules
        if rule.kind == "emergency" and rule.site_id in (None, source.site_id)
    ]
    if not rules:
        return []
    site = source.site
    key = (site.id, site.region, tuple(site.access_codes or ()))  # a site edited: a new one
    if key not in rule_set.screens:
        rule_set.screens[key] = _emergency_screen(site, rules)
    screen = rule_set.screens[key]
    if screen is None:
        return []
    texts = [
        row[_LINE] or bytes(row[_DATA] or b"").decode("utf-8", errors="replace") for row in rows
    ]
    found = [(rows[at][_SEQ], texts[at], rows[at][_RECEIVED]) for at in _screened(screen, texts)]
    if not found:
        return []
    context = _site_context(site)
    parsed = _lines_parse(source, found)
    if not parsed:
        return []
    record_ids = dict(
        RawRecord.objects.filter(
            source_id=source.id, id__gte=first_id, id__lte=last_id, seq__in=list(parsed)
        ).values_list("seq", "id")
    )
    extensions = {
        number: (department_id, holder, department_name)
        for number, department_id, holder, department_name in Extension.objects.filter(
            site_id=site.id, number__in={call.extension for call in parsed.values()}
        ).values_list("number", "department_id", "holder", "department__name")
    }
    calls: list[CallRow] = []
    details: dict[int, str] = {}
    for seq, call in parsed.items():
        if seq not in record_ids:
            continue
        department_id, holder, department_name = extensions.get(call.extension, (None, "", ""))
        early = CallRow(
            raw_record_id=record_ids[seq],
            site_id=site.id,
            department_id=department_id,
            extension_id=None,
            direction=call.direction,
            number=call.number,
            normalized_number="",
            category="emergency" if _is_emergency(call, context) else "",
            cost=None,
            duration_seconds=call.duration_seconds,
            start=call.start,
        )
        calls.append(early)
        details[early.raw_record_id] = _record_line(call, site, holder, department_name)
    rules = _with_departments(rules)
    raised = _alerts_raise(list(batch_evaluate(rules, calls, context)), source, rule_set, details)
    if raised:
        alert_ids = [alert.id for alert in raised]
        transaction.on_commit(lambda: _deliveries_now(alert_ids))
    return raised


def _deliveries_now(alert_ids: list[int]) -> None:
    """An emergency's first attempt, in the process that stored the record, right
    after the commit: through a worker it would wait behind the batch's own parse
    (a solo or busy worker takes one task at a time). A failed attempt is retried by
    the sweep (``deliveries_retry``), as any other."""
    try:
        deliveries_send(alert_ids=alert_ids)
    except Exception:  # never the store's failure: the retry sweep sends them
        logger.exception("alerts %s: their first delivery failed", alert_ids)


def _lines_parse(
    source: Source, lines: list[tuple[int, str, dt.datetime]]
) -> dict[int, ParsedCall]:
    """The calls of these ``(seq, line, received_at)``, by seq, parsed in memory with
    the source's parser; a line it refuses or ignores is left to the parse to report."""
    try:
        parser = parser_for(
            source.family, parser_settings_for(site=source.site, settings=source.settings)
        )
    except RecordError:  # the source's settings are wrong: the parse says so on each record
        return {}
    parsed: dict[int, ParsedCall] = {}
    for seq, text, received_at in lines:
        try:
            call = parser.parse(text, received_at)
        except Exception:  # noqa: S112 (the parse reports the record's error)
            continue
        if call is not None:
            parsed[seq] = call
    return parsed


def _screened(screen: re.Pattern, texts: list[str]) -> list[int]:
    """The indexes of the texts in which ``screen`` finds a number not preceded by a
    digit. One search over the texts joined: a search per line, or a look-behind in
    the pattern, cost twice as much (some 5 µs a line)."""
    joined = "\n".join(texts)
    starts = list(itertools.accumulate((len(text) + 1 for text in texts[:-1]), initial=0))
    found: list[int] = []
    for match in screen.finditer(joined):
        at = match.start()
        if at and joined[at - 1] in _ASCII_DIGITS:
            continue  # inside a longer number (the match runs to its end: none is missed)
        line = bisect.bisect_right(starts, at) - 1
        if not found or found[-1] != line:
            found.append(line)
    return found


_ASCII_DIGITS = frozenset("0123456789")


def _emergency_screen(site: Site, rules: list[CompiledRule]) -> re.Pattern | None:
    """A regex finding a number that may be an emergency call, up to a non-digit: the
    site's country's emergency numbers or the rules' extra ``numbers``, after an
    optional outside-line code (:func:`_screened` checks what precedes it). It finds
    more than the calls (a duration, an account code): the parse of what it found
    decides."""
    alternatives = [re.escape(number) for rule in rules for number in rule.hints["numbers"]]
    pattern = emergency_pattern(site.region)
    if pattern is not None:
        alternatives.append(pattern.pattern)
    if not alternatives:
        return None
    codes = "|".join(re.escape(code) for code in site.access_codes or () if code)
    prefix = f"(?:{codes})?" if codes else ""
    return re.compile(rf"{prefix}(?:{'|'.join(alternatives)})(?![0-9])")


def _is_emergency(call: ParsedCall, site: SiteContext) -> bool:
    """Whether the number dialled (with or without an outside-line code) is one of
    the country's emergency numbers: the rating engine's test, before the rating
    (the rules' own ``numbers`` are their test's)."""
    pattern = emergency_pattern(site.region)
    forms = dialled_forms(call.number, site.access_codes)
    return pattern is not None and any(pattern.fullmatch(form) for form in forms)


def _record_line(call: ParsedCall, site: Site, holder: str, department: str) -> str:
    """An emergency call as its raw record tells it, until the call is recorded."""
    local = timezone.localtime(call.start, site.zone)
    return _(
        "%(time)s (%(zone)s) · extension %(extension)s%(holder)s · %(department)s · "
        "%(site)s · %(number)s"
    ) % {
        "time": local.strftime("%Y-%m-%d %H:%M:%S"),
        "zone": site.time_zone,
        "extension": call.extension or "?",
        "holder": f" ({holder})" if holder else "",
        "department": department or _("no department"),
        "site": site.name,
        "number": call.number,
    }


def _summary(rule: CompiledRule, name: str, calls: list[CallRow]) -> str:
    return alert_summary(rule.kind, name, [call.number for call in calls])


def sources_silence_check(
    *, states: Sequence[tuple[Source, str]], now: dt.datetime | None = None
) -> list[Alert]:
    """The ``silence`` rules, on each run of the health check (its observer, with
    every source's health state): a source ``silent`` or in ``error`` for at least a
    rule's ``minutes`` (silent: since its last record; error: since its capture failed)
    raises one alert per rule, source and episode. The episode is stored
    (:class:`SourceSilence`): nothing again while the source stays so, across restarts;
    it ends once the source captures again (a link retrying, ``connecting``, has not
    recovered), and the next silence is a new episode.
    """
    now = now or timezone.now()
    rules = []
    for rule in AlertRule.objects.filter(enabled=True, kind="silence").order_by("id"):
        try:
            params_validate(rule.kind, rule.params)
        except Exception:  # stored before validation, or edited in the database
            logger.exception("alert rule %s (%s) has parameters it cannot run with", rule.id, rule)
            continue
        rules.append(rule)
    open_episodes = {
        (episode.rule_id, episode.source_id): episode
        for episode in SourceSilence.objects.filter(ended_at__isnull=True)
    }
    state_of = {source.id: state for source, state in states}
    ended = [
        episode.pk
        for (_rule_id, source_id), episode in open_episodes.items()
        if state_of.get(source_id) not in (*SILENCE_STATES, HealthState.CONNECTING)
    ]
    if ended:
        SourceSilence.objects.filter(pk__in=ended).update(ended_at=now)
    raised: list[Alert] = []
    for rule in rules:
        minutes = dt.timedelta(minutes=rule.params["minutes"])
        for source, state in states:
            if state not in SILENCE_STATES or rule.site_id not in (None, source.site_id):
                continue
            episode = open_episodes.get((rule.id, source.id))
            if episode is None:
                episode, _created = SourceSilence.objects.get_or_create(
                    rule=rule,
                    source=source,
                    ended_at=None,
                    defaults={"state": state, "since": _silence_start(source, state, now)},
                )
            if episode.alert_id is None and now - episode.since >= minutes:
                alert = _silence_raise(rule, episode, source, state, now)
                if alert is not None:
                    raised.append(alert)
    if raised:
        alert_ids = [alert.id for alert in raised]
        transaction.on_commit(lambda: _deliveries_queue(alert_ids))
    return raised


SILENCE_STATES = (HealthState.SILENT, HealthState.ERROR)


def _silence_start(source: Source, state: str, now: dt.datetime) -> dt.datetime:
    """When the episode began: the last record (silent), the capture's failure (error)."""
    if state == HealthState.SILENT:
        return silent_since(source) or now
    return min(source.capture_state_at or now, now)


@transaction.atomic
def _silence_raise(
    rule: AlertRule, episode: SourceSilence, source: Source, state: str, now: dt.datetime
) -> Alert | None:
    """The episode's alert and deliveries, unless another run raised it meanwhile."""
    claimed = (
        SourceSilence.objects.select_for_update()
        .filter(pk=episode.pk, alert__isnull=True, ended_at__isnull=True)
        .first()
    )
    if claimed is None:
        return None
    names = {
        "source": source.slug,
        "site": source.site.name,
        "state": HEALTH_STATE_WORDS[state],
        "rule": rule.name,
    }
    summary = _("Source %(source)s (site %(site)s) is %(state)s (%(rule)s)") % names
    zone = source.site.zone
    if source.last_seen_at:
        last = timezone.localtime(source.last_seen_at, zone).strftime("%Y-%m-%d %H:%M:%S")
        detail = _("Last record: %(time)s (%(zone)s)") % {"time": last, "zone": zone.key}
    else:
        detail = _("Last record: never")
    if state == HealthState.ERROR and source.capture_error:
        detail += "\n" + _("Error: %(error)s") % {"error": source.capture_error}
    alert = Alert.objects.create(
        rule=rule, raised_at=now, summary=summary[:500], source=source, detail=detail
    )
    due = timezone.now()  # sent at once (``now`` is the health check's, maybe a test's)
    Delivery.objects.bulk_create(
        [Delivery(alert=alert, channel=channel, next_attempt_at=due) for channel in rule.channels]
    )
    claimed.alert, claimed.state = alert, state
    claimed.save(update_fields=["alert", "state"])
    episode.alert_id = alert.id
    return alert


def _deliveries_queue(alert_ids: list[int]) -> None:
    from .tasks import deliveries_send_task

    try:
        deliveries_send_task.delay(alert_ids)
    except Exception:  # no broker: the retry sweep sends them
        logger.exception("alerts %s: queueing their deliveries failed", alert_ids)


def deliveries_send(*, alert_ids: Sequence[int]) -> int:
    """Send the pending deliveries of these alerts now; return how many arrived."""
    due = Delivery.objects.filter(alert_id__in=alert_ids, status=Delivery.Status.PENDING)
    ids = list(due.order_by("pk").values_list("pk", flat=True))  # in the order raised
    return sum(delivery_attempt(delivery_id=pk) for pk in ids)


def deliveries_retry(*, now: dt.datetime | None = None) -> int:
    """Send the deliveries whose next attempt is due (the periodic task); return how
    many arrived."""
    now = now or timezone.now()
    due = Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
    ids = list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:200])
    return sum(delivery_attempt(delivery_id=pk, now=now) for pk in ids)


def delivery_attempt(*, delivery_id: int, now: dt.datetime | None = None) -> bool:
    """Try one delivery once, unless another process has just claimed it; on failure
    schedule the next attempt (30 s, 1 min, 2 min... at most an hour apart) until 24 h
    after the alert, then give up. Returns whether it arrived."""
    now = now or timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id, status=Delivery.Status.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + CLAIM_FOR)
    if not claimed:
        return False
    delivery = Delivery.objects.select_related("alert__rule", "alert__source").get(pk=delivery_id)
    delivery.attempts += 1
    try:
        delivery.last_status = channel_send(delivery.channel, delivery.alert)
    except DeliveryFailed as error:
        delivery.last_status, delivery.last_error = error.status or _("no answer"), str(error)
        wait = min(RETRY_FIRST * 2 ** (delivery.attempts - 1), RETRY_MOST)
        if now + wait > delivery.alert.raised_at + RETRY_FOR:
            delivery.status, delivery.next_attempt_at = Delivery.Status.FAILED, None
        else:
            delivery.next_attempt_at = now + wait
        logger.warning("alert delivery %s failed: %s", delivery_id, error)
    else:
        delivery.status, delivery.delivered_at = Delivery.Status.DELIVERED, timezone.now()
        delivery.next_attempt_at, delivery.last_error = None, ""
    delivery.save(
        update_fields=[
            "attempts",
            "status",
            "next_attempt_at",
            "last_status",
            "last_error",
            "delivered_at",
        ]
    )
    return delivery.status == Delivery.Status.DELIVERED


class AlreadyAcknowledged(DomainError):
    """The alert was acknowledged before (by whom and when, in the message)."""

    status_code = 409


def alert_acknowledge(*, alert: Alert, user: AbstractBaseUser) -> Alert:
    """Record who acknowledged the alert and when; the first acknowledgement stands."""
    with transaction.atomic():
        updated = Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
            acknowledged_by=user, acknowledged_at=timezone.now()
        )
    alert.refresh_from_db()
    if not updated:
        raise AlreadyAcknowledged(
            _("Already acknowledged by %(user)s at %(when)s.")
            % {"user": alert.acknowledged_by or "?", "when": alert.acknowledged_at}
        )
    return alert
