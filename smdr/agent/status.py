"""``python -m smdr.agent status``: what an operator at the site needs to know.

Reads the spool only (it works whether the agent runs or not): spool depth, the
oldest record not yet uploaded, the last upload, the last error, dead letters, the
PBX link's state, and whether the agent is alive (its heartbeat).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TypedDict

from .config import AgentConfig
from .service import HEARTBEAT_SECONDS
from .spool import Spool, SpoolFigures, StateValue


class DeadLetter(TypedDict):
    seq: int
    failed_at: str
    error: str


class StatusFigures(SpoolFigures):
    """The agent's state, as ``status`` shows it (``status --json`` prints it as is)."""

    source: str
    centre: str
    spool: str
    spool_bytes: int
    last_seq: StateValue
    running: bool
    agent_started_at: str | None
    agent_stopped_at: str | None
    heartbeat_at: str | None
    capture_state: str | None
    capture_detail: str | None
    capture_at: str | None
    last_upload_at: str | None
    last_upload: str | None
    uploaded_total: int
    duplicates_total: int
    last_error_at: str | None
    last_error: str | None
    uploading_halted: str | None
    latest_dead_letters: list[DeadLetter]
    healthy: bool
    retention_days: float


def status_figures(config: AgentConfig, *, now: dt.datetime | None = None) -> StatusFigures:
    """The agent's state as plain data (``status --json`` prints it as is)."""
    now = now or dt.datetime.now(dt.UTC)
    with Spool(config.spool_path, read_only=True) as spool:
        figures = spool.figures()
        state = spool.state()
        latest_dead_letters = spool.dead_letters()
    wal = config.spool_path.with_name(config.spool_path.name + "-wal")
    spool_bytes = sum(path.stat().st_size for path in (config.spool_path, wal) if path.exists())
    heartbeat = _moment(_text(state, "heartbeat_at"))
    running = (
        not state.get("agent_stopped_at")
        and heartbeat is not None
        and (now - heartbeat).total_seconds() < 3 * HEARTBEAT_SECONDS
    )
    last_error_at = _text(state, "last_error_at")
    last_upload_at = _text(state, "last_upload_at")
    uploads_failing = bool(last_error_at) and last_error_at > last_upload_at  # ISO text sorts
    halted = _text(state, "halted")
    return {
        "source": config.source,
        "centre": config.ingest_url,
        "spool": str(config.spool_path),
        "spool_bytes": spool_bytes,
        **figures,
        "last_seq": state.get("last_seq"),
        "running": running,
        "agent_started_at": _text(state, "agent_started_at") or None,
        "agent_stopped_at": _text(state, "agent_stopped_at") or None,
        "heartbeat_at": _text(state, "heartbeat_at") or None,
        "capture_state": _text(state, "capture_state") or None,
        "capture_detail": _text(state, "capture_detail") or None,
        "capture_at": _text(state, "capture_at") or None,
        "last_upload_at": last_upload_at or None,
        "last_upload": _text(state, "last_upload") or None,
        "uploaded_total": int(state.get("uploaded_total") or 0),
        "duplicates_total": int(state.get("duplicates_total") or 0),
        "last_error_at": last_error_at or None,
        "last_error": _text(state, "last_error") or None,
        "uploading_halted": halted or None,
        "latest_dead_letters": [
            {"seq": seq, "failed_at": failed_at, "error": error}
            for seq, failed_at, error in latest_dead_letters
        ],
        "healthy": running and not halted and not uploads_failing and not figures["dead_letters"],
        "retention_days": config.retention_days,
    }


def status_text(figures: StatusFigures, *, now: dt.datetime | None = None) -> str:
    """The figures as an operator reads them."""
    now = now or dt.datetime.now(dt.UTC)

    def when(value: str | None) -> str:
        moment = _moment(value)
        if moment is None:
            return "never"
        return f"{moment:%Y-%m-%d %H:%M:%S} UTC ({_age(now - moment)} ago)"

    if figures["running"]:
        agent = f"running since {when(figures['agent_started_at'])}"
    elif figures["agent_stopped_at"]:
        agent = f"STOPPED at {when(figures['agent_stopped_at'])}"
    else:
        agent = f"NOT RUNNING? last heartbeat {when(figures['heartbeat_at'])}"
    link = figures["capture_state"] or "not started"
    if figures["capture_detail"]:
        link += f": {figures['capture_detail']} (since {when(figures['capture_at'])})"
    unsent = f"{figures['unsent']:,} records"
    if figures["oldest_unsent_seq"] is not None:
        unsent += (
            f"; oldest #{figures['oldest_unsent_seq']}, received "
            f"{when(figures['oldest_unsent_received_at'])}"
        )
    last_upload = when(figures["last_upload_at"])
    if figures["last_upload"]:
        last_upload += f": {figures['last_upload']}"
    last_error = "none"
    if figures["last_error"]:
        last_error = f"{when(figures['last_error_at'])}: {figures['last_error']}"
    lines = [
        f"Tarificador agent for source {figures['source']}, uploading to {figures['centre']}",
        f"  agent          {agent}",
        f"  PBX link       {link}",
        f"  spool          {figures['spool']} ({figures['spool_bytes'] / 1e6:.1f} MB)",
        f"  to upload      {unsent}",
        f"  uploaded       {figures['uploaded_total']:,} records stored by the centre, "
        f"{figures['duplicates_total']:,} it already had; "
        f"{figures['sent_kept']:,} kept here for {figures['retention_days']:g} days",
        f"  last upload    {last_upload}",
        f"  last error     {last_error}",
        f"  dead letters   {figures['dead_letters']:,}",
    ]
    lines += [
        f"    #{letter['seq']} at {letter['failed_at']}: {letter['error']}"
        for letter in figures["latest_dead_letters"]
    ]
    if figures["dead_letters"]:
        lines.append("    (fix the centre, then: python -m smdr.agent resend --dead-letters)")
    if figures["uploading_halted"]:
        lines.append(f"  UPLOADING STOPPED: {figures['uploading_halted']}")
    lines.append(f"  overall        {'OK' if figures['healthy'] else 'NEEDS ATTENTION'}")
    return "\n".join(lines)


def _text(state: Mapping[str, StateValue], name: str) -> str:
    """A text of the spool's state; "" when it is not set."""
    value = state.get(name)
    return "" if value is None else str(value)


def _moment(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _age(delta: dt.timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 86400} days"
