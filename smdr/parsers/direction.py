"""Deciding a call's direction from what the site knows, the same way in every family.

Each parser reads its record's endpoints (caller, callee), the names of its trunk
sides (contexts, channels, devices) and the source's options, then asks, in order,
and keeps the name of the rule that decided in ``details["direction_rule"]``:

1. ``option``: a per-source option the administrator set says it (each family's
   docstring names its options); options left at their defaults do not count here.
2. ``known-extension``: an endpoint that is one of the site's extension numbers is
   inside. Both ends known is internal; the caller known and the callee not is
   outgoing; the callee known and the caller not is incoming.
3. ``longer-than-extensions``: a number longer than the site's longest extension is
   outside: a caller so long is incoming, else a callee so long is outgoing.
4. ``trunk-name``: a context, channel, trunk or device whose name matches ``pstn``,
   ``trunk``, ``from-external`` or ``outbound`` (any case) is the trunk side.
5. ``default``: the family's own reading of its record.

Rules 2 and 3 need the site's extensions (``ParserSettings.extensions``); without
them the families behave as they always did.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from .base import Direction, is_digits
from .clock import remember


class Rule:
    """The names of the rules, as ``details["direction_rule"]`` and the preview show them."""

    OPTION: Final = "option"
    KNOWN_EXTENSION: Final = "known-extension"
    LONGER_THAN_EXTENSIONS: Final = "longer-than-extensions"
    TRUNK_NAME: Final = "trunk-name"
    DEFAULT: Final = "default"


RULE_KEY: Final = "direction_rule"
TRUNK_NAME_RE: Final = re.compile(r"pstn|trunk|from-external|outbound", re.IGNORECASE)
# A trunk-like context that sends calls out (outbound, macro-dialout-trunk) rather than
# taking them in (from-pstn, from-trunk, stadion-pstn).
_SENDING_RE: Final = re.compile(r"out", re.IGNORECASE)


_CACHE_LIMIT: Final = 100_000
# Names repeat on every record (contexts, peers, devices): their readings, once made.
_trunk_names: dict[str, bool] = {"": False}
_context_directions: dict[str, str] = {"": ""}


def is_trunk_name(name: str) -> bool:
    """True for a context, channel, trunk or device name that reads as a trunk."""
    known = _trunk_names.get(name)
    if known is not None:
        return known
    return remember(_trunk_names, name, TRUNK_NAME_RE.search(name) is not None, _CACHE_LIMIT)


def context_direction(context: str) -> str:
    """The direction a trunk-like dialplan context says: outgoing for one that sends
    calls out (``outbound``, ``macro-dialout-trunk``), incoming for one that takes them
    in (``from-pstn``, ``site-pstn``, ``from-trunk``); ``""`` when it is no trunk's."""
    known = _context_directions.get(context)
    if known is not None:
        return known
    direction = ""
    if is_trunk_name(context):
        direction = Direction.OUTGOING if _SENDING_RE.search(context) else Direction.INCOMING
    return remember(_context_directions, context, direction, _CACHE_LIMIT)


def _is_long(value: str, longest: int) -> bool:
    national = value[1:] if value[:1] == "+" else value
    return len(national) > longest and is_digits(national)


def known_direction(
    extensions: frozenset[str],
    longest: int,
    callers: Iterable[str],
    callees: Iterable[str],
) -> tuple[str, str] | None:
    """(direction, rule) from the site's extensions (rules 2 and 3), or ``None``.

    ``callers`` and ``callees`` are the names each end goes by in the record (a
    number, a channel's peer name): an end is known when any of them is an extension.
    """
    if not extensions:
        return None
    callers = tuple(name for name in callers if name)
    callees = tuple(name for name in callees if name)
    caller_known = any(name in extensions for name in callers)
    callee_known = any(name in extensions for name in callees)
    if caller_known:
        if callee_known:
            return Direction.INTERNAL, Rule.KNOWN_EXTENSION
        return Direction.OUTGOING, Rule.KNOWN_EXTENSION
    if callee_known:
        return Direction.INCOMING, Rule.KNOWN_EXTENSION
    if any(_is_long(name, longest) for name in callers):
        return Direction.INCOMING, Rule.LONGER_THAN_EXTENSIONS
    if any(_is_long(name, longest) for name in callees):
        return Direction.OUTGOING, Rule.LONGER_THAN_EXTENSIONS
    return None


def trunk_direction(from_names: Iterable[str], to_names: Iterable[str]) -> str:
    """Rule 4 for names of the two sides: a call from a trunk-named side is incoming,
    one to a trunk-named side outgoing; ``""`` when no name reads as a trunk."""
    if any(is_trunk_name(name) for name in from_names):
        return Direction.INCOMING
    if any(is_trunk_name(name) for name in to_names):
        return Direction.OUTGOING
    return ""
