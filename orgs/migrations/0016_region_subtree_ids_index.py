"""Every scoped list and count joins its rows to the regions of a subtree (`tree_id = … AND lft BETWEEN …`). On
PostgreSQL an index on (tree_id, lft) that carries the region's id lets that side of the join be read from the index
alone: for a whole province (21,835 regions) an index-only scan of about 3 ms instead of a scan of the wide region
rows of 8 ms or more, under every province-wide task board, gap list and API count (issue 18 §3). SQLite needs
nothing (it has no INCLUDE)."""
from django.db import migrations

INDEX = "region_subtree_ids_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON orgs_region (tree_id, lft) INCLUDE (id)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("orgs", "0015_audit_immutable")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
