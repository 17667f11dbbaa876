"""Reads of notifications: the unread count in the header."""
from __future__ import annotations

from tasks.notifications.models import Notification


def unread_count(user) -> int:
    return Notification.objects.for_user(user).unread().count()
