"""Yeastar S-Series and P-Series CDR: CSV exports (columns by header) and API objects.

Both series keep one record per call leg and give it out as a CSV download (web
portal, scheduled e-mail), through their API (a CSV file or JSON) and as a ``NewCdr``
event pushed when a call ends. The two series name and order the fields differently,
so the ``variant`` option picks the default columns and a header row decides them.

S-Series: the CDR report's parameters (Yeastar S-Series developer guide, "CDR
Report" and "NewCdr"): ``cdrid``, ``timestart``, ``callfrom``, ``callto``,
``callduraction`` (sic), ``talkduraction``, ``srctrunkname``, ``desttrunkname``,
``status``, ``type``, ``pincode``, ``recording``, ``didnumber``, ``agentringtime``,
``sn``. A documented record, the guide's example of extension 1005 calling the
outside number 9283737733 over trunk SPS-6-36 (help.yeastar.com, "CDR Report")::

    {"action": "NewCdr", "callid": "1547392142.330", "timestart": "2019-01-13 23:09:02",
     "callfrom": "1005", "callto": "9283737733", "desttrunkname": "SPS-6-36",
     "callduraction": "6", "talkduraction": "3", "status": "ANSWERED",
     "type": "Outbound", ...}

and the same call as a CSV row in those columns [DERIVED]::

    1547392142.330,2019-01-13 23:09:02,1005,9283737733,6,3,,SPS-6-36,ANSWERED,Outbound,,,,,

P-Series: the CDR's items in the order of the P-Series administrator guide ("Call
Detail Record (CDR) Overview"): ID, Time, Call From, Call To, Call Duration, Ring
Duration, Talk Duration, Status, Reason, Source Trunk, Destination Trunk,
Communication Type, DID/DDI, Outbound Caller ID, Caller IP Address, PIN Code, Recording
File. "Call From" and "Call To" carry a name and a number (``Leo Ball<1000>``).

Options (the source's settings):

* ``variant``: ``s-series`` (default) or ``p-series``: the default columns above.
* ``columns`` (list of names): the CSV's columns in order, as its header row names
  them; default: the variant's. A header row in the data decides the columns from then
  on; names match without regard to case, blanks or punctuation, and the web titles
  (``Call From``), the S-Series API names (``callfrom``) and the P-Series API names
  (``call_from``) are the same column. JSON objects are read by their keys.
* ``day_first`` (bool, default false): a date that ends with the year (the P-Series
  display formats ``MM/DD/YYYY``, ``DD/MM/YYYY``) is day first. ``AM``/``PM`` times
  are read too.

Format decisions, where the documentation leaves room:

* Times are local to the PBX (set the source's zone to the PBX's). ``duration_seconds``
  is the talk duration; ``ring_seconds`` the ring duration where given, else the call
  duration minus the talk duration. Durations are seconds (``21``) or ``H:MM:SS``.
* ``answered`` is the status ``ANSWERED``; ``NO ANSWER``, ``BUSY``, ``FAILED``,
  ``VOICEMAIL`` and ``ABANDONED`` are not (a voicemail took the call, no person).
* Direction: the site's known extensions first, then the communication type
  (``Inbound``, ``Outbound``, ``Internal``), then a source trunk (incoming) or a
  destination trunk (outgoing); else internal.
* A call made has the caller as its extension and the callee as the number, out on the
  destination trunk; a call received has the callee as its extension, the caller as
  its number, in on the source trunk. A name before ``<number>`` goes to details.
* ``pbx_call_id`` is the ID (``cdrid``, ``callid``, ``uid``). ``account_code`` is the
  PIN code of a restricted outbound route. Details keep the status, the reason, the
  DID, the outbound caller ID, the caller's IP address, the queue's agent ring time and
  the columns not read, when not empty.
* Blank lines and header rows are noise; a line whose count of fields is not the
  columns' is an error saying both counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from smdr.schema import Kind, Setting, gettext_noop, schema

from .base import Details, Direction, ParsedCall, Parser, ParserSettings, RecordError
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
from .options import bool_option, choice_option

VARIANTS = ("s-series", "p-series")
S_SERIES_COLUMNS = (
    "cdrid",
    "timestart",
    "callfrom",
    "callto",
    "callduraction",
    "talkduraction",
    "srctrunkname",
    "desttrunkname",
    "status",
    "type",
    "pincode",
    "recording",
    "didnumber",
    "agentringtime",
    "sn",
)
P_SERIES_COLUMNS = (
    "ID",
    "Time",
    "Call From",
    "Call To",
    "Call Duration",
    "Ring Duration",
    "Talk Duration",
    "Status",
    "Reason",
    "Source Trunk",
    "Destination Trunk",
    "Communication Type",
    "DID/DDI",
    "Outbound Caller ID",
    "Caller IP Address",
    "PIN Code",
    "Recording File",
)
DEFAULT_COLUMNS = {"s-series": S_SERIES_COLUMNS, "p-series": P_SERIES_COLUMNS}

ALIASES = alias_table(
    {
        "id": ("cdrid", "callid", "uid", "ID"),
        "time": ("timestart", "Start Time"),
        "call_from": ("callfrom", "Caller"),
        "call_to": ("callto", "Callee"),
        "call_duration": ("callduraction", "callduration", "Call Duration(s)", "Duration"),
        "ring_duration": ("ringduration", "Ring Duration(s)"),
        "talk_duration": ("talkduraction", "talkduration", "Talk Duration(s)"),
        "status": ("disposition", "Last Status"),
        "reason": (),
        "src_trunk": ("srctrunkname", "Source Trunk"),
        "dst_trunk": ("desttrunkname", "dsttrcunkname", "dsttrunkname", "Destination Trunk"),
        "call_type": ("type", "Communication Type"),
        "did": ("didnumber", "did_number", "DID/DDI"),
        "outbound_cid": ("Outbound Caller ID",),
        "src_addr": ("Caller IP Address",),
        "pin_code": ("pincode", "PIN Code"),
        "recording": ("record_file", "Recording File"),
        "agent_ring_time": ("agentringtime",),
        "sn": (),
    }
)
_READ = (
    "id",
    "time",
    "call_from",
    "call_to",
    "call_duration",
    "ring_duration",
    "talk_duration",
    "status",
    "src_trunk",
    "dst_trunk",
    "call_type",
    "pin_code",
)
# Kept in details by these names when not empty (agent_ring_time unless "0").
_KEPT = {
    "reason": "reason",
    "did": "did",
    "outbound_cid": "outbound_caller_id",
    "src_addr": "caller_ip",
    "agent_ring_time": "agent_ring_seconds",
}
# Columns and keys that say nothing a call needs: left in the raw record.
_RAW_ONLY = frozenset({"recording", "sn", "event", "action", "timestamp"})
_TYPE_DIRECTIONS = {
    "inbound": Direction.INCOMING,
    "outbound": Direction.OUTGOING,
    "internal": Direction.INTERNAL,
}


class YeastarParser(Parser):
    """Parses Yeastar S-Series and P-Series CDR rows (CSV by header) and JSON objects."""

    family = "yeastar"
    label = "Yeastar S-Series / P-Series CDR"
    options = schema(
        Setting(
            "variant",
            Kind.CHOICE,
            "s-series",
            gettext_noop("Which Yeastar series: its CDR columns are the default."),
            choices=VARIANTS,
        ),
        Setting(
            "columns",
            Kind.LIST,
            None,
            gettext_noop("The CDR columns, in the order of the export's header row."),
        ),
        Setting(
            "day_first",
            Kind.BOOL,
            False,
            gettext_noop("Dates that end with the year are day first (DD/MM/YYYY)."),
        ),
    )

    def __init__(self, settings: ParserSettings):
        super().__init__(settings)
        options = settings.options or {}
        self.variant = choice_option(options, "variant", "s-series", VARIANTS)
        if options.get("columns") is None:
            options = {**options, "columns": list(DEFAULT_COLUMNS[self.variant])}
        self._columns = NamedColumns(
            options=options,
            aliases=ALIASES,
            read=_READ,
            default=DEFAULT_COLUMNS[self.variant],
            required=("time", "talk_duration"),
            raw_only=_RAW_ONLY,
        )
        day_first = bool_option(options, "day_first", False, words=True)
        self._stamps = LocalStamps(LocalClock(settings.time_zone), day_first)
        self._extensions = settings.extensions
        self._longest = settings.longest_extension

    def parse(self, text: str, received_at: dt.datetime | None = None) -> ParsedCall | None:
        """Parse one CDR row or JSON object; ``None`` for a blank line or a header row."""
        columns = self._columns
        if text.lstrip()[:1] == "{":
            field = KEY_LABELS
            values, extras = columns.object_values(json_object(text))
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
            call_id,
            time_text,
            call_from,
            call_to,
            call_text,
            ring_text,
            talk_text,
            status,
            src_trunk,
            dst_trunk,
            call_type,
            pin_code,
        ) = values
        start = self._stamps.utc(time_text, field["time"])
        talk = seconds(talk_text, field["talk_duration"])
        if ring_text.strip():
            ring = seconds(ring_text, field["ring_duration"])
        elif not call_text.strip():
            ring = 0  # neither ring nor call duration: the talk is the whole call
        else:
            total = seconds(call_text, field["call_duration"])
            if talk > total:
                raise RecordError(
                    f"{field['talk_duration']}: {talk} s of talk is longer than the call's"
                    f" {field['call_duration']} of {total} s"
                )
            ring = total - talk
        status = status.strip().upper()
        caller, caller_name = party(call_from)
        callee, callee_name = party(call_to)
        details: Details = {"status": status} if status else {}
        direction = self._direction(caller, callee, call_type, src_trunk, dst_trunk, details)
        if direction == Direction.INCOMING:
            extension, number, trunk = callee, caller, src_trunk
            name = caller_name
        else:
            extension, number = caller, callee
            trunk = dst_trunk if direction == Direction.OUTGOING else ""
            name = callee_name
        if name:
            details["caller_name" if direction == Direction.INCOMING else "callee_name"] = name
        for key, value in extras.items():
            kept = _KEPT.get(key, key)
            if kept != "agent_ring_seconds" or value != "0":
                details[kept] = value
        return ParsedCall(
            start=start,
            duration_seconds=talk,
            ring_seconds=ring,
            direction=direction,
            extension=extension_fitting(extension),
            trunk=trunk_fitting(trunk),
            number=number,
            account_code=pin_code,
            pbx_call_id=call_id,
            answered=status == "ANSWERED" if status else talk > 0,
            details=details,
        )

    def _direction(
        self,
        caller: str,
        callee: str,
        call_type: str,
        src_trunk: str,
        dst_trunk: str,
        details: Details,
    ) -> str:
        """The call's direction, by the rules of the module docstring."""
        known = known_direction(self._extensions, self._longest, (caller,), (callee,))
        if known is not None:
            details[RULE_KEY] = known[1]
            return known[0]
        details[RULE_KEY] = Rule.DEFAULT
        said = _TYPE_DIRECTIONS.get(call_type.strip().lower())
        if said is not None:
            return said
        if src_trunk:
            return Direction.INCOMING
        if dst_trunk:
            return Direction.OUTGOING
        return Direction.INTERNAL
