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
* Direction from the devices: a call from a phone is internal when it reached a phone
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

from .base import Direction, ParsedCall, Parser, ParserSettings, RecordError, is_digits
from .options import digits_option

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

# The columns read, by the name the parser gives them, and whether a file must have them.
_READ = (
    ("cdrRecordType", True),
    ("globalCallID_callId", True),
    ("dateTimeOrigination", True),
    ("duration", True),
    ("callingPartyNumber", True),
    ("finalCalledPartyNumber", True),
    ("globalCallID_callManagerId", False),
    ("origLegCallIdentifier", False),
    ("destLegIdentifier", False),
    ("origIpAddr", False),
    ("destIpAddr", False),
    ("origIpv4v6Addr", False),
    ("destIpv4v6Addr", False),
    ("originalCalledPartyNumber", False),
    ("dateTimeConnect", False),
    ("dateTimeDisconnect", False),
    ("origCause_value", False),
    ("destCause_value", False),
    ("lastRedirectDn", False),
    ("pkid", False),
    ("origDeviceName", False),
    ("destDeviceName", False),
    ("clientMatterCode", False),
    ("authCodeDescription", False),
    ("authorizationLevel", False),
    ("outpulsedCalledPartyNumber", False),
    ("huntPilotDN", False),
    ("lastRedirectRedirectReason", False),
)
_CMR_COLUMNS = frozenset({"directorynum", "numberpacketssent", "varvqmetrics"})
_TYPE_RE = re.compile(
    r"(?:INTEGER|BIGINT|SMALLINT|UNIQUEIDENTIFIER|N?VARCHAR\([0-9]+\)|N?CHAR\([0-9]+\))",
    re.ASCII,
)
_LEADING_JUNK = "".join(chr(code) for code in range(33)) + "\x7f\ufeff"
_TRAILING_JUNK = "\r\n\x00 \t"
_MAX_DIGITS = 9  # longest count of seconds accepted (about 31 years)
_MAX_EPOCH_DIGITS = 11  # seconds since 1970, up to year 5138
_MAX_EXTENSION = 32  # billing.Extension.number
_MAX_TRUNK = 64  # billing.Trunk.name
_ADDRESS_CACHE_LIMIT = 10_000
_MAX_EPOCH = 253402300799  # 9999-12-31 23:59:59 UTC
_MAX_SECONDS = 10**_MAX_DIGITS - 1
_EPOCH_PROBLEM = "is not a time in seconds since 1970"
# Bare integer fields: (index in _READ, most digits, required, what is wrong otherwise).
_INTEGER_FIELDS = (
    (1, 18, True, "is not an integer"),
    (2, _MAX_EPOCH_DIGITS, True, _EPOCH_PROBLEM),
    (3, _MAX_DIGITS, True, "is not a number of seconds"),
    (14, _MAX_EPOCH_DIGITS, False, _EPOCH_PROBLEM),
    (15, _MAX_EPOCH_DIGITS, False, _EPOCH_PROBLEM),
    (6, 18, False, "is not an integer"),
    (7, 18, False, "is not an integer"),
    (8, 18, False, "is not an integer"),
    (16, 18, False, "is not an integer"),
    (17, 18, False, "is not an integer"),
    (24, 18, False, "is not an integer"),
    (27, 18, False, "is not an integer"),
)


def _dotted_quad(value: int) -> str:
    """An address as CUCM stores it (signed 32-bit, little-endian) in dotted form."""
    value &= 0xFFFFFFFF
    return f"{value & 255}.{value >> 8 & 255}.{value >> 16 & 255}.{value >> 24}"


