"""The directory import in the admin of departments: upload a CSV or XLSX, see its
line errors or what it would change, and apply it.

org's admin of departments, extended here rather than in org because a move dated
in the past charges the extension's calls since then to its new department (a write
of billing's calls, which sit above org).
"""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from billing.services import calls_department_move
from org.admin import DepartmentAdmin as OrgDepartmentAdmin
from org.directory import (
    OPTIONAL,
    REQUIRED,
    DirectoryError,
    directory_apply,
    directory_diff,
    directory_read,
)
from org.models import Department

SHOWN_CHANGES = 50


class DirectoryForm(forms.Form):
    directory = forms.FileField(
        label=gettext_lazy("Directory"), help_text=gettext_lazy("A .csv or .xlsx file.")
    )
    apply = forms.BooleanField(
        required=False, label=gettext_lazy("Apply"), help_text=gettext_lazy("Write the changes.")
    )


admin.site.unregister(Department)


@admin.register(Department)
class DepartmentAdmin(OrgDepartmentAdmin):
    change_list_template = "admin/org/department/change_list.html"

    def get_urls(self):
        import_view = self.admin_site.admin_view(self.import_directory)
        return [
            path("import/", import_view, name="org_department_import"),
            *super().get_urls(),
        ]

    def import_directory(self, request):
        """Upload a directory: see the line errors or the diff; with "apply", write it."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            return redirect("admin:index")
        form = DirectoryForm(request.POST or None, request.FILES or None)
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "opts": self.model._meta,
            "title": _("Import a directory"),
            "columns": ", ".join(REQUIRED + OPTIONAL),
        }
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["directory"]
            try:
                rows = directory_read(upload.name, content=upload.read())
                diff = directory_diff(rows)
            except DirectoryError as error:
                context["errors"] = error.errors[:200]
            else:
                context["summary"] = ngettext(
                    "%(count)s extension: %(summary)s",
                    "%(count)s extensions: %(summary)s",
                    len(rows),
                ) % {
                    "count": number_format(len(rows), force_grouping=True),
                    "summary": diff.summary(),
                }
                context["lines"] = list(diff.lines(SHOWN_CHANGES))
                if not diff.has_changes:
                    context["nothing"] = _("Nothing to change.")
                elif form.cleaned_data["apply"]:
                    applied = directory_apply(diff, calls_move=calls_department_move)
                    messages.success(
                        request,
                        ngettext(
                            "Directory applied: %(summary)s; %(calls)s call charged to its "
                            "new department.",
                            "Directory applied: %(summary)s; %(calls)s calls charged to their "
                            "new department.",
                            applied.calls_moved,
                        )
                        % {
                            "summary": diff.summary(),
                            "calls": number_format(applied.calls_moved, force_grouping=True),
                        },
                    )
                    return redirect("admin:org_department_changelist")
        return render(request, "admin/org/department/import_directory.html", context)
