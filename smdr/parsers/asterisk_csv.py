'''Asterisk ``cdr_csv``: the ``Master.csv`` file, one call leg per line.

A real record, from a public Asterisk installation quoted in ``pbx-formats.md`` section 7
(18 columns: ``loguniqueid`` and ``loguserfield`` on), extension 2889 calling out over an
H.323 trunk::

    "","2889","09243820431","pre-rec","""2889"" <2889>","SIP/2889-0000098e",
    "OOH323/avayaG700-1919","Dial","Local/09243820431@default,30,t","2018-09-07 11:05:20",
    "2018-09-07 11:05:20","2018-09-07 11:08:24",183,183,"ANSWERED","DOCUMENTATION",
    "1536293101.12458",""

(one line in the file, ended by LF; wrapped here).

The layout is the one Asterisk's ``cdr/cdr_csv.c`` writes, and the count of columns says
which optional groups ``cdr.conf`` turned on: 1 accountcode, 2 src, 3 dst, 4 dcontext,
5 clid, 6 channel, 7 dstchannel, 8 lastapp, 9 lastdata, 10 start, 11 answer, 12 end,
13 duration, 14 billsec, 15 disposition, 16 amaflags, then uniqueid (``loguniqueid``),
userfield (``loguserfield``) and peeraccount, linkedid, sequence (``newcdrcolumns``)::

    16 columns  nothing optional
    17          uniqueid or userfield (a uniqueid looks like 1536293101.12458)
    18          uniqueid, userfield (the shipped cdr.conf; the common case)
    19          peeraccount, linkedid, sequence
    20          uniqueid or userfield, then peeraccount, linkedid, sequence
    21          uniqueid, userfield, peeraccount, linkedid, sequence

A ``cdr_custom`` file (``cdr_custom.conf``'s mapping instead of cdr_csv's layout) is read
by naming its columns in the ``columns`` option; the stock ``cdr_custom.conf.sample``
mapping (Asterisk's ``configs/samples/``; clid first, accountcode 16th, the sequence
last: 19 fields) is ``cdr_custom-sample``. [DERIVED] from that mapping and the record above::

    """2889"" <2889>","2889","09243820431","pre-rec","SIP/2889-0000098e",...,
    "DOCUMENTATION","","1536293101.12458","","4711"

Options (the source's settings):

* ``columns`` (list or text): a ``cdr_custom`` mapping's columns in order: CDR field
  names (literals ``"..."`` and qualifiers such as ``uniqueid(noquote)`` allowed), a
  legacy mapping line (``Master.csv => ${CSV_QUOTE(${CDR(clid)})},...``), or
  ``cdr_custom-sample``. It must name src, dst, start, duration and billsec.
* ``usegmtime`` (bool, default false): the times are UTC, as ``usegmtime=yes`` in
  ``cdr.conf`` writes them; false reads them in the site's zone. The sample ``cdr.conf``
  shipped with Asterisk turns it on, so check the PBX. ``"yes"``/``"no"`` are accepted.
* ``internal_contexts`` (list of dialplan contexts): contexts where the site's own phones
  place calls. Default ``from-internal``, ``from-internal-xfer``, ``internal``, ``phones``,
  ``users``, ``from-users``, ``from-phones``, ``from-extensions``.
* ``outgoing_contexts`` (list): contexts that only send calls out through a trunk.
  Default ``outbound-allroutes``, ``outrt-*``, ``macro-dialout-trunk``, ``outbound``,
  ``outgoing``.
* ``incoming_contexts`` (list): contexts that only take calls in from trunks. Default
  ``from-trunk*``, ``from-pstn``, ``from-external``, ``from-did-direct``, ``ext-did``,
  ``inbound``, ``incoming``, ``public``.
* ``max_extension_digits`` (int, default 6): the longest all-digit name that is an
  extension rather than an outside number or a trunk account.

A context ending in ``*`` matches every context starting with what precedes it.

Format decisions, where the source leaves room:

* Strings are quoted with doubled inner quotes and may hold commas (``lastdata``), so the
  csv module splits the line. The answer time of an unanswered call is an empty,
  unquoted field. A header row (``accountcode,src,...``, from a spreadsheet export) and
  blank lines are noise; a byte-order mark and control bytes before the record go.
* ``duration_seconds`` is ``billsec`` (answer to end, the conversation); ``ring_seconds``
  is ``duration - billsec`` (start to answer, so it includes IVR and queue time).
  ``answered`` follows the disposition (``ANSWERED``), or the answer time when the
  disposition is not one Asterisk writes.
* Direction, in this order (``smdr.parsers.direction``; the rule goes to
  ``details["direction_rule"]``): a context in ``outgoing_contexts`` or
  ``incoming_contexts`` set on the source says outgoing or incoming; then the site's
  known extensions (``src`` or the channel's peer, ``dst`` or the destination channel's
  peer), a number longer than the longest of them, and a trunk-like context (``*-pstn``,
  ``from-trunk``: incoming; ``outbound``, ``macro-dialout-trunk``: outgoing) or peer
  name. Else the defaults: a context in ``outgoing_contexts`` is outgoing and one in
  ``incoming_contexts`` incoming. Otherwise the call came from an extension when the
  channel's name is a short number (``SIP/2001-0000000a``, ``PJSIP/2001-00000001``,
  ``IAX2/2001-3``) or the context is in ``internal_contexts``; else it is incoming. A
  call from an extension is internal when its destination channel is an extension too
  (or, with no destination channel, when ``dst`` is not a long number), and outgoing
  when it went to any other channel (a trunk such as ``SIP/isoft-00000005``). Channels
  of DAHDI, Zap, OOH323, H323, mISDN, CAPI, Dongle and Khomp are trunks whatever their
  number (an FXS phone on DAHDI is an extension only through its context).
* The extension is the number in the phone's channel name (``SIP/2001-...`` gives 2001),
  or ``src`` when the channel name is not a number; for an incoming call it is the
  destination channel's number, or ``dst`` (with the site's extensions known, only one
  of them that is known). The trunk is the other channel's name
  without technology and sequence (``SIP/KTTK-000009ae`` gives ``KTTK``). ``Local``
  channels are dialplan plumbing, never trunks. A DAHDI (or Zap) trunk keeps its
  technology and channel or span, as a bare number says little (``DAHDI/1-1`` gives
  ``DAHDI/1``, ``DAHDI/i1/0612345678-5`` gives ``DAHDI/i1``).
* A row of Asterisk's ``cdr`` table (``database`` transport: a JSON object of column to
  text, ``docs/pbx/database-pull.md``; FreePBX and Issabel's ``asteriskcdrdb.cdr``) is read
  by column name: ``calldate`` is the start (``start``, ``answer`` and ``end`` where the
  table has them), ``amaflags`` 1, 2, 3 are OMIT, BILLING, DOCUMENTATION, NULL is empty,
  and a ``timestamp with time zone`` (PostgreSQL) is the instant its offset says. The
  other columns (``did``, ``recordingfile``, ``cnum``...) stay in the raw record.
* ``pbx_call_id`` is ``linkedid`` (shared by every leg of a call) when the file has it,
  else ``uniqueid``; the uniqueid is then kept in details when it differs.
* Details keep the disposition, the caller's name from ``clid`` (when it is not just the
  number), ``lastapp``, ``dst`` when it is neither the number nor the extension, amaflags
  other than the default ``DOCUMENTATION``, userfield, peeraccount and sequence.
'''

