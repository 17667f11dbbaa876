"""后台任务 (/jobs/): the system administrator's page of the job outbox: the rows of a status (the unfinished ones by
default), newest first, paged by key, the counts per status at the top, and 重新发送 for a failed row (audited).
Thin: reads in `selectors`, the resend in `services`; everyone but the system administrator gets 403."""
from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from orgs.jobs.forms import JobFilterForm
from orgs.jobs.models import JobStatus, QueuedJob
from orgs.jobs.selectors import ALL, UNFINISHED, UNFINISHED_STATUSES, job_status_counts, jobs_listed, jobs_page
from orgs.jobs.services import job_resend, jobs_fail_stuck_in_process, require_system_admin


def _key(value) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _list_url(status: str) -> str:
    url = reverse("jobs:list")
    return f"{url}?{urlencode({'status': status})}" if status else url


@require_safe
@login_required
def job_list(request):
    require_system_admin(request.user)
    jobs_fail_stuck_in_process()
    status = JobFilterForm(request.GET).chosen_status()
    rows, next_key = jobs_page(jobs_listed(status), _key(request.GET.get("before")))
    counts = job_status_counts()
    tiles = [
        {"status": "unfinished", "label": _("未完成"), "n": sum(counts[s] for s in UNFINISHED_STATUSES),
         "url": _list_url(UNFINISHED), "active": status == UNFINISHED},
        *({"status": value, "label": label, "n": counts[value], "url": _list_url(value), "active": status == value}
          for value, label in JobStatus.choices),
        {"status": ALL, "label": _("全部"), "n": sum(counts.values()), "url": _list_url(ALL), "active": status == ALL},
    ]
    return render(request, "jobs/job_list.html", {
        "jobs": rows, "next_key": next_key, "tiles": tiles, "status": status,
        "query": urlencode({"status": status}) if status else "", "first_page": request.GET.get("before") is None,
    })


@require_POST
@login_required
def job_resend_view(request, pk: int):
    """重新发送 a failed row (POST); the list again, with the filter it was sent from."""
    require_system_admin(request.user)
    try:
        job = job_resend(job_id=pk, user=request.user, request=request)
    except QueuedJob.DoesNotExist:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        if job.status == JobStatus.PENDING:
            messages.info(request, _("消息队列暂时不可用：任务 #%(id)d 已放回待发送，恢复后自动发送") % {"id": job.pk})
        elif job.status == JobStatus.FAILED:  # run in-process (no broker) and failed again
            messages.error(request, _("任务 #%(id)d 已重新运行，仍然失败：%(error)s") % {"id": job.pk, "error": job.last_error})
        else:
            messages.success(request, _("已重新发送任务 #%(id)d") % {"id": job.pk})
    return redirect(_list_url(JobFilterForm(request.POST).chosen_status()))
