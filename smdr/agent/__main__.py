"""``python -m smdr.agent [run|status|resend] --config FILE``.

* ``run`` (the default): capture the PBX into the spool and upload it, until stopped.
* ``status [--json]``: spool depth, oldest unsent record, last upload, last error;
  exits 1 when something needs attention (see docs/agent.md).
* ``resend --dead-letters``: queue the records the centre rejected again;
  ``resend --from-seq N``: queue again the kept records from N on.
"""

from __future__ import annotations

import argparse
import json
import logging
import logging.handlers
import sqlite3
import sys

from .config import AgentConfig, ConfigError, config_load

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_FILE_BYTES = 10 * 1024 * 1024
LOG_FILE_COUNT = 5


def main(argv: list[str] | None = None, prog: str = "python -m smdr.agent") -> int:
    """Run the agent's command line; ``prog`` is the name its help and errors show."""
    arguments = _parser(prog).parse_args(argv)
    try:
        config = config_load(arguments.config)
    except ConfigError as error:
        print(f"tarificador agent: {error}", file=sys.stderr)
        return 2
    if arguments.command == "status":
        return _status(config, as_json=arguments.json)
    if arguments.command == "resend":
        return _resend(config, dead_letters=arguments.dead_letters, from_seq=arguments.from_seq)
    return _run(config)


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Tarificador remote agent: spool a PBX's call records and upload them.",
    )
    parser.add_argument("command", nargs="?", default="run", choices=["run", "status", "resend"])
    parser.add_argument("--config", required=True, help="the agent's TOML file")
    parser.add_argument("--json", action="store_true", help="status: print JSON")
    parser.add_argument("--dead-letters", action="store_true", help="resend: the dead letters")
    parser.add_argument("--from-seq", type=int, help="resend: kept records from this seq on")
    return parser


def _run(config: AgentConfig) -> int:
    from .service import agent_run

    try:
        _log_to(config)
    except OSError as error:
        print(f"tarificador agent: cannot write the log file: {error}", file=sys.stderr)
        return 2
    try:
        agent_run(config)
    except ValueError as error:  # a transport setting the capture cannot use
        logging.getLogger("smdr.agent").error("%s: %s", config.path, error)
        return 2
    return 0


def _log_to(config: AgentConfig) -> None:
    """Log lines go to stderr (journald, NSSM) and to a rotating file."""
    formatter = logging.Formatter(LOG_FORMAT)
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if config.log_file:
        config.log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(
            logging.handlers.RotatingFileHandler(
                config.log_file,
                maxBytes=LOG_FILE_BYTES,
                backupCount=LOG_FILE_COUNT,
                encoding="utf-8",
            )
        )
    root = logging.getLogger()
    root.setLevel(config.log_level)
    for handler in handlers:
        handler.setFormatter(formatter)
        root.addHandler(handler)


def _status(config: AgentConfig, *, as_json: bool) -> int:
    from .status import status_figures, status_text

    try:
        figures = status_figures(config)
    except FileNotFoundError:
        print(f"no spool at {config.spool_path}: the agent has not run yet", file=sys.stderr)
        return 1
    except sqlite3.Error as error:
        print(f"cannot read the spool {config.spool_path}: {error}", file=sys.stderr)
        return 1
    print(json.dumps(figures, indent=2) if as_json else status_text(figures))
    return 0 if figures["healthy"] else 1


def _resend(config: AgentConfig, *, dead_letters: bool, from_seq: int | None) -> int:
    from .spool import Spool

    if dead_letters == (from_seq is not None):
        print("resend: give exactly one of --dead-letters or --from-seq N", file=sys.stderr)
        return 2
    with Spool(config.spool_path) as spool:
        count = spool.resend_from(from_seq) if from_seq is not None else spool.resend_dead_letters()
    print(f"{count} records queued for upload (the running agent sends them within seconds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
