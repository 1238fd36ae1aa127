"""Capture services: storing raw records, and the keys of their sources.

Storing comes first and stands alone: once :func:`raw_records_store` returns, the
records are committed and the sender may forget them. Parsing them into calls is
billing's (``billing.pipeline``, which sits above capture).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from accounts.selectors import user_language
from core.bulk import insert_new_returning_ids
from core.errors import DomainError
from core.hooks import observers_notify

from .models import CaptureHeartbeat, RawRecord, Source, Transport
from .selectors import ALARMING_STATES, HealthState, source_health_state, sources_with_health

RAW_RECORD_COLUMNS = (
    "source_id",
    "seq",
    "received_at",
    "line",
    "data",
    "fingerprint",
    "state",
    "error",
    "created_at",
)


@dataclass(frozen=True, slots=True)
class IncomingRecord:
    """A record as received: text in ``line``, or bytes in ``data`` when not text.

    ``seq`` is the sender's number for it (``None``: the centre assigns one);
    ``fingerprint`` identifies a line of an imported file across re-imports.
    """

    received_at: dt.datetime
    line: str | None = None
    data: bytes | None = None
    seq: int | None = None
    fingerprint: str | None = None


@dataclass(frozen=True, slots=True)
class StoreResult:
    stored: int
    duplicates: int
    last_seq: int | None
    first_id: int | None = None
    last_id: int | None = None


def text_or_bytes(raw: bytes) -> tuple[str | None, bytes | None]:
    """Split a record into (text, None), or (None, bytes) when it cannot be stored as text."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, raw
    if "\x00" in text:  # a text column cannot hold NUL; keep the exact bytes
        return None, raw
    return text, None


def line_fingerprints(
    lines: Iterable[str | bytes], *, scope: str = "", seen: Counter[bytes] | None = None
) -> list[str]:
    """Fingerprints for the lines of one file: the same line's n-th occurrence gets the
    same fingerprint in every import, so re-importing a file (or a longer copy of it)
    stores nothing twice, while two identical lines in one file stay two records.

    ``seen`` carries the occurrence counts across calls, for a file read in pieces.
    """
    seen = Counter() if seen is None else seen
    fingerprints = []
    for line in lines:
        raw = line.encode() if isinstance(line, str) else line
        occurrence = seen[raw]
        seen[raw] += 1
        digest = hashlib.blake2b(raw, digest_size=16, person=b"tarificador")
        digest.update(f"\x00{occurrence}\x00{scope}".encode())
        fingerprints.append(digest.hexdigest())
    return fingerprints


def raw_records_store(*, source: Source, records: Sequence[IncomingRecord]) -> StoreResult:
    """Commit ``records`` for ``source``; skip any already stored (same seq or fingerprint).

    Records without a ``seq`` are numbered from the source's counter. They are left
    pending: ``billing.pipeline.raw_records_ingest`` also queues their parse. The
    observers of ``TARIFICADOR_RECORD_OBSERVERS`` (the alerts' emergency check) see
    the rows in this transaction, ``RAW_RECORD_COLUMNS`` order.
    """
    if not records:
        return StoreResult(stored=0, duplicates=0, last_seq=None)
    now = timezone.now()
    received = len(records)
    with transaction.atomic():
        records = _drop_known_fingerprints(source, records)
        unnumbered = sum(1 for record in records if record.seq is None)
        next_seq = _allocate_seqs(source, unnumbered) if unnumbered else 0
        rows = []
        for record in records:
            seq = record.seq
            if seq is None:
                seq, next_seq = next_seq, next_seq + 1
            line = record.line if record.data is None else ""
            rows.append(
                (
                    source.id,
                    seq,
                    record.received_at,
                    line,
                    record.data,
                    record.fingerprint,
                    RawRecord.State.PENDING,
                    "",
                    now,
                )
            )
        ids = insert_new_returning_ids(RawRecord._meta.db_table, RAW_RECORD_COLUMNS, rows)
        if ids:
            # The alerts' emergency check (TARIFICADOR_RECORD_OBSERVERS), before any
            # parse: capture imports no app above it. The rows stored have ids in
            # [first_id, last_id]; the others were duplicates.
            observers_notify(
                "TARIFICADOR_RECORD_OBSERVERS",
                "record",
                f"records of {source.slug}",
                source=source,
                rows=rows,
                first_id=min(ids),
                last_id=max(ids),
            )
        last_seq = max(row[1] for row in rows) if rows else None
        Source.objects.filter(pk=source.pk).update(
            last_seen_at=now,
            last_seq=Greatest(F("last_seq"), last_seq or 0),
        )
        result = StoreResult(
            stored=len(ids),
            duplicates=received - len(ids),
            last_seq=last_seq,
            first_id=min(ids) if ids else None,
            last_id=max(ids) if ids else None,
        )
    return result


def _drop_known_fingerprints(
    source: Source, records: Sequence[IncomingRecord]
) -> Sequence[IncomingRecord]:
    """Leave out fingerprinted records already stored, so they use up no seq."""
    fingerprints = [record.fingerprint for record in records if record.fingerprint]
    if not fingerprints:
        return records
    known = set(
        RawRecord.objects.filter(source=source, fingerprint__in=fingerprints).values_list(
            "fingerprint", flat=True
        )
    )
    if not known:
        return records
    return [record for record in records if record.fingerprint not in known]


