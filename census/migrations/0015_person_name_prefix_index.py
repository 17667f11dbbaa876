"""The name search of the registry matches names that start with the text typed (surname, or the full name):
on PostgreSQL a `varchar_pattern_ops` index serves `name LIKE '张伟%'` from the index whatever the database's
collation (the existing (name, birth_date) index follows C.UTF-8's collation, which LIKE cannot use). On 云南省's
1,000,000 people a name search went from a 260 ms scan to an index range (issue 18 §3). SQLite needs nothing."""
from django.db import migrations

INDEX = "person_name_prefix_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON census_person (name varchar_pattern_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("census", "0014_person_record_links")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
