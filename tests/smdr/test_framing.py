"""Framers: byte streams in chunks of any size become exactly the records sent."""

import itertools
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capture.models import PbxFamily
from smdr.framing import (
    CONTROL_BYTES,
    FAMILIES,
    LengthPrefixFramer,
    LineFramer,
    NECFramer,
    NulFramer,
    StarHashFramer,
    STXFramer,
    framer_for,
)

DATA = Path(__file__).resolve().parent.parent / "data"
MITEL_FRAME = (DATA / "mitel-5000" / "socket-stream.bin").read_bytes()
MITEL_RECORD = MITEL_FRAME[4:-2]
HIPATH_CONTROL = (DATA / "siemens-hipath" / "serial-capture-with-control-bytes.bin").read_bytes()
HIPATH_LINES = (DATA / "siemens-hipath" / "serial-capture.txt").read_bytes()


def run(framer, chunks):
    """Feed ``chunks`` in order, then flush: every record the framer produced."""
    records = []
    for chunk in chunks:
        records += framer.feed(chunk)
    return records + framer.flush()


def split(data, cuts):
    """``data`` cut at the given offsets (any order, repeats allowed)."""
    points = sorted({min(cut, len(data)) for cut in cuts})
    edges = [0, *points, len(data)]
    return [data[start:end] for start, end in itertools.pairwise(edges)]


def mitel_frame(payload):
    return len(payload).to_bytes(4, "little") + payload


CUTS = st.lists(st.integers(min_value=0, max_value=20_000), max_size=40)


# --- Mitel 5000: length prefix -------------------------------------------------------


def test_real_mitel_frame_split_at_every_byte_boundary():
    """However TCP splits the real 86-byte frame, it is one 80-character record."""
    assert len(MITEL_FRAME) == 86 and len(MITEL_RECORD) == 80
    for cut in range(len(MITEL_FRAME) + 1):
        framer = LengthPrefixFramer()
        assert run(framer, [MITEL_FRAME[:cut], MITEL_FRAME[cut:]]) == [MITEL_RECORD], cut
        assert framer.framing_bytes == 6  # the length prefix and the CR LF


def test_real_mitel_frame_in_three_pieces_and_byte_by_byte():
    """Every two-cut split, and one byte at a time, give the same record."""
    for first in range(len(MITEL_FRAME) + 1):
        for second in range(first, len(MITEL_FRAME) + 1):
            pieces = [MITEL_FRAME[:first], MITEL_FRAME[first:second], MITEL_FRAME[second:]]
            assert run(LengthPrefixFramer(), pieces) == [MITEL_RECORD]
    framer = LengthPrefixFramer()
    records = [record for byte in MITEL_FRAME for record in framer.feed(bytes([byte]))]
    assert records == [MITEL_RECORD]
    assert framer.flush() == []


def test_record_is_returned_as_soon_as_its_frame_is_complete():
    """No record is held back waiting for the next frame."""
    framer = LengthPrefixFramer()
    assert framer.feed(MITEL_FRAME[:-1]) == []
    assert framer.feed(MITEL_FRAME[-1:]) == [MITEL_RECORD]


def test_frames_of_other_lengths():
    """The length is read, never assumed: 81-byte (``Q``) and long frames work."""
    short = b"x" * 79 + b"\r\n"
    long = b"y" * 300 + b"\r\n"
    stream = mitel_frame(short) + MITEL_FRAME + mitel_frame(long)
    assert stream[:1] == b"Q"
    assert run(LengthPrefixFramer(), [stream]) == [b"x" * 79, MITEL_RECORD, b"y" * 300]


def test_payload_without_cr_lf_is_kept_whole():
    """Only a final CR LF is framing; a payload without one is returned as it is."""
    assert run(LengthPrefixFramer(), [mitel_frame(b"ABC\n")]) == [b"ABC\n"]
    assert run(LengthPrefixFramer(), [mitel_frame(b"ABC\r\n\r\n")]) == [b"ABC\r\n"]


def test_empty_frames_are_framing_only():
    """A zero length, or a payload of just CR LF, gives no record."""
    framer = LengthPrefixFramer()
    stream = mitel_frame(b"") + mitel_frame(b"\r\n") + MITEL_FRAME
    assert run(framer, [stream]) == [MITEL_RECORD]
    assert framer.framing_bytes == 4 + 6 + 6


