"""Import records: one uploaded census file, its status, counts, findings and error report; and the column
mappings users chose for headers we do not know, remembered for their next file with the same header."""
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
    # 可能重复 (census.importing.duplicates): rows that may be people registered under another document.
    warnings = models.JSONField(_("可能重复（前 500 条）"), default=list, blank=True)
    message = models.TextField(_("说明"), blank=True, default="")
    error_report = models.FileField(_("错误报告"), upload_to="census/errors/%Y/%m/", blank=True)
    # When the file and error report were deleted: refused as a whole (hostile or broken), or, once committed, after
    # CENSUS_UPLOAD_RETENTION_DAYS (census.importing.retention). The record stays.
    files_deleted_at = models.DateTimeField(_("文件删除时间"), null=True, blank=True)
    checksum = models.CharField(_("文件校验值（SHA-256）"), max_length=64, blank=True, default="", editable=False)
    sheet = models.CharField(_("工作表"), max_length=100, blank=True, default="", help_text=_("空白：第一个有表头的工作表"))
    # What reading found: {"sheet", "sheets", "header_row", "encoding", "skipped": {reason: [row numbers]}}.
    reading = models.JSONField(_("读取情况"), default=dict, blank=True)
    # What the file's headers mean, as the user said: {header text: schema key, or "" to ignore the column}.
    mapping = models.JSONField(_("列的对应关系"), default=dict, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    # When the last preview or commit started running: a run this long ago that is still "running" was cut off.
    started_at = models.DateTimeField(_("开始处理时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = CensusImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("侨情数据导入")
        verbose_name_plural = _("侨情数据导入")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name}（{self.get_status_display()}）"


class ColumnMapping(models.Model):
    """A user's column mapping for one header (its texts in order, normalised: `columns.headers_key`): applied
    to that user's next file with the same header."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="+")
    headers_key = models.CharField(_("表头摘要（SHA-256）"), max_length=64)
    mapping = models.JSONField(_("列的对应关系"), default=dict)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("列的对应关系")
        verbose_name_plural = _("列的对应关系")
        constraints = [models.UniqueConstraint(fields=["user", "headers_key"], name="column_mapping_user_headers")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.headers_key[:12]}"


class UnitImportQuerySet(ScopedQuerySet):
    region_field = "region"


class UnitImport(models.Model):
    """One upload of a unit list (单位名录) as a spreadsheet: the file, who, where, the counts, the errors and the
    error report. Previewed first (nothing written), then committed in one transaction (census.importing.units)."""

    file = models.FileField(_("文件"), upload_to="census/unit-imports/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("导入人"), on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(
        Region, verbose_name=_("导入范围"), on_delete=models.PROTECT, related_name="+",
        help_text=_("文件中的所在区划须在此区划之内"),
    )
    status = models.CharField(_("状态"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    valid_only = models.BooleanField(_("只导入有效行"), default=False)
    rows = models.PositiveIntegerField(_("行数"), default=0)
    new = models.PositiveIntegerField(_("新增"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    unchanged = models.PositiveIntegerField(_("未变"), default=0)
    invalid = models.PositiveIntegerField(_("无效"), default=0)
    errors = models.JSONField(_("错误（前 500 条）"), default=list, blank=True)
    # What the commit will write (the first 200 rows): {"row", "action": "new" | "update", "name", "kind", "region", …}.
    planned = models.JSONField(_("将写入的单位（前 200 条）"), default=list, blank=True)
    # Where the rows were read: {"sheet", "sheets", "header_row", "encoding", "skipped": {reason: [row numbers]}}.
    reading = models.JSONField(_("读取情况"), default=dict, blank=True)
    message = models.TextField(_("说明"), blank=True, default="")
    error_report = models.FileField(_("错误报告"), upload_to="census/unit-errors/%Y/%m/", blank=True)
    files_deleted_at = models.DateTimeField(_("文件删除时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = UnitImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("单位名录导入")
        verbose_name_plural = _("单位名录导入")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name}（{self.get_status_display()}）"
