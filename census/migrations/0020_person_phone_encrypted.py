"""Phones at rest (issue 21 §3): a person's phone is stored as the document number is, encrypted, by keyed hash
(searched: a partial index, people without a phone not in it) and masked; the clear column is dropped. The data
step reads and writes in keyset batches of 5,000 (orgs.common.phones.encrypt_clear_phones): a province's million
people are a few hundred set-based updates. The index is built once the hashes are written."""
from django.db import migrations, models

from orgs.common.phones import decrypt_stored_phones, encrypt_clear_phones


def encrypt(apps, schema_editor):
    encrypt_clear_phones(apps.get_model("census", "Person"))


def decrypt(apps, schema_editor):
    decrypt_stored_phones(apps.get_model("census", "Person"))


class Migration(migrations.Migration):
    dependencies = [("census", "0019_person_region_name_index")]

    operations = [
        migrations.AddField(
            model_name="person", name="phone_encrypted",
            field=models.TextField(blank=True, default="", editable=False, verbose_name="联系电话（密文）"),
        ),
        migrations.AddField(
            model_name="person", name="phone_hash",
            field=models.CharField(blank=True, default="", editable=False, max_length=64, verbose_name="联系电话索引"),
        ),
        migrations.AddField(
            model_name="person", name="phone_masked",
            field=models.CharField(blank=True, default="", editable=False, max_length=24, verbose_name="联系电话"),
        ),
        migrations.RunPython(encrypt, decrypt, elidable=False),
        migrations.RemoveField(model_name="person", name="phone"),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(condition=models.Q(("phone_hash", ""), _negated=True), fields=["phone_hash"], name="person_phone_hash_idx"),
        ),
    ]
