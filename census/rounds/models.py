"""Census rounds (侨情调查) as reporting regions live them: the steps of each report (提交, 审核通过, 退回, 退回修改)
and the snapshot of a region's people as its latest approval saw them, for "what changed since the last approval".
The report rows themselves (`CampaignReport`) belong to the registry, whose writes they lock."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from census.registry.models import CampaignReport, Category, Person, ReportStatus
from orgs.access.scoping import ScopedQuerySet
from orgs.regions.models import Region
from orgs.units.models import Unit


class ReportStep(models.TextChoices):
    """填报环节."""

    SUBMIT = "submit", _("提交")
    APPROVE = "approve", _("审核通过")
    RETURN = "return", _("退回")
    REOPEN = "reopen", _("退回修改")


class CampaignReportStepQuerySet(ScopedQuerySet):
    region_field = "report__region"


class CampaignReportStep(models.Model):  # noqa: DJ008 - rows shown only in lists, by their columns
    """One step of a report (who, when, from which status to which, why), with what it saw: the people by category
    and, for an approval, the changes since the approval before it."""

    report = models.ForeignKey(CampaignReport, verbose_name=_("填报单位"), on_delete=models.CASCADE, related_name="steps", db_index=False)
    step = models.CharField(_("环节"), max_length=10, choices=ReportStep.choices)
    status_before = models.CharField(_("原状态"), max_length=16, choices=ReportStatus.choices)
    status_after = models.CharField(_("新状态"), max_length=16, choices=ReportStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        db_index=False,
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    reason = models.TextField(_("理由"), blank=True, default="")
    # {"people": n, "by_category": {category: n}} and, for an approval, "changes": {category: {added, removed, …}}
    # and "baseline": the report whose approval it was compared with.
    summary = models.JSONField(_("摘要"), default=dict, blank=True)

    objects = CampaignReportStepQuerySet.as_manager()

    class Meta:
        verbose_name = _("填报记录")
        verbose_name_plural = _("填报记录")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["report", "at"], name="reportstep_report_at_idx")]


class ApprovalSnapshotQuerySet(ScopedQuerySet):
    region_field = "report__region"


class ApprovalSnapshot(models.Model):  # noqa: DJ008 - bulk rows, never shown one by one
    """One person of a reporting region as its latest approval in a round saw them (category, residence, unit): the
    baseline of "what changed since the last approval". Written in bulk at approval (INSERT … SELECT), replaced when the
    same report is approved again. No constraints on the ids: it is a record of the past (a person merged away since
    stays in it), and checking 50,000 of them would slow every approval."""

    report = models.ForeignKey(CampaignReport, verbose_name=_("填报单位"), on_delete=models.CASCADE, related_name="+", db_index=False)
    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("居住地"), on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("工作单位"), on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, null=True,
        related_name="+",
    )

    objects = ApprovalSnapshotQuerySet.as_manager()

    class Meta:
        verbose_name = _("审核快照")
        verbose_name_plural = _("审核快照")
        indexes = [models.Index(fields=["report", "person"], name="approvalsnapshot_report_idx")]
