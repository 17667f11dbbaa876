"""What re-evaluates coverage: the census's own change event, and changes of organizations (which
live in orgs; the census may listen to orgs, never the other way round)."""
import logging

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from census.coverage.services import coverage_update, policies_load
from census.registry.signals import census_changed
from orgs.homes.models import Home
from orgs.organizations.models import Organization
from orgs.regions.signals import regions_imported

logger = logging.getLogger(__name__)


@receiver(census_changed)
def reevaluate_coverage(sender, region_ids=(), unit_ids=(), **kwargs):
    """Runs after the change committed: a failure here is logged, never undoes or fails the change
    (`evaluate_coverage` of the county, or the nightly full run, repairs it)."""

    try:
        coverage_update(region_ids=region_ids, unit_ids=unit_ids)
    except Exception:
        logger.exception("coverage re-evaluation failed for regions %s, units %s", sorted(region_ids)[:20], sorted(unit_ids)[:20])


def _organization_changed(organization: Organization) -> None:
    region_ids = {organization.region_id}
    if organization.pk:
        region_ids |= set(organization.covered_regions.values_list("pk", flat=True))
    unit_ids = {organization.unit_id} if organization.unit_id else set()
    transaction.on_commit(lambda: census_changed.send(sender=Organization, region_ids=frozenset(region_ids), unit_ids=frozenset(unit_ids)))


@receiver(post_save, sender=Organization)
def _organization_saved(sender, instance, **kwargs):
    _organization_changed(instance)


@receiver(post_delete, sender=Organization)
def _organization_deleted(sender, instance, **kwargs):
    transaction.on_commit(
        lambda: census_changed.send(sender=Organization, region_ids=frozenset({instance.region_id}), unit_ids=frozenset({instance.unit_id} - {None}))
    )


@receiver(m2m_changed, sender=Organization.covered_regions.through)
def _organization_coverage_changed(sender, instance, action, pk_set=None, **kwargs):
    if action in ("post_add", "post_remove", "post_clear") and isinstance(instance, Organization):
        ids = set(pk_set or ())
        transaction.on_commit(lambda: census_changed.send(sender=Organization, region_ids=frozenset(ids | {instance.region_id}), unit_ids=frozenset()))


@receiver(pre_save, sender=Home)
def _home_saving(sender, instance, **kwargs):
    """The unit a home named before this save (a 网上侨胞之家 counts for the unit taking part: Jiangxi 4)."""
    instance._unit_before = Home.objects.filter(pk=instance.pk).values_list("unit_id", flat=True).first() if instance.pk else None


@receiver(post_save, sender=Home)
@receiver(post_delete, sender=Home)
def _home_changed(sender, instance, **kwargs):
    units = frozenset({instance.unit_id, getattr(instance, "_unit_before", None)} - {None})
    if units:
        transaction.on_commit(lambda: census_changed.send(sender=Home, region_ids=frozenset(), unit_ids=units))


@receiver(regions_imported)
def shipped_policies_for_new_regions(sender, codes=(), **kwargs):
    """A local shipped policy (the Jiangxi measures, the Yuxi plan) needs its jurisdiction: created once its region
    has been imported (never overwriting a policy that exists)."""
    created = policies_load()
    if created:
        logger.info("shipped policies created after a region import: %s", ", ".join(created))
