"""统一身份认证: an external identity, confirmed by the province's platform, signs on as the account the level above
mapped it to, or is refused with the reason. Never creates an account or a role (accounts are opened by the level
above: orgs.accounts). Every sign-on and every refusal is an audit entry (`AuditEvent.SIGNON` /
`AuditEvent.SIGNON_REFUSED`, data: provider, subject, reason)."""
from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgs.access.roles import ADMINISTRATOR_ROLES
from orgs.common.audit import AuditEvent, audit_event
from orgs.signon.models import ExternalIdentity, Provider
from orgs.signon.providers import provider_label


class Refusal:
    """Why a confirmed identity does not sign on (the codes the audit trail and the refusal page use)."""

    UNKNOWN = "unknown"  # no account is mapped to it
    INACTIVE = "inactive"  # the account is deactivated
    ADMINISTRATOR = "administrator"  # 三员: local login with the second factor only
    NO_ROLE = "no_role"  # the account holds no role: it would see nothing
    INVALID = "invalid"  # the platform did not confirm the identity (ticket, code or token refused)


SIGNON_FIELDS = {Provider.CAS: "signon_cas", Provider.OIDC: "signon_oidc"}
SUBJECT_MAX = 255


@dataclass(frozen=True)
class Resolution:
    """The outcome of a confirmed identity: the account it signs on as, or the refusal's reason."""

    user: Any
    reason: str = ""
    matched_by: str = ""  # "identity" (the mapping) or "username" (SIGNON_MATCH_USERNAME)


def _administrator(user) -> bool:
    roles = {m.role for m in user.memberships.all()}
    return bool(user.is_superuser or roles & ADMINISTRATOR_ROLES)


def subject_normal(subject: str) -> str:
    """An external subject as it is kept and compared: NFKC (full-width letters and digits made plain, an ideographic
    space a space), without surrounding spaces. See `_same_subject` for the case."""
    return unicodedata.normalize("NFKC", subject).strip()


def _same_subject(provider: str, subject: str) -> dict[str, str]:
    """The lookup of the identities of `provider` that are `subject` (normalised). CAS compares without case: a CAS
    server backed by a directory gives the user name as it was typed, and two of its users never differ only in case.
    OpenID Connect compares exactly: `sub` is case-sensitive (OpenID Connect Core 1.0 §2, §5.7), so "Ab" and "ab"
    are two people, each of whom may be mapped to an account of their own."""
    if provider == Provider.OIDC:
        return {"provider": provider, "subject": subject}
    return {"provider": provider, "subject__iexact": subject}


def identity_resolve(provider: str, subject: str) -> Resolution:
    """The account an identity confirmed by `provider` signs on as, by its mapping (or by an identical user name
    when SIGNON_MATCH_USERNAME is on), or the reason it is refused. Reads only."""
    User = get_user_model()
    subject = subject_normal(subject or "")
    if not subject:
        return Resolution(None, Refusal.INVALID)
    identities = list(ExternalIdentity.objects.select_related("user").filter(**_same_subject(provider, subject))[:2])
    if len(identities) > 1:  # CAS, mapped before subjects were compared without case: which account is meant is unclear
        return Resolution(None, Refusal.INVALID)
    identity = identities[0] if identities else None
    user, matched_by = (identity.user, "identity") if identity is not None else (None, "")
    if user is None and settings.SIGNON_MATCH_USERNAME:
        # not an account mapped to another identity of this platform: its mapping decides
        user = User.objects.filter(username=subject).exclude(external_identities__provider=provider).first()
        matched_by = "username"
    if user is None:
        return Resolution(None, Refusal.UNKNOWN)
    if not user.is_active:
        return Resolution(user, Refusal.INACTIVE, matched_by)
    if _administrator(user):
        return Resolution(user, Refusal.ADMINISTRATOR, matched_by)
    if not user.memberships.exists():
        return Resolution(user, Refusal.NO_ROLE, matched_by)
    return Resolution(user, "", matched_by)


