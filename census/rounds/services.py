"""Writes of census rounds (侨情调查): open a round with its reporting regions, and the steps of a report: submit
(提交), approve (审核通过), return (退回) with a reason, reopen (退回修改) an approved one with a reason.

Each step runs in one transaction on the report's row (FOR UPDATE), is recorded as a `CampaignReportStep` and in the
audit trail, and is refused with a clear message (PermissionDenied for the wrong person, ValidationError for the wrong
moment), leaving everything as it was. Approval climbs: a report with reports below it (a city's, when cities report)
is submitted and approved only once all of them are approved, and a report is reopened only while the one above it
is neither submitted nor approved. An approval locks the region's census rows (census.registry.locks) and keeps a
snapshot of its people, the baseline of the next "what changed since the last approval"."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from census.registry.models import Campaign, CampaignReport, Person, ReportStatus
from census.registry.services import campaign_create
from census.rounds.models import ApprovalSnapshot, CampaignReportStep, ReportStep
from census.rounds.selectors import (
    DEFAULT_REPORTING_LEVELS,
    REPORTING_LEVELS,
    Placing,
    approval_baseline,
    can_decide,
    can_open_rounds,
    can_submit,
    change_counts,
    child_reports,
    count_changes,
    parent_report,
    people_by_category,
    region_placings,
)
from census.rounds.signals import report_stepped
from orgs.common.audit import AuditEvent, audit_event
from orgs.common.bulk import analyze_if_grown, chunks, copy_insert
from orgs.regions.models import Region

REASON_LIMIT = 1000
CHILDREN_NAMED = 5


def campaign_reports_create(campaign: Campaign, levels: Iterable[str] = DEFAULT_REPORTING_LEVELS) -> int:
    """The round's reporting regions: every region of `levels` in the round's region (the region itself included).
    Rows of other levels that nobody has acted on are dropped (a round opened for cities and counties, say).
    Idempotent; returns how many rows the round has."""
    levels = [level for level in levels if level in REPORTING_LEVELS]
    regions = Region.objects.within(campaign.region).filter(level__in=levels).values_list("pk", flat=True)
    CampaignReport.objects.bulk_create(
        [CampaignReport(campaign=campaign, region_id=pk) for pk in regions], batch_size=2000, ignore_conflicts=True
    )
    CampaignReport.objects.filter(campaign=campaign, status=ReportStatus.NOT_SUBMITTED, steps__isnull=True).exclude(
        region__level__in=levels
    ).delete()
    return CampaignReport.objects.filter(campaign=campaign).count()


@transaction.atomic
def round_open(
    *, editor, year: int, region: Region, deadline: dt.date | None = None, name: str = "",
    reporting_levels: Iterable[str] = DEFAULT_REPORTING_LEVELS,
) -> Campaign:
    """Opens a census round over a region the editor administers (federation staff or administrators): the round and
    its reporting regions (counties unless `reporting_levels` says otherwise), shown to every one of them."""
    levels = list(dict.fromkeys(reporting_levels))
    if not levels or any(level not in REPORTING_LEVELS for level in levels):
        raise ValidationError({"reporting_levels": _("请选择填报层级（市级、县级或乡镇级）")})
    name = name.strip() or _("%(year)d年度%(region)s侨情调查") % {"year": year, "region": region.name}
    if not can_open_rounds(editor):
        raise PermissionDenied(_("只有侨联工作人员可以发起侨情调查"))
    if Campaign.objects.editable_by(editor).filter(year=year, region=region).exists():
        raise ValidationError({"year": _("%(region)s已有 %(year)s 年度的侨情调查") % {"region": region.full_name, "year": year}})
    campaign = campaign_create(editor=editor, year=year, name=name, region=region, deadline=deadline)
    if not campaign_reports_create(campaign, levels):
        raise ValidationError({"reporting_levels": _("%(region)s没有所选层级的下级区划，无人填报") % {"region": region.name}})
    return campaign


def _locked(report: CampaignReport) -> CampaignReport:
    return CampaignReport.objects.select_for_update(of=("self",)).select_related("campaign", "region").get(pk=report.pk)


def _check_open(report: CampaignReport) -> None:
    if not report.campaign.is_open:
        raise ValidationError(_("%(campaign)s已结束，不能再提交或审核") % {"campaign": report.campaign.name})


def _check_children_approved(report: CampaignReport, message: str) -> None:
    """`message` names the step refused, with %(region)s, %(units)s and %(more)s."""
    waiting = list(
        child_reports(report).exclude(status=ReportStatus.APPROVED).order_by("region__code").values_list("region__name", "status")
    )
    if waiting:
        named = "、".join(f"{name}（{ReportStatus(status).label}）" for name, status in waiting[:CHILDREN_NAMED])
        more = _("等 %(n)d 个") % {"n": len(waiting)} if len(waiting) > CHILDREN_NAMED else ""
        raise ValidationError(
            message % {"region": report.region.name, "units": named, "more": more}
        )


def _reason(reason: str, missing: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"reason": missing})
    if len(text) > REASON_LIMIT:
        raise ValidationError({"reason": _("理由不能超过 %(n)d 个字") % {"n": REASON_LIMIT}})
    return text


def _summary(report: CampaignReport) -> dict:
    counts = people_by_category(report.region)
    return {"people": sum(counts.values()), "by_category": counts}


def _record(report: CampaignReport, *, step: str, before: str, actor, reason: str = "", summary: dict | None = None,
            request=None) -> CampaignReportStep:
    """The step's row, its audit entry, and (after commit) the signal the notifications and the dashboard hear."""
    recorded = CampaignReportStep.objects.create(
        report=report, step=step, status_before=before, status_after=report.status, actor=actor, reason=reason,
        summary=summary or {},
    )
    description = _("%(campaign)s：%(region)s %(step)s") % {
        "campaign": report.campaign.name, "region": report.region.name, "step": ReportStep(step).label,
    }
    if reason:
        description += _("（理由：%(reason)s）") % {"reason": reason}
    audit_event(
        event=AuditEvent.CENSUS_ROUND, model=report, actor=actor, request=request, description=description,
        data={"step": step, "campaign": report.campaign_id, "region": report.region.code, "before": before, "after": report.status},
    )
    report_id, step_id = report.pk, recorded.pk
    # robust: a message that cannot be written is logged; the step itself stands.
    transaction.on_commit(
        lambda: report_stepped.send(sender=CampaignReport, report_id=report_id, step_id=step_id, step=step), robust=True
    )
    return recorded


