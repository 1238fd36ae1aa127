"""Admin of the organization: sites, departments, extensions (with their history)
and trunks (and their groups)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy, ngettext
from simple_history.admin import SimpleHistoryAdmin

from .models import Department, Extension, Site, Trunk, TrunkGroup


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "time_zone",
        "country_code",
        "area_code",
        "currency",
        "rate_plan",
    ]
    search_fields = ["name", "slug"]
    list_filter = ["time_zone", "currency", "rate_plan"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent"]
    search_fields = ["code", "name"]
    list_filter = ["parent"]
    autocomplete_fields = ["parent"]
    filter_horizontal = ["managers"]


@admin.register(Extension)
class ExtensionAdmin(SimpleHistoryAdmin):
    list_display = ["number", "site", "department", "holder", "user", "discovered"]
    search_fields = [
        "number",
        "holder",
        "email",
        "user__email",
        "department__name",
        "department__code",
    ]
    list_filter = ["site", "discovered", "department"]
    list_select_related = ["site", "department", "user"]
    autocomplete_fields = ["department"]
    raw_id_fields = ["user"]
    list_editable = ["department", "holder"]
    readonly_fields = ["discovered"]
    actions = ["confirm"]

    def save_model(self, request, obj, form, change):
        # An administrator who saves an extension vouches for it.
        obj.discovered = False
        super().save_model(request, obj, form, change)

    @admin.action(description=gettext_lazy("Confirm as extensions"))
    def confirm(self, request, queryset):
        """Count the selected discovered extensions as the site's own."""
        confirmed = queryset.filter(discovered=True).update(discovered=False)
        self.message_user(
            request,
            ngettext("%(count)d extension confirmed.", "%(count)d extensions confirmed.", confirmed)
            % {"count": confirmed},
            messages.SUCCESS,
        )


@admin.register(Trunk)
class TrunkAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "site",
        "group",
        "description",
        "lines",
        "rate_plan",
        "answer_after_seconds",
    ]
    search_fields = ["name", "description"]
    list_filter = ["site", "group"]
    list_select_related = ["site", "group"]


class GroupTrunkInline(admin.TabularInline):
    """The group's trunks, their lines editable here; a trunk joins a group from its
    own page (Group), where its site is known."""

    model = Trunk
    fields = ["name", "lines", "description"]
    readonly_fields = ["name"]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(TrunkGroup)
class TrunkGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "site", "description"]
    search_fields = ["name", "description"]
    list_filter = ["site"]
    inlines = [GroupTrunkInline]