REASON_LABELS = {
    Refusal.UNKNOWN: gettext_lazy("该统一身份认证账号未关联本系统账号"),
    Refusal.INACTIVE: gettext_lazy("账号已停用"),
    Refusal.ADMINISTRATOR: gettext_lazy("管理员账号只能本地登录"),
    Refusal.NO_ROLE: gettext_lazy("账号尚无角色"),
    Refusal.INVALID: gettext_lazy("认证平台未确认身份"),
}


def _reason_label(reason: str) -> str:
    return str(REASON_LABELS.get(reason, reason))


@transaction.atomic
def signon_accepted(*, provider: str, subject: str, user, matched_by: str, request=None) -> None:
    """Records a sign-on (the login itself is recorded by the login receiver as for a local login)."""
    ExternalIdentity.objects.filter(provider=provider, user=user).update(last_signon_at=timezone.now())
    audit_event(
        event=AuditEvent.SIGNON, model=user, actor=user, request=request,
        description=_("统一身份认证登录：%(user)s（%(provider)s：%(subject)s）") % {
            "user": user.get_username(), "provider": provider_label(provider), "subject": subject},
        data={"provider": provider, "subject": subject, "matched_by": matched_by, "username": user.get_username()},
    )


def signon_refused(*, provider: str, subject: str, reason: str, user=None, detail: str = "", request=None) -> None:
    """Records a refused sign-on: the platform, the external subject, the reason (and the account, when one was
    found). Writes nothing else."""
    audit_event(
        event=AuditEvent.SIGNON_REFUSED, model=user if user is not None else get_user_model(), request=request,
        description=_("统一身份认证登录被拒绝：%(provider)s：%(subject)s，%(reason)s") % {
            "provider": provider_label(provider), "subject": subject or "—", "reason": _reason_label(reason)},
        data={"provider": provider, "subject": subject, "reason": reason, "detail": detail[:500],
              "username": user.get_username() if user is not None else ""},
    )


def identities_of(user) -> dict[str, str]:
    """The account's subject per platform ({"cas": "zs001"}), from prefetched `external_identities` when there."""
    return {identity.provider: identity.subject for identity in user.external_identities.all()}


def identities_set(*, user, identities: Mapping[str, str | None]) -> dict[str, list[str]]:
    """Sets the account's 统一身份认证账号 per platform ({"signon_cas": "zs001"}: "" removes it; a key left out or
    None leaves it). Called inside the account services' transaction, which audits the changes returned
    ({"signon_cas": [before, after]}). Refuses (ValidationError naming the field) a subject mapped to another account
    (the same subject as a sign-on would find: `_same_subject`), and any subject on an administrator's account (三员
    sign in locally, with their second factor)."""
    current = {identity.provider: identity for identity in ExternalIdentity.objects.filter(user=user)}
    changes: dict[str, list[str]] = {}
    for provider, field in SIGNON_FIELDS.items():
        value = identities.get(field)
        if value is None:
            continue
        subject = subject_normal(value)
        before = current[provider].subject if provider in current else ""
        if subject == before:
            continue
        if len(subject) > SUBJECT_MAX:
            raise ValidationError({field: _("统一身份认证账号最长 %(max)d 个字符") % {"max": SUBJECT_MAX}})
        if subject and _administrator(user):
            raise ValidationError({field: _("管理员账号只能本地登录（密码和两步验证），不能关联统一身份认证账号")})
        if subject and ExternalIdentity.objects.filter(**_same_subject(provider, subject)).exclude(user=user).exists():
            raise ValidationError({field: _("统一身份认证账号“%(subject)s”已关联其他账号") % {"subject": subject}})
        if not subject:
            current[provider].delete()
        elif provider in current:
            current[provider].subject = subject
            current[provider].save(update_fields=["subject"])
        else:
            ExternalIdentity.objects.create(user=user, provider=provider, subject=subject)
        changes[field] = [before, subject]
    return changes
