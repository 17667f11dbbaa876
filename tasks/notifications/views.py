"""The inbox page (the caller's notifications and their own channel choice) and 消息发送 (the system administrator's
page of the outbox: counts per channel and status, the rows of a filter, newest first, paged by key, with the
platforms' error codes and messages)."""
from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from orgs.accounts.models import AccountProfile
from orgs.common.channels import Channel, channel_configured
from orgs.jobs.services import require_system_admin
from tasks.notifications.forms import OutboxFilterForm, PreferenceForm
from tasks.notifications.models import Notification, OutboxChannel, OutboxStatus
from tasks.notifications.selectors import outbox_counts, outbox_listed, outbox_page
from tasks.notifications.services import (
    notification_mark_read,
    notification_preference_set,
)

INBOX_PAGE_SIZE = 50


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def inbox(request):
    """站内信: the user's own notifications; POST marks them read or sets the e-mail choice."""
    if request.method == "POST":
        if request.POST.get("action") == "preference":
            form = PreferenceForm(request.POST)
            try:
                if not form.is_valid():
                    raise ValidationError(form.errors)
                notification_preference_set(user=request.user, channel=form.cleaned_data["channel"],
                                            immediate=form.cleaned_data["immediate"], request=request)
            except ValidationError as error:
                messages.error(request, "；".join(error.messages))
            else:
                messages.success(request, _("通知方式已保存"))
        else:
            ids = request.POST.getlist("ids")
            notification_mark_read(user=request.user, notification_ids=[int(i) for i in ids if i.isdigit()] if ids else None)
        return redirect("tasks:inbox")
    page = Paginator(Notification.objects.for_user(request.user), INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    profile = AccountProfile.objects.filter(user=request.user).values_list("notify_channel", "notify_immediate").first()
    channel, immediate = profile or (Channel.EMAIL, True)
    # a stored channel no longer configured is used as e-mail (or the inbox without an address): shown as such
    if not channel_configured(channel):
        channel = Channel.EMAIL if request.user.email else Channel.INBOX
    form = PreferenceForm(initial={"channel": channel, "immediate": immediate})
    return render(request, "tasks/inbox.html", {"page": page, "query": "", "preference_form": form})


def _key(value) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@require_safe
@login_required
def outbox_list(request):
    """消息发送 (the system administrator's, beside 后台任务): 403 for everyone else."""
    require_system_admin(request.user)
    channel, status = OutboxFilterForm(request.GET).chosen()
    rows, next_key = outbox_page(outbox_listed(channel=channel, status=status), _key(request.GET.get("before")))
    counts = outbox_counts()
    table = [
        {"channel": value, "label": label, "total": sum(counts[value].values()),
         "cells": [{"status": s, "n": counts[value][s], "query": urlencode({"channel": value, "status": s})} for s in OutboxStatus.values]}
        for value, label in OutboxChannel.choices
    ]
    query = urlencode({k: v for k, v in (("channel", channel), ("status", status)) if v})
    return render(request, "notifications/outbox_list.html", {
        "rows": rows, "next_key": next_key, "table": table, "statuses": OutboxStatus.choices,
        "filter": {"form": OutboxFilterForm(request.GET)}, "query": query, "first_page": request.GET.get("before") is None,
    })