def test_out_of_step_stream_resynchronises_and_keeps_the_skipped_bytes():
    """Text without a prefix (a collector that joined mid-record) is one record, then
    the frames that follow are found again."""
    junk = b"961-9000                     08:36 00:00:03 $00.00     \r\n"
    framer = LengthPrefixFramer()
    records = run(framer, [junk + MITEL_FRAME + MITEL_FRAME])
    assert records == [junk, MITEL_RECORD, MITEL_RECORD]
    assert sum(map(len, records)) + framer.framing_bytes == len(junk) + 2 * len(MITEL_FRAME)


def test_garbage_between_frames_is_one_record():
    """Bytes between two frames whose first four read as a huge length are one record."""
    garbage = b"\xff\xff\xff\xffgarbage"
    stream = MITEL_FRAME + garbage + MITEL_FRAME
    for cut in range(len(stream) + 1):
        assert run(LengthPrefixFramer(), split(stream, [cut])) == [
            MITEL_RECORD,
            garbage,
            MITEL_RECORD,
        ]


def test_long_garbage_is_cut_into_bounded_records():
    """Out of step for long, the skipped bytes come out in pieces of ``max_skipped``."""
    framer = LengthPrefixFramer(max_skipped=1000)
    garbage = b"Z" * 2500
    records = []
    for start in range(0, len(garbage), 300):
        records += framer.feed(garbage[start : start + 300])
        assert len(framer._skipped) < 1000 and len(framer._buffer) <= 300
    records += framer.feed(MITEL_FRAME)
    assert records == [b"Z" * 1000, b"Z" * 1000, b"Z" * 500, MITEL_RECORD]


def test_flush_keeps_an_unfinished_frame():
    """A frame cut by a disconnect is kept: its payload so far, without the prefix."""
    framer = LengthPrefixFramer()
    assert framer.feed(MITEL_FRAME + MITEL_FRAME[:40]) == [MITEL_RECORD]
    assert framer.flush() == [MITEL_FRAME[4:40]]
    assert framer.feed(MITEL_FRAME) == [MITEL_RECORD]  # a fresh start after the flush
    assert framer.feed(MITEL_FRAME[:2]) == []
    assert framer.flush() == [MITEL_FRAME[:2]]  # part of a prefix, kept as it came
    assert framer.flush() == []


def test_length_prefix_options_are_checked():
    """Nonsense limits are refused at once."""
    with pytest.raises(ValueError, match="max_length"):
        LengthPrefixFramer(max_length=0)
    with pytest.raises(ValueError, match="max_skipped"):
        LengthPrefixFramer(max_skipped=0)


MITEL_PAYLOADS = st.lists(
    st.tuples(st.binary(min_size=1, max_size=300), st.booleans()), min_size=1, max_size=30
)


@settings(max_examples=200, deadline=None)
@given(MITEL_PAYLOADS, CUTS)
def test_many_mitel_frames_in_random_chunks(payloads, cuts):
    """Any number of frames, cut anywhere, give exactly their payloads without CR LF."""
    stream = b""
    expected = []
    for payload, with_cr_lf in payloads:
        body = payload + b"\r\n" if with_cr_lf else payload
        stream += mitel_frame(body)
        record = body[:-2] if body.endswith(b"\r\n") else body
        if record:
            expected.append(record)
    framer = LengthPrefixFramer()
    records = run(framer, split(stream, cuts))
    assert records == expected
    assert sum(map(len, records)) + framer.framing_bytes == len(stream)


def assert_in_order_substrings(records, data):
    cursor = 0
    for record in records:
        found = data.find(record, cursor)
        assert found >= 0, record
        cursor = found + len(record)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000), CUTS, st.sampled_from([8, 100, 4096]))
def test_arbitrary_bytes_never_raise_or_vanish_in_the_length_prefix_framer(data, cuts, max_length):
    """Whatever arrives: no exception, every byte is a record's or framing, in order,
    and the chunking does not change the records."""
    framer = LengthPrefixFramer(max_length=max_length, max_skipped=500)
    records = run(framer, split(data, cuts))
    assert sum(map(len, records)) + framer.framing_bytes == len(data)
    assert_in_order_substrings(records, data)
    assert records == run(LengthPrefixFramer(max_length=max_length, max_skipped=500), [data])
    assert all(records)


