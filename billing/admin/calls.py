"""Admin of the call store, re-rating jobs and closed months. Calls are read-only here."""

from django.contrib import admin
from django.db import transaction
from django.db.models import Max, Min
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from billing.models import Call, ClosedMonth, RerateJob
from billing.selectors import price_explanation
from org.models import Site
from rating.engine import meter_pulses


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = [
        "start",
        "site",
        "direction",
        "extension",
        "number",
        "duration_seconds",
        "ring_seconds",
        "answered",
        "cost",
        "department",
        "personal",
    ]
    list_filter = ["direction", "answered", "site", "source", "category", "personal"]
    list_select_related = ["site", "extension", "department"]
    search_fields = ["number", "normalized_number", "extension__number", "pbx_call_id"]
    date_hierarchy = "start"
    show_full_result_count = False  # counting millions of calls on every page is slow
    readonly_fields = ["raw_record_link", "pulses", "price_explanation"]
    actions = ["rerate_days"]

    @admin.action(description=gettext_lazy("Re-rate the days of the selected calls"))
    def rerate_days(self, request, queryset):
        """One re-rating job per site over the local days the selected calls span
        (closed months skipped, as for any job); progress shows under Re-rating jobs."""
        spans = queryset.order_by().values("site").annotate(first=Min("start"), last=Max("start"))
        sites = Site.objects.in_bulk([span["site"] for span in spans])
        jobs = []
        for span in spans:
            site = sites[span["site"]]
            job = RerateJob.objects.create(
                date_from=span["first"].astimezone(site.zone).date(),
                date_to=span["last"].astimezone(site.zone).date(),
                site=site,
                created_by=request.user,
            )
            jobs.append(job)
        _queue_rerate_jobs([job.pk for job in jobs])
        url = reverse("admin:billing_reratejob_changelist")
        self.message_user(
            request,
            format_html(
                ngettext(
                    '{} re-rating job(s) queued: <a href="{}">follow their progress</a>.',
                    '{} re-rating job(s) queued: <a href="{}">follow their progress</a>.',
                    len(jobs),
                ),
                len(jobs),
                url,
            ),
        )

    def raw_record_link(self, call):
        url = reverse("admin:capture_rawrecord_change", args=[call.raw_record_id])
        return format_html(
            '<a href="{}">{}</a>', url, _("raw record #%(id)s") % {"id": call.raw_record_id}
        )

    raw_record_link.short_description = gettext_lazy("Raw record")

    def get_fields(self, request, obj=None):
        """Every field, and the meter pulses only on a call whose PBX printed them."""
        fields = list(super().get_fields(request, obj))
        if obj is None or meter_pulses(obj) is None:
            fields.remove("pulses")
        return fields

    @admin.display(description=gettext_lazy("Meter pulses"))
    def pulses(self, call):
        """The PBX's meter pulses, shown for reference: prices come from the duration."""
        return meter_pulses(call)

    @admin.display(description=gettext_lazy("Price explanation"))
    def price_explanation(self, call):
        """The steps of GET /api/v1/calls/{id}/explain/, as a table."""
        if call.pk is None:
            return "-"
        return render_to_string("rating/price_explanation.html", price_explanation(call))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ClosedMonth)
class ClosedMonthAdmin(admin.ModelAdmin):
    list_display = ["month", "closed_at", "closed_by"]
    readonly_fields = ["closed_by"]

    def save_model(self, request, obj, form, change):
        obj.closed_by = obj.closed_by or request.user
        super().save_model(request, obj, form, change)


@admin.register(RerateJob)
class RerateJobAdmin(admin.ModelAdmin):
    """Adding a job queues it; the list shows each run's progress."""

    list_display = ["__str__", "site", "force", "progress", "changed", "created_at", "message"]
    list_filter = ["state"]
    fields = ["date_from", "date_to", "site", "force"]

    @admin.display(description=gettext_lazy("Progress"))
    def progress(self, job):
        percent = f" ({100 * job.done // job.total}%)" if job.total else ""
        return f"{job.done:,} / {job.total:,}{percent}"

    def has_change_permission(self, request, obj=None):
        return obj is None

    def save_model(self, request, obj, form, change):
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
        _queue_rerate_jobs([obj.pk])


def _queue_rerate_jobs(job_ids: list[int]) -> None:
    """Run the jobs as Celery tasks once they are committed."""
    from billing.tasks import rerate_job_task

    for job_id in job_ids:
        transaction.on_commit(lambda job_id=job_id: rerate_job_task.delay(job_id))
