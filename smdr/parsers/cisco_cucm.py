"""Cisco Unified Communications Manager CDR flat files: one call leg per CSV row.

CUCM writes ``cdr_<cluster>_<node>_<yyyymmddhhmm>_<seq>`` files whose first row names
the columns and whose second row gives their SQL types; both are real, from public
CUCM files (``pbx-formats.md`` section 9, ``samples/cisco-cucm``)::

    "cdrRecordType","globalCallID_callManagerId","globalCallID_callId",...
    INTEGER,INTEGER,INTEGER,INTEGER,INTEGER,INTEGER,INTEGER,INTEGER,VARCHAR(50),...

No real CDR data row (cdrRecordType 1) was found, so the tests build data rows from that
header and type row: integers bare, strings quoted, as CUCM writes them. A built row of
an outgoing call, shown as name=value for its non-default columns ([DERIVED] from the
header, not a capture)::

    cdrRecordType=1 globalCallID_callManagerId=1 globalCallID_callId=48553
    dateTimeOrigination=1515145049 origIpAddr=167880896 callingPartyNumber="2001"
    originalCalledPartyNumber="90114155551234#" finalCalledPartyNumber="90114155551234#"
    dateTimeConnect=1515145055 dateTimeDisconnect=1515145175 duration=120
    origDeviceName="SEP0011223344AA" destDeviceName="GW_PSTN_1" clientMatterCode="7788"

Options (the source's settings):

* ``columns`` (list of header names): the column order of the source's files, that is
  the header row of one of its files. CUCM versions add columns, so the parser finds
  each field by name. Default: :data:`CDR_COLUMNS`, the 129-column header of CUCM 9/10
  in the sample. Names match without regard to case or surrounding quotes.
* ``phone_device_prefixes`` (list): device-name prefixes of phones. Default ``SEP``
  (desk phones, IP Communicator), ``CSF`` (Jabber for desktops), ``BOT``, ``TCT``,
  ``TAB`` (Jabber on Android, iPhone, tablets) and ``ATA``. Any other device (gateway,
  SIP or H.323 trunk) is a trunk.
* ``max_extension_digits`` (int, default 6): when a device name is missing, the longest
  all-digit number taken as an extension rather than an outside number.
* ``voicemail_numbers`` (list, default none): the voicemail pilot numbers (Unity
  Connection's pilot, ``8000`` say), so that a phone dialling one is an internal call.
* ``voicemail_device_prefixes`` (list): device-name prefixes of voicemail ports. Default
  ``CiscoUM``, the names the Voice Mail Port Wizard gives.

Format decisions, where the source leaves room:

* String values are quoted and integers bare; a row is split on commas when that gives
  the header's count of columns and the fields read are cleanly quoted, and by the csv
  module otherwise (a comma or a doubled quote inside a value).
* The header row is noise when it matches ``columns``; one that does not match is an
  error that quotes the difference, so the source can be set up with that header. The
  data-type row (``INTEGER,...``), CMR rows (cdrRecordType 2), their header, start
  records (cdrRecordType 0) and blank lines are noise.
* Times are epoch seconds, UTC: ``dateTimeOrigination`` is the start; a
  ``dateTimeConnect`` of 0 means never connected (unanswered). ``duration_seconds`` is
  ``duration`` (connected seconds); ``ring_seconds`` runs from origination to connect, or
  to disconnect when the call never connected.
* Direction (``smdr.parsers.direction``; the rule goes to ``details["direction_rule"]``):
  a phone reaching one of ``voicemail_numbers`` is internal; then the site's known
  extensions (``callingPartyNumber``, ``finalCalledPartyNumber``: a voicemail pilot
  that is an extension makes a phone's call to the voicemail SIP trunk internal), a
  number longer than the longest of them, and a device named like a trunk (from it:
  incoming; a phone's call to it: outgoing, unless it reached voicemail). Else from
  the devices: a call from a phone is internal when it reached a phone
  or voicemail and outgoing when it reached any other device (the trunk); a call from
  any other device is incoming, its trunk that device. With no device name, the numbers
  decide (a short all-digit number is an extension).
* Voicemail sits behind a SIP trunk or ports, not a phone, so a call from a phone that
  was forwarded to it would look outgoing. A call reached voicemail when
  ``finalCalledPartyNumber`` is one of ``voicemail_numbers``, ``destDeviceName`` starts
  with one of ``voicemail_device_prefixes``, or ``lastRedirectRedirectReason`` is a
  forward (1 busy, 2 no answer, 10, 15 forward all, 18 deflection, 50 immediate divert,
  66, 82) to an all-digit number of at most ``max_extension_digits`` digits, that is
  the pilot (a forward to an outside number stays outgoing). Such a call from a phone is
  internal, with no trunk; every call that reached voicemail has
  ``details["voicemail"]``.
* ``number`` is ``finalCalledPartyNumber`` for calls from a phone (the party reached,
  after forwards) and ``callingPartyNumber`` for incoming calls, whose extension is
  ``finalCalledPartyNumber`` (or ``lastRedirectDn`` when the call was forwarded out
  through a trunk, or to voicemail). ``originalCalledPartyNumber`` goes to details when
  it differs.
* A trailing ``#`` (the key that ends dialling on a Cisco phone) is dropped from the
  numbers and not kept in details: it is not part of the number and says nothing about
  the call; the raw record keeps it.
* ``account_code`` is ``clientMatterCode`` (CMC, CUCM's account codes); the forced
  authorization code's description and level go to details.
* ``pbx_call_id`` is ``globalCallID_callId``, which every leg of a call shares.
* IP addresses (``origIpAddr``, ``destIpAddr``) are signed 32-bit integers holding the
  address in little-endian byte order (``167880896`` is 192.168.1.10, ``-939458294`` is
  10.1.1.200); details keep them as dotted quads, or the ``*Ipv4v6Addr`` text of newer
  versions when the integer is 0.
* Details also keep the node (``call_manager_id``), the record's ``pkid``, the non-zero leg ids,
  non-zero Q.850 causes, phone device names, ``lastRedirectDn``, ``huntPilotDN`` and
  ``outpulsedCalledPartyNumber`` when they add something.
"""