# --- Lines ----------------------------------------------------------------------------


def line_reference(data):
    """What LineFramer's records concatenate to: the input without line terminators,
    without the control bytes that open a line, and without form feeds."""
    return b"".join(
        line.replace(b"\x0c", b"").lstrip(CONTROL_BYTES) for line in re.split(rb"[\r\n]", data)
    )


def test_hipath_control_bytes_before_the_date_are_dropped():
    """The real HiPath capture: DLE STX DLE ETX DC3 DC1 go, the record starts with the date."""
    assert HIPATH_CONTROL.startswith(b"\x10\x02\x10\x03\x13\x11")
    expected = [HIPATH_CONTROL[6:-2]]
    for cut in range(len(HIPATH_CONTROL) + 1):
        records = run(LineFramer(), split(HIPATH_CONTROL, [cut]))
        assert records == expected, cut
    assert expected[0].startswith(b"23.05.2105:25:49")


def test_hipath_serial_capture_gives_one_record_per_line():
    """The real CR LF capture: ten lines, ten records, trailing blanks untouched."""
    records = run(LineFramer(), [HIPATH_LINES])
    assert records == HIPATH_LINES.split(b"\r\n")[:-1]
    assert len(records) == 10
    assert records[0].startswith(b"10.04.1923:19:06")


def test_line_terminators_cr_lf_and_cr_lf():
    """CR, LF and CR LF all end a record; empty lines vanish; leading blanks stay."""
    stream = b"one\rtwo\nthree\r\nfour\n\r\n\r\r   five\r\n"
    assert run(LineFramer(), [stream]) == [b"one", b"two", b"three", b"four", b"   five"]


def test_form_feeds_and_page_headers():
    """A form feed is dropped wherever it is; the header line itself is a record."""
    stream = b"\x0cDate     Time   Ext\r\nrec\x0cord\r\n\x0c\r\n"
    assert run(LineFramer(), [stream]) == [b"Date     Time   Ext", b"record"]


def test_only_leading_control_bytes_are_dropped():
    """Control bytes inside a record (a NUL, a TAB) are data; a leading TAB is kept."""
    stream = b"\x00\x00A\x00B\r\n\tC\x01\r\n\x1b\x7fD\r\n"
    assert run(LineFramer(), [stream]) == [b"A\x00B", b"\tC\x01", b"\x7fD"]


def test_leading_control_bytes_split_across_chunks():
    """Control bytes at the start of a line are dropped even when chunks split them."""
    assert run(LineFramer(), [b"\x10", b"\x02\x10", b"\x03X", b"Y\r", b"\n"]) == [b"XY"]


def test_unfinished_line_is_kept_until_flush():
    """A line without its terminator is returned by flush, then the framer starts over."""
    framer = LineFramer()
    assert framer.feed(b"first\r\nsecond") == [b"first"]
    assert framer.feed(b" half") == []
    assert framer.flush() == [b"second half"]
    assert framer.flush() == []
    assert framer.feed(b"\x00third\n") == [b"third"]


def test_long_line_is_cut_and_memory_stays_bounded():
    """A run without a terminator becomes records of max_length, not an ever-growing line."""
    framer = LineFramer(max_length=1000)
    records = []
    for _ in range(25):
        records += framer.feed(b"a" * 100)
        assert len(framer._line) <= 1000
    records += framer.feed(b"b\r\n")
    assert records == [b"a" * 1000, b"a" * 1000, b"a" * 500 + b"b"]


def test_default_line_limit_is_64_kib():
    """The default maximum is 64 KiB."""
    records = run(LineFramer(), [b"x" * (200 * 1024)])
    assert [len(record) for record in records] == [65536, 65536, 65536, 8192]


def test_line_length_is_checked():
    with pytest.raises(ValueError, match="max_length"):
        LineFramer(max_length=0)