@transaction.atomic
def report_submit(*, report: CampaignReport, actor, request=None) -> CampaignReport:
    """提交: the reporting region marks its data for the round as complete (again, after a return)."""
    locked = _locked(report)
    if not can_submit(actor, locked):
        raise PermissionDenied(_("只有%(region)s的填报人员可以提交本单位的数据") % {"region": locked.region.name})
    _check_open(locked)
    if locked.status == ReportStatus.SUBMITTED:
        raise ValidationError(_("%(region)s的数据已提交，正在等待上级审核") % {"region": locked.region.name})
    if locked.status == ReportStatus.APPROVED:
        raise ValidationError(_("%(region)s的数据已审核通过，无需再次提交") % {"region": locked.region.name})
    _check_children_approved(locked, _("%(region)s的下级填报单位尚未全部审核通过，不能提交：%(units)s%(more)s"))
    before, now = locked.status, timezone.now()
    locked.status, locked.submitted_at, locked.submitted_by = ReportStatus.SUBMITTED, now, actor
    locked.first_submitted_at = locked.first_submitted_at or now
    locked.save(update_fields=["status", "submitted_at", "submitted_by", "first_submitted_at"])
    _record(locked, step=ReportStep.SUBMIT, before=before, actor=actor, summary=_summary(locked), request=request)
    return locked


def _approve_snapshot(report: CampaignReport) -> dict:
    """The approval's summary (people by category, the changes since the approval before) and the report's snapshot
    made the region's people now: inserted whole (INSERT … SELECT) for a first approval in this round, and for a
    report approved before (reopened since) only the people who changed are written again."""
    baseline = approval_baseline(report)
    if baseline is None:
        changes = change_counts(report.region, None)
        written = snapshot_replace(report)
    else:
        now, before = region_placings(report.region, baseline.report_id)
        changes = count_changes(now, before)
        written = snapshot_update(report, now, before) if baseline.report_id == report.pk else snapshot_replace(report)
    by_category = {c.category: c.now for c in changes}
    return {
        "people": sum(by_category.values()), "by_category": by_category, "baseline": baseline.report_id if baseline else None,
        "changes": {c.category: c.as_dict() for c in changes}, "snapshot": written,
    }


def _snapshot_tables() -> tuple[str, str, str]:
    quote = connection.ops.quote_name
    return quote(ApprovalSnapshot._meta.db_table), quote(Person._meta.db_table), quote(Region._meta.db_table)


def snapshot_replace(report: CampaignReport) -> int:
    """The report's snapshot becomes its region's people now: one DELETE, one INSERT … SELECT (no row passes through
    Python); returns how many rows were written."""
    snapshot, person, region = _snapshot_tables()
    place = report.region
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {snapshot} WHERE report_id = %s", [report.pk])
        cursor.execute(
            f"INSERT INTO {snapshot} (report_id, person_id, category, region_id, unit_id) "
            f"SELECT %s, id, category, region_id, unit_id FROM {person} WHERE region_id IN "
            f"(SELECT id FROM {region} WHERE tree_id = %s AND lft >= %s AND rght <= %s)",
            [report.pk, place.tree_id, place.lft, place.rght],
        )
        written = cursor.rowcount
    analyze_if_grown(ApprovalSnapshot, written)  # the next changes view plans with these rows known
    return written