from __future__ import annotations

import csv
import datetime as dt
import operator
import re

from smdr.schema import Kind, Setting, gettext_noop, schema

from .base import (
    Details,
    Direction,
    Options,
    ParsedCall,
    Parser,
    ParserSettings,
    RecordError,
    field_error,
    is_digits,
)
from .direction import RULE_KEY, Rule, is_trunk_name, known_direction
from .limits import extension_fitting, trunk_fitting
from .options import digits_option, digits_setting

UTC = dt.UTC

CDR_COLUMNS = (
    "cdrRecordType",
    "globalCallID_callManagerId",
    "globalCallID_callId",
    "origLegCallIdentifier",
    "dateTimeOrigination",
    "origNodeId",
    "origSpan",
    "origIpAddr",
    "callingPartyNumber",
    "callingPartyUnicodeLoginUserID",
    "origCause_location",
    "origCause_value",
    "origPrecedenceLevel",
    "origMediaTransportAddress_IP",
    "origMediaTransportAddress_Port",
    "origMediaCap_payloadCapability",
    "origMediaCap_maxFramesPerPacket",
    "origMediaCap_g723BitRate",
    "origVideoCap_Codec",
    "origVideoCap_Bandwidth",
    "origVideoCap_Resolution",
    "origVideoTransportAddress_IP",
    "origVideoTransportAddress_Port",
    "origRSVPAudioStat",
    "origRSVPVideoStat",
    "destLegIdentifier",
    "destNodeId",
    "destSpan",
    "destIpAddr",
    "originalCalledPartyNumber",
    "finalCalledPartyNumber",
    "finalCalledPartyUnicodeLoginUserID",
    "destCause_location",
    "destCause_value",
    "destPrecedenceLevel",
    "destMediaTransportAddress_IP",
    "destMediaTransportAddress_Port",
    "destMediaCap_payloadCapability",
    "destMediaCap_maxFramesPerPacket",
    "destMediaCap_g723BitRate",
    "destVideoCap_Codec",
    "destVideoCap_Bandwidth",
    "destVideoCap_Resolution",
    "destVideoTransportAddress_IP",
    "destVideoTransportAddress_Port",
    "destRSVPAudioStat",
    "destRSVPVideoStat",
    "dateTimeConnect",
    "dateTimeDisconnect",
    "lastRedirectDn",
    "pkid",
    "originalCalledPartyNumberPartition",
    "callingPartyNumberPartition",
    "finalCalledPartyNumberPartition",
    "lastRedirectDnPartition",
    "duration",
    "origDeviceName",
    "destDeviceName",
    "origCallTerminationOnBehalfOf",
    "destCallTerminationOnBehalfOf",
    "origCalledPartyRedirectOnBehalfOf",
    "lastRedirectRedirectOnBehalfOf",
    "origCalledPartyRedirectReason",
    "lastRedirectRedirectReason",
    "destConversationId",
    "globalCallId_ClusterID",
    "joinOnBehalfOf",
    "comment",
    "authCodeDescription",
    "authorizationLevel",
    "clientMatterCode",
    "origDTMFMethod",
    "destDTMFMethod",
    "callSecuredStatus",
    "origConversationId",
    "origMediaCap_Bandwidth",
    "destMediaCap_Bandwidth",
    "authorizationCodeValue",
    "outpulsedCallingPartyNumber",
    "outpulsedCalledPartyNumber",
    "origIpv4v6Addr",
    "destIpv4v6Addr",
    "origVideoCap_Codec_Channel2",
    "origVideoCap_Bandwidth_Channel2",
    "origVideoCap_Resolution_Channel2",
    "origVideoTransportAddress_IP_Channel2",
    "origVideoTransportAddress_Port_Channel2",
    "origVideoChannel_Role_Channel2",
    "destVideoCap_Codec_Channel2",
    "destVideoCap_Bandwidth_Channel2",
    "destVideoCap_Resolution_Channel2",
    "destVideoTransportAddress_IP_Channel2",
    "destVideoTransportAddress_Port_Channel2",
    "destVideoChannel_Role_Channel2",
    "IncomingProtocolID",
    "IncomingProtocolCallRef",
    "OutgoingProtocolID",
    "OutgoingProtocolCallRef",
    "currentRoutingReason",
    "origRoutingReason",
    "lastRedirectingRoutingReason",
    "huntPilotPartition",
    "huntPilotDN",
    "calledPartyPatternUsage",
    "IncomingICID",
    "IncomingOrigIOI",
    "IncomingTermIOI",
    "OutgoingICID",
    "OutgoingOrigIOI",
    "OutgoingTermIOI",
    "outpulsedOriginalCalledPartyNumber",
    "outpulsedLastRedirectingNumber",
    "wasCallQueued",
    "totalWaitTimeInQueue",
    "callingPartyNumber_uri",
    "originalCalledPartyNumber_uri",
    "finalCalledPartyNumber_uri",
    "lastRedirectDn_uri",
    "mobileCallingPartyNumber",
    "finalMobileCalledPartyNumber",
    "origMobileDeviceName",
    "destMobileDeviceName",
    "origMobileCallDuration",
    "destMobileCallDuration",
    "mobileCallType",
    "originalCalledPartyPattern",
    "finalCalledPartyPattern",
    "lastRedirectingPartyPattern",
    "huntPilotPattern",
)

