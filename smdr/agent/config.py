"""The agent's TOML configuration: the contract keys of DESIGN.md, and tuning keys.

Contract keys (DESIGN.md)::

    [centre]  url, source, key_file | key
    [capture] transport, family, and the transport's settings (host, port, password;
              device, baud, bytesize, parity, stopbits; path)
    [spool]   path

Further keys, all optional (docs/agent.md lists them with their defaults)::

    [centre]  ca_file (a private CA for HTTPS)
    [capture] reconnect_initial, reconnect_factor, reconnect_max, connect_timeout,
              read_timeout, bind, raw_log_dir, time_zone (of the raw log's days)
    [spool]   retention_days
    [upload]  batch_size, max_batch_bytes, timeout, retry_initial, retry_factor,
              retry_max, refused_retry, idle_poll
    [log]     file, level

Every error names the file, the key and what is expected of it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from smdr.framing import FAMILIES, LineFramer, NulFramer, framer_for
from smdr.schema import SettingsError
from smdr.source_settings import settings_schema

TRANSPORTS = ("serial", "tcp-client", "tcp-server", "file")
MAX_BATCH = 5000  # the ingest API's limit per request
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# Framers that hold nothing back past a line's end, so a file can be resumed exactly.
FILE_FRAMERS = (LineFramer, NulFramer)

# A TOML document or table, as tomllib reads it.
Table = dict[str, Any]
Kind = TypeVar("Kind")


class ConfigError(ValueError):
    """The configuration cannot be used; the message names the key and the fix."""


@dataclass(frozen=True)
class UploadSettings:
    batch_size: int = MAX_BATCH
    max_batch_bytes: int = 4 * 1024 * 1024  # well under the centre's 16 MiB body limit
    timeout: float = 60.0  # connect, and each wait for the answer
    retry_initial: float = 2.0
    retry_factor: float = 2.0
    retry_max: float = 300.0
    refused_retry: float = 600.0  # after 401/403: try again (re-reading key_file) this late
    idle_poll: float = 1.0  # how often an idle uploader looks at the spool


@dataclass(frozen=True)
class AgentConfig:
    path: Path
    centre_url: str
    source: str
    key: str
    key_file: Path | None
    transport: str
    family: str
    capture_settings: Table = field(default_factory=dict)
    spool_path: Path = Path("spool.sqlite3")
    retention_days: float = 7.0
    upload: UploadSettings = field(default_factory=UploadSettings)
    ca_file: Path | None = None
    log_file: Path | None = None
    log_level: str = "INFO"
    raw_log_dir: Path | None = None
    time_zone: str | None = None

    @property
    def ingest_url(self) -> str:
        return f"{self.centre_url}/api/v1/ingest/"

    def read_key(self) -> str:
        """The source key, read again from ``key_file`` (an operator may have replaced it)."""
        if self.key_file is None:
            return self.key
        return _read_key_file(self.path, self.key_file)


def config_load(path: str | Path) -> AgentConfig:
    """Read and check the agent's configuration file."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None
    return config_from_dict(document, path=path)