from __future__ import annotations

import csv
import datetime as dt
import re

from smdr.schema import Kind, Setting, gettext_noop, schema

from .base import (
    Details,
    Direction,
    ParsedCall,
    Parser,
    ParserSettings,
    RecordError,
    field_error,
    is_digits,
)
from .clock import TIMES_OF_DAY, LocalClock, LocalDay, remember, time_of_day
from .direction import (
    RULE_KEY,
    Rule,
    context_direction,
    is_trunk_name,
    known_direction,
)
from .limits import extension_fitting, trunk_fitting
from .options import bool_option, contexts_option, contexts_setting, digits_option, digits_setting
from .rows import is_row, row_error, row_values, stamp_in_zone

UTC = dt.UTC

FIELD_NAMES = (
    "accountcode",
    "src",
    "dst",
    "dcontext",
    "clid",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
)
BASE_COUNT = 16
MAX_COUNT = 21
# Master.csv's columns with every optional group on, the order the parsing reads.
ALL_COLUMNS = (*FIELD_NAMES, "uniqueid", "userfield", "peeraccount", "linkedid", "sequence")
# cdr_custom mappings by name: the stock cdr_custom.conf.sample's Master.csv line
# (Asterisk's configs/samples/cdr_custom.conf.sample: clid first, 19 fields).
COLUMN_MAPPINGS = {
    "cdr_custom-sample": (
        "clid",
        "src",
        "dst",
        "dcontext",
        "channel",
        "dstchannel",
        "lastapp",
        "lastdata",
        "start",
        "answer",
        "end",
        "duration",
        "billsec",
        "disposition",
        "amaflags",
        "accountcode",
        "uniqueid",
        "userfield",
        "sequence",
    ),
}
REQUIRED_COLUMNS = ("src", "dst", "start", "duration", "billsec")
_MAPPED_NAME_RE = re.compile(r"CDR\(\s*([A-Za-z_]+)", re.ASCII)
_FIELD_NUMBER_RE = re.compile(r"field (\d+) \((\w+)\)")