DEFAULT_PHONE_DEVICE_PREFIXES = ("SEP", "CSF", "BOT", "TCT", "TAB", "ATA")
DEFAULT_MAX_EXTENSION_DIGITS = 6
# Cisco UM / Unity Connection voicemail ports as the Voice Mail Port Wizard names them.
DEFAULT_VOICEMAIL_DEVICE_PREFIXES = ("CiscoUM",)
# lastRedirectRedirectReason codes that forward a call (CUCM CDR guide, redirect reason
# codes; not in pbx-formats.md [UNVERIFIED]): busy, no answer, forward, forward all,
# deflection, immediate divert (to voicemail), alternate party, on failure.
FORWARD_REASONS = frozenset({"1", "2", "10", "15", "18", "50", "66", "82"})

# The columns read, and whether a file must have them, in the order parse unpacks them:
# the call, then the columns only details keep (from _LEG_COLUMNS on).
_READ = (
    ("cdrRecordType", True),
    ("globalCallID_callId", True),
    ("dateTimeOrigination", True),
    ("duration", True),
    ("dateTimeConnect", False),
    ("dateTimeDisconnect", False),
    ("callingPartyNumber", True),
    ("finalCalledPartyNumber", True),
    ("originalCalledPartyNumber", False),
    ("lastRedirectDn", False),
    ("lastRedirectRedirectReason", False),
    ("origDeviceName", False),
    ("destDeviceName", False),
    ("huntPilotDN", False),
    ("outpulsedCalledPartyNumber", False),
    ("clientMatterCode", False),
    ("globalCallID_callManagerId", False),
    ("pkid", False),
    ("origLegCallIdentifier", False),
    ("destLegIdentifier", False),
    ("origIpAddr", False),
    ("origIpv4v6Addr", False),
    ("destIpAddr", False),
    ("destIpv4v6Addr", False),
    ("origCause_value", False),
    ("destCause_value", False),
    ("authCodeDescription", False),
    ("authorizationLevel", False),
)
_LEG_COLUMNS = 16
_READ_INDEX = {name: index for index, (name, _) in enumerate(_READ)}
_CMR_COLUMNS = frozenset({"directorynum", "numberpacketssent", "varvqmetrics"})
_TYPE_RE = re.compile(
    r"(?:INTEGER|BIGINT|SMALLINT|UNIQUEIDENTIFIER|N?VARCHAR\([0-9]+\)|N?CHAR\([0-9]+\))",
    re.ASCII,
)
_LEADING_JUNK = "".join(chr(code) for code in range(33)) + "\x7f\ufeff"
_TRAILING_JUNK = "\r\n\x00 \t"
_MAX_DIGITS = 9  # longest count of seconds accepted (about 31 years)
_MAX_EPOCH_DIGITS = 11  # seconds since 1970, up to year 5138
_ADDRESS_CACHE_LIMIT = 10_000
_NO_ADDRESS = {"": "", "0": ""}  # an empty field and 0: no address
_MAX_EPOCH = 253402300799  # 9999-12-31 23:59:59 UTC
_MAX_SECONDS = 10**_MAX_DIGITS - 1
_EPOCH_PROBLEM = "is not a time in seconds since 1970"
# Bare integer fields: (column, most digits, required, what is wrong otherwise), in the
# order _number_error reports them.
_INTEGER_FIELDS = (
    ("globalCallID_callId", 18, True, "is not an integer"),
    ("dateTimeOrigination", _MAX_EPOCH_DIGITS, True, _EPOCH_PROBLEM),
    ("duration", _MAX_DIGITS, True, "is not a number of seconds"),
    ("dateTimeConnect", _MAX_EPOCH_DIGITS, False, _EPOCH_PROBLEM),
    ("dateTimeDisconnect", _MAX_EPOCH_DIGITS, False, _EPOCH_PROBLEM),
    ("globalCallID_callManagerId", 18, False, "is not an integer"),
    ("origLegCallIdentifier", 18, False, "is not an integer"),
    ("destLegIdentifier", 18, False, "is not an integer"),
    ("origCause_value", 18, False, "is not an integer"),
    ("destCause_value", 18, False, "is not an integer"),
    ("authorizationLevel", 18, False, "is not an integer"),
    ("lastRedirectRedirectReason", 18, False, "is not an integer"),
)
# All of them, joined by commas: digits, at most 18 (so in range of int() and of JSON),
# and not empty when required.
_INTEGERS_RE = re.compile(
    ",".join("[0-9]{1,18}" if required else "[0-9]{0,18}" for _, _, required, _ in _INTEGER_FIELDS)
)


