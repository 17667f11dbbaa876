"""The phone's look-up index as a hash index on PostgreSQL (docs/benchmarks.md, issue 21).

A phone is found by its keyed hash, always by equality (`phone_hash IN (…)`, orgs.common.phones.with_phone_hashes):
no range or prefix of a keyed hash means anything. A b-tree of a random key is written all over at every import;
PostgreSQL's hash index keeps a 4-byte hash code per person and puts each new one in its bucket: 100,000 imported
people cost the database about 0.35 s less than with the b-tree on the hash's first 12 characters it replaces (0021),
and the index is smaller (32 MB against 38 MB on a million people); people without a phone are not in it. Elsewhere
(SQLite) a b-tree on the hash, of every person. Hash indexes are WAL-logged and
crash-safe since PostgreSQL 10 (docs/operations.md lists the feature for 信创 databases)."""
from django.db import migrations

INDEX = "person_phone_hash_idx"


def hash_index(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX {INDEX} ON census_person USING hash (phone_hash) WHERE NOT (phone_hash = '')")
    else:  # SQLite takes a partial index only where the query repeats its condition: a whole one
        schema_editor.execute(f"CREATE INDEX {INDEX} ON census_person (phone_hash)")


def prefix_index(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    schema_editor.execute(f"CREATE INDEX {INDEX} ON census_person (substr(phone_hash, 1, 12)) WHERE NOT (phone_hash = '')")


class Migration(migrations.Migration):
    dependencies = [("census", "0023_person_import_write_cost")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveIndex(model_name="person", name=INDEX)],
            database_operations=[migrations.RunPython(hash_index, prefix_index, elidable=False)],
        ),
    ]
