"""The NEAX flexible records' field search: the fast path reads each field's head
(kind + length) from a table; it must read exactly what the field-by-field reading it
replaced read (on ASCII: a length in other digits is an error now, not a crash)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from smdr.parsers import nec_neax
from smdr.parsers.base import RecordError
from smdr.parsers.nec_neax import (
    FIXED_SIZES,
    KINDS,
    SHORTER_BY_ONE,
    NECNEAXParser,
    _walk,
    flexible_fields,
)
from tests.properties import examples

from .test_parsers_nec_neax import CORDOBA, RECEIVED, sample


def reference_walk(text: str) -> dict[str, str] | None:
    """The fast path as it was written before the table, on ASCII text."""
    fields: dict[str, str] = {}
    position, size, previous = 4, len(text), ""
    while position < size:
        kind, length_text = text[position : position + 2], text[position + 2 : position + 4]
        if kind not in KINDS or kind <= previous or not length_text.isdigit():
            return None
        data_start = position + 4
        fixed = FIXED_SIZES.get(kind)
        if fixed is not None:
            end = data_start + fixed
        elif kind in SHORTER_BY_ONE:
            end = data_start + int(length_text) - 1
        else:
            end = data_start + int(length_text)
        if end > size or end < data_start:
            return None
        fields[kind] = text[data_start:end]
        position, previous = end, kind
    return fields


KIND = st.sampled_from([*sorted(KINDS), "00", "20", "1A", " 1"])
DATA = st.text(alphabet="0123456789 AKZ!", max_size=40)


@st.composite
def flexible_records(draw) -> str:
    """``0!K?`` and fields in increasing kind order whose lengths say their size, as
    the fast path reads them; then, often, one field made wrong: its length off by a
    few or not digits, its kind out of order or unknown, or the record cut."""
    kinds = sorted(draw(st.lists(st.sampled_from(sorted(KINDS)), max_size=14, unique=True)))
    fields = []
    for kind in kinds:
        fixed = FIXED_SIZES.get(kind)
        sized = st.text(alphabet="0123456789 ", min_size=fixed or 0, max_size=fixed or 0)
        data = draw(DATA if fixed is None else sized)
        length = len(data) + (1 if kind in SHORTER_BY_ONE else 0)
        fields.append([kind, f"{length:02d}", data])
    if fields and draw(st.booleans()):
        field = draw(st.sampled_from(fields))
        what = draw(st.sampled_from(["length", "digits", "kind", "order"]))
        if what == "length":
            off = draw(st.sampled_from([-3, -1, 1, 2]))
            field[1] = f"{max(0, min(99, int(field[1]) + off)):02d}"
        elif what == "digits":
            field[1] = draw(st.sampled_from(["-1", "x9", " 9"]))
        elif what == "kind":
            field[0] = draw(KIND)
        else:
            fields.reverse()
    text = "0!K" + draw(st.sampled_from("KLM")) + "".join("".join(field) for field in fields)
    if draw(st.integers(0, 4)) == 0:
        text = text[: draw(st.integers(0, len(text)))]
    return text


@settings(max_examples=examples(500), deadline=None)
@given(flexible_records())
def test_the_fast_path_reads_what_the_field_by_field_reading_read(text):
    assert _walk(text) == reference_walk(text)


@settings(max_examples=examples(300), deadline=None)
@given(flexible_records())
def test_a_flexible_record_is_a_call_or_an_error_naming_why(text):
    parser = NECNEAXParser(nec_neax.ParserSettings(time_zone=CORDOBA))
    try:
        parser.parse(text, RECEIVED)
    except RecordError as error:
        assert str(error)


def test_the_samples_take_the_same_path_as_before():
    """KK and KM have lengths that do not say their sizes: the fast path gives up on
    them, as the field-by-field reading did, and the full search reads them."""
    for kind, fast in (("KK", False), ("KL", True), ("KM", False)):
        text = sample(kind).decode().strip("\x02\x03")
        assert _walk(text) == reference_walk(text)
        assert (_walk(text) is not None) is fast
        assert flexible_fields(text)["06"]


def test_a_length_in_other_digits_is_an_error_not_a_crash():
    """``str.isdigit`` takes ``²`` and Arabic-Indic digits: the field-by-field reading raised
    ValueError on ``int("1²")``; a length is two ASCII digits."""
    text = sample("KK").decode().strip("\x02\x03")
    parser = NECNEAXParser(nec_neax.ParserSettings(time_zone=CORDOBA))
    for digit in ("²", "\u0661"):
        mangled = text[:7] + digit + text[8:]  # field 01's length "12" made "1²"
        assert _walk(mangled) is None
        try:
            parser.parse(mangled, RECEIVED)
        except RecordError as error:
            assert "offset 5" in str(error)
        else:
            raise AssertionError("read a length that is not ASCII digits")
