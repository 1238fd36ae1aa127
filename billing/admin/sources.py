"""Admin of PBX sources (with capture health) and raw records (with reprocessing).

Capture's models, administered from billing: their actions parse records again,
which is billing's pipeline (it sits above capture).
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from billing.pipeline import raw_records_reprocess
from capture.models import RawRecord, Source, Transport
from capture.selectors import (
    HealthState,
    source_health_state,
    source_seq_gap_summary,
    source_seq_gaps,
    sources_with_health,
    upload_lag,
)
from capture.services import source_rotate_key

from .source_form import PICKED, PREFIX, SourceAdminForm
from .source_preview import APPLY, preview_view

# Shown only for agent sources: other sources have no key nor sequence of their own.
AGENT_ONLY_FIELDS = ("key_created_at", "last_seq", "sequence_gaps")

# Classes of core/static/core/admin.css: the Content-Security-Policy refuses style attributes.
STATE_CLASSES = {
    HealthState.CAPTURING: "status-good",
    HealthState.CONNECTING: "status-pending",
    HealthState.ERROR: "status-bad",
    HealthState.SILENT: "status-bad",
    HealthState.DISABLED: "status-idle",
}
STATE_LABELS = {
    HealthState.CAPTURING: gettext_lazy("Capturing"),
    HealthState.CONNECTING: gettext_lazy("Connecting"),
    HealthState.ERROR: gettext_lazy("Error"),
    HealthState.SILENT: gettext_lazy("Silent"),
    HealthState.DISABLED: gettext_lazy("Disabled"),
}


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    form = SourceAdminForm
    list_display = [
        "slug",
        "name",
        "site",
        "family",
        "transport",
        "enabled",
        "health",
        "last_seen_at",
        "lag",
        "gaps",
        "records_today",
        "parse_errors",
    ]
    list_filter = ["site", "family", "transport", "enabled", "capture_state"]
    search_fields = ["slug", "name", "site__name"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = [
        "capture_state",
        "capture_state_at",
        "capture_error",
        "last_seen_at",
        "last_seq",
        "lag",
        "sequence_gaps",
        "key_created_at",
    ]
    actions = ["rotate_key", "reprocess_errors"]

    def get_queryset(self, request):
        return sources_with_health()

    def get_urls(self):
        def preview(request, object_id=None):
            if not (self.has_add_permission(request) or self.has_change_permission(request)):
                raise PermissionDenied
            source = self.get_object(request, object_id) if object_id else None
            if APPLY in request.POST and not self.has_change_permission(request, source):
                raise PermissionDenied
            response = preview_view(request, source)
            if isinstance(response, TemplateResponse):  # not the redirect after applying
                response.context_data.update(self.admin_site.each_context(request), opts=self.opts)
            return response

        wrap = self.admin_site.admin_view
        return [
            path("preview/", wrap(preview), name="capture_source_preview_new"),
            path("<path:object_id>/preview/", wrap(preview), name="capture_source_preview"),
            *super().get_urls(),
        ]

    def get_readonly_fields(self, request, obj=None):
        """The key and the sequence are an agent's: other sources show neither."""
        fields = list(super().get_readonly_fields(request, obj))
        if obj is None or obj.transport != Transport.AGENT:
            fields = [name for name in fields if name not in AGENT_ONLY_FIELDS]
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The typed settings are the form's own fields, not the model's.
        if "fields" in kwargs:
            listed = kwargs["fields"]
        else:
            listed = flatten_fieldsets(self.get_fieldsets(request, obj))
        if listed is not None:
            kwargs["fields"] = [name for name in listed if not name.startswith(PREFIX)]
        form = super().get_form(request, obj, change, **kwargs)
        # Picking another transport or family reloads the page with them in the query
        # (core/source_form.js): the form shows that choice and its typed settings.
        picked = {name: request.GET[name] for name in PICKED if request.GET.get(name)}
        if picked and request.method == "GET":
            form = type(form.__name__, (form,), {"picked": picked})
        return form

    def get_fields(self, request, obj=None):
        # The form's typed settings come from the schema of the chosen transport and
        # family (posted, picked on the page, or stored), so the list of fields is the
        # form's, not a fixed one.
        form = self._get_form_for_get_fields(request, obj)
        fields = [*form.base_fields, *self.get_readonly_fields(request, obj)]
        chosen = form(data=request.POST or None, instance=obj)
        typed = [name for name in chosen.fields if name.startswith(PREFIX)]
        return [*fields, *typed]

    @admin.display(description=gettext_lazy("Health"))
    def health(self, source):
        """The health state in its colour, and the age of the last record."""
        state = source_health_state(source)
        if source.last_seen_at is None:
            age = _("no record yet")
        else:
            age = _("last record %(age)s ago") % {
                "age": timesince(source.last_seen_at, timezone.now(), depth=1)
            }
        return format_html(
            '<span class="{}" title="{}">&#9679; {}</span> <small>{}</small>',
            STATE_CLASSES[state],
            source.capture_error if state == HealthState.ERROR else "",
            STATE_LABELS[state],
            age,
        )

    @admin.display(description=gettext_lazy("Upload lag"))
    def lag(self, source):
        """From receipt at the site to storage here, for the newest record."""
        lag = upload_lag(source) if hasattr(source, "newest_received_at") else None
        if lag is None:
            return "-"
        seconds = lag.total_seconds()
        if seconds < 120:
            return _("%(seconds)s s") % {"seconds": number_format(seconds, 1)}
        return _("%(minutes)s min") % {"minutes": number_format(seconds / 60, 0)}

    @admin.display(description=gettext_lazy("Sequence gaps"))
    def gaps(self, source):
        """Agent records that never arrived, among the newest (a gap is worth a look)."""
        if source.transport != Transport.AGENT:
            return "-"
        summary = source_seq_gap_summary(source_id=source.pk, limit=3)
        if not summary.gaps:
            return pgettext("sequence gaps", "none")
        missing = f"{summary.missing}+" if summary.capped else summary.missing
        shown = ", ".join(str(gap) for gap in summary.gaps)
        return format_html(
            '<span class="status-bad">{}</span>',
            _("%(missing)s missing: %(gaps)s") % {"missing": missing, "gaps": shown},
        )

    @admin.display(description=gettext_lazy("Sequence gaps (newest first)"))
    def sequence_gaps(self, source):
        if source.transport != Transport.AGENT:
            return _("- (only agents number their own records)")
        gaps = source_seq_gaps(source_id=source.pk)
        if not gaps:
            return _("none among the newest records")
        return "; ".join(
            _("%(gap)s (%(missing)s missing)")
            % {"gap": gap, "missing": f"{gap.missing}{'+' if gap.capped else ''}"}
            for gap in gaps
        )

    @admin.display(description=gettext_lazy("Records (24 h)"), ordering="records_today")
    def records_today(self, source):
        return source.records_today

    @admin.display(description=gettext_lazy("Parse errors"), ordering="parse_errors")
    def parse_errors(self, source):
        if not source.parse_errors:
            return 0
        url = reverse("admin:capture_rawrecord_changelist")
        return format_html(
            '<a href="{}?source__id__exact={}&state__exact=error">{}</a>',
            url,
            source.pk,
            source.parse_errors,
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            self._show_key(request, obj, source_rotate_key(source=obj))

    @admin.action(description=gettext_lazy("Issue a new key (the old one stops working)"))
    def rotate_key(self, request, queryset):
        for source in queryset:
            self._show_key(request, source, source_rotate_key(source=source))

    @admin.action(description=gettext_lazy("Parse the records that failed again"))
    def reprocess_errors(self, request, queryset):
        count = raw_records_reprocess(
            queryset=RawRecord.objects.filter(source__in=queryset, state=RawRecord.State.ERROR)
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d records queued for parsing.",
                "%(count)d records queued for parsing.",
                count,
            )
            % {"count": count},
        )

    def _show_key(self, request, source, key):
        self.message_user(
            request,
            _("Key of %(source)s: %(key)s (copy it now; it is not shown again).")
            % {"source": source.slug, "key": key},
            messages.WARNING,
        )