def _dotted_quad(value: int) -> str:
    """An address as CUCM stores it (signed 32-bit, little-endian) in dotted form."""
    value &= 0xFFFFFFFF
    return f"{value & 255}.{value >> 8 & 255}.{value >> 16 & 255}.{value >> 24}"


def _names_option(options: Options, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = options.get(key, default)
    if (
        not isinstance(value, list | tuple)
        or not value
        or not all(isinstance(item, str) and item.strip().strip('"') for item in value)
    ):
        raise RecordError(f"option {key}: {value!r} is not a list of names")
    return tuple(item.strip().strip('"') for item in value)


def _list_option(options: Options, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """A list of non-blank strings, which may be empty."""
    value = options.get(key, default)
    if not isinstance(value, list | tuple) or not all(
        isinstance(item, str) and item.strip() for item in value
    ):
        raise RecordError(f"option {key}: {value!r} is not a list of names or numbers")
    return tuple(item.strip() for item in value)


def _number_details(
    details: Details,
    *,
    number: str,
    extension: str,
    original_called: str,
    last_redirect: str,
    hunt_pilot: str,
    outpulsed_called: str,
) -> None:
    """Add to ``details`` the numbers of the CDR that say more than the call's own:
    the number first dialled, the last redirecting one, the hunt pilot, and what went
    out on the trunk."""
    if original_called and original_called not in (number, extension):
        details["original_called_number"] = original_called
    if last_redirect and last_redirect not in (number, extension, original_called):
        details["last_redirect_dn"] = last_redirect
    if hunt_pilot:
        details["hunt_pilot_dn"] = hunt_pilot
    if outpulsed_called and outpulsed_called != number:
        details["outpulsed_called_number"] = outpulsed_called


class CiscoCUCMParser(Parser):
    """Parses Cisco UCM CDR rows, one call leg per row, columns found by header name."""

    family = "cisco-cucm"
    label = "Cisco Unified CM CDR"
    options = schema(
        Setting(
            "columns",
            Kind.LIST,
            list(CDR_COLUMNS),
            gettext_noop("The CDR file's column names, in order."),
        ),
        Setting(
            "phone_device_prefixes",
            Kind.LIST,
            list(DEFAULT_PHONE_DEVICE_PREFIXES),
            gettext_noop("Device name prefixes of phones."),
        ),
        digits_setting(DEFAULT_MAX_EXTENSION_DIGITS),
        Setting("voicemail_numbers", Kind.LIST, [], gettext_noop("Voicemail pilot numbers.")),
        Setting(
            "voicemail_device_prefixes",
            Kind.LIST,
            list(DEFAULT_VOICEMAIL_DEVICE_PREFIXES),
            gettext_noop("Device name prefixes of voicemail ports."),
        ),
    )

    def __init__(self, settings: ParserSettings):
        super().__init__(settings)
        options = settings.options or {}
        columns = _names_option(options, "columns", CDR_COLUMNS)
        self._columns = columns
        self._count = len(columns)
        self._folded = tuple(name.lower() for name in columns)
        position: dict[str, int] = {}
        for index, name in enumerate(self._folded):
            position.setdefault(name, index)
        missing = [name for name, required in _READ if required and name.lower() not in position]
        if missing:
            raise RecordError(
                f"option columns: the header lacks {', '.join(missing)}, which the parser"
                " needs (set it to the header row of the source's CDR files)"
            )
        # Rows are split no further than the last column read; absent columns read the
        # "" appended to every row (index -1).
        self._indices = tuple(position.get(name.lower(), -1) for name, _ in _READ)
        self._split_count = max(self._indices) + 1
        self._comma_count = self._count - 1
        # The values read from a row: the call's, those for details only, the integers.
        self._read = operator.itemgetter(*self._indices)
        self._call_values = operator.itemgetter(*self._indices[:_LEG_COLUMNS])
        self._leg_values = operator.itemgetter(*self._indices[_LEG_COLUMNS:])
        self._integers = operator.itemgetter(
            *(self._indices[_READ_INDEX[name]] for name, _, _, _ in _INTEGER_FIELDS)
        )
        self._first_name = self._folded[0]
        self._type_index = position["cdrrecordtype"]
        self._phone_prefixes = tuple(
            prefix.upper()
            for prefix in _names_option(
                options, "phone_device_prefixes", DEFAULT_PHONE_DEVICE_PREFIXES
            )
        )
        self._max_extension_digits = digits_option(
            options, "max_extension_digits", DEFAULT_MAX_EXTENSION_DIGITS
        )
        self._voicemail_numbers = frozenset(
            number.removesuffix("#") for number in _list_option(options, "voicemail_numbers", ())
        )
        self._voicemail_prefixes = tuple(
            prefix.upper()
            for prefix in _list_option(
                options, "voicemail_device_prefixes", DEFAULT_VOICEMAIL_DEVICE_PREFIXES
            )
        )
        self._extensions = settings.extensions
        self._longest = settings.longest_extension
        # Integer text -> dotted quad: phones and gateways keep their addresses.
        self._addresses: dict[str, str] = dict(_NO_ADDRESS)

    def parse(self, text: str, received_at: dt.datetime | None = None) -> ParsedCall | None:
        """Parse one CDR row; ``None`` for the header and type rows, CMRs and blanks."""
        row = self._row(text)
        if row is None:
            return None
        (
            record_type,
            call_id,
            origination_text,
            duration_text,
            connect_text,
            disconnect_text,
            calling,
            final_called,
            original_called,
            last_redirect,
            redirect_reason,
            orig_device,
            dest_device,
            hunt_pilot,
            outpulsed_called,
            client_matter_code,
        ) = self._call_values(row)
        if record_type != "1":
            if record_type in ("0", "2"):
                return None  # a start record or a CMR: no call to bill
            raise field_error(self._field("cdrRecordType"), record_type, "is not 0, 1 or 2")
        self._check_integers(row)
        start, duration, ring_seconds, connect = self._times(
            origination_text, duration_text, connect_text, disconnect_text
        )

        # The "#" that ended dialling is not part of the number.
        calling = calling.removesuffix("#")
        final_called = final_called.removesuffix("#")
        original_called = original_called.removesuffix("#")
        last_redirect = last_redirect.removesuffix("#")
        details: Details = {}
        if orig_device:
            from_phone = orig_device.upper().startswith(self._phone_prefixes)
        else:
            from_phone = is_digits(calling) and len(calling) <= self._max_extension_digits
        decided, rule = "", ""
        if self._voicemail_numbers or self._extensions:
            decided, rule = self._decided(from_phone, calling, final_called)
        if decided:
            from_phone = decided != Direction.INCOMING
        if from_phone:
            extension, number = calling, final_called
            direction, trunk = self._phone_call(
                (orig_device, dest_device), final_called, original_called, redirect_reason, details
            )
            if decided == Direction.INTERNAL:
                direction, trunk = decided, ""
            elif decided == Direction.OUTGOING and direction != decided:
                direction = decided
                if not dest_device.upper().startswith(self._phone_prefixes):
                    trunk = dest_device
        else:
            direction, number, trunk = Direction.INCOMING, calling, orig_device
            extension = self._incoming_extension(
                dest_device, final_called, last_redirect, redirect_reason, details
            )
        if not rule:
            # Trunk-like device names agree with the devices' reading (from a device that
            # is no phone: incoming; a phone's call to one: outgoing, unless it reached
            # voicemail), so they only name the rule.
            trunk_side = orig_device if direction == Direction.INCOMING else trunk
            rule = Rule.TRUNK_NAME if is_trunk_name(trunk_side) else Rule.DEFAULT
        details[RULE_KEY] = rule
        _number_details(
            details,
            number=number,
            extension=extension,
            original_called=original_called,
            last_redirect=last_redirect,
            hunt_pilot=hunt_pilot,
            outpulsed_called=outpulsed_called.removesuffix("#"),
        )
        self._leg_details(self._leg_values(row), details)

        return ParsedCall(
            start=start,
            duration_seconds=duration,
            ring_seconds=ring_seconds if ring_seconds > 0 else 0,
            direction=direction,
            extension=extension_fitting(extension),
            trunk=trunk_fitting(trunk),
            number=number,
            account_code=client_matter_code,
            pbx_call_id=call_id,
            answered=connect != 0,
            details=details,
        )

    def _row(self, text: str) -> list[str] | None:
        """The fields of a data row, split no further than the last column read, and ""
        after them for the columns the header lacks; ``None`` for the header and
        data-type rows, blanks, and CMR and start records.

        The row is split on commas when that gives the header's count of fields and every
        quote in it opens or closes a field: as many ``,"`` as ``",`` and two quotes per
        quoted field (no comma or doubled quote inside a value); else by the csv module.
        """
        line = text.rstrip(_TRAILING_JUNK)
        if line[:1] not in "0123456789" or not line:
            line = line.lstrip(_LEADING_JUNK)
            if not line or self._is_header_or_types(line):
                return None
        opening = line.count(',"') + (line[0] == '"')
        if line.count('",') + (line[-1] == '"') == opening:
            # Every quote is a field's own when there are two per quoted field: dropping
            # them all unquotes every field.
            unquoted = line.replace('"', "")
            if len(line) - len(unquoted) == 2 * opening:
                # Split no further than the last column read: the commas after it are
                # counted in the rest, which the last piece holds.
                fields = unquoted.split(",", self._split_count)
                if len(fields) - 1 + fields[-1].count(",") == self._comma_count:
                    fields.append("")
                    return fields
        return self._csv_row(line)

    def _csv_row(self, line: str) -> list[str] | None:
        """:meth:`_row` of a row the csv module splits; ``None`` for a CMR or start
        record, whose columns are not the header's."""
        try:
            row = next(csv.reader((line,)), None) or []
        except csv.Error as error:
            raise RecordError(f"record is not valid CSV: {error}") from None
        if len(row) != self._count:
            if self._type_index == 0 and row and row[0] in ("0", "2"):
                return None  # a CMR (2) or a start record (0): other columns
            raise RecordError(
                f"record has {len(row)} comma-separated fields, the header has"
                f" {self._count}; set the source's columns option to its files' header"
            )
        row.append("")
        return row

    def _is_header_or_types(self, line: str) -> bool:
        """Whether the row is the header (an error when it is not the configured one) or
        the data-type row (``INTEGER,INTEGER,...,VARCHAR(50),...``)."""
        head = line.partition(",")[0].strip().strip('"')
        if head.lower() == self._first_name:
            self._header(line)
            return True
        return _TYPE_RE.fullmatch(head) is not None

    def _check_integers(self, row: list[str]) -> None:
        """Every bare integer read, checked at once (_number_error finds the bad one); at
        most 18 digits each keeps them in range of int() and of JSON."""
        if not _INTEGERS_RE.fullmatch(",".join(self._integers(row))):
            raise self._number_error(self._read(row))

    def _times(
        self, origination_text: str, duration_text: str, connect_text: str, disconnect_text: str
    ) -> tuple[dt.datetime, int, int, int]:
        """(start, duration, ring seconds, connect time) from the origination, connect and
        disconnect times (epoch seconds, UTC; a connect time of 0: never connected) and
        the duration."""
        origination = int(origination_text)
        if origination == 0:
            raise field_error(
                self._field("dateTimeOrigination"), origination_text, "is 0 (no start time)"
            )
        if origination > _MAX_EPOCH:
            raise field_error(
                self._field("dateTimeOrigination"), origination_text, "is out of range"
            )
        duration = int(duration_text)
        if duration > _MAX_SECONDS:
            raise field_error(self._field("duration"), duration_text, "is out of range")
        connect = int(connect_text) if connect_text else 0
        if connect > _MAX_EPOCH:
            raise field_error(self._field("dateTimeConnect"), connect_text, "is out of range")
        disconnect = int(disconnect_text) if disconnect_text else 0
        if disconnect > _MAX_EPOCH:
            raise field_error(self._field("dateTimeDisconnect"), disconnect_text, "is out of range")
        # Ringing: from origination to connect, or to disconnect when never connected.
        if connect:
            ring_seconds, name, text = connect - origination, "dateTimeConnect", connect_text
        elif disconnect:
            ring_seconds, name, text = (
                disconnect - origination,
                "dateTimeDisconnect",
                disconnect_text,
            )
        else:
            ring_seconds, name, text = 0, "", ""
        if ring_seconds > _MAX_SECONDS:
            raise field_error(self._field(name), text, "is too long after dateTimeOrigination")
        return dt.datetime.fromtimestamp(origination, UTC), duration, ring_seconds, connect

    def _phone_call(
        self,
        devices: tuple[str, str],
        final_called: str,
        original_called: str,
        redirect_reason: str,
        details: Details,
    ) -> tuple[str, str]:
        """(direction, trunk) of a call from a phone: internal when it reached a phone or
        voicemail, outgoing through any other device (the trunk); the devices to details."""
        orig_device, dest_device = devices
        if orig_device:
            details["orig_device"] = orig_device
        if not dest_device:  # no device reached: a long number went out
            reached = final_called or original_called
            national = reached[1:] if reached[:1] == "+" else reached
            long_number = is_digits(national) and len(national) > self._max_extension_digits
            return (Direction.OUTGOING if long_number else Direction.INTERNAL), ""
        if dest_device.upper().startswith(self._phone_prefixes):
            details["dest_device"] = dest_device
            return Direction.INTERNAL, ""
        if self._is_voicemail(dest_device, final_called, redirect_reason):
            details["dest_device"] = dest_device
            details["voicemail"] = True  # forwarded (or dialled) to voicemail
            return Direction.INTERNAL, ""
        return Direction.OUTGOING, dest_device

    def _decided(self, from_phone: bool, calling: str, final_called: str) -> tuple[str, str]:
        """(direction, rule) by the source's ``voicemail_numbers``, then by the site's
        extensions; ``("", "")`` leaves it to the devices."""
        if from_phone and final_called in self._voicemail_numbers:
            return Direction.INTERNAL, Rule.OPTION  # a phone reaching the voicemail pilot
        if self._extensions:
            known = known_direction(self._extensions, self._longest, (calling,), (final_called,))
            if known is not None:
                return known
        return "", ""

    def _incoming_extension(
        self,
        dest_device: str,
        final_called: str,
        last_redirect: str,
        redirect_reason: str,
        details: Details,
    ) -> str:
        """The extension of a call from a trunk: the party reached, or the one that
        forwarded it out through a trunk or to voicemail; the device to details."""
        if dest_device:
            details["dest_device"] = dest_device
        if not dest_device or dest_device.upper().startswith(self._phone_prefixes):
            return final_called
        if final_called:
            details["final_called_number"] = final_called
        if self._is_voicemail(dest_device, final_called, redirect_reason):
            details["voicemail"] = True
        return last_redirect

    def _leg_details(self, leg: tuple[str, ...], details: Details) -> None:
        """The columns read for details only (from ``_LEG_COLUMNS`` on): node, record id,
        leg ids, addresses, causes and authorization, when they say something."""
        (
            call_manager_id,
            pkid,
            orig_leg,
            dest_leg,
            orig_ip,
            orig_ip_text,
            dest_ip,
            dest_ip_text,
            orig_cause,
            dest_cause,
            auth_code_description,
            authorization_level,
        ) = leg
        if call_manager_id:
            details["call_manager_id"] = int(call_manager_id)
        if pkid:
            details["pkid"] = pkid
        if orig_leg and orig_leg != "0":
            details["orig_leg"] = int(orig_leg)
        if dest_leg and dest_leg != "0":
            details["dest_leg"] = int(dest_leg)
        addresses = self._addresses
        address = addresses.get(orig_ip)
        address = (address if address is not None else self._address(orig_ip, "origIpAddr")) or (
            orig_ip_text
        )
        if address:
            details["orig_ip"] = address
        address = addresses.get(dest_ip)
        address = (address if address is not None else self._address(dest_ip, "destIpAddr")) or (
            dest_ip_text
        )
        if address:
            details["dest_ip"] = address
        if orig_cause and orig_cause != "0":
            details["orig_cause"] = int(orig_cause)
        if dest_cause and dest_cause != "0":
            details["dest_cause"] = int(dest_cause)
        if auth_code_description:
            details["auth_code_description"] = auth_code_description
        if authorization_level and authorization_level != "0":
            details["authorization_level"] = int(authorization_level)

    def _is_voicemail(self, dest_device: str, final_called: str, redirect_reason: str) -> bool:
        """A call that reached voicemail through ``dest_device`` (not a phone): a voicemail
        port or pilot number, or a forward to an extension-length number."""
        return (
            final_called in self._voicemail_numbers
            or dest_device.upper().startswith(self._voicemail_prefixes)
            or (
                redirect_reason in FORWARD_REASONS
                and is_digits(final_called)
                and len(final_called) <= self._max_extension_digits
            )
        )

    def _header(self, line: str) -> None:
        """A header row: nothing when it is the configured one (or a CMR header), else
        the error that says how it differs."""
        try:
            names = next(csv.reader((line,)), None) or []
        except csv.Error:
            names = line.split(",")
        folded = tuple(name.strip().lower() for name in names)
        if folded == self._folded or _CMR_COLUMNS.intersection(folded):
            return None
        for index, (given, expected) in enumerate(zip(folded, self._folded, strict=False)):
            if given != expected:
                difference = (
                    f"column {index + 1} is {names[index].strip()!r},"
                    f" expected {self._columns[index]!r}"
                )
                break
        else:
            difference = f"it has {len(folded)} columns, expected {self._count}"
        raise RecordError(
            f"header row differs from the source's columns option ({difference}); set the"
            " columns option to this file's header row"
        )

    def _field(self, name: str) -> str:
        """A column read as error messages name it, by number (1-based, in the row) and
        name: ``field 5 (dateTimeOrigination)``."""
        return f"field {self._indices[_READ_INDEX[name]] + 1} ({name})"

    def _number_error(self, values: tuple[str, ...]) -> RecordError:
        """The error of the first bare integer field that is wrong."""
        for name, max_digits, required, problem in _INTEGER_FIELDS:
            value = values[_READ_INDEX[name]]
            if not value:
                if required:
                    return field_error(self._field(name), value, problem)
            elif not is_digits(value) or len(value) > max_digits:
                return field_error(self._field(name), value, problem)
        return RecordError("record has malformed integer fields")  # not reached

    def _address(self, value: str, name: str) -> str:
        """An integer IP address (not 0 or empty) as a dotted quad, remembered in
        ``_addresses``."""
        text = value[1:] if value[:1] == "-" else value
        if not is_digits(text) or len(text) > 18:
            raise field_error(self._field(name), value, "is not an integer")
        number = int(value)
        if not -(2**31) <= number < 2**32:
            raise field_error(self._field(name), value, "is not a 32-bit IP address")
        address = _dotted_quad(number)
        if len(self._addresses) >= _ADDRESS_CACHE_LIMIT:
            self._addresses.clear()
            self._addresses.update(_NO_ADDRESS)
        self._addresses[value] = address
        return address
