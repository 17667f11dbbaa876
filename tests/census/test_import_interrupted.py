"""An import whose worker died (kill -9, the OOM killer, the hard time limit) is never left "running": a redelivered
message marks it failed with the reason instead of running it again, the sweep job marks the ones no message comes
back for, and nothing is written twice (tests/production/fault_worker_kill.py does it with a real worker)."""
from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.core.files import File
from django.db import OperationalError
from django.utils import timezone

from census.importing import pipeline
from census.importing.jobs import census_import_job, fail_stuck_imports
from census.importing.models import CensusImport, ImportStatus
from census.importing.services import census_import_request, census_import_run, census_import_upload
from census.registry.models import Person
from orgs.common.audit import AuditEvent
from qiaolian.celery import app
from tests.census import import_files as files
from tests.census.import_files import SHORT_HEADERS, row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(media_dir):
    """Uploads of these tests go to their own directory."""


def _uploaded(user, campaign, tmp_path, n: int = 3) -> CensusImport:
    numbers = files.ids("530423", n, seed=77)
    path = files.write_xlsx(tmp_path / "x.xlsx", SHORT_HEADERS, [
        row(姓名=f"中断{i}", 身份证号码=number, 类别="归侨", 居住地区划代码="530423101") for i, number in enumerate(numbers)
    ])
    with open(path, "rb") as handle:
        return census_import_upload(user=user, uploaded_file=File(handle, name=path.name), campaign=campaign)


def test_a_queued_import_is_claimed_and_run_once(tonghai_official, campaign, tmp_path):
    record = _uploaded(tonghai_official, campaign, tmp_path)
    CensusImport.objects.filter(pk=record.pk).update(status=ImportStatus.QUEUED)
    assert census_import_job(record.pk, False) == ImportStatus.PREVIEWED
    record.refresh_from_db()
    assert record.started_at is not None and record.rows == 3
    # the same message delivered again: the record is not queued any more, nothing runs
    assert census_import_job(record.pk, False) == ImportStatus.PREVIEWED

    CensusImport.objects.filter(pk=record.pk).update(status=ImportStatus.QUEUED)
    before = Person.objects.count()
    assert census_import_job(record.pk, True) == ImportStatus.COMMITTED
    assert census_import_job(record.pk, True) == ImportStatus.COMMITTED
    assert Person.objects.count() == before + 3


def test_a_message_delivered_again_after_its_worker_died_fails_the_import_with_the_reason(tonghai_official, campaign, tmp_path):
    record = _uploaded(tonghai_official, campaign, tmp_path)
    # what the dead worker left: the record claimed and running, its commit's transaction rolled back
    CensusImport.objects.filter(pk=record.pk).update(status=ImportStatus.RUNNING, started_at=timezone.now())
    before = Person.objects.count()
    assert census_import_job(record.pk, True) == ImportStatus.FAILED
    record.refresh_from_db()
    assert record.status == ImportStatus.FAILED and "工作进程中断" in record.message and record.finished_at
    assert Person.objects.count() == before
    # delivered once more (visibility timeout): decided, nothing runs
    assert census_import_job(record.pk, True) == ImportStatus.FAILED
    assert Person.objects.count() == before


def test_the_sweep_fails_imports_running_longer_than_any_job_may(tonghai_official, campaign, tmp_path, settings):
    settings.JOB_STUCK_SECONDS = 600
    stuck = _uploaded(tonghai_official, campaign, tmp_path)
    running = _uploaded(tonghai_official, campaign, tmp_path)
    now = timezone.now()
    CensusImport.objects.filter(pk=stuck.pk).update(status=ImportStatus.RUNNING, started_at=now - dt.timedelta(seconds=601))
    CensusImport.objects.filter(pk=running.pk).update(status=ImportStatus.RUNNING, started_at=now - dt.timedelta(seconds=30))
    assert fail_stuck_imports() == 1
    stuck.refresh_from_db()
    running.refresh_from_db()
    assert stuck.status == ImportStatus.FAILED and "超时或工作进程中断" in stuck.message
    assert running.status == ImportStatus.RUNNING
    # the dead worker's message comes back after the visibility timeout: it finds the import decided
    assert census_import_job(stuck.pk, True) == ImportStatus.FAILED


class _ProcessDied(BaseException):
    """What a process cut off right after its write transaction leaves behind: nothing after it runs."""


