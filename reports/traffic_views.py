"""The trunk traffic page: per trunk, the month's peak, busy hour and Erlang B, with
the busiest day and a weekday-by-hour heat map of the trunk picked (``?trunk=ID``;
by default the one with the most busy-hour traffic). Administrators only, as the API
(``reports.traffic``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from org.models import Site

from .charts import trunk_day_svg
from .traffic import SiteNotFound, TrunkReportRefused, trunk_heat_map, trunk_report
from .views import _month, _month_nav


@login_required
def trunk_report_page(request):
    month = _month(request)
    site_slug = request.GET.get("site", "").strip()
    trunk_param = request.GET.get("trunk", "").strip()
    if trunk_param and not trunk_param.isdigit():
        raise Http404(
            _("trunk must be a trunk id (a number), not %(value)r.") % {"value": trunk_param}
        )
    try:
        report = trunk_report(month=month, user=request.user, site_slug=site_slug or None)
    except TrunkReportRefused as error:
        raise PermissionDenied(str(error)) from None
    except SiteNotFound as error:
        raise Http404(str(error)) from None
    chosen = None
    if trunk_param:
        chosen = next((line for line in report.trunks if line.trunk_id == int(trunk_param)), None)
        if chosen is None:
            raise Http404(_("There is no trunk %(id)s here.") % {"id": trunk_param})
    elif report.trunks:
        chosen = max(report.trunks, key=lambda line: line.busy_hour_erlangs)
    context = {
        **_month_nav(request, month, site=site_slug, trunk=trunk_param),
        "report": report,
        "sites": Site.objects.order_by("name", "slug"),
        "site_slug": site_slug,
        "chosen": chosen,
        "day_chart": trunk_day_svg(chosen.busiest_day, chosen.lines, nonce=request.csp_nonce)
        if chosen and chosen.busiest_day
        else None,
        "heat_map": trunk_heat_map(chosen) if chosen else (),
        "hours": range(24),
    }
    return render(request, "reports/trunks.html", context)
