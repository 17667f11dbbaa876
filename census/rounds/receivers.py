"""Every round gets its reporting regions when it is created, however it is created (the round page, the API, the
admin, `open_campaign`): the counties of its region, unless `round_open` chooses other levels right after.
Connected in CensusConfig.ready."""
from __future__ import annotations

from django.db.models.signals import post_save

from census.registry.models import Campaign
from census.rounds.services import campaign_reports_create


def _round_created(sender, instance: Campaign, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw and instance.is_open:
        campaign_reports_create(instance)


post_save.connect(_round_created, sender=Campaign, dispatch_uid="rounds.campaign_created")
