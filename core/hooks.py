"""Observers named in settings: how a lower layer tells a higher one what happened
without importing it (DESIGN.md's layers: billing and capture import nothing of
``alerts``, which watches their batches).

A setting holds a list of dotted paths to callables; :func:`observers_notify` calls
each with keyword arguments, in a savepoint of its own: an observer's failure is
logged and never fails or rolls back the caller's work.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def observers(setting: str) -> list[tuple[str, Callable[..., Any]]]:
    """The observers named in ``setting`` (a list of dotted paths), imported once."""
    return _observers_import(tuple(getattr(settings, setting, ())))


@cache
def _observers_import(paths: tuple[str, ...]) -> list[tuple[str, Callable[..., Any]]]:
    found = []
    for path in paths:
        try:
            found.append((path, import_string(path)))
        except ImportError:
            logger.exception("observer %s cannot be imported; it is left out", path)
    return found


def observers_notify(setting: str, kind: str, what: str, **arguments: Any) -> None:
    """Call each observer of ``setting`` with ``arguments``, each in a savepoint; log
    ("call observer X failed on a batch of Y": ``kind`` and ``what``) and carry on when
    one fails."""
    for path, observer in observers(setting):
        try:
            with transaction.atomic():
                observer(**arguments)
        except Exception:
            logger.exception("%s observer %s failed on %s", kind, path, what)
