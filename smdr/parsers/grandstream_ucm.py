"""Grandstream UCM (UCM61xx, UCM62xx, UCM63xx, UCM6510) CDR: CSV rows or JSON objects.

The UCM keeps an Asterisk-style CDR and gives it out three ways: the web page's CSV
download (CDR > CDR > Download), the CDR API (``https://UCM:8443/cdrapi?format=csv``
or ``format=json``) and the real-time CDR output to a server. A documented record,
from the example output of the Grandstream "UCM6510 CDR Report and CDR API Guide" (and
the UCM6100 Series "CDR and REC API Guide", page 14), the header first: extension
5300 ("pn01") calling extension 5301, 3 s of ringing and 6 s of talk::

    AcctId,accountcode,src,dst,dcontext,clid,channel,dstchannel,lastapp,lastdata,start,
    answer,end,duration,billsec,disposition,amaflags,uniqueid,userfield,channel_ext,
    dstchannel_ext,service
    62,,5300,5301,from-internal,"pn01" <5300>,SIP/5300-00000000,SIP/5301-00000001,Dial,
    SIP/5301,60,,2013-12-03 11:46:40,2013-12-03 11:46:43,2013-12-03 11:46:49,9,6,ANSWERED,
    DOCUMENTATION,1386092800.0,EXT,5300,5301,s

(two lines, wrapped here). The same call in the API's JSON is an object of the
``"cdr"`` list: ``{ "AcctId": "62", "accountcode": "", "src": "5300", "dst": "5301",
... "lastdata": "SIP/5301,60,", ... "service": "s" }``. Newer firmware adds
``session``, ``action_owner``, ``action_type``, ``src_trunk_name`` and
``dst_trunk_name`` (UCM6xxx "CDR and REC API Guide", "New field" sections); UCM63xx
JSON may wrap each call's main leg in ``main_cdr``.

Options (the source's settings):

* ``columns`` (list of names): the CSV's columns in order, as its header row names
  them. Default: the 22 columns above. A header row in the data decides the columns
  from then on; names match without regard to case, blanks or ``_`` and the web
  download's titles (``Caller Number``, ``Start Time``, ``Talk Time``...) are the API's
  names. ``start`` is required. JSON objects are read by their keys.
* ``max_extension_digits`` (int, default 6): a channel named by a number this long or
  shorter (``SIP/5300-00000000``) is an extension's.

Format decisions, where the documentation leaves room:

* ``lastdata`` holds the dialled application's arguments with their commas, unquoted
  (``SIP/5301,60,``): a line with more fields than columns gives the extra ones back to
  ``lastdata``. ``clid`` is ``"name" <number>``; the name goes to details.
* Times are local to the UCM (set the source's zone to the UCM's). ``duration_seconds``
  is ``billsec`` (answer to end), ``ring_seconds`` is ``duration - billsec``;
  ``answered`` is the disposition ``ANSWERED`` (``NO ANSWER``, ``BUSY``, ``FAILED``
  are not).
* Direction, in order: the site's known extensions (``src`` or ``channel_ext`` calling,
  ``dst`` or ``dstchannel_ext`` called); ``userfield`` (``IN``/``Inbound``,
  ``OUT``/``Outbound``, ``EXT``/``Internal``: the guide's internal call has ``EXT``,
  the others are [INFERENCE] from the CDR filter's call types); a ``src_trunk_name`` (incoming) or
  ``dst_trunk_name`` (outgoing); then the channels: from an extension's channel (or a
  ``channel_ext``) to another extension is internal, to anything else outgoing, and a
  call from any other channel is incoming. Without channel columns, a number of at
  most ``max_extension_digits`` digits is an extension.
* ``dst`` ``s`` is an analogue (FXO) line's call whose called number the UCM does not
  know (the guide's "Call To shows s"): it is blank.
* The extension is ``channel_ext`` (else the calling channel's number, else ``src``) of
  a call made, and ``dstchannel_ext`` (else the called channel's number, else ``dst``)
  of one received. The number is ``dst`` of a call made, ``src`` of one received.
* The trunk is the trunk name column, else the trunk channel's name: the guide's
  ``SIP/trunk_X/NUM`` (out) and ``SIP/trunk_X-XXXXXX`` (in) give ``trunk_X``; an
  analogue ``DAHDI/1-1`` gives ``DAHDI/1``.
* ``pbx_call_id`` is ``session`` when logged (shared by the legs of a call), else
  ``uniqueid``. ``account_code`` is ``accountcode`` (a PIN group's name when PIN group
  CDR is on). Details keep ``AcctId``, the disposition, the caller's name, ``lastapp``,
  ``userfield``, ``action_type``, ``action_owner`` and the columns not read, when not
  empty.
* Blank lines and header rows are noise; a line whose count of fields is not the
  columns' is an error saying both counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from smdr.schema import Kind, Setting, gettext_noop, schema

from .base import Details, Direction, ParsedCall, Parser, ParserSettings, RecordError, is_digits
from .clock import LocalClock
from .direction import RULE_KEY, Rule, known_direction
from .limits import extension_fitting, trunk_fitting
from .named_columns import (
    KEY_LABELS,
    LocalStamps,
    NamedColumns,
    alias_table,
    json_object,
    party,
    seconds,
)
from .options import digits_option, digits_setting

DEFAULT_COLUMNS = (
    "AcctId",
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
    "uniqueid",
    "userfield",
    "channel_ext",
    "dstchannel_ext",
    "service",
)
# Newer firmware's columns, after the 22 (the simulator and the docs show them).
NEWER_COLUMNS = (
    *DEFAULT_COLUMNS,
    "session",
    "action_owner",
    "action_type",
    "src_trunk_name",
    "dst_trunk_name",
)
DEFAULT_MAX_EXTENSION_DIGITS = 6

# The API's names, and the web download's titles [INFERENCE: from the "CDR Report
# Data Fields" and "Downloaded CDR File" sections of the guides].
ALIASES = alias_table(
    {
        "acctid": ("AcctId",),
        "accountcode": ("Account Code",),
        "src": ("Caller Number", "Call From"),
        "dst": ("Callee Number", "Call To"),
        "dcontext": ("Context",),
        "clid": ("Caller ID", "Caller Name"),
        "channel": ("Source Channel",),
        "dstchannel": ("Dest Channel", "Destination Channel"),
        "lastapp": ("Last App", "Last Application"),
        "lastdata": ("Last Data",),
        "start": ("Start Time",),
        "answer": ("Answer Time",),
        "end": ("End Time",),
        "duration": ("Call Time",),
        "billsec": ("Talk Time",),
        "disposition": ("Status",),
        "amaflags": ("AMA Flags",),
        "uniqueid": ("Unique ID",),
        "userfield": ("User Field",),
        "channel_ext": ("Source Channel Ext",),
        "dstchannel_ext": ("Dest Channel Ext", "Destination Channel Ext"),
        "service": (),
        "session": (),
        "action_owner": ("Action Owner",),
        "action_type": ("Action Type",),
        "src_trunk_name": ("Source Trunk Name", "Source Trunk"),
        "dst_trunk_name": ("Dest Trunk Name", "Destination Trunk Name", "Destination Trunk"),
    }
)
_READ = (
    "acctid",
    "accountcode",
    "src",
    "dst",
    "clid",
    "channel",
    "dstchannel",
    "lastapp",
    "start",
    "duration",
    "billsec",
    "disposition",
    "uniqueid",
    "userfield",
    "channel_ext",
    "dstchannel_ext",
    "session",
    "action_owner",
    "action_type",
    "src_trunk_name",
    "dst_trunk_name",
)
# Columns not read that say nothing a call needs: left in the raw record.
_RAW_ONLY = frozenset({"dcontext", "lastdata", "answer", "end", "amaflags", "service"})
_USERFIELD_DIRECTIONS = {
    "in": Direction.INCOMING,
    "inbound": Direction.INCOMING,
    "out": Direction.OUTGOING,
    "outbound": Direction.OUTGOING,
    "ext": Direction.INTERNAL,
    "internal": Direction.INTERNAL,
}
_ANALOGUE = frozenset({"DAHDI", "ZAP"})


class GrandstreamUCMParser(Parser):
    """Parses Grandstream UCM CDR rows (CSV, columns by header) and JSON objects."""

    family = "grandstream-ucm"
    label = "Grandstream UCM CDR"
    options = schema(
        Setting(
            "columns",
            Kind.LIST,
            list(DEFAULT_COLUMNS),
            gettext_noop("The CDR columns, in the order of the export's header row."),
        ),
        digits_setting(DEFAULT_MAX_EXTENSION_DIGITS),
    )

    def __init__(self, settings: ParserSettings):
        super().__init__(settings)
        options = settings.options or {}
        self._columns = NamedColumns(
            options=options,
            aliases=ALIASES,
            read=_READ,
            default=DEFAULT_COLUMNS,
            required=("start",),
            spill="lastdata",
            raw_only=_RAW_ONLY,
        )
        self._max_digits = digits_option(
            options, "max_extension_digits", DEFAULT_MAX_EXTENSION_DIGITS
        )
        self._stamps = LocalStamps(LocalClock(settings.time_zone))
        self._extensions = settings.extensions
        self._longest = settings.longest_extension

    def parse(self, text: str, received_at: dt.datetime | None = None) -> ParsedCall | None:
        """Parse one CDR row or JSON object; ``None`` for a blank line or a header row."""
        columns = self._columns
        if text.lstrip()[:1] == "{":
            field = KEY_LABELS
            values, extras = columns.object_values(json_object(text, ("main_cdr",)))
        else:
            fields = columns.fields(text)
            if fields is None:
                return None
            field = columns.labels
            values = columns.values(fields)
            extras = columns.extra_values(fields)
        return self._call(values, extras, field)

    def _call(
        self, values: tuple[str, ...], extras: dict[str, str], field: Mapping[str, str]
    ) -> ParsedCall:
        """The call of a record's values (``field`` names a column in messages)."""
        (
            acct_id,
            account_code,
            src,
            dst,
            clid,
            channel,
            dstchannel,
            lastapp,
            start_text,
            duration_text,
            billsec_text,
            disposition,
            unique_id,
            userfield,
            channel_ext,
            dstchannel_ext,
            session,
            action_owner,
            action_type,
            src_trunk,
            dst_trunk,
        ) = values
        start = self._stamps.utc(start_text, field["start"])
        talk = seconds(billsec_text, field["billsec"])
        # Without a duration (an export of a few columns), the talk is the whole call.
        total = seconds(duration_text, field["duration"]) if duration_text else talk
        if talk > total:
            raise RecordError(
                f"{field['billsec']}: {talk} s of talk is longer than the call's"
                f" {field['duration']} of {total} s"
            )
        if "<" in src:  # the web page's "Call From": "John Doe"<6012>
            src, name = party(src)
            clid = clid or f'"{name}" <{src}>'
        dst = party(dst)[0]
        if dst == "s":  # an FXO line's call: the called number is not known
            dst = ""
        disposition = disposition.strip().upper()
        answered = disposition == "ANSWERED" if disposition else talk > 0

        caller_ext, caller_trunk = self._end(channel, channel_ext, src)
        callee_ext, callee_trunk = self._end(dstchannel, dstchannel_ext, dst)
        details: Details = {"acct_id": acct_id} if acct_id else {}
        direction = self._direction(
            (src, caller_ext), (dst, callee_ext), userfield, (src_trunk, dst_trunk), details
        )
        if direction == Direction.INCOMING:
            extension = callee_ext or dst
            number = src
            trunk = src_trunk or caller_trunk
        else:
            extension = caller_ext or src
            number = dst
            trunk = (dst_trunk or callee_trunk) if direction == Direction.OUTGOING else ""
        if disposition:
            details["disposition"] = disposition
        _, name = party(clid)
        if name and name != src:
            details["caller_name"] = name
        if lastapp:
            details["lastapp"] = lastapp
        if userfield:
            details["userfield"] = userfield
        if action_type:
            details["action_type"] = action_type
        if action_owner:
            details["action_owner"] = action_owner
        if session and unique_id:
            details["uniqueid"] = unique_id
        details.update(extras)
        return ParsedCall(
            start=start,
            duration_seconds=talk,
            ring_seconds=total - talk,
            direction=direction,
            extension=extension_fitting(extension),
            trunk=trunk_fitting(trunk),
            number=number,
            account_code=account_code,
            pbx_call_id=session or unique_id,
            answered=answered,
            details=details,
        )

    def _end(self, channel: str, channel_ext: str, number: str) -> tuple[str, str]:
        """(the extension, the trunk) one end's channel is (one of them, or neither):
        ``PJSIP/5300-0000001a`` is extension 5300, ``SIP/trunk_1/0351...`` and
        ``SIP/trunk_1-0000001b`` are trunk_1. Without a channel (a web export of a few
        columns), a short number is an extension."""
        if channel_ext:
            return channel_ext, ""
        if not channel:
            short = is_digits(number) and len(number) <= self._max_digits
            return (number if short else ""), ""
        technology, _, rest = channel.partition("/")
        technology = technology.upper()
        if technology in _ANALOGUE:  # FXO or FXS port: an extension only by channel_ext
            return "", channel.rsplit("-", 1)[0]
        if technology == "LOCAL":  # dialplan plumbing, not a party
            return "", ""
        name = rest.partition("/")[0] if "/" in rest else rest.rpartition("-")[0] or rest
        if is_digits(name) and len(name) <= self._max_digits:
            return name, ""
        return "", name

    def _direction(
        self,
        callers: tuple[str, str],
        callees: tuple[str, str],
        userfield: str,
        trunks: tuple[str, str],
        details: Details,
    ) -> str:
        """The call's direction, by the rules of the module docstring (the rule that
        decided goes to details)."""
        known = known_direction(self._extensions, self._longest, callers, callees)
        if known is not None:
            details[RULE_KEY] = known[1]
            return known[0]
        details[RULE_KEY] = Rule.DEFAULT
        said = _USERFIELD_DIRECTIONS.get(userfield.strip().lower())
        if said is not None:
            return said
        src_trunk, dst_trunk = trunks
        if src_trunk:
            return Direction.INCOMING
        if dst_trunk:
            return Direction.OUTGOING
        if not callers[1]:
            return Direction.INCOMING
        return Direction.INTERNAL if callees[1] else Direction.OUTGOING
