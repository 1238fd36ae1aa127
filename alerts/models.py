"""Alert rules, the alerts they raised, which calls raised them (the de-duplication),
and the deliveries of each alert to each channel."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .rules import channels_validate, params_validate


class AlertRule(models.Model):
    """What to watch for (``kind`` and ``params``), where (site, department and its
    branch) and whom to tell (``channels``)."""

    class Kind(models.TextChoices):
        EMERGENCY = "emergency", _("emergency number dialled")
        NUMBER = "number", _("watch-listed number")
        AFTER_HOURS = "after-hours", _("after hours")
        THRESHOLD = "threshold", _("cost or duration above a threshold")
        SPIKE = "spike", _("spike over the baseline")
        SILENCE = "silence", _("source silent")

    name = models.CharField(max_length=200, verbose_name=_("name"))
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("kind"))
    params = models.JSONField(
        default=dict,
        blank=True,
        help_text=_(
            'Per kind: emergency {"numbers": ["...extra"]}; number {"prefixes": ["5411"]}; '
            'after-hours {"categories": ["international"], "from": "08:00", "to": "18:00", '
            '"weekends": true}; threshold {"min_cost": "500", "min_seconds": 3600}; spike '
            '{"window_minutes": 60, "factor": 3, "min_calls": 10}; silence {"minutes": 30}.'
        ),
        verbose_name=_("parameters"),
    )
    site = models.ForeignKey(
        "org.Site",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alert_rules",
        help_text=_("Empty: every site."),
        verbose_name=_("site"),
    )
    department = models.ForeignKey(
        "org.Department",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alert_rules",
        help_text=_("Empty: every department. A department includes those below it."),
        verbose_name=_("department"),
    )
    channels = models.JSONField(
        default=list,
        blank=True,
        help_text=_(
            'A list of {"type": "email", "to": ["desk@example.org"]} (add "managers": true '
            'to write to the managers of the calls\' departments too; then "to" is optional) '
            'or {"type": "webhook", "url": "https://...", "secret": "..."}.'
        ),
        verbose_name=_("channels"),
    )
    enabled = models.BooleanField(default=True, verbose_name=_("enabled"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        params_validate(self.kind, self.params)
        channels_validate(self.channels)


class Alert(models.Model):
    """One raising of a rule: one call (emergency) or the calls of one batch."""

    rule = models.ForeignKey(
        AlertRule, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("rule")
    )
    raised_at = models.DateTimeField(db_index=True, verbose_name=_("raised at"))
    summary = models.CharField(max_length=500, verbose_name=_("summary"))
    source = models.ForeignKey(
        "capture.Source",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("source"),
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True, verbose_name=_("acknowledged at"))
    # What the raw record said (time, extension, number), for an alert raised as the
    # record arrived, before its call is recorded; the call's own line replaces it then.
    detail = models.TextField(blank=True, verbose_name=_("detail"))

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self):
        return self.summary


class AlertCall(models.Model):
    """A call (by its raw record, which a re-parse keeps) that raised an alert of a
    rule: unique per rule, so no re-parse, re-rating or re-sent batch raises it again."""

    alert = models.ForeignKey(
        Alert, on_delete=models.CASCADE, related_name="alert_calls", verbose_name=_("alert")
    )
    rule = models.ForeignKey(
        AlertRule, on_delete=models.CASCADE, related_name="+", verbose_name=_("rule")
    )
    raw_record = models.ForeignKey(
        "capture.RawRecord",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("raw record"),
    )
    # The call's department when it raised the alert: whom the alert is shown to.
    department_id = models.IntegerField(null=True, blank=True, verbose_name=_("department"))

    class Meta:
        verbose_name = _("alerted call")
        verbose_name_plural = _("alerted calls")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "raw_record"], name="alerts_one_alert_per_rule_and_call"
            )
        ]
        indexes = [models.Index(fields=["department_id"], name="alerts_call_department")]

    def __str__(self):
        return f"{self.alert_id}: {self.raw_record_id}"


class SourceSilence(models.Model):
    """A source silent or in error, as a ``silence`` rule watched it: opened when the
    health check first sees it so, its alert raised once it has lasted the rule's
    ``minutes``, ended when the source captures again. At most one open per rule and
    source: the alert is raised once per episode, across restarts."""

    rule = models.ForeignKey(
        AlertRule, on_delete=models.CASCADE, related_name="+", verbose_name=_("rule")
    )
    source = models.ForeignKey(
        "capture.Source", on_delete=models.CASCADE, related_name="+", verbose_name=_("source")
    )
    state = models.CharField(max_length=20, verbose_name=_("state"))
    since = models.DateTimeField(verbose_name=_("since"))
    alert = models.ForeignKey(
        Alert,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("alert"),
    )
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ended at"))

    class Meta:
        verbose_name = _("source silence")
        verbose_name_plural = _("source silences")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "source"],
                condition=models.Q(ended_at__isnull=True),
                name="alerts_one_open_silence_per_rule_and_source",
            )
        ]

    def __str__(self):
        return f"{self.source_id} {self.state} since {self.since:%Y-%m-%d %H:%M}"


class Delivery(models.Model):
    """An alert sent to one channel: attempts, the last answer, when it got there."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed (gave up)")

    alert = models.ForeignKey(
        Alert, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("alert")
    )
    channel = models.JSONField(verbose_name=_("channel"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, db_index=True, verbose_name=_("next attempt at")
    )
    last_status = models.CharField(max_length=100, blank=True, verbose_name=_("last status"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered at"))

    class Meta:
        ordering = ["-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self):
        return f"{self.alert_id} → {self.channel.get('type', '?')}"

    @property
    def target(self) -> str:
        """Where it goes, without the secret."""
        if self.channel.get("type") == "webhook":
            return str(self.channel.get("url", ""))
        return ", ".join(self.channel.get("to", []))