DEFAULT_INTERNAL_CONTEXTS = (
    "from-internal",
    "from-internal-xfer",
    "internal",
    "phones",
    "users",
    "from-users",
    "from-phones",
    "from-extensions",
)
DEFAULT_OUTGOING_CONTEXTS = (
    "outbound-allroutes",
    "outrt-*",
    "macro-dialout-trunk",
    "outbound",
    "outgoing",
)
DEFAULT_INCOMING_CONTEXTS = (
    "from-trunk*",
    "from-pstn",
    "from-external",
    "from-did-direct",
    "ext-did",
    "inbound",
    "incoming",
    "public",
)
DEFAULT_MAX_EXTENSION_DIGITS = 6

# Channel technologies that connect to carriers or other PBXs, never to a phone here.
TRUNK_TECHNOLOGIES = frozenset(
    {"DAHDI", "Zap", "OOH323", "H323", "ooh323", "mISDN", "CAPI", "Dongle", "Khomp"}
)
_NUMBERED_TECHNOLOGIES = frozenset({"DAHDI", "Zap"})  # channels named by number
ANSWERED = "ANSWERED"
DISPOSITIONS = frozenset({"ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION"})

_STAMP_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}", re.ASCII)
# "1536293101.12458", with "systemname-" in front when cdr.conf/asterisk.conf set one.
_UNIQUEID_RE = re.compile(r"(?:.*-)?[0-9]{9,}\.[0-9]+", re.ASCII | re.DOTALL)
_LEADING_JUNK = "".join(chr(code) for code in range(33)) + "\x7f\ufeff"
_TRAILING_JUNK = "\r\n\x00 \t"
_MAX_DIGITS = 9  # longest count of seconds accepted (about 31 years)
_CACHE_LIMIT = 100_000

# Counts of seconds -> int, once checked; shared by every parser (they repeat a lot).
_counts: dict[str, int] = {}


def _field(number: int, name: str) -> str:
    """Field ``number`` (1-based) as error messages name it: ``field 10 (start)``."""
    return f"field {number} ({name})"


def _seconds(value: str, number: int) -> int:
    """A count of seconds (duration, billsec), remembered in ``_counts``."""
    if not value.isdigit() or not value.isascii() or len(value) > _MAX_DIGITS:
        raise field_error(
            _field(number, FIELD_NAMES[number - 1]), value, "is not a number of seconds"
        )
    return remember(_counts, value, int(value), _CACHE_LIMIT)


