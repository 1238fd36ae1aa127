"""3CX V20's CDR table (``cdroutput``), one call segment per row: the ``v20`` layout of
the ``3cx`` family (:mod:`smdr.parsers.threecx`).

V20 keeps its call records in the PostgreSQL table ``cdroutput``; its rows reach us as
a CSV export (``COPY cdroutput TO ... CSV HEADER``, a report tool's export) or one row
a record. The columns and their values are those of a public V20 schema note (the
``cdroutput`` table of a 3CX V20 backup, documented column by column with examples) and
of public V20 reports that query it (``termination_reason`` values
``src_participant_terminated``, ``dst_participant_terminated``, ``continued_in``,
``cancelled``; entity types ``extension``, ``external_line``, ``outbound_rule``,
``script``, ``ring_group_ring_all``, ``queue``, ``voicemail``, ``inbound_routing``). No
exported file was found, so the tests build rows from those documented columns and
examples ([DERIVED], not a capture); one of an incoming call answered at extension 116,
as name=value for its non-empty columns::

    cdr_id=00000000-01dc-688a-2607-57e500000c10
    call_history_id=00000000-01dc-688a-2607-3bc20000028e
    source_entity_type=external_line source_dn_number=10001 source_dn_type=provider
    source_dn_name=FHSI source_participant_phone_number=4073650906
    source_participant_trunk_did=383_2318 destination_entity_type=extension
    destination_dn_number=116 destination_dn_type=extension
    destination_dn_name=Rasheed, Dina creation_method=route_to
    termination_reason=dst_participant_terminated
    cdr_started_at=2025-12-08 21:32:26.70634+00 cdr_answered_at=2025-12-08 21:32:29.322063+00
    cdr_ended_at=2025-12-08 21:33:26.895684+00

Format decisions, where the source leaves room:

* Columns are found by name: :data:`V20_COLUMNS` (the schema note's order) unless the
  source's ``columns`` option or a header row gives them. A row of another count of
  fields is an error naming both counts; blank lines and the header are noise.
* Times are PostgreSQL ``timestamptz`` text (``2025-12-08 21:32:26.70634+00``) or ISO
  8601 (``T``, ``Z``); one without an offset is read in the source's zone. Fractions of a
  second are dropped (as other families, to the second; the durations run between the
  whole seconds). An empty ``cdr_answered_at`` (or ``\\N``,
  ``NULL``) means not answered. ``duration_seconds`` runs from answer to end,
  ``ring_seconds`` from start to answer (or to the end when not answered).
* A row is a segment: V20 writes one per routing step (inbound rule, IVR, queue, the
  extension that answered), all sharing ``call_history_id``, which is the call's
  ``pbx_call_id``; ``cdr_id`` and ``creation_method`` go to details, so reports can
  tell the steps apart.
* Direction: the site's known extensions first (``smdr.parsers.direction``), then the
  entity types: from an ``external_line`` (or a ``provider`` DN) is incoming, with that
  DN as the trunk, the caller's phone number as the number and the destination DN as
  the extension; to an ``external_line`` or ``outbound_rule`` (or a ``provider`` DN) is
  outgoing, the source DN the extension and the destination's phone number the number;
  anything else is internal (source DN to destination DN).
* Details keep the ids, the reasons, the creation method and forward reason, the names,
  the trunk DID and the entity types, when not empty.
"""

from __future__ import annotations

import csv
import datetime as dt
import operator
from collections.abc import Sequence

from .base import Details, Direction, ParsedCall, ParserSettings, RecordError, field_error
from .direction import RULE_KEY, Rule, known_direction
from .limits import extension_fitting, trunk_fitting

V20_COLUMNS = (
    "cdr_id",
    "call_history_id",
    "source_participant_id",
    "source_entity_type",
    "source_dn_number",
    "source_dn_type",
    "source_dn_name",
    "source_participant_name",
    "source_participant_phone_number",
    "source_participant_trunk_did",
    "source_participant_is_incoming",
    "source_participant_is_already_connected",
    "source_participant_group_name",
    "source_participant_billing_suffix",
    "destination_participant_id",
    "destination_entity_type",
    "destination_dn_number",
    "destination_dn_type",
    "destination_dn_name",
    "destination_participant_name",
    "destination_participant_phone_number",
    "destination_participant_trunk_did",
    "destination_participant_is_incoming",
    "destination_participant_is_already_connected",
    "destination_participant_group_name",
    "destination_participant_billing_suffix",
    "base_cdr_id",
    "originating_cdr_id",
    "creation_method",
    "creation_forward_reason",
    "termination_reason",
    "terminated_by_participant_id",
    "continued_in_cdr_id",
    "cdr_started_at",
    "cdr_ended_at",
    "cdr_answered_at",
    "termination_reason_details",
    "processed",
    "migrated",
    "main_call_history_id",
    "source_presentation",
    "offload_id",
)
_V20_NAMES = frozenset(V20_COLUMNS)
# Columns the reader needs: a header or columns option without them is refused.
REQUIRED = ("cdr_started_at", "cdr_ended_at")
# Read columns, in the order _read unpacks them.
_READ = (
    "call_history_id",
    "cdr_started_at",
    "cdr_answered_at",
    "cdr_ended_at",
    "source_entity_type",
    "source_dn_number",
    "source_dn_type",
    "source_participant_phone_number",
    "destination_entity_type",
    "destination_dn_number",
    "destination_dn_type",
    "destination_participant_phone_number",
)
_KEPT = (
    "cdr_id",
    "main_call_history_id",
    "termination_reason",
    "termination_reason_details",
    "creation_method",
    "creation_forward_reason",
    "source_entity_type",
    "destination_entity_type",
    "source_dn_name",
    "destination_dn_name",
    "source_participant_name",
    "destination_participant_name",
    "source_participant_trunk_did",
    "destination_participant_trunk_did",
    "source_presentation",
)
_EXTERNAL_ENTITIES = frozenset({"external_line"})
_OUTGOING_ENTITIES = frozenset({"external_line", "outbound_rule"})
_NULLS = frozenset({"", "\\N", "NULL", "null"})
_MAX_SECONDS = 999_999_999