def test_a_commit_is_recorded_with_its_rows_when_the_process_dies_right_after(tonghai_official, campaign, tmp_path, monkeypatch):
    """The rows, the import's committed state and its audit entry are one transaction: a process that dies after it
    leaves a committed import (not one the sweep would fail as having written nothing)."""
    record = _uploaded(tonghai_official, campaign, tmp_path)
    assert census_import_run(record=record, commit=False).status == ImportStatus.PREVIEWED
    before = Person.objects.count()

    def die(*args, **kwargs):
        raise _ProcessDied

    monkeypatch.setattr("census.importing.services._store_outcome", die)  # the first step after the pipeline
    with pytest.raises(_ProcessDied):
        census_import_run(record=CensusImport.objects.get(pk=record.pk), commit=True)
    stored = CensusImport.objects.get(pk=record.pk)
    assert Person.objects.count() == before + 3
    assert stored.status == ImportStatus.COMMITTED and stored.finished_at is not None
    assert LogEntry.objects.filter(additional_data__event=AuditEvent.IMPORT, object_pk=str(record.pk)).count() == 1
    assert fail_stuck_imports() == 0


def _cut_off_mid_commit(user, campaign, tmp_path, monkeypatch) -> CensusImport:
    """An import committed in the web process whose database connection is lost inside the commit's transaction
    (after its rows were written, before the commit): the error leaves the request, the record stays "running"."""
    record = census_import_request(record=_uploaded(user, campaign, tmp_path), user=user, commit=False)
    assert record.status == ImportStatus.PREVIEWED

    def connection_lost(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(pipeline, "headcounts_add", connection_lost)  # the last write of the commit's transaction
    before = Person.objects.count()
    with pytest.raises(OperationalError):
        census_import_request(record=record, user=user, commit=True)
    record.refresh_from_db()
    assert record.status == ImportStatus.RUNNING and record.started_at is not None  # the in-process path sets it
    assert Person.objects.count() == before  # the transaction was rolled back: nothing written
    return record


def test_an_import_cut_off_in_the_web_process_does_not_stay_running_without_beat(
        tonghai_official, campaign, tmp_path, monkeypatch, settings, client_for, eager_celery):
    """Without REDIS_URL jobs run in the web process and no beat runs the sweep: the import's own pages run it, so the
    import is failed with the reason once it has been running JOB_STUCK_SECONDS, and the uploader may discard it."""
    settings.JOB_STUCK_SECONDS = 600
    record = _cut_off_mid_commit(tonghai_official, campaign, tmp_path, monkeypatch)
    client = client_for(tonghai_official)
    assert client.get(f"/census/imports/{record.pk}/status/").json()["status"] == ImportStatus.RUNNING  # not yet stuck

    CensusImport.objects.filter(pk=record.pk).update(started_at=timezone.now() - dt.timedelta(seconds=601))  # time passes
    assert client.get(f"/census/imports/{record.pk}/status/").json()["status"] == ImportStatus.FAILED
    record.refresh_from_db()
    assert "超时或工作进程中断" in record.message and record.finished_at is not None
    response = client.post(f"/census/imports/{record.pk}/discard/")
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == ImportStatus.DISCARDED


@pytest.mark.parametrize("page", ["/census/imports/", "/census/imports/{pk}/"])
def test_the_import_pages_sweep_in_process_only(
        page, tonghai_official, campaign, tmp_path, monkeypatch, settings, client_for, eager_celery):
    settings.JOB_STUCK_SECONDS = 600
    record = _cut_off_mid_commit(tonghai_official, campaign, tmp_path, monkeypatch)
    CensusImport.objects.filter(pk=record.pk).update(started_at=timezone.now() - dt.timedelta(seconds=601))
    client = client_for(tonghai_official)
    app.conf.task_always_eager = False  # a broker and its beat: the sweep is beat's (eager_celery restores it)
    assert client.get(page.format(pk=record.pk)).status_code == 200
    assert CensusImport.objects.get(pk=record.pk).status == ImportStatus.RUNNING
    app.conf.task_always_eager = True  # in-process: the page sweeps
    assert client.get(page.format(pk=record.pk)).status_code == 200
    assert CensusImport.objects.get(pk=record.pk).status == ImportStatus.FAILED


def test_the_sweep_also_catches_a_running_import_without_a_start_time(tonghai_official, campaign, tmp_path, settings):
    """Imports running before started_at existed (census 0018) are judged by their upload time."""
    settings.JOB_STUCK_SECONDS = 600
    old = _uploaded(tonghai_official, campaign, tmp_path)
    CensusImport.objects.filter(pk=old.pk).update(
        status=ImportStatus.RUNNING, started_at=None, created_at=timezone.now() - dt.timedelta(days=3))
    assert fail_stuck_imports() == 1
    assert CensusImport.objects.get(pk=old.pk).status == ImportStatus.FAILED
