"""Reads of the account pages: the scoped list (one query for the page's accounts, one for their roles, one for
the locks) and an account's history from the audit trail."""
from __future__ import annotations

from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from orgs.access.models import Membership
from orgs.accounts.services import accounts_visible_to
from orgs.common.audit import AuditEvent

HISTORY_EVENTS = (AuditEvent.ACCOUNT, AuditEvent.LOGIN)
CHANGE_LABELS = {"name": _("姓名"), "email": _("电子邮箱"), "phone": _("联系电话"), "roles": _("角色"), "active": _("状态"),
                 "signon_cas": _("统一身份认证账号（CAS）"), "signon_oidc": _("统一身份认证账号（OpenID Connect）"),
                 "wecom_user_id": _("企业微信账号"), "dingtalk_user_id": _("钉钉账号"), "notify_channel": _("通知方式"),
                 "notify_immediate": _("即时通知")}


def accounts_listed(viewer):
    """The accounts `viewer` sees, with their roles (and regions) and profile, by user name."""
    return _with_roles(accounts_visible_to(viewer))


def _with_roles(accounts):
    roles = Prefetch("memberships", queryset=Membership.objects.select_related("region").order_by("role", "region__code"))
    return accounts.select_related("account").prefetch_related(roles).order_by("username")


def account_for_detail(viewer, pk: int):
    """An account's page: one `viewer` sees, or their own (the header's link)."""
    accounts = _with_roles(get_user_model().objects.filter(pk=pk)) if pk == viewer.pk else accounts_listed(viewer)
    account = accounts.select_related("account__created_by").filter(pk=pk).first()
    if account is None:
        raise Http404
    return account


def account_history(account, limit: int = 50) -> list[LogEntry]:
    """The account's audit entries (opened, changed, roles, resets, logins), newest first; each with
    `change_lines`: (field label, before, after) as text."""
    entries = list(
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(get_user_model()), object_pk=str(account.pk),
            additional_data__event__in=HISTORY_EVENTS,
        ).select_related("actor").order_by("-timestamp")[:limit]
    )
    for entry in entries:
        changes = (entry.additional_data or {}).get("changes") or {}
        entry.change_lines = [
            (CHANGE_LABELS.get(field, field), _as_text(before), _as_text(after)) for field, (before, after) in changes.items()
        ]
    return entries


def _as_text(value) -> str:
    if isinstance(value, list):
        return "、".join(str(item) for item in value)
    return str(value or "")
