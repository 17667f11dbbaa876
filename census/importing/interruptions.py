"""Imports cut off (a worker killed, the web process ended, the database lost mid-commit) never stay "running": a
queued import is claimed by one delivery, a delivery that finds it running marks it failed, and the sweep fails the
imports still running `JOB_STUCK_SECONDS` after they started (beat's job, or, when jobs run in the web process and
no beat runs, the import pages)."""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from census.importing.models import CensusImport, ImportStatus
from orgs.common.dispatch import jobs_run_in_process


def census_import_claim(*, record_id: int) -> tuple[CensusImport, bool]:
    """A queued job's record, and whether this delivery may run it. Of the statuses it may find:
    queued: claimed (queued → running, a conditional update: of two deliveries only one wins), run it;
    running: the message was delivered again after the worker running it died (acks_late, reject_on_worker_lost):
    the record is marked failed with the reason instead of dying again (a commit is one transaction, so nothing was
    written); anything else: decided already (committed, failed by the sweep, discarded), nothing to do."""
    claimed = CensusImport.objects.filter(pk=record_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=timezone.now())
    record = CensusImport.objects.select_related("user", "campaign", "campaign__region").get(pk=record_id)
    if claimed:
        return record, True
    if record.status == ImportStatus.RUNNING:
        _fail_interrupted(CensusImport.objects.filter(pk=record_id, status=ImportStatus.RUNNING),
                          _("处理过程中工作进程中断，未写入任何数据：请重新上传后再导入"))
        record.refresh_from_db()
    return record, False


def _fail_interrupted(running, reason: str) -> int:
    return running.update(status=ImportStatus.FAILED, message=reason, finished_at=timezone.now(), progress=0)


def census_imports_fail_stuck(*, now=None) -> int:
    """Marks failed, with the reason, the imports still "running" `JOB_STUCK_SECONDS` after they started: longer
    than the job's hard time limit, so their worker died or was killed (beat, every few minutes). A redelivered
    message of such an import finds it failed and does nothing. An import running since before `started_at` was
    recorded is judged by its upload time."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.JOB_STUCK_SECONDS)
    started_before = Q(started_at__lt=cutoff) | Q(started_at__isnull=True, created_at__lt=cutoff)
    return _fail_interrupted(
        CensusImport.objects.filter(started_before, status=ImportStatus.RUNNING),
        _("处理超时或工作进程中断，未写入任何数据：请重新上传后再导入"),
    )


def census_imports_fail_stuck_in_process() -> int:
    """The sweep, run by the import pages as they are read when jobs run in the web process (REDIS_URL unset): there
    no beat runs `census.fail_stuck_imports`, and an import cut off in the web process (the process killed, the
    database lost in the middle of the commit) would stay "running" for ever, neither committable nor discardable.
    With a broker, beat sweeps and this does nothing."""
    return census_imports_fail_stuck() if jobs_run_in_process() else 0
