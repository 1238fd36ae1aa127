"""Helpers of the property tests.

How many examples a property test tries: its own number, unless
``HYPOTHESIS_MAX_EXAMPLES`` asks for more (``HYPOTHESIS_MAX_EXAMPLES=5000`` for a long
hunt). A test's explicit ``max_examples`` wins over any profile, hence this."""

import datetime as dt
import os

from hypothesis import strategies as st


def examples(default: int) -> int:
    return int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES") or default)


def utc_datetimes(first: dt.datetime, last: dt.datetime) -> st.SearchStrategy[dt.datetime]:
    """Aware UTC moments from ``first`` to ``last`` (both aware). Hypothesis takes naive
    bounds and reads them in the zone it draws, so they are handed over as UTC wall times."""
    return st.datetimes(
        min_value=first.astimezone(dt.UTC).replace(tzinfo=None),
        max_value=last.astimezone(dt.UTC).replace(tzinfo=None),
        timezones=st.just(dt.UTC),
    )