def config_from_dict(document: Table, *, path: Path) -> AgentConfig:
    reader = _Reader(document, path)
    url = reader.text("centre", "url").rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise reader.error("centre", "url", f"must start with https:// (or http://), not {url!r}")
    source = reader.text("centre", "source")
    key_text = reader.optional("centre", "key", str)
    key_file = reader.optional("centre", "key_file", str)
    if bool(key_text) == bool(key_file):
        raise reader.error("centre", "key_file", "give exactly one of key_file or key")
    key_path = _relative_to(path, key_file) if key_file else None
    key = _read_key_file(path, key_path) if key_path else (key_text or "").strip()

    capture = dict(reader.table("capture"))
    transport = reader.text("capture", "transport")
    if transport not in TRANSPORTS:
        raise reader.error("capture", "transport", f"must be one of {', '.join(TRANSPORTS)}")
    family = reader.text("capture", "family")
    if family not in FAMILIES:
        raise reader.error("capture", "family", f"must be one of {', '.join(sorted(FAMILIES))}")
    raw_log_dir = capture.pop("raw_log_dir", None)
    time_zone = capture.pop("time_zone", None)
    for name in ("transport", "family"):
        capture.pop(name)
    if transport == "file" and "folder" in capture:
        raise reader.error("capture", "folder", "the agent follows one file: use path instead")
    if transport == "file" and type(framer_for(family, transport, capture)) not in FILE_FRAMERS:
        # The read position stored with each record must be where whole records end.
        raise reader.error(
            "capture", "family", f"{family} records cannot be followed in a file by the agent"
        )
    if time_zone is not None:
        _check_time_zone(reader, time_zone)
    link_settings = {k: v for k, v in capture.items() if k not in ("transport", "family")}
    # The schema the centre checks a source's settings by; a missing key is told when
    # the link is opened (transport_from_settings), as it always was.
    try:
        settings_schema(transport, family).validate(link_settings, partial=True)
    except SettingsError as error:
        raise ConfigError(f"{path}: [capture] {error}") from None

    spool_path = _relative_to(path, reader.text("spool", "path"))
    log_file = reader.optional("log", "file", str)
    log_level = (reader.optional("log", "level", str) or "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise reader.error("log", "level", f"must be one of {', '.join(LOG_LEVELS)}")
    ca_file = reader.optional("centre", "ca_file", str)

    return AgentConfig(
        path=path,
        centre_url=url,
        source=source,
        key=key,
        key_file=key_path,
        transport=transport,
        family=family,
        capture_settings=capture,
        spool_path=spool_path,
        retention_days=reader.number("spool", "retention_days", 7.0, minimum=0),
        upload=_upload_settings(reader),
        ca_file=_relative_to(path, ca_file) if ca_file else None,
        # The log goes beside the spool unless the operator says otherwise.
        log_file=_relative_to(path, log_file) if log_file else spool_path.parent / "agent.log",
        log_level=log_level,
        raw_log_dir=_relative_to(path, raw_log_dir) if raw_log_dir else None,
        time_zone=time_zone,
    )


def _upload_settings(reader: _Reader) -> UploadSettings:
    defaults = UploadSettings()
    batch_size = int(reader.number("upload", "batch_size", defaults.batch_size, minimum=1))
    if batch_size > MAX_BATCH:
        raise reader.error("upload", "batch_size", f"the centre takes at most {MAX_BATCH}")
    return UploadSettings(
        batch_size=batch_size,
        max_batch_bytes=int(
            reader.number("upload", "max_batch_bytes", defaults.max_batch_bytes, minimum=1024)
        ),
        **{
            name: reader.number("upload", name, getattr(defaults, name), minimum=0.001)
            for name in (
                "timeout",
                "retry_initial",
                "retry_factor",
                "retry_max",
                "refused_retry",
                "idle_poll",
            )
        },
    )


class _Reader:
    """Typed access to the TOML document, with errors that name file, table and key."""

    def __init__(self, document: Table, path: Path):
        self.document = document
        self.path = path

    def error(self, table: str, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.path}: [{table}] {key} {message}")

    def table(self, table: str) -> Table:
        value = self.document.get(table, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{self.path}: [{table}] must be a table")
        return value

    def optional(self, table: str, key: str, kind: type[Kind]) -> Kind | None:
        value = self.table(table).get(key)
        if value is not None and not isinstance(value, kind):
            raise self.error(table, key, f"must be a {kind.__name__}, not {value!r}")
        return value

    def text(self, table: str, key: str) -> str:
        value = self.optional(table, key, str)
        if not value:
            raise self.error(table, key, "is required")
        return value

    def number(self, table: str, key: str, default: float, *, minimum: float) -> float:
        value = self.table(table).get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
            raise self.error(table, key, f"must be a number of at least {minimum:g}, not {value!r}")
        return float(value)


def _relative_to(config_path: Path, value: str) -> Path:
    """Paths in the file are relative to the file's own folder."""
    return (config_path.parent / Path(value).expanduser()).absolute()


def _read_key_file(config_path: Path, key_path: Path) -> str:
    try:
        key = key_path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise ConfigError(f"{config_path}: [centre] key_file cannot be read ({error})") from None
    if not key:
        raise ConfigError(f"{config_path}: [centre] key_file {key_path} is empty")
    return key


def _check_time_zone(reader: _Reader, name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise reader.error(
            "capture",
            "time_zone",
            f"{name!r} is not a known zone (on Windows: pip install tzdata)",
        ) from None
