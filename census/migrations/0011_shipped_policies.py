# The shipped policies exist after `migrate` (issue 15): the default 100 / 30 thresholds always, the Jiangxi measures
# and the Yuxi plan when their regions are loaded (otherwise the first region import creates them). What exists is
# never overwritten: a policy a federation edited stays as they left it.
from django.db import migrations

from census.coverage.shipped import shipped_policies_create


def create_shipped_policies(apps, schema_editor):
    shipped_policies_create(apps.get_model("census", "Policy"), apps.get_model("orgs", "Region"))


class Migration(migrations.Migration):

    dependencies = [
        ("census", "0010_person_possible_duplicate_indexes"),
        ("orgs", "0005_organizations_founding"),
    ]

    operations = [migrations.RunPython(create_shipped_policies, migrations.RunPython.noop)]
