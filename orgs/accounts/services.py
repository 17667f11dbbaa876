"""Accounts given out by the level above (智慧团建 style). A creator opens an account for a region of their editable
scope with a role no higher than their own: staff open staff, county officials and leadership accounts; a county
official opens county officials of their county. 三员分立: the security administrator opens every account (the three
administrators included) in every region, gives roles and lifts lockouts; the system administrator opens none; an
account holding one of the three administrator roles holds no other role. `is_superuser` goes with the system
administrator's role only (Django's admin needs it), never with the security or audit administrator's. A new account
gets a one-time initial password, shown once to its creator, to be changed at first login. Every change is audited
(who, whom, before → after)."""
from __future__ import annotations

import secrets
import string
from typing import Any

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from orgs.access.models import Membership
from orgs.access.roles import ADMINISTRATOR_ROLES, Role
from orgs.access.scoping import forget_scope, user_scope
from orgs.accounts.models import AccountProfile
from orgs.common.audit import AuditEvent, audit_event, mask_in_audit
from orgs.common.channels import Channel, channel_choices
from orgs.common.identifiers import IdentifierError, is_personal_number, mask_phone_numbers, validate_mobile
from orgs.common.phones import PHONE_COLUMNS
from orgs.regions.models import Region
from orgs.signon.services import SIGNON_FIELDS, identities_set

# The roles each role may give (the security administrator: every one; the system administrator: none).
GRANTABLE: dict[str, frozenset[str]] = {
    Role.STAFF: frozenset({Role.STAFF, Role.COUNTY_OFFICIAL, Role.LEADERSHIP}),
    Role.COUNTY_OFFICIAL: frozenset({Role.COUNTY_OFFICIAL}),
    Role.LEADERSHIP: frozenset(),
}
PASSWORD_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "Il1O0o")


def roles_grantable(creator) -> frozenset[str]:
    """The roles `creator` may give."""
    scope = user_scope(creator)
    if scope.is_security_admin:
        return frozenset(Role.values)
    return frozenset().union(*(GRANTABLE.get(role, frozenset()) for role in scope.roles))


def account_writer(user) -> bool:
    """Whether the user may change accounts at all: a writing role (the level above), or the security administrator."""
    scope = user_scope(user)
    return scope.can_write or scope.is_security_admin


def _every_region(user) -> bool:
    """The security administrator opens accounts in every region (and sees no region's data)."""
    return user_scope(user).is_security_admin


def account_check_grant(creator, role: str, region: Region | None) -> None:
    """Refuses (PermissionDenied, saying why) a role above the creator's or a region outside their editable scope."""
    if role not in roles_grantable(creator):
        raise PermissionDenied(_("您不能开通“%(role)s”账号") % {"role": Role(role).label if role in Role.values else role})
    if role in ADMINISTRATOR_ROLES:
        return  # one of the three administrators, by the security administrator: no region
    if region is None:
        raise ValidationError({"region": _("请选择辖区")})
    if not _every_region(creator) and not Region.objects.editable_by(creator).filter(pk=region.pk).exists():
        raise PermissionDenied(_("“%(region)s”不在您的管辖范围内") % {"region": region.full_name})


def initial_password() -> str:
    """A one-time password: 12 letters and digits, no look-alikes (I, l, 1, O, 0, o)."""
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(12))


def _phone(phone: str) -> str:
    """An account's mobile: the number escalation SMS go to."""
    try:
        return validate_mobile(phone)
    except IdentifierError as error:
        raise ValidationError({"phone": str(error)}) from None


