"""Policies (建会门槛): loading the shipped ones (fixtures/policies.json), idempotently."""
from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.db import transaction

from orgs.models import Region

from ..models import Policy

POLICY_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "policies.json"


@transaction.atomic
def policies_load(path: Path = POLICY_FIXTURE) -> int:
    """Creates or updates the policies of the fixture by key; skips one whose jurisdiction is not loaded."""
    written = 0
    for item in json.loads(path.read_text(encoding="utf-8")):
        item = dict(item)
        code = item.pop("jurisdiction")
        jurisdiction = Region.objects.filter(code=code).first() if code else None
        if code and jurisdiction is None:
            continue
        policy, _ = Policy.objects.update_or_create(key=item.pop("key"), defaults={**item, "jurisdiction": jurisdiction})
        policy.full_clean()
        written += 1
    return written