def _optional_columns(fields: list[str]) -> tuple[str, str, str, str, str]:
    """The columns after amaflags that cdr.conf turned on, by their count: (uniqueid,
    userfield, peeraccount, linkedid, sequence), empty when absent."""
    count = len(fields)
    if count == 18:
        return fields[16], fields[17], "", "", ""
    if count == 21:
        uniqueid, userfield, peer_account, linkedid, sequence = fields[16:]
        return uniqueid, userfield, peer_account, linkedid, sequence
    if count == 19:
        peer_account, linkedid, sequence = fields[16:]
        return "", "", peer_account, linkedid, sequence
    if count == BASE_COUNT:
        return "", "", "", "", ""
    # 17 or 20: one of uniqueid and userfield, told apart by shape.
    uniqueid = fields[16] if _UNIQUEID_RE.fullmatch(fields[16]) else ""
    userfield = "" if uniqueid else fields[16]
    if count == 20:
        peer_account, linkedid, sequence = fields[17:]
        return uniqueid, userfield, peer_account, linkedid, sequence
    return uniqueid, userfield, "", "", ""


def _details(fields: list[str], optional: tuple[str, str, str, str, str]) -> tuple[Details, str]:
    """The call's details, and its id: linkedid (shared by every leg) when logged, else
    the uniqueid, kept in details when it differs."""
    clid, last_app, disposition, ama_flags = fields[4], fields[7], fields[14], fields[15]
    uniqueid, userfield, peer_account, linkedid, sequence_text = optional
    details: Details = {}
    if disposition:
        details["disposition"] = disposition
    name = _caller_name(clid)
    if name and name != fields[1]:  # more than the number (src)
        details["caller_name"] = name
    if last_app:
        details["last_app"] = last_app
    if ama_flags and ama_flags != "DOCUMENTATION":
        details["amaflags"] = ama_flags
    if linkedid and uniqueid and uniqueid != linkedid:
        details["uniqueid"] = uniqueid
    if userfield:
        details["userfield"] = userfield
    if peer_account:
        details["peeraccount"] = peer_account
    if sequence_text:
        if not is_digits(sequence_text) or len(sequence_text) > 18:
            raise field_error(_field(len(fields), "sequence"), sequence_text, "is not an integer")
        details["sequence"] = int(sequence_text)
    return details, linkedid or uniqueid


def _peer(channel: str) -> tuple[str, str]:
    """``SIP/2001-0000000a`` -> ``("SIP", "2001")``: technology and peer name.

    The sequence after the last ``-`` goes; a Local channel keeps what precedes ``@``
    (``Local/2998@default-00000001;1`` -> ``2998``).
    """
    technology, slash, resource = channel.partition("/")
    if not slash:
        return "", channel
    if technology == "Local":
        return technology, resource.partition("@")[0]
    return technology, resource.rpartition("-")[0] or resource


def _trunk(technology: str, name: str) -> str:
    """The trunk of a channel: its peer name, or ``DAHDI/<channel or span>``."""
    if technology in _NUMBERED_TECHNOLOGIES:
        return f"{technology}/{name.partition('/')[0]}"
    return name


def _caller_name(clid: str) -> str:
    """The name part of a clid such as ``"Bryl A" <3711>`` (``Bryl A``)."""
    if not clid.endswith(">"):
        return ""
    name = clid.rpartition("<")[0].strip()
    if len(name) >= 2 and name[0] == '"' and name[-1] == '"':
        name = name[1:-1]
    return name