@transaction.atomic
def account_create(
    *, creator, username: str, name: str, role: str, region: Region | None, email: str = "", phone: str = "", request=None,
    signon_cas: str | None = None, signon_oidc: str | None = None,
    wecom_user_id: str = "", dingtalk_user_id: str = "", notify_channel: str = Channel.EMAIL, notify_immediate: bool = False,
):
    """Opens an account; returns (user, the one-time initial password). Nothing is written when refused. The
    统一身份认证账号 (signon_cas, signon_oidc) map the platforms' identities to it (orgs.signon)."""
    account_check_grant(creator, role, region)
    User = get_user_model()
    username = username.strip()
    if not username:
        raise ValidationError({"username": _("请填写用户名")})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("用户名“%(username)s”已被使用") % {"username": username}})
    password = initial_password()
    user = User(username=username, first_name=name.strip(), email=email.strip(), is_staff=role in (Role.ADMIN, Role.STAFF))
    user.is_superuser = role == Role.ADMIN
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    profile = AccountProfile(user=user, created_by=creator)
    _profile_changes(profile, {"phone": phone, "wecom_user_id": wecom_user_id, "dingtalk_user_id": dingtalk_user_id,
                               "notify_channel": notify_channel or Channel.EMAIL, "notify_immediate": notify_immediate})
    profile.save()
    Membership.objects.create(user=user, role=role, region=None if role in ADMINISTRATOR_ROLES else region)
    signon = identities_set(user=user, identities={"signon_cas": signon_cas, "signon_oidc": signon_oidc})
    audit_event(
        event=AuditEvent.ACCOUNT, model=user, actor=creator, request=request,
        description=_("开通账号 %(username)s（%(role)s，%(region)s）") % {
            "username": username, "role": Role(role).label, "region": region.full_name if region else _("全部"),
        },
        data={"username": username, "role": role, "region": region.code if region else None,
              **({"signon": {field: after for field, (_before, after) in signon.items()}} if signon else {})},
    )
    return user, password


@transaction.atomic
def administrator_open(*, username: str, role: str, name: str = "") -> tuple:
    """Opens one of the three administrators from the command line (`manage.py create_administrator`): the first
    security administrator of a deployment has nobody to open it. Returns (user, one-time password); audited with no
    actor (the command line)."""
    if role not in ADMINISTRATOR_ROLES:
        raise ValidationError({"role": _("只能开通系统管理员、安全管理员或审计管理员")})
    User = get_user_model()
    username = username.strip()
    if not username or User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("用户名“%(username)s”已被使用") % {"username": username}})
    password = initial_password()
    user = User(username=username, first_name=name.strip() or str(Role(role).label), is_staff=role == Role.ADMIN,
                is_superuser=role == Role.ADMIN)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    AccountProfile.objects.create(user=user)
    Membership.objects.create(user=user, role=role, region=None)
    audit_event(
        event=AuditEvent.ACCOUNT, model=user,
        description=_("命令行开通管理员账号 %(username)s（%(role)s）") % {"username": username, "role": Role(role).label},
        data={"username": username, "role": role, "via": "command line"},
    )
    return user, password


def accounts_visible_to(viewer):
    """The accounts `viewer` may see: those with a role in their scope (an administrator: every one). Leadership
    reads them too; changing one needs the roles to give (`_require_manages`). The system administrator reads every
    account and changes none; the security administrator changes every one."""
    User = get_user_model()
    scope = user_scope(viewer)
    if scope.is_admin or scope.is_security_admin:
        return User.objects.all()
    return User.objects.filter(pk__in=Membership.objects.visible_to(viewer).values("user_id"))


@transaction.atomic
def account_password_reset(*, account, editor, request=None) -> str:
    """A new one-time password for an account the editor may manage; the holder must change it at next login."""
    _require_manages(editor, account)
    password = initial_password()
    account.set_password(password)
    account.save(update_fields=["password"])
    AccountProfile.objects.update_or_create(user=account, defaults={"must_change_password": True})
    audit_event(event=AuditEvent.ACCOUNT, model=account, actor=editor, request=request,
                description=_("重置密码：%(username)s") % {"username": account.username})
    return password


@transaction.atomic
def account_deactivate(*, account, editor, request=None) -> None:
    _require_manages(editor, account)
    if account.pk == editor.pk:
        raise ValidationError(_("不能停用自己的账号"))
    was_active = account.is_active
    account.is_active = False
    account.save(update_fields=["is_active"])
    forget_scope(account)
    audit_event(event=AuditEvent.ACCOUNT, model=account, actor=editor, request=request,
                data={"changes": {"active": [_active_label(was_active), _active_label(False)]}},
                description=_("停用账号：%(username)s") % {"username": account.username})


ACCOUNT_FIELDS = ("name", "email", "phone", "wecom_user_id", "dingtalk_user_id", "notify_channel", "notify_immediate")
PROFILE_FIELDS = ("phone", "wecom_user_id", "dingtalk_user_id", "notify_channel", "notify_immediate")


