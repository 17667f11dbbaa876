"""The audit trail is written, never changed (等保 2.0, 网络安全法 §21): on PostgreSQL a trigger refuses UPDATE and
DELETE of auditlog_logentry unless the transaction set `qiaolian.audit_maintenance` to 'on' (the retention job,
orgs.audit.retention.audit_maintenance). One change passes: an entry's actor set to NULL when that account is
deleted (Django's SET_NULL; the entry keeps the actor's e-mail). SQLite (development, tests) has the Python guard
of orgs.audit.receivers only."""
from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION qiaolian_audit_immutable() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('qiaolian.audit_maintenance', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL AND OLD.actor_id IS NOT NULL
       AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit entries cannot be changed or deleted (% on auditlog_logentry)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS qiaolian_audit_immutable ON auditlog_logentry;
CREATE TRIGGER qiaolian_audit_immutable BEFORE UPDATE OR DELETE ON auditlog_logentry
    FOR EACH ROW EXECUTE FUNCTION qiaolian_audit_immutable();
"""
DROP = """
DROP TRIGGER IF EXISTS qiaolian_audit_immutable ON auditlog_logentry;
DROP FUNCTION IF EXISTS qiaolian_audit_immutable();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, None)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("orgs", "0014_administrators"),
        ("auditlog", "__latest__"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP)),
    ]
