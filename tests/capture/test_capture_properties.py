"""Capture as a whole, for every family: the family's framer and parser fed a stream of
generated records that arrive doubled, cut short and out of order, in chunks of any
size, as a flaky link or a re-sent file delivers them.

Whatever arrives, the framer hands on every byte that is not framing, and each record
it makes ends parsed into a call, ignored as noise, or rejected with a RecordError
whose message names the field, column or record at fault: no other exception escapes
and nothing is dropped.
"""

import datetime as dt
import re
from collections import Counter
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from pbxsim import ALL_GENERATORS, source_settings
from pbxsim.pbx import frame
from smdr.framing import LengthPrefixFramer, framer_for
from smdr.parsers import PARSERS, ParsedCall, ParserSettings, RecordError
from tests.properties import examples

ZONE = ZoneInfo("America/Argentina/Cordoba")
END = dt.datetime(2026, 11, 2, 15, tzinfo=dt.UTC)
RECEIVED_AT = END + dt.timedelta(minutes=5)
NAMES_THE_FAULT = re.compile(r"\bfields?\b|\bcolumns?\b|\brecord\b|received_at|receipt", re.I)

# How one framed record is damaged on the way: doubled, cut after `at` bytes, moved.
DAMAGE = st.tuples(
    st.sampled_from(["double", "truncate", "move"]),
    st.integers(min_value=0, max_value=10_000),
    st.integers(min_value=0, max_value=10_000),
)


def damaged_stream(family: str, records: list[str], damage: list[tuple[str, int, int]]) -> bytes:
    frames = [frame(family, record) for record in records]
    for kind, which, at in damage:
        index = which % len(frames)
        if kind == "double":
            frames.insert(index, frames[index])
        elif kind == "truncate":
            frames[index] = frames[index][: at % (len(frames[index]) + 1)]
        else:
            frames.insert(at % len(frames), frames.pop(index))
    return b"".join(frames)


def kept_bytes(data: bytes) -> Counter:
    """The bytes a line framer hands on: all but CR, LF, NUL and other controls (TAB kept)."""
    return Counter(byte for byte in data if byte >= 0x20 or byte == 0x09)


@settings(max_examples=examples(300), deadline=None)
@given(
    family=st.sampled_from(sorted(ALL_GENERATORS)),
    seed=st.integers(min_value=0, max_value=2**32),
    count=st.integers(min_value=1, max_value=12),
    damage=st.lists(DAMAGE, max_size=6),
    chunk_sizes=st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=20),
)
def test_damaged_streams_end_parsed_ignored_or_named_errors(
    family, seed, count, damage, chunk_sizes
):
    records = list(
        ALL_GENERATORS[family](
            count=count,
            start=END - dt.timedelta(hours=2),
            end=END,
            extensions=["201", "2002", "2033"],
            time_zone=ZONE,
            seed=seed,
        )
    )
    stream = damaged_stream(family, records, damage)

    framer = framer_for(family)
    framed: list[bytes] = []
    position = 0
    for size in chunk_sizes * (len(stream) // sum(chunk_sizes) + 1):
        if position >= len(stream):
            break
        framed += framer.feed(stream[position : position + size])
        position += size
    framed += framer.flush()

    # Nothing dropped: every byte is in a record, or was framing.
    if isinstance(framer, LengthPrefixFramer):
        assert sum(map(len, framed)) + framer.framing_bytes == len(stream)
    else:
        assert kept_bytes(b"".join(framed)) == kept_bytes(stream)

    parser = PARSERS[family](ParserSettings(ZONE, source_settings(family)))
    outcomes = Counter()
    for record in framed:
        text = record.decode("utf-8", errors="replace")  # as raw_records_process does
        try:
            call = parser.parse(text, RECEIVED_AT)
        except RecordError as error:
            assert NAMES_THE_FAULT.search(str(error)), str(error)
            outcomes["error"] += 1
            continue
        assert call is None or isinstance(call, ParsedCall)
        outcomes["ignored" if call is None else "parsed"] += 1
    assert outcomes.total() == len(framed)
    if not damage:  # undamaged, every record is one call
        assert outcomes == Counter(parsed=count)
