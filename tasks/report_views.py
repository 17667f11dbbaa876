"""Pages of progress reports: the list of report jobs with the request form, a job's page and its
download. Requesting a report is reading (leadership may); every job and region is scoped (404 outside)."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from orgs.forms import DateInput
from orgs.models import Region, RegionLevel
from orgs.scoping import get_visible_or_404
from orgs.selectors import scope_regions_for

from .models import ReportFormat, ReportJob
from .reports.services import report_job_file_response, report_job_request

REGION_CHOICES_LIMIT = 400


class ReportRequestForm(forms.Form):
    region = forms.CharField(label=gettext_lazy("报告范围"), max_length=12,
                             widget=forms.TextInput(attrs={"placeholder": gettext_lazy("区划代码，如 530400")}))
    format = forms.ChoiceField(label=gettext_lazy("格式"), choices=ReportFormat.choices)
    as_of = forms.DateField(label=gettext_lazy("统计截止日期"), required=False, widget=DateInput())

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        regions = (
            Region.objects.visible_to(user).filter(level__in=(RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY))
            .order_by("tree_id", "lft").values_list("code", "full_name", "name")[: REGION_CHOICES_LIMIT + 1]
        )
        rows = list(regions)
        if len(rows) <= REGION_CHOICES_LIMIT:
            self.fields["region"].widget = forms.Select(choices=[(code, full or name) for code, full, name in rows])

    def clean_as_of(self):
        as_of = self.cleaned_data.get("as_of")
        if as_of and as_of > timezone.localdate():
            raise forms.ValidationError(_("统计截止日期 %(d)s 晚于今天") % {"d": as_of.isoformat()})
        return as_of

    def clean_region(self):
        code = self.cleaned_data["region"].strip()
        region = Region.objects.visible_to(self.user).filter(code=code).first()
        if region is None:
            raise forms.ValidationError(_("区划代码“%(code)s”不存在或不在您的管辖范围内") % {"code": code})
        return region


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
    job = report_job_request(
        user=request.user, region=form.cleaned_data["region"], fmt=form.cleaned_data["format"],
        as_of=form.cleaned_data["as_of"] or timezone.localdate(),
    )
    messages.success(request, _("已提交报告申请：%(job)s，生成后可在下方下载") % {"job": job})
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
    return report_job_file_response(job)
