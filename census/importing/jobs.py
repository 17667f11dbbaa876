"""Celery jobs of the census: large imports run here, reporting progress on their record; the sweep of imports
whose worker died."""
from celery import shared_task
from django.utils.translation import gettext_lazy as _

from census.importing.interruptions import census_import_claim, census_imports_fail_stuck
from census.importing.retention import census_uploads_delete_expired
from census.importing.services import CENSUS_IMPORT_JOB, census_import_run


@shared_task(name=CENSUS_IMPORT_JOB, bind=True, acks_late=True, max_retries=0, soft_time_limit=1200, time_limit=1500,
             label=_("侨情数据导入"))
def census_import_job(self, record_id: int, commit: bool, valid_only: bool = False, choices: dict | None = None) -> str:
    """Preview or commit of one import record, run once: a delivery that does not claim the queued record (a
    redelivered message: committed, or interrupted and now marked failed) does nothing. `choices`: what the user
    confirmed at commit (create_units, accept_duplicates); absent in messages queued before."""
    record, claimed = census_import_claim(record_id=record_id)
    if not claimed:
        return record.status
    confirmed = {key: bool(value) for key, value in (choices or {}).items() if key in ("create_units", "accept_duplicates")}
    return census_import_run(record=record, commit=commit, valid_only=valid_only, **confirmed).status


@shared_task(name="census.delete_expired_uploads")
def delete_expired_uploads() -> int:
    """Daily (beat): the files of committed imports past CENSUS_UPLOAD_RETENTION_DAYS."""
    return census_uploads_delete_expired()


@shared_task(name="census.fail_stuck_imports", acks_late=True)
def fail_stuck_imports() -> int:
    """Beat, every 5 minutes: imports left "running" by a dead worker are marked failed with the reason."""
    return census_imports_fail_stuck()