class AsteriskCSVParser(Parser):
    """Parses Asterisk ``cdr_csv`` records (Master.csv), one call leg per line."""

    family = "asterisk-csv"
    label = "Asterisk cdr_csv (Master.csv)"
    options = schema(
        Setting(
            "usegmtime",
            Kind.BOOL,
            False,
            gettext_noop("The times are UTC (usegmtime=yes)."),
            words=True,
        ),
        contexts_setting(
            "internal_contexts", DEFAULT_INTERNAL_CONTEXTS, "Internal dialplan contexts"
        ),
        contexts_setting(
            "outgoing_contexts", DEFAULT_OUTGOING_CONTEXTS, "Outgoing dialplan contexts"
        ),
        contexts_setting(
            "incoming_contexts", DEFAULT_INCOMING_CONTEXTS, "Incoming dialplan contexts"
        ),
        digits_setting(DEFAULT_MAX_EXTENSION_DIGITS),
        Setting(
            "columns",
            Kind.LIST,
            None,
            gettext_noop(
                "For cdr_custom files: the mapping's columns in order (a list of CDR "
                "field names, the mapping line of cdr_custom.conf, or cdr_custom-sample "
                "for the stock one). Empty: Master.csv of cdr_csv."
            ),
            text_ok=True,
        ),
    )

    def __init__(self, settings: ParserSettings):
        super().__init__(settings)
        options = settings.options or {}
        zone = UTC if bool_option(options, "usegmtime", False, words=True) else settings.time_zone
        self._zone = zone
        self._internal = contexts_option(options, "internal_contexts", DEFAULT_INTERNAL_CONTEXTS)
        self._outgoing = contexts_option(options, "outgoing_contexts", DEFAULT_OUTGOING_CONTEXTS)
        self._incoming = contexts_option(options, "incoming_contexts", DEFAULT_INCOMING_CONTEXTS)
        self._max_extension_digits = digits_option(
            options, "max_extension_digits", DEFAULT_MAX_EXTENSION_DIGITS
        )
        self._columns = columns_option(options.get("columns"))
        self._clock = LocalClock(zone)  # its days: "YYYY-MM-DD" -> LocalDay
        self._extensions = settings.extensions
        self._longest = settings.longest_extension
        # The context lists the source set itself override what the site knows; the
        # defaults come after it. An internal context leaves it to the destination.
        self._option_contexts = tuple(
            (contexts, direction)
            for key, contexts, direction in (
                ("outgoing_contexts", self._outgoing, Direction.OUTGOING),
                ("incoming_contexts", self._incoming, Direction.INCOMING),
            )
            if key in options
        )

    def parse(self, text: str, received_at: dt.datetime | None = None) -> ParsedCall | None:
        """Parse one Master.csv line, or one row of the ``cdr`` table (a JSON object, as
        the ``database`` transport stores it); ``None`` for a blank line or a header row."""
        if is_row(text):
            try:
                return self._parse_fields(_row_fields(text, self._zone))
            except RecordError as error:  # name the table's column, not Master.csv's field
                raise row_error(error, ROW_NAMES) from None
        if self._columns is None:
            return self._parse_fields(_fields(text))
        try:
            return self._parse_fields(_custom_fields(text, self._columns))
        except RecordError as error:  # name the column where this file has it
            raise RecordError(_renumbered(str(error), self._columns)) from None

    def _parse_fields(self, fields: list[str] | None) -> ParsedCall | None:
        if fields is None:
            return None
        (
            account_code,
            src,
            dst,
            context,
            _clid,
            channel,
            dst_channel,
            _last_app,
            _last_data,
            start_text,
            answer_text,
            end_text,
            duration_text,
            billsec_text,
            disposition,
            _ama_flags,
        ) = fields[:BASE_COUNT]
        optional = _optional_columns(fields)

        start = self._start(start_text, answer_text, end_text)
        duration = _counts.get(duration_text)
        if duration is None:
            duration = _seconds(duration_text, 13)
        billsec = _counts.get(billsec_text)
        if billsec is None:
            billsec = _seconds(billsec_text, 14)
        # The disposition says it; the answer time when the disposition is unknown.
        answered = disposition == ANSWERED if disposition in DISPOSITIONS else answer_text != ""

        details, pbx_call_id = _details(fields, optional)
        direction, extension, number, trunk = self._parties(
            context, src, dst, channel, dst_channel, details
        )
        return ParsedCall(
            start=start,
            duration_seconds=billsec,
            ring_seconds=duration - billsec if duration > billsec else 0,
            direction=direction,
            extension=extension_fitting(extension),
            trunk=trunk_fitting(trunk),
            number=number,
            account_code=account_code,
            pbx_call_id=pbx_call_id,
            answered=answered,
            details=details,
        )

    def _parties(
        self, context: str, src: str, dst: str, channel: str, dst_channel: str, details: Details
    ) -> tuple[str, str, str, str]:
        """(direction, extension, number, trunk): see the module docstring. The rule that
        decided the direction goes to ``details``."""
        max_digits = self._max_extension_digits
        source_technology, source_name = _peer(channel)
        source_is_extension = (
            source_technology not in TRUNK_TECHNOLOGIES
            and source_technology != "Local"
            and source_name.isdigit()
            and source_name.isascii()
            and len(source_name) <= max_digits
        )
        target_technology, target_name = _peer(dst_channel) if dst_channel else ("", "")
        target_is_extension = (
            target_technology not in TRUNK_TECHNOLOGIES
            and target_name.isdigit()
            and target_name.isascii()
            and len(target_name) <= max_digits
        )
        source_peer = source_name if source_technology != "Local" else ""
        target_peer = target_name if target_technology != "Local" else ""
        if self._option_contexts or self._extensions:
            direction, rule = self._decided(context, src, dst, source_peer, target_peer)
        else:  # what the names say, inline: this runs on every record
            direction, rule = context_direction(context), Rule.TRUNK_NAME
            if direction:
                pass
            elif is_trunk_name(source_peer):
                direction = Direction.INCOMING
            elif is_trunk_name(target_peer):
                direction = Direction.OUTGOING
        if not direction:
            direction = self._context_direction(context, source_is_extension)
            rule = Rule.DEFAULT
        details[RULE_KEY] = rule

        if direction == Direction.INCOMING:
            extension = self._incoming_extension(dst, target_name, target_is_extension)
            if dst and dst != extension:
                details["dst"] = dst
            trunk = ""
            if channel and source_technology != "Local":
                trunk = _trunk(source_technology, source_name)
            return direction, extension, src, trunk

        # From an extension: the context may have said outgoing; else where it went says.
        extension = self._calling_extension(
            src, source_technology, source_name, source_is_extension
        )
        trunk = ""
        if dst_channel:
            if not target_is_extension or direction == Direction.OUTGOING:
                if target_technology != "Local" and direction != Direction.INTERNAL:
                    trunk = _trunk(target_technology, target_name)
                direction = direction or Direction.OUTGOING
            direction = direction or Direction.INTERNAL
        elif not direction:
            national = dst[1:] if dst[:1] == "+" else dst
            long_number = is_digits(national) and len(national) > max_digits
            direction = Direction.OUTGOING if long_number else Direction.INTERNAL
        return direction, extension, dst, trunk

    def _calling_extension(
        self, src: str, source_technology: str, source_name: str, source_is_extension: bool
    ) -> str:
        """The extension a call that did not come in was made from: the channel's peer
        when it looks like one, else the caller's number, else any peer but a trunk's."""
        if source_is_extension:
            return source_name
        if is_digits(src) and len(src) <= self._max_extension_digits:
            return src
        if source_technology not in TRUNK_TECHNOLOGIES and source_technology != "Local":
            return source_name
        return ""

    def _incoming_extension(self, dst: str, target_name: str, target_is_extension: bool) -> str:
        """The extension an incoming call reached: the site's, when it names them; else
        the channel's peer or the dialled number when either looks like one."""
        known = self._extensions
        if not known:
            if target_is_extension:
                return target_name
            if is_digits(dst) and len(dst) <= self._max_extension_digits:
                return dst
            return ""
        if target_name in known:
            return target_name
        return dst if dst in known else ""

    def _decided(
        self, context: str, src: str, dst: str, source_peer: str, target_peer: str
    ) -> tuple[str, str]:
        """(direction, rule) by the source's own context options, then by what the site
        knows; ``("", "")`` leaves it to the family's default."""
        for contexts, direction in self._option_contexts:
            exact, prefixes = contexts
            if context in exact or context.startswith(prefixes):
                return direction, Rule.OPTION
        if self._extensions:
            known = known_direction(
                self._extensions, self._longest, (src, source_peer), (dst, target_peer)
            )
            if known is not None:
                return known
        direction = context_direction(context)
        if not direction:
            if is_trunk_name(source_peer):
                direction = Direction.INCOMING
            elif is_trunk_name(target_peer):
                direction = Direction.OUTGOING
            else:
                return "", ""
        return direction, Rule.TRUNK_NAME

    def _context_direction(self, context: str, source_is_extension: bool) -> str:
        """The direction the dialplan context says: outgoing, incoming, or ``""`` for a
        call from an extension that its destination decides."""
        exact, prefixes = self._outgoing
        if context in exact or context.startswith(prefixes):
            return Direction.OUTGOING
        exact, prefixes = self._incoming
        if context in exact or context.startswith(prefixes):
            return Direction.INCOMING
        if source_is_extension:
            return ""
        exact, prefixes = self._internal
        if context in exact or context.startswith(prefixes):
            return ""
        return Direction.INCOMING

    def _start(self, value: str, answer_text: str, end_text: str) -> dt.datetime:
        """The ``YYYY-MM-DD HH:MM:SS`` start as an aware UTC time; the answer (empty when
        unanswered) and end stamps are checked for their shape only."""
        day = self._clock.days.get(value[:10])
        since_midnight = TIMES_OF_DAY.get(value[11:])
        # Both parts remembered and a blank between them: the shape was checked before.
        checked = day is not None and since_midnight is not None and value[10:11] == " "
        if not checked and not _STAMP_RE.fullmatch(value):
            raise field_error(_field(10, "start"), value, "is not YYYY-MM-DD HH:MM:SS")
        try:
            day = day or self._day(value)
            if since_midnight is None:
                since_midnight = time_of_day(value[11:])
            start = self._clock.on(day, since_midnight)
        except ValueError:
            raise field_error(_field(10, "start"), value, "is not a valid date and time") from None
        except OverflowError:
            raise field_error(_field(10, "start"), value, "is out of range") from None
        if answer_text and not _STAMP_RE.fullmatch(answer_text):
            raise field_error(
                _field(11, "answer"), answer_text, "is not empty or YYYY-MM-DD HH:MM:SS"
            )
        if end_text and not _STAMP_RE.fullmatch(end_text):
            raise field_error(_field(12, "end"), end_text, "is not YYYY-MM-DD HH:MM:SS")
        return start

    def _day(self, value: str) -> LocalDay:
        """Cache the date of ``value`` in the clock (ValueError: it does not exist)."""
        year, month, day = int(value[:4]), int(value[5:7]), int(value[8:10])
        return self._clock.day(value[:10], year, month, day)


