"""The daily retention job (beat: `audit-retention`), the only deletion of audit entries."""
import logging

from celery import shared_task

from orgs.audit.retention import audit_retention_apply

logger = logging.getLogger(__name__)


@shared_task(name="orgs.audit_retention")
def audit_retention() -> int:
    removed = audit_retention_apply()
    logger.info("audit retention: %d entries older than the retention period deleted", removed)
    return removed