LINE_RECORD = st.binary(min_size=1, max_size=120).filter(
    lambda record: (
        record[0] not in CONTROL_BYTES
        and b"\r" not in record
        and b"\n" not in record
        and b"\x0c" not in record
    )
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(LINE_RECORD, st.sampled_from([b"\r", b"\n", b"\r\n", b"\r\n\r\n", b"\n\n"])),
        min_size=1,
        max_size=40,
    ),
    CUTS,
)
def test_many_lines_in_random_chunks(lines, cuts):
    """Records with any terminators, cut anywhere, come out exactly."""
    stream = b"".join(record + terminator for record, terminator in lines)
    assert run(LineFramer(), split(stream, cuts)) == [record for record, _ in lines]


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=3000)
    | st.lists(st.sampled_from([b"\r", b"\n", b"\x0c", b"\x00", b"a", b" ", b"\x10"])).map(
        b"".join
    ),
    CUTS,
    st.sampled_from([7, 64, 65536]),
)
def test_arbitrary_bytes_never_raise_or_vanish_in_the_line_framer(data, cuts, max_length):
    """Records concatenate to the input minus terminators, opening controls and FF;
    none is empty or too long, and chunking changes nothing."""
    records = run(LineFramer(max_length=max_length), split(data, cuts))
    assert b"".join(records) == line_reference(data)
    assert all(0 < len(record) <= max_length for record in records)
    assert not any(re.search(rb"[\r\n\x0c]", record) for record in records)
    assert records == run(LineFramer(max_length=max_length), [data])
    if max_length == 65536:
        assert not any(record[0] in CONTROL_BYTES for record in records)


# --- NUL-terminated (Samsung) ---------------------------------------------------------


def test_samsung_records_end_with_nul_and_the_header_is_dropped_of_its_form_feed():
    """NUL ends a record; the FF-led header lines and their CR LF are tolerated."""
    stream = (
        b"\x0cSMDR REPORT FOR [STA Miami ] Mar/21/1999 13:49\r\n" + b"=" * 20 + b"\r\n"
        b"  202 702 01/02 17:25:56 00:00:00 O  4264100\x00"
        b"  203 702 01/02 17:29:54 00:01:27 OT 5556420\r\n\x00"
    )
    for cut in range(len(stream) + 1):
        assert run(NulFramer(), split(stream, [cut])) == [
            b"SMDR REPORT FOR [STA Miami ] Mar/21/1999 13:49",
            b"=" * 20,
            b"  202 702 01/02 17:25:56 00:00:00 O  4264100",
            b"  203 702 01/02 17:29:54 00:01:27 OT 5556420",
        ]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            LINE_RECORD.filter(lambda record: b"\x00" not in record),
            st.sampled_from([b"\x00", b"\r\n", b"\r\n\x00", b"\x00\r\n"]),
        ),
        min_size=1,
        max_size=40,
    ),
    CUTS,
)
def test_many_nul_records_in_random_chunks(records, cuts):
    """NUL-terminated records, cut anywhere, come out exactly."""
    stream = b"".join(record + terminator for record, terminator in records)
    assert run(NulFramer(), split(stream, cuts)) == [record for record, _ in records]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000), CUTS)
def test_arbitrary_bytes_never_raise_in_the_nul_framer(data, cuts):
    """NUL behaves as one more line terminator: nothing else is lost."""
    records = run(NulFramer(), split(data, cuts))
    assert b"".join(records) == line_reference(data.replace(b"\x00", b"\n"))


# --- Choosing a framer ----------------------------------------------------------------


def test_framer_for_every_family():
    """Mitel 5000 frames by length prefix, Samsung by NUL, NEC by lines with their NEXT
    lines joined, everything else by lines."""
    assert set(PbxFamily.values) == FAMILIES  # the DESIGN.md family ids
    for family in FAMILIES:
        framer = framer_for(family)
        if family == "mitel-5000":
            assert type(framer) is LengthPrefixFramer
        elif family == "samsung-officeserv":
            assert type(framer) is NulFramer
        elif family == "nec":
            assert type(framer) is NECFramer
        elif family == "star-hash":
            assert type(framer) is StarHashFramer
        elif family == "nec-neax":
            assert type(framer) is STXFramer
        else:
            assert type(framer) is LineFramer
    assert framer_for("mitel-5000") is not framer_for("mitel-5000")  # one per connection


