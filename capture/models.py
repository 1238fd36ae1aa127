"""PBX feeds and the raw records they sent, kept forever.

A ``Source`` is one PBX feed of a site. Every record a source sends is stored as a
``RawRecord`` before anything else happens to it, so a record no parser understands
is kept, shown, and parsed again once the parser is fixed.
"""

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from org.models import Site


class PbxFamily(models.TextChoices):
    """PBX family ids (a contract: DESIGN.md). Each picks a parser and a framer."""

    MITEL_5000 = "mitel-5000", "Mitel 5000 / Inter-Tel / Axxess"
    MITEL_MIVB = "mitel-mivb", "Mitel MiVoice Business / SX-200"
    AVAYA_IPOFFICE = "avaya-ipoffice", "Avaya IP Office"
    AVAYA_CM = "avaya-cm", "Avaya Communication Manager"
    SIEMENS_HIPATH = "siemens-hipath", "Siemens / Unify HiPath"
    PANASONIC = "panasonic", "Panasonic KX"
    NEC = "nec", "NEC SL / SV"
    SAMSUNG_OFFICESERV = "samsung-officeserv", "Samsung OfficeServ"
    ASTERISK_CSV = "asterisk-csv", "Asterisk cdr_csv"
    FREESWITCH_CSV = "freeswitch-csv", "FreeSWITCH mod_cdr_csv"
    CISCO_CUCM = "cisco-cucm", "Cisco UCM CDR"
    THREECX = "3cx", "3CX"
    ERICSSON_MD110 = "ericsson-md110", "Ericsson MD110 / MX-ONE"
    STAR_HASH = "star-hash", _("Capturador * # (standard + accounting records)")
    NEC_NEAX = "nec-neax", "NEC NEAX (STX/ETX KA, KK, KL, KM)"
    ALCATEL_OMNIPCX = "alcatel-omnipcx", "Alcatel-Lucent OmniPCX Office / Enterprise"
    UNIFY_OPENSCAPE = "unify-openscape", "Unify OpenScape Voice / OpenScape 4000"
    GRANDSTREAM_UCM = "grandstream-ucm", "Grandstream UCM"
    YEASTAR = "yeastar", "Yeastar S-Series / P-Series"
    GENERIC = "generic", _("Generic (column map)")


class Transport(models.TextChoices):
    AGENT = "agent", _("Remote agent (uploads to the API)")
    TCP_CLIENT = "tcp-client", _("TCP client (we connect to the PBX)")
    TCP_SERVER = "tcp-server", _("TCP listener (the PBX connects to us)")
    SERIAL = "serial", _("Serial port")
    FILE = "file", _("File import")
    DATABASE = "database", _("Database pull (the PBX's CDR table)")


class CaptureState(models.TextChoices):
    """What the capture last said of a source's link (``smdr.runner.State``)."""

    IDLE = "idle", _("Not captured")
    CONNECTING = "connecting", _("Connecting")
    CAPTURING = "capturing", _("Capturing")
    ERROR = "error", _("Error")


def settings_error_text(error) -> str:
    """A ``smdr.schema.SettingsError`` in the active language (smdr marks its templates
    and the settings' help texts with ``gettext_noop``; they are translated here)."""
    params = dict(error.params)
    if not params:
        return gettext(error.template)
    if params.get("help"):
        params["help"] = gettext(params["help"])
    return gettext(error.template) % params


def hash_key(key: str) -> str:
    """Source keys are random and long, so a fast digest is a safe way to store them."""
    return hashlib.sha256(key.encode()).hexdigest()