def snapshot_update(report: CampaignReport, now: Placing, before: Placing) -> int:
    """The report's own snapshot (`before`) brought to `now`: the rows of people removed or changed are deleted,
    those of people added or changed inserted; the unchanged majority is not touched. Returns the rows written."""
    stale = [pk for pk, placing in before.items() if now.get(pk) != placing]
    fresh = [(report.pk, pk, *placing) for pk, placing in now.items() if before.get(pk) != placing]
    for chunk in chunks(stale, 5000):
        ApprovalSnapshot.objects.filter(report=report, person_id__in=chunk).delete()
    return copy_insert(ApprovalSnapshot, ("report_id", "person_id", "category", "region_id", "unit_id"), fresh)


def _check_decider(actor, report: CampaignReport) -> None:
    if not can_decide(actor, report):
        raise PermissionDenied(_("只有上级侨联工作人员可以审核%(region)s的数据") % {"region": report.region.name})


def _check_submitted(report: CampaignReport, message: str) -> None:
    """`message` names the step refused, with %(region)s and %(status)s."""
    if report.status != ReportStatus.SUBMITTED:
        raise ValidationError(
            message % {"region": report.region.name, "status": ReportStatus(report.status).label}
        )


@transaction.atomic
def report_approve(*, report: CampaignReport, actor, request=None) -> CampaignReport:
    """审核通过: the superior accepts the submission. The region's census rows are locked from now on, and its people
    are kept as the baseline of the next approval; the step records what changed since the approval before."""
    locked = _locked(report)
    _check_decider(actor, locked)
    _check_open(locked)
    _check_submitted(locked, _("%(region)s的数据当前为“%(status)s”，不能审核通过：只能审核已提交的数据"))
    _check_children_approved(locked, _("%(region)s的下级填报单位尚未全部审核通过，不能审核通过：%(units)s%(more)s"))
    if child_reports(locked).exists():
        # A region whose reports are below it (a city) is the sum of theirs: each of them keeps its own snapshot.
        summary = _summary(locked)
    else:
        summary = _approve_snapshot(locked)
    before = locked.status
    locked.status, locked.decided_at, locked.decided_by, locked.reason = ReportStatus.APPROVED, timezone.now(), actor, ""
    locked.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    _record(locked, step=ReportStep.APPROVE, before=before, actor=actor, summary=summary, request=request)
    return locked


@transaction.atomic
def report_return(*, report: CampaignReport, actor, reason: str, request=None) -> CampaignReport:
    """退回: the superior sends a submission back with the reason; the region corrects and submits again."""
    locked = _locked(report)
    _check_decider(actor, locked)
    _check_open(locked)
    _check_submitted(locked, _("%(region)s的数据当前为“%(status)s”，不能退回：只能退回已提交的数据"))
    text = _reason(reason, _("退回时请填写理由"))
    before = locked.status
    locked.status, locked.decided_at, locked.decided_by, locked.reason = ReportStatus.RETURNED, timezone.now(), actor, text
    locked.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    _record(locked, step=ReportStep.RETURN, before=before, actor=actor, reason=text, request=request)
    return locked


@transaction.atomic
def report_reopen(*, report: CampaignReport, actor, reason: str, request=None) -> CampaignReport:
    """退回修改: the superior reopens an approved report with the reason: the region's census rows may be changed
    again, and the region submits again. Refused while the report above it is submitted or approved (that one is
    returned first)."""
    locked = _locked(report)
    _check_decider(actor, locked)
    _check_open(locked)
    if locked.status != ReportStatus.APPROVED:
        raise ValidationError(_("%(region)s的数据尚未审核通过，无需重新打开") % {"region": locked.region.name})
    above = parent_report(locked)
    if above is not None and above.status == ReportStatus.SUBMITTED:
        raise ValidationError(
            _("%(parent)s的数据已提交，请先退回%(parent)s，再退回修改%(region)s") % {"parent": above.region.name, "region": locked.region.name}
        )
    if above is not None and above.status == ReportStatus.APPROVED:
        raise ValidationError(
            _("%(parent)s的数据已审核通过，请先退回修改%(parent)s，再退回修改%(region)s")
            % {"parent": above.region.name, "region": locked.region.name}
        )
    text = _reason(reason, _("退回修改时请填写理由"))
    before = locked.status
    locked.status, locked.decided_at, locked.decided_by, locked.reason = ReportStatus.RETURNED, timezone.now(), actor, text
    locked.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    _record(locked, step=ReportStep.REOPEN, before=before, actor=actor, reason=text, request=request)
    return locked

