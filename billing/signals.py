"""Signals billing sends about its calls, for the apps that read them (reports).

Billing does not import those apps (dependencies point one way); they connect here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from django.dispatch import Signal


class CallFact(NamedTuple):
    """What the reports count of a call: its dimensions and its measures."""

    site_id: int
    start: dt.datetime  # UTC
    department_id: int | None
    extension_id: int | None
    direction: str
    category: str
    destination: str
    answered: bool
    duration_seconds: int
    ring_seconds: int
    cost: Decimal | None


# Sent inside the transaction that changed the calls, with ``added`` and ``removed``
# lists of CallFact: stored calls are added; a re-rated call is removed as it was
# and added as it is, so receivers keep running totals without re-reading calls.
calls_changed = Signal()
