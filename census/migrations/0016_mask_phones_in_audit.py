"""Phone numbers recorded in the audit trail before it masked them (issue 18 §5): masked as the trail now
records them (139****5678), for people and account profiles. Nothing else of an entry changes."""
from django.db import connection as default_connection
from django.db import migrations

from orgs.common.identifiers import mask_phone

BATCH = 2000


def _masked(value):
    if not isinstance(value, str) or value in ("", "None") or "*" in value:
        return value
    return mask_phone(value)


def _lift_audit_guard(schema_editor) -> None:
    """The audit trail is immutable (orgs 0015: a PostgreSQL trigger refuses UPDATE unless the transaction says it is
    maintenance); this rewrite is the one allowed, for this migration's transaction only."""
    connection = schema_editor.connection if schema_editor is not None else default_connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL qiaolian.audit_maintenance = 'on'")


def mask_recorded_phones(apps, schema_editor):
    _lift_audit_guard(schema_editor)
    LogEntry = apps.get_model("auditlog", "LogEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.filter(app_label__in=("census", "orgs"), model__in=("person", "accountprofile"))
    entries = LogEntry.objects.filter(content_type__in=types, changes__has_key="phone").only("pk", "changes")
    changed = []
    for entry in entries.iterator(chunk_size=BATCH):
        pair = entry.changes.get("phone")
        if isinstance(pair, list):
            masked = [_masked(value) for value in pair]
            if masked != pair:
                entry.changes["phone"] = masked
                changed.append(entry)
        if len(changed) >= BATCH:
            LogEntry.objects.bulk_update(changed, ["changes"])
            changed = []
    if changed:
        LogEntry.objects.bulk_update(changed, ["changes"])


class Migration(migrations.Migration):
    dependencies = [
        ("census", "0015_person_name_prefix_index"),
        ("auditlog", "0017_add_actor_email"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(mask_recorded_phones, migrations.RunPython.noop)]
