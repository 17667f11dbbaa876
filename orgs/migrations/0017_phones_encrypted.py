"""Phones at rest (issue 21 §3): the mobile of an account (AccountProfile) and a volunteer's phone are stored as
document numbers are, encrypted, by keyed hash and masked; the clear columns are dropped. Neither is searched by
phone: no index. Encrypted in keyset batches (orgs.common.phones.encrypt_clear_phones)."""
from django.db import migrations, models

from orgs.common.phones import decrypt_stored_phones, encrypt_clear_phones

MODELS = ("AccountProfile", "Volunteer")


def encrypt(apps, schema_editor):
    for name in MODELS:
        encrypt_clear_phones(apps.get_model("orgs", name))


def decrypt(apps, schema_editor):
    for name in MODELS:
        decrypt_stored_phones(apps.get_model("orgs", name))


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
    dependencies = [("orgs", "0016_region_subtree_ids_index")]

    operations = [
        *_phone_fields("accountprofile"),
        *_phone_fields("volunteer"),
        migrations.RunPython(encrypt, decrypt, elidable=False),
        migrations.RemoveField(model_name="accountprofile", name="phone"),
        migrations.RemoveField(model_name="volunteer", name="phone"),
    ]