def columns_option(value: object) -> tuple[str, ...] | None:
    """The ``columns`` option as CDR field names in order (``""`` for a literal), or
    ``None`` for Master.csv; RecordError names what is wrong (the source's settings)."""
    if value in (None, "", []):
        return None
    if isinstance(value, str):
        if value.strip() in COLUMN_MAPPINGS:
            return COLUMN_MAPPINGS[value.strip()]
        if "CDR(" in value:  # a legacy mapping line: ${CSV_QUOTE(${CDR(clid)})},...
            names = _MAPPED_NAME_RE.findall(value.partition("=>")[2] or value)
        else:  # an advanced mapping's fields = clid, "literal", uniqueid(noquote), ...
            names = [part.strip() for part in value.split(",")]
    elif isinstance(value, list | tuple):
        names = [str(part).strip() for part in value]
    else:
        raise RecordError(f"columns: {value!r} is not a list of CDR field names")
    columns = tuple(
        "" if name.startswith('"') else name.partition("(")[0].strip().lower() for name in names
    )
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise RecordError(
            f"columns: {', '.join(c or '(literal)' for c in columns)} lack {', '.join(missing)}; "
            f"give cdr_custom-sample or the mapping of cdr_custom.conf"
        )
    return columns


def _custom_fields(text: str, columns: tuple[str, ...]) -> list[str] | None:
    """A cdr_custom record's fields in Master.csv's order with every optional group
    (:data:`ALL_COLUMNS`); ``None`` for a blank line or a header row."""
    line = text.strip(_TRAILING_JUNK + _LEADING_JUNK)
    if not line:
        return None
    try:
        values = next(csv.reader((line,)), None) or []
    except csv.Error as error:
        raise RecordError(f"record is not valid CSV: {error}") from None
    if values and values[0].strip().lower() == columns[0] and columns[0]:
        return None  # a header row
    if len(values) != len(columns):
        raise RecordError(
            f"record has {len(values)} comma-separated fields, the columns option "
            f"({_mapping_name(columns)}) expects {len(columns)}"
        )
    found = dict(zip(columns, values, strict=True))
    return [found.get(name, "") for name in ALL_COLUMNS]


