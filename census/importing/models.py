"""Import records: one uploaded census file, its status, counts, findings and error report."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from census.registry.models import Campaign
from orgs.access.scoping import ScopedQuerySet
from orgs.regions.models import Region


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("已上传")
    PREVIEWED = "previewed", _("已预览")
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("处理中")
    COMMITTED = "committed", _("已导入")
    REJECTED = "rejected", _("未导入")
    FAILED = "failed", _("失败")
    DISCARDED = "discarded", _("已放弃")


class CensusImportQuerySet(ScopedQuerySet):
    region_field = "region"


class CensusImport(models.Model):
    """One upload of a census spreadsheet: the file, who, when, the counts, and the error report."""

    file = models.FileField(_("文件"), upload_to="census/imports/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("导入人"), on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, verbose_name=_("导入范围"), on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey(Campaign, verbose_name=_("调查"), on_delete=models.PROTECT, related_name="imports")
    status = models.CharField(_("状态"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    valid_only = models.BooleanField(_("只导入有效行"), default=False)
    rows = models.PositiveIntegerField(_("行数"), default=0)
    new = models.PositiveIntegerField(_("新增"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    unchanged = models.PositiveIntegerField(_("未变"), default=0)
    invalid = models.PositiveIntegerField(_("无效"), default=0)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    errors = models.JSONField(_("错误（前 500 条）"), default=list, blank=True)
    message = models.TextField(_("说明"), blank=True, default="")
    error_report = models.FileField(_("错误报告"), upload_to="census/errors/%Y/%m/", blank=True)
    checksum = models.CharField(_("文件校验值（SHA-256）"), max_length=64, blank=True, default="", editable=False)
    sheet = models.CharField(_("工作表"), max_length=100, blank=True, default="", help_text=_("空白：第一个有表头的工作表"))
    # What reading found: {"sheet", "sheets", "header_row", "encoding", "skipped": {reason: [row numbers]}}.
    reading = models.JSONField(_("读取情况"), default=dict, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = CensusImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("侨情数据导入")
        verbose_name_plural = _("侨情数据导入")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name}（{self.get_status_display()}）"
