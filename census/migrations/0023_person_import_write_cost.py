"""Less work for the database per imported person (docs/benchmarks.md, issue 21):

- `verified_campaign` without a database constraint: its check ran once per imported row at COMMIT, 100,000 probes
  of the same campaign row (≈ 0.3 s). The import's record keeps the campaign (CensusImport.campaign, PROTECT, with
  its constraint) while the rows are written; Django's SET_NULL still clears the field when a campaign is deleted.
- The keyed hashes (`id_number_hash`, `phone_hash`: hexadecimal digits) in the "C" collation on PostgreSQL: their
  b-trees (the unique ID hash, the phone's prefix index) compare bytes instead of calling the locale's strcoll for
  every step of every insert and look-up (≈ 0.2 s per 100,000 rows). The order of hexadecimal digits is the same
  in every collation, so no query's result changes. SQLite compares bytes already and needs nothing."""
from django.db import migrations, models
import django.db.models.deletion

HASH_COLUMNS = (("id_number_hash", 64), ("phone_hash", 64))


def hashes_in_c(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for column, length in HASH_COLUMNS:
            schema_editor.execute(f'ALTER TABLE census_person ALTER COLUMN {column} TYPE varchar({length}) COLLATE "C"')


def hashes_in_default(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for column, length in HASH_COLUMNS:
            schema_editor.execute(f'ALTER TABLE census_person ALTER COLUMN {column} TYPE varchar({length}) COLLATE "default"')


class Migration(migrations.Migration):
    dependencies = [("census", "0022_person_name_indexes_merged")]

    operations = [
        migrations.AlterField(
            model_name="person",
            name="verified_campaign",
            field=models.ForeignKey(
                blank=True, db_constraint=False, db_index=False, null=True,
                on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="census.campaign",
                verbose_name="最近核实的调查",
            ),
        ),
        migrations.RunPython(hashes_in_c, hashes_in_default, elidable=False),
    ]