def _platform_id(field: str, value: str) -> str:
    """A 企业微信 / 钉钉 user id: 1–64 visible characters, no spaces, and not a mobile or resident ID number (the id is
    kept and shown in clear: on the account page, in the API, in the outbox; phones and IDs are kept only encrypted)."""
    value = (value or "").strip()
    if value and (len(value) > 64 or any(c.isspace() for c in value)):
        raise ValidationError({field: _("账号“%(v)s”无效：最多 64 个字符，不能含空格") % {"v": mask_phone_numbers(value[:80])}})
    if value and is_personal_number(value):
        raise ValidationError({field: _("账号“%(v)s”是手机号码或身份证号码，不能用作通知账号：请在通讯录管理后台为该成员设置其他账号（UserID），"
                                        "手机号请填在“联系电话”中") % {"v": mask_phone_numbers(value)}})
    return value


def _notify_channel(value: str, current: str | None = None) -> str:
    """One of the channels offered now (a stored choice no longer configured may be kept as it is)."""
    if value == current or value in dict(channel_choices()):
        return value
    if value in Channel.values:
        raise ValidationError({"notify_channel": _("通知方式“%(v)s”未配置，不能选择") % {"v": Channel(value).label}})
    raise ValidationError({"notify_channel": _("未知通知方式：%(v)s") % {"v": value}})


def _profile_values(profile: AccountProfile) -> dict[str, str]:
    """The profile's fields as the audit trail shows them (the channel and the opt-in in words)."""
    values = {f: getattr(profile, f) for f in PROFILE_FIELDS}
    values["notify_channel"] = str(Channel(profile.notify_channel).label) if profile.notify_channel in Channel.values else profile.notify_channel
    values["notify_immediate"] = str(_("是") if profile.notify_immediate else _("否"))
    return values


def _profile_changes(profile: AccountProfile, changes: dict) -> None:
    """Applies the profile's share of an account's changes, validated."""
    if "phone" in changes:
        profile.phone = _phone(changes["phone"])
    for field in ("wecom_user_id", "dingtalk_user_id"):
        if field in changes:
            setattr(profile, field, _platform_id(field, changes[field]))
    if "notify_channel" in changes:
        profile.notify_channel = _notify_channel(changes["notify_channel"], profile.notify_channel if profile.pk else None)
    if "notify_immediate" in changes:
        profile.notify_immediate = bool(changes["notify_immediate"])
    if changes.keys() & {"notify_channel", "wecom_user_id", "dingtalk_user_id"}:
        _channel_has_its_account(profile)


# The account a platform channel sends to: without it every message would fall back to the inbox, unannounced.
_CHANNEL_ACCOUNT: dict[str, tuple[str, Any]] = {Channel.WECOM: ("wecom_user_id", _lazy("选择企业微信通知须先填写企业微信账号（通讯录中的成员 UserID）")),
                    Channel.DINGTALK: ("dingtalk_user_id", _lazy("选择钉钉通知须先填写钉钉账号（通讯录中的 userid）"))}


def _channel_has_its_account(profile: AccountProfile) -> None:
    needed = _CHANNEL_ACCOUNT.get(profile.notify_channel)
    if needed and not getattr(profile, needed[0]):
        raise ValidationError({"notify_channel": str(needed[1])})


@transaction.atomic
def account_notifications_set(*, account, channel: str, immediate: bool | None = None, request=None) -> AccountProfile:
    """A user's own notification choice (their inbox page): validated as on the account page (a channel offered now,
    with its platform account filled in) and in the account's record (账号记录) as any change of the account."""
    profile, _created = AccountProfile.objects.get_or_create(user=account, defaults={"must_change_password": False})
    before = _profile_values(profile)
    changes: dict = {"notify_channel": channel}
    if immediate is not None:
        changes["notify_immediate"] = immediate
    _profile_changes(profile, changes)
    profile.save(update_fields=["notify_channel", "notify_immediate"])
    after = _profile_values(profile)
    changed = {key: [before[key], after[key]] for key in PROFILE_FIELDS if before[key] != after[key]}
    if changed:
        audit_event(event=AuditEvent.ACCOUNT, model=account, actor=account, request=request, data={"changes": changed},
                    description=_("修改账号：%(username)s") % {"username": account.username})
    return profile


