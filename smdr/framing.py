"""Framers: they turn the byte stream of a PBX link into records, one ``bytes`` each.

A transport (serial port, TCP socket, file) delivers bytes in chunks of any size; TCP
keeps no message boundaries and a serial port none at all. A framer keeps what is left
of a record between chunks and hands back each record once it is whole. Every framer
has the same two methods:

* ``feed(data) -> list[bytes]``: the records completed by ``data`` (maybe none);
* ``flush() -> list[bytes]``: at the end of a connection or file, what is left, so a
  record cut by a disconnect is kept, not dropped. The framer starts afresh after it.

Framers never raise on bad input and never drop data silently: what does not fit the
framing becomes a record of its own, which the parser then rejects and the raw store
keeps. Memory is bounded: a record never grows past the framer's maximum length.

This module is pure Python with no Django import: the remote agent uses it too.

The three framings (pbx-formats.md section 17.2):

* :class:`LineFramer`: records end with CR, LF or CR LF, as on every serial printer
  port and most SMDR sockets (IP Office, HiPath, Panasonic, NEC, MiVoice Business, the
  CSV families). Empty lines are dropped. Control bytes (below 0x20 except TAB) before
  the first printable character of a line are dropped: HiPath sends DLE STX DLE ETX
  DC3 DC1 before the date, IP Office sometimes NULs. Form feeds (page breaks of
  printer-style output) are dropped wherever they are. A line longer than
  ``max_length`` (64 KiB by default) is cut into records of that length.
* :class:`LengthPrefixFramer`: the Mitel 5000 / MiVoice Office 250 SMDR socket. Each
  record is a 4-byte little-endian length, then that many bytes: the record text and
  its CR LF (length 0x52 = 82 for an 80-column record). The framer reads the length
  and waits for exactly that many bytes, so records of any length are framed right,
  never by a fixed-size read. The CR LF is taken off. A length above ``max_length``
  (4096 by default; records are about 80 bytes) means the stream is out of step, for
  example after a collector joined mid-record: the framer scans for the next
  plausible length prefix (1 to ``max_length``, whose two high bytes are NUL, which
  record text never contains) and emits the bytes skipped on the way as one record.
* :class:`NulFramer`: Samsung OfficeServ ends each record with a NUL byte; its page
  headers and some firmware use CR LF. NUL, CR and LF all end a record, and otherwise
  it behaves as :class:`LineFramer` (the header's leading form feed is dropped).

:class:`NECFramer` frames NEC lines and joins each ``NEXT`` line (the caller's name) to
the call line before it; :class:`StarHashFramer` joins the Capturador ``* #`` layout's
outgoing standard record to the accounting record after it. :class:`STXFramer` frames
NEC NEAX SMDR: each record between STX and ETX, with no line ends. :class:`SequenceJoinFramer`
wraps any of them and joins a record of a first kind to the record of a second kind
with the next sequence number (the generic family's declared ``join``).

:func:`framer_for` picks the framer of a PBX family id (DESIGN.md); the generic family's
``framing`` and ``join`` settings pick its own (``smdr.parsers.generic.generic_framer``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Protocol

# Bytes dropped before the first printable character of a line: C0 controls except TAB
# (CR and LF end lines before this applies).
CONTROL_BYTES = bytes(code for code in range(0x20) if code != 0x09)
FORM_FEED = b"\x0c"
CR_LF = b"\r\n"

DEFAULT_MAX_LINE = 64 * 1024
DEFAULT_MAX_FRAME = 4096
DEFAULT_MAX_SKIPPED = 64 * 1024

FAMILIES = frozenset(
    {
        "mitel-5000",
        "mitel-mivb",
        "avaya-ipoffice",
        "avaya-cm",
        "siemens-hipath",
        "panasonic",
        "nec",
        "samsung-officeserv",
        "asterisk-csv",
        "freeswitch-csv",
        "cisco-cucm",
        "3cx",
        "ericsson-md110",
        "generic",
        "star-hash",
        "nec-neax",
        "alcatel-omnipcx",
        "unify-openscape",
        "grandstream-ucm",
        "yeastar",
    }
)
STX = 0x02
ETX = 0x03


class Framer(Protocol):
    """What the capture loop needs of a framer: records out of chunks, and the rest."""

    def feed(self, data: bytes) -> list[bytes]: ...

    def flush(self) -> list[bytes]: ...


class LineFramer:
    """Records ended by CR, LF or CR LF; empty lines, leading controls and FF dropped."""

    _terminators = re.compile(rb"[\r\n]")

    def __init__(self, max_length: int = DEFAULT_MAX_LINE):
        if max_length < 1:
            raise ValueError(f"max_length must be at least 1, not {max_length}")
        self.max_length = max_length
        self._line = bytearray()
        self._at_line_start = True  # still dropping control bytes before the record

    def feed(self, data: bytes) -> list[bytes]:
        """The records completed by ``data``; an unfinished line is kept for later."""
        records: list[bytes] = []
        pieces = self._terminators.split(data)
        last = len(pieces) - 1
        for index, piece in enumerate(pieces):
            if piece:
                self._append(piece, records)
            if index < last:  # a terminator followed this piece
                self._end_line(records)
        return records

    def flush(self) -> list[bytes]:
        """The unfinished line, if any, as the last record."""
        records: list[bytes] = []
        self._end_line(records)
        return records

    @property
    def pending(self) -> bool:
        """True while part of a line is kept for the next chunk (or flush); the held
        calls of the joining subclasses are not counted."""
        return bool(self._line)

    def _append(self, piece: bytes, records: list[bytes]) -> None:
        if FORM_FEED in piece:
            piece = piece.replace(FORM_FEED, b"")
        if self._at_line_start:
            piece = piece.lstrip(CONTROL_BYTES)
            if not piece:
                return
            self._at_line_start = False
        line = self._line
        line += piece
        maximum = self.max_length
        if len(line) > maximum:
            # Cut whole records of max_length off the front; the rest stays open.
            whole = (len(line) - 1) // maximum * maximum
            records.extend(
                bytes(line[start : start + maximum]) for start in range(0, whole, maximum)
            )
            del line[:whole]

    def _end_line(self, records: list[bytes]) -> None:
        if self._line:
            records.append(bytes(self._line))
            self._line.clear()
        self._at_line_start = True


class NulFramer(LineFramer):
    """Samsung OfficeServ: records ended by NUL, with CR LF tolerated as well."""

    _terminators = re.compile(rb"[\r\n\x00]")


class JoiningFramer(LineFramer):
    """Lines, some held to be joined to the next (a call printed on two lines): each
    line goes to :meth:`_take`; :meth:`flush` then hands on what is held (:meth:`_release`)."""

    def feed(self, data: bytes) -> list[bytes]:
        """The records completed by ``data``; a line that may be joined is held."""
        records: list[bytes] = []
        for line in super().feed(data):
            self._take(line, records)
        return records

    def flush(self) -> list[bytes]:
        """The unfinished line, then whatever is held, as records."""
        records: list[bytes] = []
        for line in super().flush():
            self._take(line, records)
        self._release(records)
        return records

    def _take(self, line: bytes, records: list[bytes]) -> None:
        raise NotImplementedError

    def _release(self, records: list[bytes]) -> None:
        raise NotImplementedError


class NECFramer(JoiningFramer):
    """NEC SMDR: CR LF lines, with each ``NEXT`` line (the caller's name) joined to the
    call line before it, CR LF between them, so a call and its name are one record.

    A name wrapped onto a line of its own (PRG 35-02-18) may stand between the call and
    its ``NEXT`` line; it is joined too. A call line is held until the next line shows
    whether a ``NEXT`` follows: the last call before a quiet spell waits for the next
    line, or for :meth:`flush` at the end of the connection or file. Other lines (page
    headers, summaries) are not held. A joined record stays within ``max_length``; a
    ``NEXT`` line that would pass it, or that follows no call, is a record of its own.
    """

    _call_line = re.compile(rb"[A-Z]{2,5} +[0-9]{1,2}:[0-9]{2}")
    _continuation = re.compile(rb"NEXT(?: |$)")
    _most_between = 1  # lines that may stand between a call and its NEXT line

    def __init__(self, max_length: int = DEFAULT_MAX_LINE):
        super().__init__(max_length)
        self._call: bytes | None = None  # the held call line, with its NEXT lines
        self._between: list[bytes] = []  # lines after it that a NEXT line may still join

    def _take(self, line: bytes, records: list[bytes]) -> None:
        if self._call is not None and self._continuation.match(line):
            joined = CR_LF.join([self._call, *self._between, line])
            if len(joined) <= self.max_length:
                self._call = joined
                self._between = []
                return
        if self._call_line.match(line):
            self._release(records)
            self._call = line
        elif self._call is None:
            records.append(line)
        elif len(self._between) < self._most_between:
            self._between.append(line)
        else:
            self._release(records)
            records.append(line)

    def _release(self, records: list[bytes]) -> None:
        """Hand on the held call and the lines after it, as records of their own."""
        if self._call is not None:
            records.append(self._call)
            self._call = None
        records.extend(self._between)
        self._between = []


class StarHashFramer(JoiningFramer):
    """The Capturador ``* #`` layout (family ``star-hash``): CR LF lines, with each
    outgoing standard record joined to the accounting record after it, CR LF between
    them, so the parser sees one call.

    A standard record (type ``1`` at offset 7) whose party types (offsets 82-83) say
    outgoing (``13``, ``23``) is held until the next line. When that line is an
    accounting record (type ``2``) of the same unit with the next sequence number
    (99 wraps to 00), the two are one record; otherwise the held record goes on alone
    (the parser flags its missing accounting) and the new line is taken as usual. At
    the end of the connection or file (:meth:`flush`) a held record goes on alone.
    Other lines are never held.
    """

    def __init__(self, max_length: int = DEFAULT_MAX_LINE):
        super().__init__(max_length)
        self._held: bytes | None = None  # an outgoing standard record

    def _take(self, line: bytes, records: list[bytes]) -> None:
        held = self._held
        if held is not None:
            self._held = None
            if self._accounting_of(held, line):
                records.append(held + CR_LF + line)
                return
            records.append(held)
        if line[:3] == b"* #" and line[7:8] == b"1" and line[82:84] in (b"13", b"23"):
            self._held = line
        else:
            records.append(line)

    def _release(self, records: list[bytes]) -> None:
        """Hand on the held record alone: its accounting record never came."""
        if self._held is not None:
            records.append(self._held)
            self._held = None

    @staticmethod
    def _accounting_of(standard: bytes, line: bytes) -> bool:
        """True when ``line`` is the accounting record following ``standard``."""
        if line[:3] != b"* #" or line[7:8] != b"2" or line[3:5] != standard[3:5]:
            return False
        sequence, following = standard[5:7], line[5:7]
        if not (sequence.isdigit() and following.isdigit()):
            return False
        return int(following) == (int(sequence) + 1) % 100


class STXFramer:
    """NEC NEAX SMDR (family ``nec-neax``): each record is STX, the text, ETX, with no
    line ends. The record is the text between STX and ETX.

    Bytes outside a frame that are not only line ends, blanks or NULs (the idle fill
    some links send) become a record of their own, as does a frame cut by a new STX
    before its ETX, so nothing is dropped silently; the parser rejects them. A frame
    longer than ``max_length`` (4096 by default; records are 132 bytes, flexible ones
    up to about 300) is cut into records of that length.
    """

    _filler = b"\r\n \x00"

    def __init__(self, max_length: int = DEFAULT_MAX_FRAME):
        if max_length < 1:
            raise ValueError(f"max_length must be at least 1, not {max_length}")
        self.max_length = max_length
        self._text = bytearray()  # the frame's text so far, or bytes outside a frame
        self._in_frame = False

    def feed(self, data: bytes) -> list[bytes]:
        """The records completed by ``data``; an unfinished frame is kept for later."""
        records: list[bytes] = []
        position, size = 0, len(data)
        while position < size:
            if self._in_frame:
                end = data.find(ETX, position)
                start = data.find(STX, position)
                if start >= 0 and (end < 0 or start < end):  # a new frame, this one cut
                    self._add(data[position:start], records)
                    self._emit(records)
                    position = start + 1
                    continue
                if end < 0:
                    self._add(data[position:], records)
                    break
                self._add(data[position:end], records)
                self._emit(records)
                self._in_frame = False
                position = end + 1
            else:
                start = data.find(STX, position)
                if start < 0:
                    self._add(data[position:], records)
                    break
                self._add(data[position:start], records)
                self._emit(records)
                self._in_frame = True
                position = start + 1
        return records

    def flush(self) -> list[bytes]:
        """An unfinished frame (or bytes outside one), as the last record."""
        records: list[bytes] = []
        self._emit(records)
        self._in_frame = False
        return records

    @property
    def pending(self) -> bool:
        """True while a frame (or bytes outside one) is kept for the next chunk."""
        return self._in_frame or bool(self._text.strip(self._filler))

    def _add(self, data: bytes, records: list[bytes]) -> None:
        text = self._text
        text += data
        maximum = self.max_length
        while len(text) > maximum:
            records.append(bytes(text[:maximum]))
            del text[:maximum]

    def _emit(self, records: list[bytes]) -> None:
        text = self._text
        if text and (self._in_frame or text.strip(self._filler)):
            records.append(bytes(text if self._in_frame else text.strip(self._filler)))
        text.clear()


# What a SequenceJoinFramer's classifier says of a record: its kind ("first", "second" or
# None for any other) and its sequence number (None when it has none).
JoinKey = tuple[str | None, int | None]


class SequenceJoinFramer:
    """Two-record joins by a sequence field (the generic family's ``join``): records come
    from ``inner`` (lines, STX/ETX frames or NUL-ended records); each record that
    ``classify`` calls ``"first"`` is held until the next record. When that one is a
    ``"second"`` whose sequence is the held one's plus one (modulo ``modulo``, when
    given: 99 wraps to 00 with 100), the two are one record, CR LF between them;
    otherwise the held record goes on alone (the parser flags it) and the new one is
    taken as usual. :meth:`flush` hands on the held record alone, after the inner
    framer's rest. Nothing is dropped: a lone second record goes on as a record, for the
    parser to reject, and a joined record longer than ``max_length`` is not joined.
    """

    def __init__(
        self,
        inner: Framer,
        classify: Callable[[bytes], JoinKey],
        modulo: int | None = None,
        max_length: int = DEFAULT_MAX_LINE,
    ):
        self._inner = inner
        self._classify = classify
        self._modulo = modulo
        self.max_length = max_length
        self._held: tuple[bytes, int | None] | None = None  # a first record, its sequence

    def feed(self, data: bytes) -> list[bytes]:
        """The records completed by ``data``; a first-kind record is held."""
        records: list[bytes] = []
        for record in self._inner.feed(data):
            self._take(record, records)
        return records

    def flush(self) -> list[bytes]:
        """The inner framer's rest, then the held record, each on its own."""
        records: list[bytes] = []
        for record in self._inner.flush():
            self._take(record, records)
        if self._held is not None:
            records.append(self._held[0])
            self._held = None
        return records

    @property
    def pending(self) -> bool:
        """True while a record is held or the inner framer keeps part of one."""
        return self._held is not None or bool(getattr(self._inner, "pending", False))

    def _take(self, record: bytes, records: list[bytes]) -> None:
        kind, sequence = self._classify(record)
        held = self._held
        if held is not None:
            self._held = None
            if kind == "second" and self._follows(held[1], sequence):
                joined = held[0] + CR_LF + record
                if len(joined) <= self.max_length:
                    records.append(joined)
                    return
            records.append(held[0])
        if kind == "first":
            self._held = record, sequence
        else:
            records.append(record)

    def _follows(self, held: int | None, sequence: int | None) -> bool:
        if held is None or sequence is None:
            return False
        following = held + 1
        if self._modulo is not None:
            following %= self._modulo
        return sequence == following


class LengthPrefixFramer:
    """Mitel 5000 socket frames: a 4-byte little-endian length, then the record and CR LF.

    ``framing_bytes`` counts the bytes taken as framing (length prefixes and the CR LF
    ending a payload): together with the records they account for every byte fed.
    """

    def __init__(self, max_length: int = DEFAULT_MAX_FRAME, max_skipped: int = DEFAULT_MAX_SKIPPED):
        if not 1 <= max_length <= 0xFFFF:
            raise ValueError(f"max_length must be 1 to 65535, not {max_length}")
        if max_skipped < 1:
            raise ValueError(f"max_skipped must be at least 1, not {max_skipped}")
        self.max_length = max_length
        self.max_skipped = max_skipped
        self.framing_bytes = 0
        self._buffer = bytearray()
        self._skipped = bytearray()  # bytes passed over while out of step
        self._out_of_step = False

    def feed(self, data: bytes) -> list[bytes]:
        """The records completed by ``data``; an unfinished frame is kept for later."""
        buffer = self._buffer
        buffer += data
        records: list[bytes] = []
        size = len(buffer)
        position = 0
        while True:
            if self._out_of_step:
                found = self._find_prefix(buffer, position)
                if found < 0:
                    # Positions from size - 3 on may still start a prefix: keep them.
                    keep = max(position, size - 3)
                    self._skip(buffer[position:keep], records)
                    position = keep
                    break
                self._skip(buffer[position:found], records)
                if self._skipped:
                    records.append(bytes(self._skipped))
                    self._skipped.clear()
                self._out_of_step = False
                position = found
            if size - position < 4:
                break
            length = int.from_bytes(buffer[position : position + 4], "little")
            if length > self.max_length:
                self._out_of_step = True
                self._skip(buffer[position : position + 1], records)
                position += 1
                continue
            end = position + 4 + length
            if end > size:
                break  # wait for the rest of the frame
            self._emit(buffer[position + 4 : end], records)
            position = end
        del buffer[:position]
        return records

    def flush(self) -> list[bytes]:
        """What is left: skipped bytes and an unfinished frame (without its prefix)."""
        records: list[bytes] = []
        buffer = self._buffer
        if self._out_of_step:
            self._skipped += buffer
        elif len(buffer) >= 4:
            self._emit(buffer[4:], records)
        else:
            self._skipped += buffer  # part of a length prefix: kept as it came
        if self._skipped:
            records.append(bytes(self._skipped))
        self._buffer = bytearray()
        self._skipped = bytearray()
        self._out_of_step = False
        return records

    def _emit(self, payload: bytearray, records: list[bytes]) -> None:
        self.framing_bytes += 4
        if payload.endswith(CR_LF):
            payload = payload[:-2]
            self.framing_bytes += 2
        if payload:
            records.append(bytes(payload))

    def _skip(self, data: bytearray, records: list[bytes]) -> None:
        """Set ``data`` aside as skipped; emit whole ``max_skipped`` records as they fill."""
        skipped = self._skipped
        skipped += data
        maximum = self.max_skipped
        while len(skipped) >= maximum:
            records.append(bytes(skipped[:maximum]))
            del skipped[:maximum]

    def _find_prefix(self, buffer: bytearray, start: int) -> int:
        """The first position from ``start`` holding a plausible length prefix, or -1.

        Plausible: a whole prefix in the buffer, a length of 1 to ``max_length``, so its
        two high bytes are NUL (records are text, and text has no NUL pairs).
        """
        search = start + 2
        while True:
            found = buffer.find(b"\x00\x00", search)
            if found < 0 or found + 2 > len(buffer):
                return -1
            candidate = found - 2
            if candidate >= start and 1 <= buffer[candidate] | buffer[candidate + 1] << 8 <= (
                self.max_length
            ):
                return candidate
            search = found + 1


AnyFramer = LineFramer | LengthPrefixFramer | STXFramer | SequenceJoinFramer


def framer_for(
    family: str, transport: str | None = None, settings: Mapping[str, object] | None = None
) -> AnyFramer:
    """A new framer for a PBX family id (DESIGN.md), for one connection or file.

    ``generic`` reads the source's ``settings`` (``framing``, ``join``, ``preset``):
    lines by default, STX/ETX frames, NUL-ended records, any of them with two-record
    joins (``smdr.parsers.generic.generic_framer``).

    ``mitel-5000`` gets the length-prefixed socket framing, except on a serial line
    (``transport="serial"``, the Axxess printer port), which sends plain CR LF lines.
    ``samsung-officeserv`` gets NUL-terminated records; ``nec``, lines with each ``NEXT``
    line joined to its call; ``star-hash``, lines with each outgoing standard record
    joined to its accounting record; ``nec-neax``, STX ... ETX frames; every other
    family, lines (``ericsson-md110``'s CR LF and NUL padding too: the NULs
    after a CR LF start the next line and are dropped).
    """
    if family not in FAMILIES:
        raise ValueError(
            f"unknown PBX family {family!r}; expected one of {', '.join(sorted(FAMILIES))}"
        )
    if family == "mitel-5000" and transport != "serial":
        return LengthPrefixFramer()
    if family == "samsung-officeserv":
        return NulFramer()
    if family == "nec":
        return NECFramer()
    if family == "star-hash":
        return StarHashFramer()
    if family == "nec-neax":
        return STXFramer()
    if family == "generic" and settings:
        from smdr.parsers.generic import generic_framer  # parsers import no framing

        return generic_framer(settings)
    return LineFramer()
