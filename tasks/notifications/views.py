"""The inbox page: the caller's notifications and their channel preference."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
)

from tasks.notifications.forms import PreferenceForm
from tasks.notifications.models import Channel, Notification, NotificationPreference
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
            if form.is_valid():
                notification_preference_set(user=request.user, channel=form.cleaned_data["channel"])
                messages.success(request, _("通知方式已保存"))
        else:
            ids = request.POST.getlist("ids")
            notification_mark_read(user=request.user, notification_ids=[int(i) for i in ids if i.isdigit()] if ids else None)
        return redirect("tasks:inbox")
    page = Paginator(Notification.objects.for_user(request.user), INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    preference = NotificationPreference.objects.filter(user=request.user).values_list("channel", flat=True).first()
    form = PreferenceForm(initial={"channel": preference or Channel.EMAIL})
    return render(request, "tasks/inbox.html", {"page": page, "query": "", "preference_form": form})
