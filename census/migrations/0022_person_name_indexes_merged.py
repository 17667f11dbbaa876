"""One name index instead of two on PostgreSQL: (name varchar_pattern_ops, birth_date) serves the name search's
`name LIKE '张伟%'` (what person_name_prefix_idx, 0015, was for), the 可能重复 check's (name, birth date) probes and
`name IN (…)` (what person_name_birth_idx, 0010, was for): equality is the same operator under either operator class.
Every imported row wrote both; the merge saves about 0.3 s of the database's 3.6 s per 100,000 rows into a million
people (docs/benchmarks.md, issue 21). The merged index keeps the name person_name_birth_idx, which the model
declares (SQLite keeps that plain index and needs nothing else)."""
from django.db import migrations


def merge(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS person_name_prefix_idx")
        schema_editor.execute("DROP INDEX IF EXISTS person_name_birth_idx")
        schema_editor.execute("CREATE INDEX person_name_birth_idx ON census_person (name varchar_pattern_ops, birth_date)")


def split(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS person_name_birth_idx")
        schema_editor.execute("CREATE INDEX person_name_birth_idx ON census_person (name, birth_date)")
        schema_editor.execute("CREATE INDEX IF NOT EXISTS person_name_prefix_idx ON census_person (name varchar_pattern_ops)")


class Migration(migrations.Migration):
    dependencies = [("census", "0021_person_phone_hash_prefix_index")]

    operations = [migrations.RunPython(merge, split, elidable=False)]
