"""Round pages: the rounds a user sees, opening one (staff), a round's reporting table with its rate, and one
region's report: its status, steps, what changed since its last approval, and the buttons of whoever may act.

Thin: the forms validate, the services decide and write. A report outside the user's scope is a 404; a step the user
may not take is a 403 with the reason; a step at the wrong moment (approve before submit, return without a reason)
comes back to the report page with the service's message and changes nothing."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from census.registry.models import Campaign, CampaignReport, ReportStatus
from census.rounds.forms import ReasonForm, RoundOpenForm
from census.rounds.selectors import (
    can_decide,
    can_open_rounds,
    can_submit,
    changes_since_approval,
    child_reports,
    report_rows,
    report_steps,
    reporting_rate,
)
from census.rounds.services import report_approve, report_reopen, report_return, report_submit, round_open
from orgs.access.scoping import get_visible_or_404
from orgs.common.forms import apply_errors
from orgs.regions.models import LEVEL_RANK, RegionLevel
from orgs.regions.selectors import scope_regions_for


@require_safe
@login_required
def campaign_list(request):
    """侨情调查: the rounds the user sees (their region's and those above it), newest first, each with how many of
    its reporting regions the user sees have submitted and been approved."""
    campaigns = list(Campaign.objects.visible_to(request.user).select_related("region").order_by("-year", "region__code", "pk"))
    counts = {c.pk: {} for c in campaigns}
    for campaign_id, status, n in (
        CampaignReport.objects.visible_to(request.user).filter(campaign__in=[c.pk for c in campaigns])
        .values_list("campaign_id", "status").annotate(n=Count("pk")).order_by()
    ):
        counts[campaign_id][status] = n
    rounds = [
        {"campaign": c, "total": sum(counts[c.pk].values()), "approved": counts[c.pk].get(ReportStatus.APPROVED, 0),
         "reported": counts[c.pk].get(ReportStatus.APPROVED, 0) + counts[c.pk].get(ReportStatus.SUBMITTED, 0)}
        for c in campaigns
    ]
    return render(request, "census/campaign_list.html", {"rounds": rounds, "can_open": can_open_rounds(request.user)})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def campaign_create_view(request):
    """发起侨情调查 (staff): a round over a region the user administers, reported by the chosen levels."""
    if not can_open_rounds(request.user):
        raise PermissionDenied(_("只有侨联工作人员可以发起侨情调查"))
    regions = scope_regions_for(request.user)
    form = RoundOpenForm(request.POST or None, user=request.user, initial={"region": regions[0].code} if regions else None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = round_open(editor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error) or _("您不能在此区划发起侨情调查"))
        else:
            messages.success(request, _("已发起：%(name)s") % {"name": campaign.name})
            return redirect("census:campaign-detail", pk=campaign.pk)
    return render(request, "census/campaign_form.html", {"form": form})


@require_safe
@login_required
def campaign_detail(request, pk: int):
    """A round's page: the reporting rate and the table of its reporting regions the user sees (status, submitted
    when, on time or late), the late ones, and where the user has something to do."""
    campaign = get_visible_or_404(Campaign.objects.select_related("region"), request.user, pk=pk)
    today = timezone.localdate()
    rate = reporting_rate(campaign, as_of=today, user=request.user)
    reports = {r.pk: r for r in CampaignReport.objects.filter(pk__in=[row.pk for row in rate.rows]).select_related("region")}
    rows = [
        {"row": row, "submit": row.status in (ReportStatus.NOT_SUBMITTED, ReportStatus.RETURNED) and can_submit(request.user, reports[row.pk]),
         "decide": row.status == ReportStatus.SUBMITTED and can_decide(request.user, reports[row.pk])}
        for row in rate.rows
    ]
    levels = sorted({r.region.level for r in reports.values()}, key=lambda level: LEVEL_RANK[RegionLevel(level)])
    return render(request, "census/campaign_detail.html", {
        "campaign": campaign, "rate": rate, "rows": rows, "today": today,
        "levels": [RegionLevel(level).label for level in levels],
        "waiting_for_me": sum(1 for r in rows if r["decide"]), "to_submit": sum(1 for r in rows if r["submit"]),
    })


def _report_or_404(request, pk: int, code: str) -> CampaignReport:
    return get_visible_or_404(
        CampaignReport.objects.select_related("campaign__region", "region", "submitted_by", "decided_by"), request.user,
        campaign_id=pk, region__code=code,
    )


@require_safe
@login_required
def campaign_report(request, pk: int, code: str):
    """One region's report (the approval page): status and deadline, the buttons of whoever may act, what changed
    since the region's last approval (counts by category and the first people of each kind), the reports below it
    (a city's counties), and its steps."""
    report = _report_or_404(request, pk, code)
    today = timezone.localdate()
    row = report_rows(CampaignReport.objects.filter(pk=report.pk), deadline=report.campaign.deadline, as_of=today)[0]
    below = child_reports(report)
    children = report_rows(below.visible_to(request.user), deadline=report.campaign.deadline, as_of=today) if below.exists() else []
    deciding = can_decide(request.user, report)
    return render(request, "census/campaign_report.html", {
        "campaign": report.campaign, "report": report, "row": row, "children": children,
        "changes": None if children else changes_since_approval(report, user=request.user),
        "steps": report_steps(report),
        "may_submit": report.status in (ReportStatus.NOT_SUBMITTED, ReportStatus.RETURNED) and can_submit(request.user, report),
        "may_decide": report.status == ReportStatus.SUBMITTED and deciding,
        "may_reopen": report.status == ReportStatus.APPROVED and deciding,
        "reason_form": ReasonForm(),
        # what became of the notices its steps sent (tasks' deliveries_for tag), for those who take the steps
        "notices_source": f"report:{report.pk}" if deciding or can_submit(request.user, report) else "",
    })


def _step(request, pk: int, code: str, service, *, may, with_reason: bool = False, done: str):
    """Runs one step of a report for the POST of its button: 404 outside the scope, 403 for whom it is not, the
    service's message (nothing changed) at the wrong moment."""
    report = _report_or_404(request, pk, code)
    if not may(request.user, report):
        raise PermissionDenied(
            _("只有%(region)s的填报人员可以提交本单位的数据") % {"region": report.region.name} if may is can_submit
            else _("只有上级侨联工作人员可以审核%(region)s的数据") % {"region": report.region.name}
        )
    arguments = {}
    if with_reason:
        form = ReasonForm(request.POST)
        arguments["reason"] = form.data.get("reason", "")
    try:
        service(report=report, actor=request.user, request=request, **arguments)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, done % {"region": report.region.name})
    return redirect("census:campaign-report", pk=pk, code=code)


@login_required
@require_POST
def report_submit_view(request, pk: int, code: str):
    return _step(request, pk, code, report_submit, may=can_submit, done=_("已提交%(region)s的数据，等待上级审核"))


@login_required
@require_POST
def report_approve_view(request, pk: int, code: str):
    return _step(request, pk, code, report_approve, may=can_decide, done=_("已审核通过%(region)s的数据，数据已锁定"))


@login_required
@require_POST
def report_return_view(request, pk: int, code: str):
    return _step(request, pk, code, report_return, may=can_decide, with_reason=True, done=_("已将%(region)s的数据退回"))


@login_required
@require_POST
def report_reopen_view(request, pk: int, code: str):
    return _step(request, pk, code, report_reopen, may=can_decide, with_reason=True, done=_("已退回修改%(region)s的数据，数据已解锁"))
