"""Report jobs: PDF / Excel progress reports requested from the page or by beat."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.access.scoping import ScopedQuerySet
from orgs.regions.models import Region

__all__ = ["REPORT_RETENTION_DAYS", "ReportFormat", "ReportJob", "ReportJobQuerySet", "ReportStatus"]

REPORT_RETENTION_DAYS = 90


class ReportFormat(models.TextChoices):
    PDF = "pdf", _("PDF")
    XLSX = "xlsx", _("Excel")


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ReportJobQuerySet(ScopedQuerySet):
    region_field = "region"

    def expired(self, now=None):
        return self.filter(expires_at__lt=now or timezone.now())


def _expiry() -> dt.datetime:
    return timezone.now() + dt.timedelta(days=REPORT_RETENTION_DAYS)


class ReportJob(models.Model):
    """进度报告: one requested progress report of a scope region on a date, built by a worker and kept
    for 90 days. Visible to whoever sees the region (scoping by `region`)."""

    region = models.ForeignKey(Region, verbose_name=_("报告范围"), on_delete=models.CASCADE, related_name="report_jobs")
    format = models.CharField(_("格式"), max_length=4, choices=ReportFormat.choices)
    as_of = models.DateField(_("统计截止日期"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    email_to = models.CharField(_("完成后发送至"), max_length=254, blank=True, default="")
    status = models.CharField(_("状态"), max_length=8, choices=ReportStatus.choices, default=ReportStatus.QUEUED, db_index=True)
    error = models.TextField(_("失败原因"), blank=True, default="")
    file = models.FileField(_("文件"), upload_to="reports/%Y/%m/", blank=True)
    size = models.PositiveIntegerField(_("文件大小"), default=0)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("保留至"), default=_expiry, db_index=True)

    objects = ReportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("进度报告")
        verbose_name_plural = _("进度报告")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A report mailed to someone (the monthly reports to leadership) exists once per person, region, day and
            # address: two beat processes, or a job delivered twice at once, cannot request and mail it twice.
            models.UniqueConstraint(
                fields=["requested_by", "region", "as_of", "email_to"], condition=~models.Q(email_to=""),
                name="report_mailed_once_per_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region.name} {self.as_of:%Y-%m-%d} {self.get_format_display()}"

    @property
    def filename(self) -> str:
        return f"{self.region.name}侨联组织建设进度报告-{self.as_of:%Y%m%d}.{self.format}"
