"""The policies the product ships (fixtures/policies.json): the default 100 / 30 thresholds, the Jiangxi measures
and the Yuxi plan. They are created by a data migration and again whenever regions are imported (a local policy
needs its jurisdiction's region): what is missing is created, nothing existing is ever overwritten, so a policy a
federation edited stays as they left it.

Written against the model classes it is given, so that the migration (historical models) and the application
(`census.coverage.services.policies_load`) run the same code."""
from __future__ import annotations

import json
from pathlib import Path

SHIPPED_POLICIES = Path(__file__).resolve().parents[2] / "fixtures" / "policies.json"


def shipped_policies_create(policy_model, region_model, path: Path = SHIPPED_POLICIES) -> list[str]:
    """Creates the shipped policies that do not exist yet (by key) and whose jurisdiction is loaded (or that have
    none); returns the keys created."""
    created = []
    existing = set(policy_model.objects.values_list("key", flat=True))
    # a historical model (the migration's) knows the fields of its time only: later fields keep their defaults
    fields = {field.name for field in policy_model._meta.get_fields()}
    for item in json.loads(Path(path).read_text(encoding="utf-8")):
        item = {name: value for name, value in item.items() if name in fields}
        key, code = item.pop("key"), item.pop("jurisdiction")
        if key in existing:
            continue
        jurisdiction = region_model.objects.filter(code=code).first() if code else None
        if code and jurisdiction is None:
            continue  # created when its region is imported
        policy_model.objects.create(key=key, jurisdiction=jurisdiction, **item)
        created.append(key)
    return created
