"""Notifications: in-app inbox, reminder digests and the outbox of messages that leave the process (e-mail,
企业微信, 钉钉, SMS), written in the same transaction as the change that causes them. Each account's channel choice
is on its account (orgs.accounts.models.AccountProfile: `notify_channel`, `notify_immediate`)."""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.common.channels import Channel

__all__ = [
    "Channel",
    "Digest",
    "Notification",
    "NotificationQuerySet",
    "OutboxChannel",
    "OutboxMessage",
    "OutboxStatus",
]


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        """A user's own inbox (notifications are per person, not region-bound)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """站内信: one message in a user's inbox."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("收件人"), on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True, default="")
    url = models.CharField(_("链接"), max_length=255, blank=True, default="")
    digest = models.ForeignKey("Digest", verbose_name=_("提醒汇总"), on_delete=models.CASCADE, null=True, blank=True, related_name="notifications")
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("站内信")
        verbose_name_plural = _("站内信")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.title


class Digest(models.Model):
    """One reminder digest per person per day: the unique (user, day) key makes a repeated run send nothing.
    `run_id` tells which run inserted the row, so only that run delivers it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("收件人"), on_delete=models.CASCADE, related_name="digests")
    day = models.DateField(_("日期"))
    run_id = models.UUIDField(_("批次"), default=uuid.uuid4, editable=False)
    items = models.JSONField(_("事项"), default=list)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)

    class Meta:
        verbose_name = _("提醒汇总")
        verbose_name_plural = _("提醒汇总")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="digest_one_per_user_day")]
        ordering = ["-day", "user_id"]

    def __str__(self) -> str:
        return f"{self.user} {self.day:%Y-%m-%d}"


class OutboxChannel(models.TextChoices):
    EMAIL = "email", _("电子邮件")
    WECOM = "wecom", _("企业微信")
    DINGTALK = "dingtalk", _("钉钉")
    SMS = "sms", _("短信")


class OutboxStatus(models.TextChoices):
    """pending → sending (claimed, committed before the call) → sent | throttled (→ pending at `next_attempt_at`) |
    pending again (a passing failure, up to MAX_ATTEMPTS) | fallback (refused: the message stays in the inbox) |
    failed (e-mail given up; 钉钉 said it did not deliver) | unknown (found sending after its lease: never re-sent)."""

    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    THROTTLED = "throttled", _("限流等待")
    FAILED = "failed", _("发送失败")
    FALLBACK = "fallback", _("转站内信")
    UNKNOWN = "unknown", _("结果未知")


class OutboxMessage(models.Model):
    """发件箱: a message written in the transaction of the change that causes it; the relay sends it once.

    `key` is the idempotency key, unique per (content, person, day, channel). `to_address` is the address at
    writing time: the e-mail address, or the 企业微信 / 钉钉 user id; empty for SMS, whose number is read from the
    account when sending (no clear phone number is stored here). `source` names the object whose change caused the
    message ("task:12", "plan:3", "report:7", "digest"), so that its page can show what became of its notices."""

    key = models.CharField(_("去重键"), max_length=160, unique=True)
    channel = models.CharField(_("渠道"), max_length=8, choices=OutboxChannel.choices, default=OutboxChannel.EMAIL)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("收件人"), on_delete=models.CASCADE, related_name="+")
    to_address = models.CharField(_("收件地址"), max_length=254, blank=True, default="")
    subject = models.CharField(_("主题"), max_length=200)
    body = models.TextField(_("正文"))
    url = models.CharField(_("链接"), max_length=255, blank=True, default="")
    params = models.JSONField(_("模板参数"), default=dict, blank=True)  # an SMS template's values (count, region)
    source = models.CharField(_("来源"), max_length=64, blank=True, default="", db_index=True)
    status = models.CharField(_("状态"), max_length=9, choices=OutboxStatus.choices, default=OutboxStatus.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    error_code = models.CharField(_("错误码"), max_length=32, blank=True, default="")
    last_error = models.TextField(_("错误"), blank=True, default="")
    reference = models.CharField(_("平台消息编号"), max_length=128, blank=True, default="")
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)
    claimed_until = models.DateTimeField(_("发送租约到期"), null=True, blank=True)
    confirm_after = models.DateTimeField(_("待查询送达结果"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("待发消息")
        verbose_name_plural = _("待发消息")
        indexes = [
            models.Index(fields=["status", "id"], name="outbox_pending_idx"),
            models.Index(fields=["channel", "status"], name="outbox_channel_status_idx"),
        ]

    def __str__(self) -> str:
        return self.subject
