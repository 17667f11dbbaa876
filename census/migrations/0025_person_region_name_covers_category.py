"""One index fewer written per imported person on PostgreSQL (docs/benchmarks.md, issue 21): the (region, category)
index folds into the scoped name index of 0019, which now carries the category: (region_id, name
varchar_pattern_ops) INCLUDE (category). The counts by place and category (registry and coverage pages, headcounts)
read it alone, as they read (region, category) before (a province's counts 90 → 160 ms, a city's 34 → 40 ms on a
million people), and the scoped name search is unchanged; an import writes it about 0.2 s per 100,000 people faster
than the two. SQLite keeps its (region, category) index (it has no scoped name index): the model no longer declares
it, so a table rebuild there (a future AlterField) would leave it out."""
from django.db import migrations

OLD, NAME_INDEX = "person_region_category_idx", "person_region_name_idx"


def fold(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME_INDEX}")
        schema_editor.execute(f"CREATE INDEX {NAME_INDEX} ON census_person (region_id, name varchar_pattern_ops) INCLUDE (category)")
        schema_editor.execute(f"DROP INDEX IF EXISTS {OLD}")


def unfold(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {OLD} ON census_person (region_id, category)")
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME_INDEX}")
        schema_editor.execute(f"CREATE INDEX {NAME_INDEX} ON census_person (region_id, name varchar_pattern_ops)")


class Migration(migrations.Migration):
    dependencies = [("census", "0024_person_phone_hash_index")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveIndex(model_name="person", name=OLD)],
            database_operations=[migrations.RunPython(fold, unfold, elidable=False)],
        ),
    ]
