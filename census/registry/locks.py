"""The census lock (审核锁定): once a reporting region's submission to an open round is approved, its census rows are
not changed (no registration, edit, transfer, document link, import) until the superior reopens it.

One check, used by every write path of census rows (the person services, the import's commit; the pages, the API
and the admin write through those): `census_lock_check(region_ids)`. Set-based: one query answers for any number of
regions, whatever their level (a township's row is locked by its county's approval).

Inside a transaction on PostgreSQL the reports covering the regions are read FOR SHARE: an approval (which takes its
report FOR UPDATE) waits for a write in progress to commit, and a write waits for an approval in progress, then sees
it. Without that, an import committing while its county is approved would change what was approved."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists
from django.utils.translation import gettext as _

from census.registry.models import Campaign, CampaignReport, ReportStatus
from orgs.access.scoping import OuterNode
from orgs.regions.models import Region


@dataclass(frozen=True)
class CensusLock:
    """An approved report of an open round covering some of the regions asked about."""

    report_id: int
    campaign_name: str
    region_name: str

    @property
    def message(self) -> str:
        return _("%(campaign)s：%(region)s的数据已审核通过，不能修改；如需修改请联系上级侨联退回") % {
            "campaign": self.campaign_name, "region": self.region_name,
        }


class CensusLocked(ValidationError):
    """A write refused because the census rows it touches are locked by an approval (a ValidationError: pages, the
    API and the admin show its message where they show a service's)."""

    def __init__(self, lock: CensusLock):
        super().__init__(lock.message, code="census_locked")
        self.lock = lock


def _covering_reports(region_ids: Iterable[int]):
    """The reports of open rounds whose region is one of `region_ids` or lies above one of them."""
    places = Region.objects.filter(pk__in=set(region_ids)).within(OuterNode("region"))
    return CampaignReport.objects.filter(campaign__is_open=True).filter(Exists(places))


def census_locks(region_ids: Iterable[int]) -> list[CensusLock]:
    """The approvals that lock any of these regions (empty: they may be written). One query; inside a transaction on
    PostgreSQL it also holds the covering reports FOR SHARE until the transaction ends (see the module's note)."""
    ids = {pk for pk in region_ids if pk is not None}
    if not ids:
        return []
    reports = _covering_reports(ids)
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        # One statement: the covering reports with what the message names, the reports (only) held FOR SHARE.
        inner, params = reports.values("pk").query.sql_with_params()
        quote = connection.ops.quote_name
        report, campaign, region = (quote(m._meta.db_table) for m in (CampaignReport, Campaign, Region))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT r.id, r.status, c.name, g.name FROM {report} r JOIN {campaign} c ON c.id = r.campaign_id "
                f"JOIN {region} g ON g.id = r.region_id WHERE r.id IN ({inner}) ORDER BY g.code FOR SHARE OF r",
                params,
            )
            return [CensusLock(pk, campaign_name, region_name)
                    for pk, status, campaign_name, region_name in cursor.fetchall() if status == ReportStatus.APPROVED]
    reports = reports.filter(status=ReportStatus.APPROVED)
    rows = reports.order_by("region__code").values_list("pk", "campaign__name", "region__name")
    return [CensusLock(pk, campaign, region) for pk, campaign, region in rows]


def census_lock_check(region_ids: Iterable[int]) -> None:
    """Refuses (CensusLocked) a write touching census rows of these regions while one of them is locked."""
    locks = census_locks(region_ids)
    if locks:
        raise CensusLocked(locks[0])