@transaction.atomic
def account_update(*, account, editor, request=None, **changes):
    """Changes an account's name, e-mail, phone, 企业微信 / 钉钉 user ids, notification channel or 统一身份认证账号
    (signon_cas, signon_oidc; roles are changed by opening memberships, not here); audited with before → after."""
    _require_manages(editor, account)
    identities = {field: changes.pop(field) for field in SIGNON_FIELDS.values() if field in changes}
    profile, _created = AccountProfile.objects.get_or_create(user=account, defaults={"must_change_password": False})
    before = {"name": account.first_name, "email": account.email, **_profile_values(profile)}
    if "name" in changes:
        account.first_name = changes["name"].strip()
    if "email" in changes:
        account.email = changes["email"].strip()
    _profile_changes(profile, changes)
    account.full_clean(exclude=["password"])
    account.save(update_fields=["first_name", "email"])
    profile.save(update_fields=[*PHONE_COLUMNS, *(field for field in PROFILE_FIELDS if field != "phone")])
    after = {"name": account.first_name, "email": account.email, **_profile_values(profile)}
    changed = {key: [before[key], after[key]] for key in ACCOUNT_FIELDS if before[key] != after[key]}
    if "phone" in changed:  # the audit trail keeps phones masked, as everywhere (orgs.common.audit)
        changed["phone"] = [mask_in_audit(value) for value in changed["phone"]]
    changed.update(identities_set(user=account, identities=identities))
    if changed:
        audit_event(event=AuditEvent.ACCOUNT, model=account, actor=editor, request=request, data={"changes": changed},
                    description=_("修改账号：%(username)s") % {"username": account.username})
    return account


def locked_usernames() -> set[str]:
    """The user names django-axes locks out now (too many failed logins, from some address): one query."""
    return set(
        AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT).values_list("username", flat=True)
    )


@transaction.atomic
def account_unlock(*, account, editor, request=None) -> int:
    """Lifts django-axes' lock on an account the editor may manage; returns how many lock records were removed."""
    _require_manages(editor, account)
    removed = axes_reset(username=account.username)
    audit_event(event=AuditEvent.ACCOUNT, model=account, actor=editor, request=request,
                description=_("解除锁定：%(username)s") % {"username": account.username})
    return removed


@transaction.atomic
def account_activate(*, account, editor, request=None) -> None:
    """Re-opens a deactivated account the editor may manage."""
    _require_manages(editor, account)
    was_active = account.is_active
    account.is_active = True
    account.save(update_fields=["is_active"])
    forget_scope(account)
    audit_event(event=AuditEvent.ACCOUNT, model=account, actor=editor, request=request,
                data={"changes": {"active": [_active_label(was_active), _active_label(True)]}},
                description=_("启用账号：%(username)s") % {"username": account.username})


def _active_label(active: bool) -> str:
    return str(_("启用") if active else _("停用"))


def _membership_label(membership: Membership) -> str:
    where = membership.region.full_name if membership.region is not None else _("全部")
    return f"{membership.get_role_display()} · {where}"


def _check_separation(account, role: str) -> None:
    """三员分立: an administrator's account holds that one role only, and no account holds two of the three."""
    held = set(account.memberships.values_list("role", flat=True))
    if role in ADMINISTRATOR_ROLES and held:
        raise ValidationError({"role": _("管理员角色不能与其他角色兼任（三员分立）")})
    if held & ADMINISTRATOR_ROLES:
        raise ValidationError({"role": _("管理员账号不能兼任其他角色（三员分立）")})


def _sync_flags(account, *, granted: str | None = None) -> None:
    """is_superuser with the system administrator's role alone; is_staff (the Django admin) comes with a granted
    system administrator's or staff role and goes when the account holds neither."""
    roles = set(account.memberships.values_list("role", flat=True))
    if granted in (Role.ADMIN, Role.STAFF):
        account.is_staff = True
    elif not roles & {Role.ADMIN, Role.STAFF} and (granted is None or granted in ADMINISTRATOR_ROLES):
        account.is_staff = False
    account.is_superuser = Role.ADMIN in roles
    account.save(update_fields=["is_staff", "is_superuser"])


def _roles_of(account) -> list[str]:
    return [_membership_label(m) for m in account.memberships.select_related("region").order_by("pk")]