def _mapping_name(columns: tuple[str, ...]) -> str:
    for name, mapping in COLUMN_MAPPINGS.items():
        if mapping == columns:
            return name
    return ", ".join(column or "(literal)" for column in columns)


def _renumbered(message: str, columns: tuple[str, ...]) -> str:
    """``field 12 (end)`` of Master.csv's numbering as the column of this mapping."""

    def place(match: re.Match[str]) -> str:
        name = match[2]
        if name in columns:
            return f"field {columns.index(name) + 1} ({name})"
        return str(match[0])

    return _FIELD_NUMBER_RE.sub(place, message)


# Asterisk's cdr table (cdr_mysql, cdr_adaptive_odbc; FreePBX and Issabel's
# asteriskcdrdb.cdr) names Master.csv's start "calldate", and keeps amaflags as a number.
ROW_REQUIRED = ("src", "dst", "duration", "billsec")
AMA_FLAGS = {"1": "OMIT", "2": "BILLING", "3": "DOCUMENTATION"}
ROW_NAMES = {"start": "calldate"}


def _row_fields(text: str, zone: dt.tzinfo) -> list[str]:
    """A ``cdr`` table row in Master.csv's order with every optional group
    (:data:`ALL_COLUMNS`); times with a UTC offset are written in the parser's ``zone``."""
    values = row_values(text, "cdr table")
    missing = [name for name in ROW_REQUIRED if name not in values]
    if "calldate" not in values and "start" not in values:
        missing.insert(0, "calldate")
    if missing:
        raise RecordError(
            f"row lacks the column(s) {', '.join(missing)} of Asterisk's cdr table"
            " (is the source's family right?)"
        )
    values["start"] = values.get("start") or values.get("calldate", "")
    for name in ("start", "answer", "end"):
        if name in values:
            values[name] = stamp_in_zone(values[name], zone)
    values["amaflags"] = AMA_FLAGS.get(values.get("amaflags", ""), values.get("amaflags", ""))
    return [values.get(name, "") for name in ALL_COLUMNS]


def _fields(text: str) -> list[str] | None:
    """The record's fields; ``None`` for a blank line or a header row."""
    line = text.rstrip(_TRAILING_JUNK)
    if line[:1] != '"':  # cdr_csv always quotes the first field (accountcode)
        line = line.lstrip(_LEADING_JUNK)
        if not line:
            return None
    try:
        fields = next(csv.reader((line,)), None) or []
    except csv.Error as error:
        raise RecordError(f"record is not valid CSV: {error}") from None
    count = len(fields)
    if count and fields[0].strip().lower() == "accountcode":
        return None  # a header row added by a spreadsheet export
    if count < BASE_COUNT or count > MAX_COUNT:
        raise RecordError(
            f"record has {count} comma-separated fields, expected 16 to 21 "
            "(16 plus the uniqueid, userfield and newcdrcolumns groups of cdr.conf)"
        )
    return fields