class Source(models.Model):
    """One PBX feed: which site, which PBX family, and how its records arrive."""

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="sources", verbose_name=_("site")
    )
    slug = models.SlugField(unique=True, verbose_name=_("slug"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    family = models.CharField(max_length=32, choices=PbxFamily.choices, verbose_name=_("family"))
    transport = models.CharField(
        max_length=16, choices=Transport.choices, verbose_name=_("transport")
    )
    settings = models.JSONField(
        default=dict,
        blank=True,
        help_text=_(
            "Transport and parser settings: host, port, password, device, baud, "
            "time_zone (overrides the site's), column map, ..."
        ),
        verbose_name=_("settings"),
    )
    enabled = models.BooleanField(default=True, verbose_name=_("enabled"))
    key_hash = models.CharField(
        max_length=64, blank=True, editable=False, db_index=True, verbose_name=_("key hash")
    )
    key_created_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("key created at")
    )
    last_seen_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("last seen at")
    )
    last_seq = models.BigIntegerField(
        default=0,
        editable=False,
        help_text=_("Highest sequence number stored for this source."),
        verbose_name=_("last seq"),
    )
    capture_state = models.CharField(
        max_length=16,
        choices=CaptureState.choices,
        default=CaptureState.IDLE,
        editable=False,
        verbose_name=_("capture state"),
    )
    capture_state_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("capture state at")
    )
    capture_error = models.TextField(blank=True, editable=False, verbose_name=_("capture error"))
    # How long a source may send nothing before health calls it silent: PBXs are quiet
    # at night and on weekends, so working hours (weekdays 08:00-18:00 in the site's
    # zone) have a shorter limit than the rest of the week.
    silent_after_working = models.DurationField(
        _("silent after (working hours)"),
        default=dt.timedelta(hours=2),
        help_text=_("No record for this long on a weekday from 08:00 to 18:00 means silent."),
    )
    silent_after = models.DurationField(
        _("silent after"),
        default=dt.timedelta(hours=24),
        help_text=_("No record for this long at any time means silent."),
    )
    # The health state last announced to administrators, so each change is told once,
    # and when it was (TARIFICADOR_HEALTH_MAIL_MIN_SECONDS apart at least).
    health_notified = models.CharField(
        max_length=16, blank=True, editable=False, verbose_name=_("health notified")
    )
    health_notified_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("health notified at")
    )

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["site", "slug"]

    def __str__(self):
        return self.slug

    def clean(self):
        from zoneinfo import ZoneInfo

        from org.models import validate_time_zone
        from smdr.parsers import PARSERS, ParserSettings, RecordError
        from smdr.schema import SettingsError
        from smdr.source_settings import settings_schema

        if self.family and self.family not in PARSERS:
            ready = ", ".join(sorted(PARSERS))
            raise ValidationError(
                {
                    "family": gettext("No parser for %(family)r yet; available: %(ready)s.")
                    % {"family": self.family, "ready": ready}
                }
            )
        if self.family and isinstance(self.settings, dict):
            from smdr.source_settings import loaded_settings

            # A preset's column map and options are loaded where the settings have none.
            self.settings = loaded_settings(self.family, self.settings)
        if self.transport:
            # One declared schema per transport and family: unknown keys, missing
            # required ones and wrong kinds are refused here, naming the key.
            try:
                settings_schema(self.transport, self.family).validate(self.settings or {})
                if self.transport == Transport.DATABASE:
                    from smdr.dbpull import database_url

                    database_url((self.settings or {}).get("url"))
            except SettingsError as error:
                raise ValidationError({"settings": [settings_error_text(error)]}) from None
        options = dict(self.settings or {})
        time_zone = options.pop("time_zone", None)
        if time_zone:
            try:
                validate_time_zone(time_zone)
            except ValidationError as error:
                raise ValidationError({"settings": error.messages}) from None
        if self.family:
            # Building the parser checks the settings it reads (layout, column map...).
            try:
                PARSERS[self.family](ParserSettings(ZoneInfo(time_zone or "UTC"), options))
            except RecordError as error:
                raise ValidationError({"settings": str(error)}) from None

    def rotate_key(self) -> str:
        """Issue a new key, store only its hash and return the key (shown once)."""
        key = secrets.token_urlsafe(32)
        self.key_hash = hash_key(key)
        self.key_created_at = timezone.now()
        return key


class RawRecord(models.Model):
    """One record exactly as a PBX sent it, and what became of it.

    ``line`` holds the text; a record that is not valid UTF-8 (or holds NUL, which a
    text column cannot) is kept byte for byte in ``data`` instead. ``seq`` is the
    sender's increasing number for the record: an agent's own, or one the centre
    assigns for captures and imports. ``fingerprint`` makes re-imports of the same
    file store nothing.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        PARSED = "parsed", _("Parsed")
        IGNORED = "ignored", _("Ignored (noise)")
        ERROR = "error", _("Error")

    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        related_name="raw_records",
        db_index=False,
        verbose_name=_("source"),
    )  # led by the (source, seq) unique index
    seq = models.BigIntegerField(
        verbose_name=_("seq"),
    )
    received_at = models.DateTimeField(
        verbose_name=_("received at"),
    )
    line = models.TextField(blank=True, verbose_name=_("line"))
    data = models.BinaryField(null=True, blank=True, verbose_name=_("data"))
    # NULL, not "", for records without one: the unique constraint skips NULLs.
    fingerprint = models.CharField(  # noqa: DJ001
        max_length=32, null=True, blank=True, editable=False, verbose_name=_("fingerprint")
    )
    state = models.CharField(
        max_length=8, choices=State.choices, default=State.PENDING, verbose_name=_("state")
    )
    error = models.TextField(blank=True, verbose_name=_("error"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("raw record")
        verbose_name_plural = _("raw records")
        ordering = ["source", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["source", "seq"], name="raw_record_unique_seq"),
            models.UniqueConstraint(
                fields=["source", "fingerprint"],
                condition=models.Q(fingerprint__isnull=False),
                name="raw_record_unique_fingerprint",
            ),
        ]
        indexes = [
            models.Index(
                fields=["source", "state"],
                condition=~models.Q(state="parsed"),
                name="raw_record_unfinished",
            ),
            models.Index(fields=["source", "received_at"], name="raw_record_received"),
            # Few rows (records waiting to be parsed): /healthz counts them and ages the
            # oldest on every probe.
            models.Index(
                fields=["created_at"],
                condition=models.Q(state="pending"),
                name="raw_record_pending",
            ),
        ]

    def __str__(self):
        return f"{self.source_id}#{self.seq}"

    @property
    def text(self) -> str:
        """The record as text; undecodable bytes shown as U+FFFD."""
        if self.data is not None:
            return bytes(self.data).decode("utf-8", errors="replace")
        return self.line


class CaptureHeartbeat(models.Model):
    """A running capture process (``manage.py capture`` or a capture worker), beating
    every few seconds: health is unhealthy when none has beaten for a minute."""

    process = models.CharField(
        max_length=200, unique=True, help_text=_("host:pid"), verbose_name=_("process")
    )
    started_at = models.DateTimeField(
        verbose_name=_("started at"),
    )
    beat_at = models.DateTimeField(db_index=True, verbose_name=_("beat at"))
    sources = models.PositiveIntegerField(
        default=0, help_text=_("Sources it captures now."), verbose_name=_("sources")
    )

    class Meta:
        verbose_name = _("capture heartbeat")
        verbose_name_plural = _("capture heartbeats")

    def __str__(self):
        return self.process