@transaction.atomic
def membership_grant(*, account, editor, role: str, region: Region | None, request=None) -> Membership:
    """Gives an account the editor manages one more role in a region (same rules as opening an account);
    audited with the roles before → after."""
    _require_manages(editor, account)
    if account.pk == editor.pk:
        raise PermissionDenied(_("不能修改自己的角色"))
    account_check_grant(editor, role, region)
    region = None if role in ADMINISTRATOR_ROLES else region
    if Membership.objects.filter(user=account, role=role, region=region).exists():
        raise ValidationError({"role": _("该账号已有此角色")})
    _check_separation(account, role)
    before = _roles_of(account)
    membership = Membership.objects.create(user=account, role=role, region=region)
    _sync_flags(account, granted=role)
    forget_scope(account)
    audit_event(event=AuditEvent.ACCOUNT, model=account, actor=editor, request=request,
                data={"changes": {"roles": [before, _roles_of(account)]}},
                description=_("授予角色：%(username)s，%(role)s") % {"username": account.username, "role": _membership_label(membership)})
    return membership


@transaction.atomic
def membership_revoke(*, membership: Membership, editor, request=None) -> None:
    """Takes one role from an account the editor manages. The last role stays: an account without a role sees
    nothing and nobody below an administrator would see it again (deactivate it instead)."""
    account = membership.user
    _require_manages(editor, account)
    if account.pk == editor.pk:
        raise PermissionDenied(_("不能修改自己的角色"))
    if account.memberships.count() <= 1:
        raise ValidationError(_("账号至少保留一个角色；不再使用的账号请停用"))
    before = _roles_of(account)
    label = _membership_label(membership)
    membership.delete()
    _sync_flags(account)
    forget_scope(account)
    audit_event(event=AuditEvent.ACCOUNT, model=account, actor=editor, request=request,
                data={"changes": {"roles": [before, _roles_of(account)]}},
                description=_("撤销角色：%(username)s，%(role)s") % {"username": account.username, "role": label})


def account_manageable(editor, account) -> bool:
    """Whether the editor may change the account (the pages show or hide their buttons by it)."""
    try:
        _require_manages(editor, account)
    except PermissionDenied:
        return False
    return True


def memberships_refusal(editor, memberships) -> str | None:
    """Why the editor may not manage an account holding these memberships (each with its region loaded), or None:
    every role must be one the editor gives, in a region the editor may change (an account holding a role in
    another city stays that city's). In memory: the account list asks it of every row it shows."""
    grantable = roles_grantable(editor)
    if any(m.role not in grantable for m in memberships):
        return _("您不能管理角色高于自己的账号")
    scope = user_scope(editor)
    if not scope.is_security_admin and any(m.region is not None and not scope.edits_region(m.region) for m in memberships):
        return _("该账号在您管辖范围以外还有角色")
    return None


def _require_manages(editor, account) -> None:
    """The editor may act on an account inside their scope that `memberships_refusal` does not refuse."""
    if not accounts_visible_to(editor).filter(pk=account.pk).exists():
        raise PermissionDenied
    refusal = memberships_refusal(editor, account.memberships.select_related("region"))
    if refusal:
        raise PermissionDenied(refusal)


# ---- lockouts: the security administrator's page (三员分立) -------------------------------------------------


def lockouts_listed(viewer):
    """django-axes' failure records (user name, address, failures, last attempt), newest first, with `is_locked`
    annotated in memory by the caller; the security administrator's only."""
    if not user_scope(viewer).is_security_admin:
        raise PermissionDenied
    return AccessAttempt.objects.order_by("-attempt_time", "-pk")


@transaction.atomic
def lockout_release(*, attempt_pk: int, editor, request=None) -> bool:
    """Removes one failure record (and with it the lock on that user name from that address); audited. False when
    it no longer exists (released meanwhile, or expired)."""
    if not user_scope(editor).is_security_admin:
        raise PermissionDenied
    attempt = AccessAttempt.objects.select_for_update().filter(pk=attempt_pk).first()
    if attempt is None:
        return False
    username, address, failures = attempt.username, attempt.ip_address, attempt.failures_since_start
    attempt.delete()
    audit_event(
        event=AuditEvent.ACCOUNT, model=get_user_model(), actor=editor, request=request,
        object_pk=str(get_user_model().objects.filter(username=username).values_list("pk", flat=True).first() or ""),
        description=_("解除锁定：%(username)s（%(address)s）") % {"username": username, "address": address or "—"},
        data={"username": username, "address": address, "failures": failures, "lockout": True},
    )
    return True