def _allocate_seqs(source: Source, count: int) -> int:
    """Reserve ``count`` sequence numbers of ``source``; return the first."""
    if source.transport == Transport.AGENT:
        raise DomainError(
            _(
                "Source %(source)r is fed by a remote agent, which numbers its own records; "
                "import files into a source of transport 'file' on the same site instead."
            )
            % {"source": source.slug}
        )
    Source.objects.filter(pk=source.pk).update(last_seq=F("last_seq") + count)
    return Source.objects.values_list("last_seq", flat=True).get(pk=source.pk) - count + 1


def source_rotate_key(*, source: Source) -> str:
    """Give ``source`` a new key and return it; only its hash is stored."""
    key = source.rotate_key()
    source.save(update_fields=["key_hash", "key_created_at"])
    return key


def capture_heartbeat(*, process: str, sources: int) -> None:
    """Record that capture process ``process`` ("host:pid") is alive and captures
    ``sources`` sources now (health reads how fresh the beats are)."""
    now = timezone.now()
    CaptureHeartbeat.objects.update_or_create(
        process=process,
        defaults={"beat_at": now, "sources": sources},
        create_defaults={"started_at": now, "beat_at": now, "sources": sources},
    )


def capture_heartbeat_end(*, process: str) -> None:
    """A capture process that stops cleanly says so, rather than go stale."""
    CaptureHeartbeat.objects.filter(process=process).delete()


def sources_health_notify(now: dt.datetime | None = None) -> int:
    """E-mail administrators each source that turned ``error`` or ``silent``, and each
    that recovered from it, once per change; the number of e-mails sent. Every
    source's state is first handed to the observers of ``TARIFICADOR_HEALTH_OBSERVERS``
    (the alerts' silence rules).

    ``Source.health_notified`` holds the state last announced, ``health_notified_at``
    when. A source's e-mails are ``TARIFICADOR_HEALTH_MAIL_MIN_SECONDS`` apart at
    least: a change within that time of the last e-mail is neither sent nor claimed,
    so once the time is over the state then is compared with the one announced. A
    PBX flapping between ``error`` and ``capturing`` every minute sends one e-mail per
    period rather than dozens, and nothing when it ends where it was announced.

    A conditional UPDATE claims each change before its e-mail goes out, so two runners
    (the sweeper of two processes, beat and an operator) never send it twice; a mail
    server failing after the claim loses that e-mail rather than repeating it.
    """
    now = now or timezone.now()
    quiet = dt.timedelta(seconds=settings.TARIFICADOR_HEALTH_MAIL_MIN_SECONDS)
    sent = 0
    states = [(source, source_health_state(source, now)) for source in sources_with_health(now)]
    # The alerts' silence rules (TARIFICADOR_HEALTH_OBSERVERS): capture imports no app above it.
    observers_notify(
        "TARIFICADOR_HEALTH_OBSERVERS", "health", "the sources' health", states=states, now=now
    )
    for source, state in states:
        previous = source.health_notified
        if state == previous:
            continue
        if state == HealthState.CONNECTING and previous in ALARMING_STATES:
            continue  # retrying is not recovering: the e-mail waits for a record or a fix
        announce = state in ALARMING_STATES or previous in ALARMING_STATES
        last_mail_at = source.health_notified_at
        if announce and last_mail_at is not None and now - last_mail_at < quiet:
            continue  # too soon after the last e-mail: looked at again once it is over
        claimed = Source.objects.filter(pk=source.pk, health_notified=previous).update(
            health_notified=state, health_notified_at=now if announce else last_mail_at
        )
        if claimed and announce:
            sent += _source_health_mail(source, state, previous)
    return sent


# The states as the e-mails name them (lower case, as in the English sentences).
HEALTH_STATE_WORDS = {
    HealthState.CAPTURING: pgettext_lazy("source state", "capturing"),
    HealthState.CONNECTING: pgettext_lazy("source state", "connecting"),
    HealthState.ERROR: pgettext_lazy("source state", "error"),
    HealthState.SILENT: pgettext_lazy("source state", "silent"),
    HealthState.DISABLED: pgettext_lazy("source state", "disabled"),
}


def _source_health_mail(source: Source, state: str, previous: str) -> int:
    """Tell the administrators, each in their own language (one e-mail a language)."""
    administrators = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(models.Q(is_staff=True) | models.Q(is_superuser=True))
        .exclude(email="")
    )
    by_language: dict[str, set[str]] = {}
    for user in administrators:
        by_language.setdefault(user_language(user), set()).add(user.email)
    sent = 0
    for language, emails in sorted(by_language.items()):
        with translation.override(language):
            subject, body = _source_health_text(source, state, previous)
        sent += send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, sorted(emails))
    return sent


def _source_health_text(source: Source, state: str, previous: str) -> tuple[str, str]:
    """The subject and body of a health e-mail, in the active language."""

    def word(name: str) -> str:
        return str(HEALTH_STATE_WORDS.get(name, name))

    names = {"source": source.slug, "site": source.site.name, "state": word(state)}
    if state in ALARMING_STATES:
        subject = _("Tarificador: source %(source)s is %(state)s") % names
        body = _("Source %(source)s (site %(site)s) is now %(state)s.") % names
        if state == HealthState.ERROR and source.capture_error:
            body += "\n\n" + _("Error: %(error)s") % {"error": source.capture_error}
        if state == HealthState.SILENT:
            body += "\n\n" + _("Last record: %(last)s") % {
                "last": source.last_seen_at.isoformat() if source.last_seen_at else _("never")
            }
    else:
        names["previous"] = word(previous)
        subject = _("Tarificador: source %(source)s recovered (%(state)s)") % names
        body = _("Source %(source)s (site %(site)s) was %(previous)s and is now %(state)s.") % (
            names
        )
    return subject, body
