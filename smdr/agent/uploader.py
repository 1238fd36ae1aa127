"""Uploads the spool to the centre's ingest API, oldest record first.

One batch at a time (up to ``batch_size`` records, in sequence order) goes to
``POST {url}/api/v1/ingest/``. What the answer means here:

* 200: the centre committed the batch; its records are marked sent.
* network error, time-out, 5xx (or any other unexpected answer): nothing is known,
  so the same batch is sent again after a growing delay. The centre stores nothing
  twice, so a batch it had in fact stored comes back as duplicates.
* 401/403: the centre refuses this key for this source. Uploading stops and says
  why; nothing is deleted. Every ``refused_retry`` seconds the key is read again
  (a new ``key_file`` takes effect without a restart) and one try is made.
* 400 with a message per record: those records go to the dead-letter table with the
  centre's message, and the rest of the batch is sent at once.
* 413: the batch was too large; it is halved (a single record too large for the
  centre is dead-lettered).

Standard library only (urllib): the agent installs without the server's packages.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.message
import enum
import http.client
import json
import logging
import ssl
import threading
import time
import urllib.error
import urllib.request
from typing import IO, Any

from smdr.runner import Backoff

from .config import AgentConfig
from .spool import Spool, SpooledRecord, StateValue, iso, utc_now

logger = logging.getLogger(__name__)

USER_AGENT = "tarificador-agent/1"
# The centre's answer: a JSON object, whose values are checked where they are read.
Answer = dict[str, Any]
PRUNE_EVERY_SECONDS = 3600.0


class CentreUnreachable(Exception):
    """No answer from the centre: refused, reset, timed out, or cut mid-answer."""


class Outcome(enum.Enum):
    SENT = "sent"  # progress was made; look at the spool again at once
    IDLE = "idle"  # nothing to send
    RETRY = "retry"  # the centre is down or failing; wait, then send the same batch again
    REFUSED = "refused"  # the key was refused; wait long, then try again


def batch_body(source: str, batch: list[SpooledRecord]) -> bytes:
    """The ingest payload (DESIGN.md): text as ``line``, bytes that are not UTF-8 as
    base64 ``data``."""
    records = []
    for record in batch:
        try:
            records.append(
                {"seq": record.seq, "received_at": record.received_at, "line": record.data.decode()}
            )
        except UnicodeDecodeError:
            records.append(
                {
                    "seq": record.seq,
                    "received_at": record.received_at,
                    "data": base64.b64encode(record.data).decode("ascii"),
                }
            )
    payload = {"source": source, "records": records}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would turn the POST into a GET; report it as the answer instead."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: email.message.Message,
        newurl: str,
    ) -> None:
        return None


class CentreClient:
    """Posts ingest batches; answers (status, decoded JSON body)."""

    def __init__(self, config: AgentConfig):
        self.url = config.ingest_url
        self.timeout = config.upload.timeout
        context = None
        if config.ca_file:
            context = ssl.create_default_context(cafile=str(config.ca_file))
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=context), _NoRedirects
        )

    def post(self, body: bytes, *, key: str) -> tuple[int, Answer]:
        request = urllib.request.Request(  # noqa: S310 (config checks for http(s)://)
            self.url,
            data=body,
            method="POST",
            headers={
                "Authorization": f"Token {key}",
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
            },
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return response.status, _json(response.read())
        except urllib.error.HTTPError as error:
            try:
                text = error.read()
            except (OSError, http.client.HTTPException):
                text = b""
            answer = _json(text)
            if error.code in (301, 302, 303, 307, 308):
                answer["detail"] = f"redirected to {error.headers.get('Location')}; use that url"
            return error.code, answer
        except urllib.error.URLError as error:
            raise CentreUnreachable(f"{self.url}: {error.reason}") from None
        except (OSError, http.client.HTTPException) as error:
            reason = str(error) or type(error).__name__
            raise CentreUnreachable(f"{self.url}: {reason}") from None


def _json(body: bytes) -> Answer:
    try:
        answer = json.loads(body)
    except ValueError:
        return {"detail": body[:200].decode("utf-8", "replace").strip()}
    return answer if isinstance(answer, dict) else {"detail": str(answer)}


class Uploader:
    """Sends the spool to the centre until ``stop`` is set; see the module docstring."""

    def __init__(
        self,
        *,
        spool: Spool,
        config: AgentConfig,
        client: CentreClient,
        stop: threading.Event,
        wake: threading.Event | None = None,
    ):
        self.spool = spool
        self.config = config
        self.client = client
        self.stop = stop
        self.wake = wake or threading.Event()  # set by the capture when it stored records
        settings = config.upload
        self.backoff = Backoff(
            initial=settings.retry_initial, factor=settings.retry_factor, maximum=settings.retry_max
        )
        self.batch_limit = settings.batch_size
        self.key = config.key
        self.last_failure = ""
        self._next_prune = 0.0

    def run(self) -> None:
        settings = self.config.upload
        while not self.stop.is_set():
            self.wake.clear()  # before looking, so records stored meanwhile wake us
            try:
                outcome = self.upload_once()
            except Exception as error:  # a bug or a broken spool must not end uploading
                logger.exception("upload failed")
                self.last_failure = f"upload failed ({type(error).__name__}: {error})"
                outcome = Outcome.RETRY
            if outcome is Outcome.SENT:
                continue
            if outcome is Outcome.IDLE:
                self._prune_when_due()
                self.wake.wait(settings.idle_poll)
            elif outcome is Outcome.RETRY:
                delay = self.backoff.next_delay()
                logger.warning("%s; next try in %.1f s", self.last_failure, delay)
                self.stop.wait(delay)
            else:
                self.stop.wait(settings.refused_retry)
                self._reread_key()

    def upload_once(self) -> Outcome:
        """Send the oldest unsent batch once and act on the answer."""
        batch = self.spool.unsent(
            limit=self.batch_limit, max_bytes=self.config.upload.max_batch_bytes
        )
        if not batch:
            return Outcome.IDLE
        body = batch_body(self.config.source, batch)
        described = f"records {batch[0].seq}..{batch[-1].seq} ({len(batch)})"
        try:
            status, answer = self.client.post(body, key=self.key)
        except CentreUnreachable as error:
            return self._failed(f"centre unreachable: {error}", described)
        detail = str(answer.get("detail", ""))
        if status == 200:
            return self._sent(batch, answer)
        if status in (401, 403):
            return self._refused(status, detail)
        if status == 400 and answer.get("errors"):
            return self._rejected(batch, answer["errors"])
        if status == 413:
            return self._too_large(batch, detail)
        return self._failed(f"centre answered {status}: {detail or 'no detail'}", described)

    def _sent(self, batch: list[SpooledRecord], answer: Answer) -> Outcome:
        stored, duplicates = int(answer.get("stored", 0)), int(answer.get("duplicates", 0))
        state = self.spool.state()
        self.spool.mark_sent(
            batch[0].seq,
            batch[-1].seq,
            at=utc_now(),
            last_upload_at=iso(utc_now()),
            last_upload=f"records {batch[0].seq}..{batch[-1].seq}: "
            f"{stored} stored, {duplicates} already at the centre",
            uploaded_total=int(state.get("uploaded_total") or 0) + stored,
            duplicates_total=int(state.get("duplicates_total") or 0) + duplicates,
            halted="",
        )
        if self.backoff.current:
            logger.info("centre reachable again")
        self.backoff.reset()
        self.batch_limit = self.config.upload.batch_size
        logger.info(
            "uploaded records %s..%s: %s stored, %s duplicates",
            batch[0].seq,
            batch[-1].seq,
            stored,
            duplicates,
        )
        return Outcome.SENT

    def _failed(self, message: str, described: str) -> Outcome:
        self.last_failure = f"{message}; {described} kept in the spool"
        self._note_error(message)
        return Outcome.RETRY

    def _refused(self, status: int, detail: str) -> Outcome:
        reason = (
            f"the centre refused the key for source {self.config.source!r} ({status}: {detail}). "
            "Nothing was deleted; check [centre] source and key_file"
        )
        retry = self.config.upload.refused_retry
        logger.error("uploading stopped: %s. Trying again in %.0f s.", reason, retry)
        self._note_error(reason, halted=reason)
        return Outcome.REFUSED

    def _rejected(self, batch: list[SpooledRecord], errors: list[Any]) -> Outcome:
        by_seq = {record.seq for record in batch}
        rejected: dict[int, str] = {}
        for error in errors:
            seq = _rejected_seq(error, batch)
            if seq in by_seq:
                rejected[seq] = f"{error.get('field', '?')}: {error.get('message', error)}"
        if not rejected:  # the answer names no record of this batch: treat as a failure
            return self._failed(f"centre answered 400: {errors[:3]}", f"{len(batch)} records")
        self.spool.dead_letter(rejected, at=utc_now())
        for seq, message in rejected.items():
            logger.error("record %s rejected by the centre (now a dead letter): %s", seq, message)
        self._note_error(f"{len(rejected)} record(s) rejected by the centre (dead letters)")
        return Outcome.SENT

    def _too_large(self, batch: list[SpooledRecord], detail: str) -> Outcome:
        if len(batch) == 1:
            message = f"too large for the centre (413: {detail})"
            self.spool.dead_letter({batch[0].seq: message}, at=utc_now())
            logger.error("record %s moved to dead letters: %s", batch[0].seq, message)
            return Outcome.SENT
        self.batch_limit = max(1, len(batch) // 2)
        logger.warning(
            "centre: batch of %s too large (%s); sending %s at a time",
            len(batch),
            detail,
            self.batch_limit,
        )
        return Outcome.SENT

    def _note_error(self, message: str, **state: StateValue) -> None:
        self.spool.set_state(last_error=message, last_error_at=iso(utc_now()), **state)

    def _reread_key(self) -> None:
        try:
            self.key = self.config.read_key()
        except ValueError as error:
            logger.error("%s", error)

    def _prune_when_due(self) -> None:
        if time.monotonic() < self._next_prune:
            return
        self._next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
        cutoff = utc_now() - dt.timedelta(days=self.config.retention_days)
        pruned = self.spool.prune(sent_before=cutoff)
        if pruned:
            logger.info("pruned %s records sent before %s", pruned, iso(cutoff))


def _rejected_seq(error: object, batch: list[SpooledRecord]) -> int | None:
    """The seq a 400's per-record error is about: by its index in the batch, else its seq."""
    if not isinstance(error, dict):
        return None
    index = error.get("index")
    if isinstance(index, int) and 0 <= index < len(batch):
        return batch[index].seq
    seq = error.get("seq")
    return seq if isinstance(seq, int) else None


def upload_forever(config: AgentConfig, *, stop: threading.Event, wake: threading.Event) -> None:
    """The uploader thread: its own spool connection, until ``stop`` is set."""
    with Spool(config.spool_path) as spool:
        Uploader(
            spool=spool, config=config, client=CentreClient(config), stop=stop, wake=wake
        ).run()
