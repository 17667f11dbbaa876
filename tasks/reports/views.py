"""Pages of progress reports: the list of report jobs with the request form, a job's page and its
download. Requesting a report is reading (leadership may); every job and region is scoped (404 outside)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from orgs.access.scoping import get_visible_or_404
from orgs.regions.models import Region
from orgs.regions.selectors import scope_regions_for
from tasks.reports.forms import ReportRequestForm
from tasks.reports.models import ReportFormat, ReportJob
from tasks.reports.services import (
    ReportRequestsExceeded,
    report_job_file_response,
    report_job_request,
)


def _list(request, form, *, status=200):
    jobs = ReportJob.objects.visible_to(request.user).select_related("region", "requested_by")
    page = Paginator(jobs, 50).get_page(request.GET.get("page"))
    return render(request, "reports/list.html", {"form": form, "page": page, "jobs": page.object_list}, status=status)


@require_safe
@login_required
def report_list(request):
    """进度报告: the request form and the jobs of the user's scope with their status."""
    initial = {"format": ReportFormat.PDF, "as_of": timezone.localdate()}
    code = request.GET.get("region")
    if code:
        initial["region"] = get_visible_or_404(Region.objects.all(), request.user, code=code).code
    else:
        roots = scope_regions_for(request.user)
        if roots:
            initial["region"] = roots[0].code
    return _list(request, ReportRequestForm(initial=initial, user=request.user))


@require_POST
@login_required
def report_request(request):
    """Queues a report (built by the report worker); bad input re-shows the form with the reason."""
    form = ReportRequestForm(request.POST, user=request.user)
    if not form.is_valid():
        return _list(request, form, status=400)
    try:
        job, created = report_job_request(
            user=request.user, region=form.cleaned_data["region"], fmt=form.cleaned_data["format"],
            as_of=form.cleaned_data["as_of"] or timezone.localdate(),
        )
    except ReportRequestsExceeded as exceeded:
        messages.error(request, str(exceeded))
        response = _list(request, form, status=429)
        response["Retry-After"] = str(exceeded.retry_after)
        return response
    if created:
        messages.success(request, _("已提交报告申请：%(job)s，生成后可在下方下载") % {"job": job})
    else:
        messages.info(request, _("相同的报告申请正在处理中：%(job)s，生成后可在下方下载") % {"job": job})
    return redirect("reports:list")


@require_safe
@login_required
def report_detail(request, pk: int):
    job = get_visible_or_404(ReportJob.objects.select_related("region", "requested_by"), request.user, pk=pk)
    return render(request, "reports/detail.html", {"job": job})


@require_safe
@login_required
def report_download(request, pk: int):
    job = get_visible_or_404(ReportJob.objects.select_related("region"), request.user, pk=pk)
    return report_job_file_response(job, user=request.user, request=request)
