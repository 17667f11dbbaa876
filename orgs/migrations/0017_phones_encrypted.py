"""Phones at rest (issue 21 §3): the mobile of an account (AccountProfile) and a volunteer's phone are stored as
document numbers are, encrypted, by keyed hash and masked; the clear columns are dropped. Neither is searched by
phone: no index. Encrypted in keyset batches (orgs.common.phones.encrypt_clear_phones).

The account events of the audit trail recorded a changed mobile before → after in clear (`additional_data.changes.phone`,
orgs.accounts.services.account_update): masked here as the trail records it now (139****5678)."""
from django.db import connection as default_connection
from django.db import migrations, models

from orgs.common.audit import mask_in_audit
from orgs.common.phones import decrypt_stored_phones, encrypt_clear_phones

MODELS = ("AccountProfile", "Volunteer")


def encrypt(apps, schema_editor):
    for name in MODELS:
        encrypt_clear_phones(apps.get_model("orgs", name))


def decrypt(apps, schema_editor):
    for name in MODELS:
        decrypt_stored_phones(apps.get_model("orgs", name))


def mask_account_events(apps, schema_editor):
    connection = schema_editor.connection if schema_editor is not None else default_connection
    if connection.vendor == "postgresql":  # the trail is immutable (0015) but for this rewrite, in this transaction
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL qiaolian.audit_maintenance = 'on'")
    LogEntry = apps.get_model("auditlog", "LogEntry")
    changed = []
    for entry in LogEntry.objects.filter(additional_data__event="account", additional_data__changes__has_key="phone").only(
        "pk", "additional_data"
    ).iterator(chunk_size=2000):
        pair = entry.additional_data["changes"]["phone"]
        if isinstance(pair, list):
            masked = [mask_in_audit(value) if isinstance(value, str) and "*" not in value else value for value in pair]
            if masked != pair:
                entry.additional_data["changes"]["phone"] = masked
                changed.append(entry)
    LogEntry.objects.bulk_update(changed, ["additional_data"], batch_size=2000)


def _phone_fields(model_name: str) -> list:
    return [
        migrations.AddField(
            model_name=model_name, name="phone_encrypted",
            field=models.TextField(blank=True, default="", editable=False, verbose_name="联系电话（密文）"),
        ),
        migrations.AddField(
            model_name=model_name, name="phone_hash",
            field=models.CharField(blank=True, default="", editable=False, max_length=64, verbose_name="联系电话索引"),
        ),
        migrations.AddField(
            model_name=model_name, name="phone_masked",
            field=models.CharField(blank=True, default="", editable=False, max_length=24, verbose_name="联系电话"),
        ),
    ]


class Migration(migrations.Migration):
    dependencies = [("orgs", "0016_region_subtree_ids_index"), ("auditlog", "0017_add_actor_email")]

    operations = [
        *_phone_fields("accountprofile"),
        *_phone_fields("volunteer"),
        migrations.RunPython(encrypt, decrypt, elidable=False),
        migrations.RunPython(mask_account_events, migrations.RunPython.noop, elidable=False),
        migrations.RemoveField(model_name="accountprofile", name="phone"),
        migrations.RemoveField(model_name="volunteer", name="phone"),
    ]