def test_mitel_5000_on_a_serial_line_sends_plain_lines():
    """The Axxess printer port has no length prefix: lines."""
    assert type(framer_for("mitel-5000", transport="serial")) is LineFramer
    assert type(framer_for("mitel-5000", transport="tcp-client")) is LengthPrefixFramer


def test_unknown_family_is_refused():
    with pytest.raises(ValueError, match="unknown PBX family 'mitel'"):
        framer_for("mitel")


def test_framing_imports_no_django():
    """The remote agent imports this module without Django."""
    code = (
        "import sys, smdr.framing; "
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django'"
    )
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)


# --- NEC: NEXT lines (the caller's name) joined to their call.

NEC_CALL = b"PIN  10:52 12/09  001 00:00:20 2017       2142623802           NECinfrontia"
NEC_NEXT = b"NEXT NECinfrontia Corp."
NEC_OTHER_CALL = b"POT  10:53 12/09  002 00:00:10 2001       2142623801           08754"


def test_nec_next_line_joins_its_call():
    """The SL1000 manual's sample: a call, its name wrapped onto a line, then NEXT."""
    framer = NECFramer()
    stream = NEC_CALL + b"\r\nCorp.\r\n" + NEC_NEXT + b"\r\n" + NEC_OTHER_CALL + b"\r\n"
    records = framer.feed(stream) + framer.flush()
    assert records == [NEC_CALL + b"\r\nCorp.\r\n" + NEC_NEXT, NEC_OTHER_CALL]


def test_nec_call_is_held_until_the_next_line_shows_no_continuation():
    framer = NECFramer()
    assert framer.feed(NEC_CALL + b"\r\n") == []  # a NEXT line may still follow
    assert framer.feed(NEC_OTHER_CALL[:10]) == []
    assert framer.feed(NEC_OTHER_CALL[10:] + b"\r\n") == [NEC_CALL]
    assert framer.flush() == [NEC_OTHER_CALL]
    assert framer.flush() == []


def test_nec_next_line_split_across_chunks_still_joins():
    framer = NECFramer()
    stream = NEC_CALL + b"\r\n" + NEC_NEXT + b"\r\n"
    records = [
        record for byte in range(len(stream)) for record in framer.feed(stream[byte : byte + 1])
    ]
    assert records + framer.flush() == [NEC_CALL + b"\r\n" + NEC_NEXT]


def test_nec_lines_that_are_not_calls_pass_at_once():
    """Page headers are not held, and a NEXT line with no call before it stands alone."""
    framer = NECFramer()
    header = b"CLASS TIME  DATE  LINE DURATION  STATION    DIALLED No./CLI     ACCOUNT"
    assert framer.feed(header + b"\r\n" + NEC_NEXT + b"\r\n") == [header, NEC_NEXT]


def test_nec_next_after_two_other_lines_is_not_joined():
    """Only a wrapped name may stand between a call and its NEXT line."""
    framer = NECFramer()
    stream = NEC_CALL + b"\r\nCorp.\r\nPAGE 002\r\n" + NEC_NEXT + b"\r\n"
    assert framer.feed(stream) + framer.flush() == [NEC_CALL, b"Corp.", b"PAGE 002", NEC_NEXT]


def test_nec_joined_record_stays_within_max_length():
    framer = NECFramer(max_length=len(NEC_CALL) + 2 + len(NEC_NEXT))
    stream = NEC_CALL + b"\r\n" + NEC_NEXT + b"\r\n" + NEC_NEXT + b"\r\n"
    assert framer.feed(stream) + framer.flush() == [NEC_CALL + b"\r\n" + NEC_NEXT, NEC_NEXT]


def test_nec_framer_keeps_every_byte_but_terminators():
    """Nothing is dropped: the records hold every line, in order."""
    lines = [NEC_CALL, b"Corp.", NEC_NEXT, b"", NEC_OTHER_CALL, NEC_NEXT, b"PAGE 002", b"x"]
    framer = NECFramer()
    records = framer.feed(b"\r\n".join(lines)) + framer.flush()
    assert b"\r\n".join(records) == b"\r\n".join(line for line in lines if line)
