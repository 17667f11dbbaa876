"""The audit trail's guards in Python: an existing entry is never saved again and no entry is deleted, except by the
retention job (`retention.audit_maintenance`). Bulk `QuerySet.update` bypasses signals: PostgreSQL's trigger refuses
it there; the application has no such call."""
from auditlog.models import LogEntry
from django.db.models.signals import pre_delete, pre_save
from django.dispatch import receiver

from orgs.audit.retention import AuditImmutableError, in_maintenance


@receiver(pre_save, sender=LogEntry, dispatch_uid="audit_entry_immutable")
def refuse_change(sender, instance, raw=False, **kwargs):
    if not instance._state.adding and not in_maintenance():
        raise AuditImmutableError(f"audit entry {instance.pk} cannot be changed")


@receiver(pre_delete, sender=LogEntry, dispatch_uid="audit_entry_undeletable")
def refuse_delete(sender, instance, **kwargs):
    if not in_maintenance():
        raise AuditImmutableError(f"audit entry {instance.pk} cannot be deleted")
