"""Realistic Cisco Unified CM CDR rows for a site in Argentina, from a seed.

:func:`cisco_cucm_records` yields CDR data rows (cdrRecordType 1, without the LF) with
the 129 columns of the CUCM 9/10 header in ``pbx-formats.md`` section 9, in that order
(the parser's default ``columns``), as CUCM writes them: integers bare, strings quoted,
times in epoch seconds (UTC), IP addresses as signed little-endian integers. No file
header or data-type row: whoever writes files adds those. For example phone
SEP17928B8E8F4E (extension 2015, user ggarcia) calling the Córdoba number 435 8347
through the outside access code ``0`` and the CUBE SIP trunk, answered at once, 3 min
32 s long, the far end hanging up::

    1,1,1028750,21864901,1790941678,1,0,285217802,"2015","ggarcia",0,0,4,285217802,
    27336,2,20,0,0,0,0,0,0,"","",21864902,1,0,83954186,"04358347","04358347","",0,16,4,
    83954186,21152,2,20,0,0,0,0,0,0,"","",1790941678,1790941890,"",
    "fe5c72e2-bab3-4605-bd6d-4c22aca9c3e1","PT_PSTN","PT_Internal","PT_PSTN","",212,
    "SEP17928B8E8F4E","CUBE_TELECOM",0,12,0,0,0,0,0,"StandAloneCluster",0,"","",0,"",3,
    3,0,0,64,64,"","3514852015","4358347","10.20.0.17","10.10.1.5",0,0,0,0,0,0,0,0,0,0,
    0,0,0,"",1,"D94AD20178C3694B74E78E85AC7F0EBA",0,0,0,"","",5,"","","","","","","","",
    0,0,"","","","","","","","",0,0,0,"0.[2-9]XXXXXX","0.[2-9]XXXXXX","",""

(one line, wrapped here), that is, by name, the columns that are not 0 or empty::

    cdrRecordType=1 globalCallID_callManagerId=1 globalCallID_callId=1028750
    origLegCallIdentifier=21864901 dateTimeOrigination=1790941678 origNodeId=1
    origIpAddr=285217802 callingPartyNumber="2015"
    callingPartyUnicodeLoginUserID="ggarcia" origPrecedenceLevel=4
    origMediaTransportAddress_IP=285217802 origMediaTransportAddress_Port=27336
    origMediaCap_payloadCapability=2 origMediaCap_maxFramesPerPacket=20
    destLegIdentifier=21864902 destNodeId=1 destIpAddr=83954186
    originalCalledPartyNumber="04358347" finalCalledPartyNumber="04358347"
    destCause_value=16 destPrecedenceLevel=4 destMediaTransportAddress_IP=83954186
    destMediaTransportAddress_Port=21152 destMediaCap_payloadCapability=2
    destMediaCap_maxFramesPerPacket=20 dateTimeConnect=1790941678
    dateTimeDisconnect=1790941890 pkid="fe5c72e2-bab3-4605-bd6d-4c22aca9c3e1"
    originalCalledPartyNumberPartition="PT_PSTN"
    callingPartyNumberPartition="PT_Internal" finalCalledPartyNumberPartition="PT_PSTN"
    duration=212 origDeviceName="SEP17928B8E8F4E" destDeviceName="CUBE_TELECOM"
    destCallTerminationOnBehalfOf=12 globalCallId_ClusterID="StandAloneCluster"
    origDTMFMethod=3 destDTMFMethod=3 origMediaCap_Bandwidth=64
    destMediaCap_Bandwidth=64 outpulsedCallingPartyNumber="3514852015"
    outpulsedCalledPartyNumber="4358347" origIpv4v6Addr="10.20.0.17"
    destIpv4v6Addr="10.10.1.5" OutgoingProtocolID=1
    OutgoingProtocolCallRef="D94AD20178C3694B74E78E85AC7F0EBA" calledPartyPatternUsage=5
    originalCalledPartyPattern="0.[2-9]XXXXXX" finalCalledPartyPattern="0.[2-9]XXXXXX"

The mix: outgoing calls from desk phones (``SEP``) and Jabber (``CSF``) through the
access code ``0`` (local Córdoba, national, mobile, toll-free and international
numbers; international dialling ended with ``#`` now and then) over a CUBE SIP trunk
or an E1 gateway, now and then with a client matter code; incoming calls from those
trunks with the caller's number (now and then withheld), some forwarded on no answer to
the Unity Connection voicemail trunk (pilot ``8000``), some not answered; internal
calls, some forwarded to voicemail too; business hours weighted. Unanswered calls are
included, as with the service parameter "CDR Log Calls with Zero Duration Flag" on
(CUCM leaves them out by default).
CUCM writes a CDR when the call ends: rows come in order of ``dateTimeDisconnect``, and
every call's ``dateTimeOrigination`` lies in ``[start, end)``; ``time_zone`` only
shapes the business hours. The same arguments always give the same rows; every row
parses with :class:`smdr.parsers.cisco_cucm.CiscoCUCMParser` under its default
options.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from smdr.parsers.cisco_cucm import CDR_COLUMNS

from .common import ACCESS_CODE, ACCOUNT_CODES, CallMaker, checked_range, fit, records_at_instants

# The data-type row of the CUCM 9/10 files (tests/data/cisco-cucm), column for column.
_TYPE_ROW = (
    "INTEGER,INTEGER,INTEGER,INTEGER,INTEGER,INTEGER,INTEGER,INTEGER,VARCHAR(50),"
    "VARCHAR(128),INTEGER,INTEGER,INTEGER,INTEGER,INTEGER,INTEGER,INTEGER,INTEGER,"
    "INTEGER,INTEGER,INTEGER,INTEGER,INTEGER,VARCHAR(64),VARCHAR(64),INTEGER,INTEGER,"
    "INTEGER,INTEGER,VARCHAR(50),VARCHAR(50),VARCHAR(128),INTEGER,INTEGER,INTEGER,"
    "INTEGER,INTEGER,INTEGER,INTEGER,INTEGER,INTEGER,INTEGER,INTEGER,INTEGER,INTEGER,"
    "VARCHAR(64),VARCHAR(64),INTEGER,INTEGER,VARCHAR(50),UNIQUEIDENTIFIER,VARCHAR(50),"
    "VARCHAR(50),VARCHAR(50),VARCHAR(50),INTEGER,VARCHAR(129),VARCHAR(129),INTEGER,"
    "INTEGER,INTEGER,INTEGER,INTEGER,INTEGER,INTEGER,VARCHAR(50),INTEGER,VARCHAR(2048),"
    "VARCHAR(50),INTEGER,VARCHAR(32),INTEGER,INTEGER,INTEGER,INTEGER,INTEGER,INTEGER,"
    "VARCHAR(32),VARCHAR(50),VARCHAR(50),VARCHAR(64),VARCHAR(64),INTEGER,INTEGER,INTEGER,"
    "INTEGER,INTEGER,INTEGER,INTEGER,INTEGER,INTEGER,INTEGER,INTEGER,INTEGER,INTEGER,"
    "VARCHAR(32),INTEGER,VARCHAR(32),INTEGER,INTEGER,INTEGER,VARCHAR(50),VARCHAR(50),"
    "INTEGER,VARCHAR(50),VARCHAR(50),VARCHAR(50),VARCHAR(50),VARCHAR(50),VARCHAR(50),"
    "VARCHAR(50),VARCHAR(50),INTEGER,INTEGER,VARCHAR(255),VARCHAR(255),VARCHAR(255),"
    "VARCHAR(255),VARCHAR(50),VARCHAR(50),VARCHAR(129),VARCHAR(129),INTEGER,INTEGER,"
    "INTEGER,VARCHAR(50),VARCHAR(50),VARCHAR(50),VARCHAR(50)"
)
CDR_TYPES = tuple(_TYPE_ROW.split(","))

# The columns a row fills, in groups of neighbours that one piece of text fills (the
# piece quotes its strings), in the header's order; every other column is constant
# (_CONSTANT) or its type's default, 0 or "".
_GROUPS = (
    (
        "globalCallID_callManagerId",
        "globalCallID_callId",
        "origLegCallIdentifier",
        "dateTimeOrigination",
        "origNodeId",
    ),
    ("origIpAddr", "callingPartyNumber", "callingPartyUnicodeLoginUserID"),
    ("origCause_value",),
    (
        "origMediaTransportAddress_IP",
        "origMediaTransportAddress_Port",
        "origMediaCap_payloadCapability",
        "origMediaCap_maxFramesPerPacket",
    ),
    ("destLegIdentifier", "destNodeId"),
    (
        "destIpAddr",
        "originalCalledPartyNumber",
        "finalCalledPartyNumber",
        "finalCalledPartyUnicodeLoginUserID",
    ),
    ("destCause_value",),
    (
        "destMediaTransportAddress_IP",
        "destMediaTransportAddress_Port",
        "destMediaCap_payloadCapability",
        "destMediaCap_maxFramesPerPacket",
    ),
    ("dateTimeConnect", "dateTimeDisconnect"),
    ("lastRedirectDn",),
    ("pkid",),
    (
        "originalCalledPartyNumberPartition",
        "callingPartyNumberPartition",
        "finalCalledPartyNumberPartition",
        "lastRedirectDnPartition",
    ),
    ("duration",),
    ("origDeviceName", "destDeviceName"),
    ("origCallTerminationOnBehalfOf", "destCallTerminationOnBehalfOf"),
    (
        "origCalledPartyRedirectOnBehalfOf",
        "lastRedirectRedirectOnBehalfOf",
        "origCalledPartyRedirectReason",
        "lastRedirectRedirectReason",
    ),
    ("clientMatterCode",),
    ("origMediaCap_Bandwidth", "destMediaCap_Bandwidth"),
    ("outpulsedCallingPartyNumber", "outpulsedCalledPartyNumber"),
    ("origIpv4v6Addr", "destIpv4v6Addr"),
    (
        "IncomingProtocolID",
        "IncomingProtocolCallRef",
        "OutgoingProtocolID",
        "OutgoingProtocolCallRef",
    ),
    ("calledPartyPatternUsage",),
    ("originalCalledPartyPattern", "finalCalledPartyPattern"),
)
# Columns with the same value in every row.
_CONSTANT = {
    "cdrRecordType": "1",
    "origPrecedenceLevel": "4",
    "destPrecedenceLevel": "4",
    "globalCallId_ClusterID": '"StandAloneCluster"',
    "origDTMFMethod": "3",  # best effort
    "destDTMFMethod": "3",
}


def _template() -> str:
    """The row as a ``%`` template: a ``%s`` for each group, the rest filled in."""
    index = {name: position for position, name in enumerate(CDR_COLUMNS)}
    firsts = {}
    previous = -1
    for group in _GROUPS:
        first = index[group[0]]
        if first <= previous or [index[name] for name in group] != list(
            range(first, first + len(group))
        ):
            raise AssertionError(f"columns {group} are not neighbours after the last group")
        firsts[first] = len(group)
        previous = first + len(group) - 1
    parts = []
    position = 0
    while position < len(CDR_COLUMNS):
        if position in firsts:
            parts.append("%s")
            position += firsts[position]
            continue
        name = CDR_COLUMNS[position]
        if name in _CONSTANT:
            parts.append(_CONSTANT[name])
        else:
            parts.append("0" if CDR_TYPES[position] == "INTEGER" else '""')
        position += 1
    return ",".join(parts)


TEMPLATE = _template()
VOICEMAIL_PILOT = "8000"
# Devices: (name, integer address, dotted address, protocol: 1 SIP, 0 MGCP).
_CUBE = ("CUBE_TELECOM", "10.10.1.5", 1)
_GATEWAY = ("GW_CBA_E1", "10.10.1.6", 0)
_VOICEMAIL_TRUNK = ("CUC_SIP_TRUNK", "10.10.1.200", 1)
# Route patterns for the kinds of number dialled after the access code.
_PATTERNS = {
    "local": "0.[2-9]XXXXXX",
    "national": "0.0[1-9]!",
    "mobile": "0.0[1-9]!",
    "toll-free": "0.0800XXXXXXX",
    "international": "0.00!",
}
_SHORT_MOBILE_PATTERN = "0.15XXXXXXX"
_G711_ALAW, _G722 = 2, 6  # media payload capabilities
_DEVICE = 12  # ...TerminationOnBehalfOf: the device hung up
# A forward on no answer: redirected on behalf of Call Forward (5), reason no answer (2).
_FORWARDED = "5,5,2,2"
_NOT_REDIRECTED = "0,0,0,0"
_ROUTE_PATTERN, _DIRECTORY_NUMBER = 5, 2  # calledPartyPatternUsage
_NO_PROTOCOLS = (0, "", 0, "")
# A random (version 4) uuid: 122 random bits, the version 4 and the RFC 4122 variant.
_UUID_RANDOM = (1 << 128) - 1 ^ 0xF << 76 ^ 0x3 << 62
_UUID_VERSION_4 = 4 << 76 | 2 << 62
PSTN, INTERNAL = "PT_PSTN", "PT_Internal"  # partitions


def cisco_cucm_records(
    *,
    count: int,
    start: dt.datetime,
    end: dt.datetime,
    extensions: Sequence[str],
    time_zone: ZoneInfo,
    seed: int = 0,
) -> Iterator[str]:
    """Yield ``count`` CDR rows (no line terminators) of calls in ``[start, end)``.

    Rows come in order of ``dateTimeDisconnect`` (when CUCM writes them), which also
    lies in ``[start, end)``. Times are epoch seconds; ``time_zone`` is the site's, for
    its business hours. ``extensions`` are the site's directory numbers (digits).
    """
    start_ts, end_ts = checked_range(count, start, end, extensions, None)
    # Checked above, when called; the rows come lazily from here.
    return records_at_instants(
        _CUCMCalls, count, start_ts, end_ts, list(extensions), time_zone, seed
    )


def _address(dotted: str) -> int:
    """A dotted quad as CUCM stores it: little-endian, signed 32-bit."""
    a, b, c, d = (int(part) for part in dotted.split("."))
    value = a | b << 8 | c << 16 | d << 24
    return value - (1 << 32) if value >= 1 << 31 else value


def _user_id(name: str, extension: str) -> str:
    """A login id from a name (``María Gómez`` -> ``mgomez``), else ``u<extension>``."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = [word for word in plain.split() if word.isalpha()]
    if len(words) < 2:
        return f"u{extension}"
    return words[0][0] + words[-1]