@admin.register(RawRecord)
class RawRecordAdmin(admin.ModelAdmin):
    list_display = ["id", "source", "seq", "received_at", "state", "short_text", "error"]
    list_filter = ["state", "source"]
    search_fields = ["line", "error"]
    date_hierarchy = "received_at"
    list_select_related = ["source"]
    show_full_result_count = False
    readonly_fields = [
        "source",
        "seq",
        "received_at",
        "line",
        "data",
        "fingerprint",
        "state",
        "error",
        "created_at",
        "call_link",
    ]
    actions = ["reprocess"]

    @admin.display(description=gettext_lazy("Record"))
    def short_text(self, record):
        text = record.text
        return text if len(text) <= 80 else text[:77] + "..."

    @admin.display(description=gettext_lazy("Call"))
    def call_link(self, record):
        call = getattr(record, "call", None)
        if call is None:
            return "-"
        url = reverse("admin:billing_call_change", args=[call.pk])
        return format_html('<a href="{}">{}</a>', url, call)

    @admin.action(description=gettext_lazy("Parse again"))
    def reprocess(self, request, queryset):
        count = raw_records_reprocess(queryset=queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d records queued for parsing.",
                "%(count)d records queued for parsing.",
                count,
            )
            % {"count": count},
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # raw records are kept forever
