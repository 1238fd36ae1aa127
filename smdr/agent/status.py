"""``python -m smdr.agent status``: what an operator at the site needs to know.

Reads the spool only (it works whether the agent runs or not): spool depth, the
oldest record not yet uploaded, the last upload, the last error, dead letters, the
PBX link's state, and whether the agent is alive (its heartbeat).
"""

from __future__ import annotations

import datetime as dt

from .config import AgentConfig
from .service import HEARTBEAT_SECONDS
from .spool import Spool


def status_figures(config: AgentConfig, *, now: dt.datetime | None = None) -> dict:
    """The agent's state as plain data (``status --json`` prints it as is)."""
    now = now or dt.datetime.now(dt.UTC)
    with Spool(config.spool_path, read_only=True) as spool:
        figures = spool.figures()
        state = spool.state()
        latest_dead_letters = spool.dead_letters()
    wal = config.spool_path.with_name(config.spool_path.name + "-wal")
    spool_bytes = sum(path.stat().st_size for path in (config.spool_path, wal) if path.exists())
    heartbeat = _moment(state.get("heartbeat_at"))
    running = (
        not state.get("agent_stopped_at")
        and heartbeat is not None
        and (now - heartbeat).total_seconds() < 3 * HEARTBEAT_SECONDS
    )
    last_error_at = state.get("last_error_at") or ""
    last_upload_at = state.get("last_upload_at") or ""
    uploads_failing = bool(last_error_at) and last_error_at > last_upload_at  # ISO text sorts
    halted = state.get("halted") or ""
    return {
        "source": config.source,
        "centre": config.ingest_url,
        "spool": str(config.spool_path),
        "spool_bytes": spool_bytes,
        **figures,
        "last_seq": state.get("last_seq"),
        "running": running,
        "agent_started_at": state.get("agent_started_at") or None,
        "agent_stopped_at": state.get("agent_stopped_at") or None,
        "heartbeat_at": state.get("heartbeat_at") or None,
        "capture_state": state.get("capture_state") or None,
        "capture_detail": state.get("capture_detail") or None,
        "capture_at": state.get("capture_at") or None,
        "last_upload_at": last_upload_at or None,
        "last_upload": state.get("last_upload") or None,
        "uploaded_total": int(state.get("uploaded_total") or 0),
        "duplicates_total": int(state.get("duplicates_total") or 0),
        "last_error_at": last_error_at or None,
        "last_error": state.get("last_error") or None,
        "uploading_halted": halted or None,
        "latest_dead_letters": [
            {"seq": seq, "failed_at": failed_at, "error": error}
            for seq, failed_at, error in latest_dead_letters
        ],
        "healthy": running and not halted and not uploads_failing and not figures["dead_letters"],
        "retention_days": config.retention_days,
    }


def status_text(figures: dict, *, now: dt.datetime | None = None) -> str:
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