def _device(name: str, dotted: str, protocol: int) -> tuple[str, int, str, int]:
    return name, _address(dotted), dotted, protocol


_TRUNKS = (_device(*_CUBE), _device(*_CUBE), _device(*_GATEWAY))  # CUBE twice as busy
_VOICEMAIL = _device(*_VOICEMAIL_TRUNK)


class _CUCMCalls(CallMaker):
    """One CDR row per call, between a phone and a trunk or two phones."""

    def __init__(self, rng: random.Random, extensions: list[str], time_zone: ZoneInfo):
        super().__init__(rng, extensions, time_zone)
        # Each directory number's phone: (device, integer address, dotted, node, user).
        self.phones = {}
        for index, ext in enumerate(dict.fromkeys(extensions)):
            user = _user_id(self.user_name(), ext)
            if self.random() < 0.15:
                device = "CSF" + user.upper()  # Jabber
            else:
                device = f"SEP{rng.getrandbits(48):012X}"
            dotted = f"10.20.{index // 250 % 256}.{index % 250 + 2}"
            self.phones[ext] = (device, _address(dotted), dotted, self.between(1, 2), user)
        self.call_id = 1_000_000 + rng.randrange(100_000)
        self.leg = 20_000_000 + rng.randrange(10_000_000)

    def _row(
        self,
        *,
        end: int,
        ring: int,
        talk: int,
        nodes: tuple[int, int],
        calling: tuple[int, str, str, str],
        called: tuple[int, str, str, str, str],
        devices: tuple[str, str],
        partitions: tuple[str, str, str],
        causes: tuple[int, int, int, int],
        payload: int,
        usage: int,
        patterns: tuple[str, str],
        redirected_from: str = "",
        client_matter_code: str = "",
        outpulsed: tuple[str, str] = ("", ""),
        protocols: tuple[int, str, int, str] = _NO_PROTOCOLS,
    ) -> str:
        """A CDR row. ``calling``: integer address, number, user id, dotted address;
        ``called``: integer address, original and final number, user id, dotted address;
        ``causes``: the Q.850 causes and who hung up, orig's then dest's."""
        between = self.between
        getrandbits = self.rng.getrandbits
        start = end - ring - talk
        self.call_id += between(1, 3)
        self.leg = leg = self.leg + between(2, 6)
        orig_address, calling_number, calling_user, orig_dotted = calling
        dest_address, original, final, called_user, dest_dotted = called
        if talk:
            orig_media = f"{orig_address},{between(8192, 16383) * 2},{payload},20"
            dest_media = f"{dest_address},{between(8192, 16383) * 2},{payload},20"
            bandwidths = "64,64"
            connect = start + ring
        else:
            orig_media = dest_media = "0,0,0,0"
            bandwidths = "0,0"
            connect = 0
        orig_cause, dest_cause, orig_by, dest_by = causes
        bits = f"{getrandbits(128) & _UUID_RANDOM | _UUID_VERSION_4:032x}"
        pkid = f"{bits[:8]}-{bits[8:12]}-{bits[12:16]}-{bits[16:20]}-{bits[20:]}"
        redirect_partition = INTERNAL if redirected_from else ""
        incoming_id, incoming_ref, outgoing_id, outgoing_ref = protocols
        return TEMPLATE % (
            f"{nodes[0]},{self.call_id},{leg},{start},{nodes[0]}",
            f'{orig_address},"{calling_number}","{calling_user}"',
            orig_cause,
            orig_media,
            f"{leg + 1},{nodes[1]}",
            f'{dest_address},"{original}","{final}","{called_user}"',
            dest_cause,
            dest_media,
            f"{connect},{end}",
            f'"{redirected_from}"',
            f'"{pkid}"',
            f'"{partitions[0]}","{partitions[1]}","{partitions[2]}","{redirect_partition}"',
            talk,
            f'"{devices[0]}","{devices[1]}"',
            f"{orig_by},{dest_by}",
            _FORWARDED if redirected_from else _NOT_REDIRECTED,
            f'"{client_matter_code}"',
            bandwidths,
            f'"{outpulsed[0]}","{outpulsed[1]}"',
            f'"{orig_dotted}","{dest_dotted}"',
            f'{incoming_id},"{incoming_ref}",{outgoing_id},"{outgoing_ref}"',
            usage,
            f'"{patterns[0]}","{patterns[1]}"',
        )

    def _to_voicemail(
        self,
        *,
        end: int,
        ring: int,
        talk: int,
        node: int,
        calling: tuple[int, str, str, str],
        device: str,
        forwarded_from: str,
        partitions: tuple[str, str, str],
        incoming_protocol: int = 0,
    ) -> str:
        """The row of a call that ``forwarded_from`` forwarded on no answer to voicemail,
        which took a message: from a trunk (``incoming_protocol`` its protocol) or a phone."""
        voicemail, voicemail_address, voicemail_dotted, _ = _VOICEMAIL
        causes = self._causes(talk)
        incoming_ref = self._call_ref() if incoming_protocol else ""
        return self._row(
            end=end,
            ring=ring,
            talk=talk,
            nodes=(node, node),
            calling=calling,
            called=(voicemail_address, forwarded_from, VOICEMAIL_PILOT, "", voicemail_dotted),
            devices=(device, voicemail),
            partitions=partitions,
            causes=causes,
            payload=_G711_ALAW,
            usage=_DIRECTORY_NUMBER,
            patterns=(forwarded_from, VOICEMAIL_PILOT),
            redirected_from=forwarded_from,
            protocols=(incoming_protocol, incoming_ref, 1, self._call_ref()),
        )

    def _causes(self, talk: int, busy: bool = False) -> tuple[int, int, int, int]:
        """Q.850 causes and who ended the call: either side when it talked, else the
        caller giving up (16 normal clearing) or a busy callee (17 user busy)."""
        if busy:
            return 0, 17, 0, _DEVICE
        if not talk or self.random() < 0.5:
            return 16, 0, _DEVICE, 0
        return 0, 16, 0, _DEVICE

    def _call_ref(self) -> str:
        """A SIP trunk's call reference (32 characters)."""
        return f"{self.rng.getrandbits(128):032X}"

    def _outgoing(self, end: int, longest: int) -> str:
        random = self.random
        extension = self.pick(self.extensions)
        device, address, dotted, node, user = self.phones[extension]
        number, median, kind = self.outside_number()
        dialled = ACCESS_CODE + number
        if kind == "international" and random() < 0.5:
            dialled += "#"  # ends dialling at once instead of waiting for the T.302 timer
        pattern = _SHORT_MOBILE_PATTERN if number[:2] == "15" else _PATTERNS[kind]
        trunk, trunk_address, trunk_dotted, protocol = self.pick(_TRUNKS)
        outcome = random()
        busy = False
        if outcome < 0.82:
            ring = 0 if random() < 0.2 else self.between(2, 25)
            ring, talk = fit(longest, ring, self.seconds(median))
        elif outcome < 0.95:  # the caller gave up
            ring, talk = min(self.between(5, 45), longest), 0
        else:
            ring, talk, busy = min(self.between(0, 4), longest), 0, True
        return self._row(
            end=end,
            ring=ring,
            talk=talk,
            nodes=(node, node),
            calling=(address, extension, user, dotted),
            called=(trunk_address, dialled, dialled, "", trunk_dotted),
            devices=(device, trunk),
            partitions=(PSTN, INTERNAL, PSTN),
            causes=self._causes(talk, busy),
            payload=_G711_ALAW,
            usage=_ROUTE_PATTERN,
            patterns=(pattern, pattern),
            client_matter_code=self.pick(ACCOUNT_CODES) if random() < 0.05 else "",
            outpulsed=("351485" + extension.zfill(4)[-4:], number),
            protocols=(0, "", protocol, self._call_ref() if protocol else ""),
        )

    def _incoming(self, end: int, longest: int) -> str:
        random = self.random
        extension = self.pick(self.extensions)
        device, address, dotted, node, user = self.phones[extension]
        trunk, trunk_address, trunk_dotted, protocol = self.pick(_TRUNKS)
        caller = "" if random() < 0.05 else self.cli()  # withheld, or the national number
        outcome = random()
        busy = False
        if outcome < 0.80:
            ring, talk = fit(longest, self.ring(), self.seconds(100))
        elif outcome < 0.87:  # forwarded on no answer; voicemail takes a message
            ring, talk = fit(longest, self.between(12, 16), self.seconds(25))
            if talk:
                return self._to_voicemail(
                    end=end,
                    ring=ring,
                    talk=talk,
                    node=node,
                    calling=(trunk_address, caller, "", trunk_dotted),
                    device=trunk,
                    forwarded_from=extension,
                    partitions=(INTERNAL, "", INTERNAL),
                    incoming_protocol=protocol,
                )
        elif outcome < 0.97:  # the caller gave up
            ring, talk = min(self.between(8, 45), longest), 0
        else:
            ring, talk, busy = min(self.between(0, 2), longest), 0, True
        return self._row(
            end=end,
            ring=ring,
            talk=talk,
            nodes=(node, node),
            calling=(trunk_address, caller, "", trunk_dotted),
            called=(address, extension, extension, user, dotted),
            devices=(trunk, device),
            partitions=(INTERNAL, "", INTERNAL),
            causes=self._causes(talk, busy),
            payload=_G711_ALAW,
            usage=_DIRECTORY_NUMBER,
            patterns=(extension, extension),
            protocols=(protocol, self._call_ref() if protocol else "", 0, ""),
        )

    def _internal(self, end: int, longest: int) -> str:
        extension = self.pick(self.extensions)
        callee = self.other_extension(extension)
        device, address, dotted, node, user = self.phones[extension]
        callee_device, callee_address, callee_dotted, callee_node, callee_user = self.phones[callee]
        outcome = self.random()
        busy = False
        if outcome < 0.85:
            ring, talk = fit(longest, self.between(1, 15), self.seconds(45))
        elif outcome < 0.90:
            ring, talk = min(self.between(5, 25), longest), 0
        elif outcome < 0.95:  # forwarded on no answer; voicemail takes a message
            ring, talk = fit(longest, self.between(12, 16), self.seconds(25))
            if talk:
                return self._to_voicemail(
                    end=end,
                    ring=ring,
                    talk=talk,
                    node=node,
                    calling=(address, extension, user, dotted),
                    device=device,
                    forwarded_from=callee,
                    partitions=(INTERNAL, INTERNAL, INTERNAL),
                )
        else:
            ring, talk, busy = min(self.between(0, 2), longest), 0, True
        return self._row(
            end=end,
            ring=ring,
            talk=talk,
            nodes=(node, callee_node),
            calling=(address, extension, user, dotted),
            called=(callee_address, callee, callee, callee_user, callee_dotted),
            devices=(device, callee_device),
            partitions=(INTERNAL, INTERNAL, INTERNAL),
            causes=self._causes(talk, busy),
            payload=_G722,
            usage=_DIRECTORY_NUMBER,
            patterns=(callee, callee),
        )