def is_v20_header(first_field: str) -> bool:
    """Whether a row starting with ``first_field`` is a V20 ``cdroutput`` header (its
    first column is one of the table's)."""
    return first_field.strip().strip('"').lower() in _V20_NAMES


def v20_names(values: Sequence[str]) -> tuple[str, ...]:
    """Column names as the reader matches them (case and blanks aside); RecordError
    when the columns the reader needs are missing."""
    names = tuple(value.strip().strip('"').lower() for value in values)
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise RecordError(
            f"3CX V20 columns lack {', '.join(missing)}: set the columns option to the"
            " header row of the export (cdr_id,call_history_id,...)"
        )
    return names


class CdrOutputReader:
    """Reads ``cdroutput`` rows with the columns ``names``."""

    def __init__(self, names: tuple[str, ...], settings: ParserSettings):
        self.names = names
        self.count = len(names)
        position: dict[str, int] = {}
        for index, name in enumerate(names):
            position.setdefault(name, index)
        self._get = operator.itemgetter(*(position.get(name, -1) for name in _READ))
        self._kept = tuple((position[name], name) for name in _KEPT if name in position)
        self._zone = settings.time_zone
        self._extensions = settings.extensions
        self._longest = settings.longest_extension

    def fields(self, line: str) -> list[str]:
        """The row's fields and "" after them (for the columns not in the export)."""
        if '"' in line:
            try:
                fields = next(csv.reader((line,)), None) or []
            except csv.Error as error:
                raise RecordError(f"record is not valid CSV: {error}") from None
        else:
            fields = line.split(",")
        if len(fields) != self.count:
            raise RecordError(
                f"record has {len(fields)} comma-separated fields, the 3CX V20 columns"
                f" are {self.count} ({', '.join(self.names[:3])}, ...); set the columns"
                " option to the export's header row"
            )
        fields.append("")
        return fields

    def parse(self, fields: list[str]) -> ParsedCall:
        (
            history_id,
            start_text,
            answer_text,
            end_text,
            source_entity,
            source_dn,
            source_dn_type,
            source_phone,
            destination_entity,
            destination_dn,
            destination_dn_type,
            destination_phone,
        ) = self._get(fields)
        start = self._time(start_text, "cdr_started_at")
        answered_at = (
            self._time(answer_text, "cdr_answered_at") if answer_text not in _NULLS else None
        )
        ended_at = self._time(end_text, "cdr_ended_at") if end_text not in _NULLS else None
        duration = 0
        if answered_at is not None:
            ring = _seconds(start, answered_at)
            if ended_at is not None:
                duration = _seconds(answered_at, ended_at)
        else:
            ring = _seconds(start, ended_at) if ended_at is not None else 0
        if ring > _MAX_SECONDS or duration > _MAX_SECONDS:
            raise field_error("cdr_ended_at", end_text, "is too long after cdr_started_at")

        details: Details = {}
        for index, name in self._kept:
            value = fields[index]
            if value not in _NULLS:
                details[name] = value
        from_external = source_entity in _EXTERNAL_ENTITIES or source_dn_type == "provider"
        to_external = destination_entity in _OUTGOING_ENTITIES or destination_dn_type == "provider"
        known = known_direction(
            self._extensions,
            self._longest,
            (source_dn, source_phone),
            (destination_dn, destination_phone),
        )
        if known is None:
            details[RULE_KEY] = Rule.DEFAULT
            if from_external:
                direction = Direction.INCOMING
            elif to_external:
                direction = Direction.OUTGOING
            else:
                direction = Direction.INTERNAL
        else:
            direction, details[RULE_KEY] = known
        if direction == Direction.INCOMING:
            extension, number = destination_dn, source_phone or source_dn
            trunk = source_dn if from_external else ""
        elif direction == Direction.OUTGOING:
            extension, number = source_dn, destination_phone or destination_dn
            trunk = destination_dn if destination_entity == "external_line" else ""
        else:
            extension, number, trunk = source_dn, destination_dn or destination_phone, ""
        return ParsedCall(
            start=start,
            duration_seconds=duration,
            ring_seconds=ring,
            direction=direction,
            extension=extension_fitting(extension),
            trunk=trunk_fitting(trunk),
            number=number,
            pbx_call_id=history_id,
            answered=answered_at is not None,
            details=details,
        )

    def _time(self, value: str, name: str) -> dt.datetime:
        """A ``timestamptz`` or ISO 8601 time, aware (the source's zone without an offset)."""
        try:
            moment = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            shape = "is not a time such as 2025-12-08 21:32:26.70634+00"
            raise field_error(name, value, shape) from None
        # To the second, as every family: durations are whole seconds between them.
        moment = moment.replace(microsecond=0)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self._zone)
        return moment.astimezone(dt.UTC)


def _seconds(earlier: dt.datetime, later: dt.datetime) -> int:
    """Whole seconds from ``earlier`` to ``later`` (0 when the clock went backwards)."""
    return max(0, int((later - earlier).total_seconds()))
