"""Notifications: in-app inbox, each user's channel choice, reminder digests and the outbox of messages that
leave the process (e-mail), written in the same transaction as the change that causes them."""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = [
    "Channel",
    "Digest",
    "Notification",
    "NotificationPreference",
    "NotificationQuerySet",
    "OutboxMessage",
    "OutboxStatus",
]


class Channel(models.TextChoices):
    EMAIL = "email", _("站内信和电子邮件")
    INBOX = "inbox", _("仅站内信")


class NotificationPreference(models.Model):
    """A user's choice: e-mail and inbox, or inbox only. No row means e-mail and inbox."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="notification_preference"
    )
    channel = models.CharField(_("通知方式"), max_length=8, choices=Channel.choices, default=Channel.EMAIL)

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")

    def __str__(self) -> str:
        return f"{self.user}：{self.get_channel_display()}"


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


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class OutboxMessage(models.Model):
    """发件箱: an e-mail written in the transaction of the change that causes it; the relay job sends it once."""

    key = models.CharField(_("去重键"), max_length=80, unique=True)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("收件人"), on_delete=models.CASCADE, related_name="+")
    to_address = models.EmailField(_("邮箱"))
    subject = models.CharField(_("主题"), max_length=200)
    body = models.TextField(_("正文"))
    status = models.CharField(_("状态"), max_length=8, choices=OutboxStatus.choices, default=OutboxStatus.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("错误"), blank=True, default="")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("待发邮件")
        verbose_name_plural = _("待发邮件")
        indexes = [models.Index(fields=["status", "id"], name="outbox_pending_idx")]

    def __str__(self) -> str:
        return self.subject