def _names_option(options: dict, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = options.get(key, default)
    if (
        not isinstance(value, list | tuple)
        or not value
        or not all(isinstance(item, str) and item.strip().strip('"') for item in value)
    ):
        raise RecordError(f"option {key}: {value!r} is not a list of names")
    return tuple(item.strip().strip('"') for item in value)


def _list_option(options: dict, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """A list of non-blank strings, which may be empty."""
    value = options.get(key, default)
    if not isinstance(value, list | tuple) or not all(
        isinstance(item, str) and item.strip() for item in value
    ):
        raise RecordError(f"option {key}: {value!r} is not a list of names or numbers")
    return tuple(item.strip() for item in value)


class CiscoCUCMParser(Parser):
    """Parses Cisco UCM CDR rows, one call leg per row, columns found by header name."""

    family = "cisco-cucm"
    label = "Cisco Unified CM CDR"

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
        # Absent optional columns read an empty string appended after the last column.
        self._indices = tuple(position.get(name.lower(), self._count) for name, _ in _READ)
        # Rows are split no further than the last column read; absent columns read the
        # "" appended to every row (index -1).
        self._indices = tuple(index if index < self._count else -1 for index in self._indices)
        self._split_count = max(self._indices) + 1
        self._comma_count = self._count - 1
        self._get = operator.itemgetter(*self._indices)
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
        # Integer text -> dotted quad: phones and gateways keep their addresses.
        self._addresses: dict[str, str] = {}

    def parse(self, text: str, received_at: dt.datetime | None = None) -> ParsedCall | None:
        """Parse one CDR row; ``None`` for the header and type rows, CMRs and blanks."""
        line = text.rstrip(_TRAILING_JUNK)
        if line[:1] not in "0123456789" or not line:
            line = line.lstrip(_LEADING_JUNK)
            if not line:
                return None
            head = line.partition(",")[0].strip().strip('"')
            if head.lower() == self._first_name:
                return self._header(line)
            if _TYPE_RE.fullmatch(head):
                return None  # the data-type row: INTEGER,INTEGER,...,VARCHAR(50),...
        values = self._split(line)
        if values is None:
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
            values = self._get(row)
        (
            record_type,
            call_id,
            origination_text,
            duration_text,
            calling,
            final_called,
            call_manager_id,
            orig_leg,
            dest_leg,
            orig_ip,
            dest_ip,
            orig_ip_text,
            dest_ip_text,
            original_called,
            connect_text,
            disconnect_text,
            orig_cause,
            dest_cause,
            last_redirect,
            pkid,
            orig_device,
            dest_device,
            client_matter_code,
            auth_code_description,
            authorization_level,
            outpulsed_called,
            hunt_pilot,
            redirect_reason,
        ) = values
        if record_type != "1":
            if record_type in ("0", "2"):
                return None  # a start record or a CMR: no call to bill
            raise self._error(0, record_type, "is not 0, 1 or 2")
        # Every bare integer read, checked at once (_number_error finds the bad one);
        # at most 18 digits each keeps them in range of int() and of JSON.
        integers = (
            call_id,
            origination_text,
            duration_text,
            connect_text,
            disconnect_text,
            call_manager_id,
            orig_leg,
            dest_leg,
            orig_cause,
            dest_cause,
            authorization_level,
            redirect_reason,
        )
        numbers = "".join(integers)
        if not (
            numbers.isdigit()
            and numbers.isascii()
            and max(map(len, integers)) <= 18
            and call_id
            and origination_text
            and duration_text
        ):
            raise self._number_error(values)
        origination = int(origination_text)
        if origination == 0:
            raise self._error(2, origination_text, "is 0 (no start time)")
        if origination > _MAX_EPOCH:
            raise self._error(2, origination_text, "is out of range")
        start = dt.datetime.fromtimestamp(origination, UTC)
        duration = int(duration_text)
        if duration > _MAX_SECONDS:
            raise self._error(3, duration_text, "is out of range")
        connect = int(connect_text) if connect_text else 0
        if connect > _MAX_EPOCH:
            raise self._error(14, connect_text, "is out of range")
        disconnect = int(disconnect_text) if disconnect_text else 0
        if disconnect > _MAX_EPOCH:
            raise self._error(15, disconnect_text, "is out of range")
        if connect:
            ring_seconds = connect - origination
            if ring_seconds > _MAX_SECONDS:
                raise self._error(14, connect_text, "is too long after dateTimeOrigination")
        elif disconnect:
            ring_seconds = disconnect - origination
            if ring_seconds > _MAX_SECONDS:
                raise self._error(15, disconnect_text, "is too long after dateTimeOrigination")
        else:
            ring_seconds = 0

        # The "#" that ended dialling is not part of the number.
        calling = calling.removesuffix("#")
        final_called = final_called.removesuffix("#")
        original_called = original_called.removesuffix("#")
        max_digits = self._max_extension_digits
        prefixes = self._phone_prefixes
        if orig_device:
            from_phone = orig_device.upper().startswith(prefixes)
        else:
            from_phone = is_digits(calling) and len(calling) <= max_digits
        details: dict = {}
        trunk = ""
        if from_phone:
            extension = calling
            number = final_called
            if dest_device:
                if dest_device.upper().startswith(prefixes):
                    direction = Direction.INTERNAL
                elif self._is_voicemail(dest_device, final_called, redirect_reason):
                    direction = Direction.INTERNAL  # forwarded (or dialled) to voicemail
                    details["voicemail"] = True
                else:
                    direction = Direction.OUTGOING
                    trunk = dest_device
            else:
                reached = final_called or original_called
                national = reached[1:] if reached[:1] == "+" else reached
                if is_digits(national) and len(national) > max_digits:
                    direction = Direction.OUTGOING
                else:
                    direction = Direction.INTERNAL
            if orig_device:
                details["orig_device"] = orig_device
            if dest_device and not trunk:
                details["dest_device"] = dest_device
        else:
            direction = Direction.INCOMING
            number = calling
            trunk = orig_device
            if dest_device and not dest_device.upper().startswith(prefixes):
                # Forwarded on to voicemail or out through a trunk: the forwarding extension.
                extension = last_redirect.removesuffix("#")
                details["dest_device"] = dest_device
                if final_called:
                    details["final_called_number"] = final_called
                if self._is_voicemail(dest_device, final_called, redirect_reason):
                    details["voicemail"] = True
            else:
                extension = final_called
                if dest_device:
                    details["dest_device"] = dest_device
        if original_called and original_called not in (number, extension):
            details["original_called_number"] = original_called
        last_redirect = last_redirect.removesuffix("#")
        if last_redirect and last_redirect not in (number, extension, original_called):
            details["last_redirect_dn"] = last_redirect
        if hunt_pilot:
            details["hunt_pilot_dn"] = hunt_pilot
        outpulsed_called = outpulsed_called.removesuffix("#")
        if outpulsed_called and outpulsed_called != number:
            details["outpulsed_called_number"] = outpulsed_called

        if call_manager_id:
            details["call_manager_id"] = int(call_manager_id)
        if pkid:
            details["pkid"] = pkid
        if orig_leg and orig_leg != "0":
            details["orig_leg"] = int(orig_leg)
        if dest_leg and dest_leg != "0":
            details["dest_leg"] = int(dest_leg)
        address = self._address(orig_ip, 9) or orig_ip_text
        if address:
            details["orig_ip"] = address
        address = self._address(dest_ip, 10) or dest_ip_text
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

        return ParsedCall(
            start,
            duration,
            ring_seconds if ring_seconds > 0 else 0,
            direction,
            extension if len(extension) <= _MAX_EXTENSION else "",
            trunk[:_MAX_TRUNK],
            number,
            client_matter_code,
            call_id,
            connect != 0,
            details,
        )

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

    def _split(self, line: str) -> tuple[str, ...] | None:
        """The fields read, split on commas; ``None`` when the csv module must do it.

        Splitting is right when it gives the header's count of fields and every quote
        in the row opens or closes a field: as many ``,"`` as ``",`` and two quotes
        per quoted field (no comma or doubled quote inside a value).
        """
        if line.count(",") != self._comma_count:
            return None
        opening = line.count(',"') + (line[0] == '"')
        if line.count('",') + (line[-1] == '"') != opening or line.count('"') != 2 * opening:
            return None
        # Split no further than the last column read; an absent one reads "".
        # Every quote is then a field's own: dropping them all unquotes every field.
        fields = line.replace('"', "").split(",", self._split_count)
        fields.append("")
        return self._get(fields)

    def _header(self, line: str) -> None:
        """A header row: noise when it is the configured one (or a CMR header)."""
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

    def _error(self, read_index: int, value: str, problem: str) -> RecordError:
        """A RecordError naming the field by number (1-based, in the row) and name."""
        name = _READ[read_index][0]
        number = self._indices[read_index] + 1
        if len(value) > 60:
            value = value[:57] + "..."
        return RecordError(f"field {number} ({name}): {value!r} {problem}")

    def _number_error(self, values: tuple[str, ...]) -> RecordError:
        """The error of the first bare integer field that is wrong."""
        for read_index, max_digits, required, problem in _INTEGER_FIELDS:
            value = values[read_index]
            if not value:
                if required:
                    return self._error(read_index, value, problem)
            elif not is_digits(value) or len(value) > max_digits:
                return self._error(read_index, value, problem)
        return RecordError("record has malformed integer fields")  # not reached

    def _integer(self, value: str, read_index: int) -> int:
        text = value[1:] if value[:1] == "-" else value
        if not is_digits(text) or len(text) > 18:
            raise self._error(read_index, value, "is not an integer")
        return int(value)

    def _address(self, value: str, read_index: int) -> str:
        """An integer IP address as a dotted quad; empty for 0 or an empty field."""
        address = self._addresses.get(value)
        if address is not None:
            return address
        if not value or value == "0":
            return ""
        number = self._integer(value, read_index)
        if not -(2**31) <= number < 2**32:
            raise self._error(read_index, value, "is not a 32-bit IP address")
        address = _dotted_quad(number)
        if len(self._addresses) >= _ADDRESS_CACHE_LIMIT:
            self._addresses.clear()
        self._addresses[value] = address
        return address
