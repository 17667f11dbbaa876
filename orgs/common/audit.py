"""The audit trail: django-auditlog records every create / change / delete of registered models;
this module adds the events it does not see (logins, failed logins, logouts, exports, bulk imports)
as `LogEntry` rows of action ACCESS, so administrators browse one trail."""
from __future__ import annotations

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
from django.contrib.contenttypes.models import ContentType
from django.dispatch import receiver
from django.utils.translation import gettext as _

from orgs.common.identifiers import mask_phone


class AuditEvent:
    """Names of the events recorded beside auditlog's create/update/delete."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    EXPORT = "export"
    IMPORT = "import"
    REVEAL = "reveal"
    VIEW = "view"  # a person's full record read (page, API, admin)
    ACCOUNT = "account"
    POLICY = "policy"  # a policy (建会门槛) created or changed, with before → after of each field
    MERGE = "merge"
    CENSUS_ROUND = "census_round"  # a step of a census round's report: submitted, approved, returned, reopened
    TWO_FACTOR = "two_factor"  # a second factor enrolled, removed, verified or refused (data: step, device)
    JOB = "job"  # a failed background job sent again by the system administrator (后台任务)
    SIGNON = "signon"  # 统一身份认证登录 (data: provider, subject, matched_by)
    SIGNON_REFUSED = "signon_refused"  # a sign-on refused (data: provider, subject, reason, detail)


# Given to auditlog.register(…, mask_fields=[…], mask_callable=AUDIT_MASK): phone numbers are recorded in the
# audit trail as the person history shows them (138****5678), never in full. Document numbers and phones are never
# stored in the clear (only their ciphertext and hash, which are excluded: PHONE_EXCLUDED, and the masked form,
# which the trail records as "phone_masked"; entries written before issue 21 name it "phone", masked too).
AUDIT_MASK = "orgs.common.audit.mask_in_audit"
PHONE_FIELDS = ["phone", "phone_masked"]
PHONE_EXCLUDED = ["phone_encrypted", "phone_hash"]


def mask_in_audit(value: str) -> str:
    """A phone number as the audit trail keeps it; auditlog's "None" (no value before a creation) stays."""
    return value if value in ("", "None") else mask_phone(value)


def client_address(request) -> str | None:
    """The address of the client, as far as it can be trusted: the connection's own address, or behind
    `PROXY_COUNT` reverse proxies the one the outermost of them saw (the PROXY_COUNT-th entry from the right
    of X-Forwarded-For; what a client writes in that header itself stays to the left and is never taken)."""
    if request is None:
        return None
    proxies = getattr(settings, "PROXY_COUNT", 0)
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def audit_event(
    *, event: str, model, description: str, actor=None, request=None, object_pk: str = "", data: dict | None = None
) -> LogEntry:
    """Writes one audit entry for an event about `model` (a model class or instance)."""
    actor = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    # On a model class, `pk` is the property itself: only an instance has a key to record.
    instance_pk = None if isinstance(model, type) else model.pk
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(model),
        object_pk=str(object_pk or instance_pk or ""),
        object_repr=description[:2000],
        action=LogEntry.Action.ACCESS,
        actor=actor,
        remote_addr=client_address(request),
        additional_data={"event": event, **(data or {})},
    )


def audit_export(*, user, queryset, file_format: str, request=None) -> LogEntry:
    """Records that `user` exported `queryset` (already scoped) in `file_format`."""
    model = queryset.model
    count = queryset.count()
    return audit_event(
        event=AuditEvent.EXPORT,
        model=model,
        actor=user,
        request=request,
        description=_("导出%(model)s %(count)d 条（%(format)s）")
        % {"model": model._meta.verbose_name, "count": count, "format": file_format},
        data={"count": count, "format": file_format},
    )


def audit_view(*, user, instance, request=None) -> LogEntry:
    """Records that `user` read the full record of `instance` (等保 2.0: every read of a person's record)."""
    return audit_event(
        event=AuditEvent.VIEW, model=instance, actor=user, request=request,
        description=_("查看%(model)s：%(object)s") % {"model": instance._meta.verbose_name, "object": instance},
    )


@receiver(user_logged_in)
def _record_login(sender, request, user, **kwargs):
    audit_event(event=AuditEvent.LOGIN, model=user, actor=user, request=request, description=_("登录：%(user)s") % {"user": user.get_username()})


@receiver(user_logged_out)
def _record_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_event(event=AuditEvent.LOGOUT, model=user, actor=user, request=request, description=_("退出：%(user)s") % {"user": user.get_username()})


@receiver(user_login_failed)
def _record_login_failure(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit_event(
        event=AuditEvent.LOGIN_FAILED,
        model=get_user_model(),
        request=request,
        description=_("登录失败：%(user)s") % {"user": username},
        data={"username": username},
    )
