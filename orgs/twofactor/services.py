"""Two-factor login (TOTP, django-otp): required for the three administrators (三员分立), optional for everyone
else, who enrol on their own page. After the password (django-axes counts its failures), a user who needs the second
factor gives a 6-digit code from an authenticator app, or one of 10 one-time recovery codes (django-otp's static
device), shown once at enrolment. Every enrolment, removal, success and failure is an audit entry
(`AuditEvent.TWO_FACTOR`, data: step)."""
from __future__ import annotations

import django_otp
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from orgs.access.scoping import user_scope
from orgs.common.audit import AuditEvent, audit_event

RECOVERY_CODES = 10
DEVICE_NAME = "authenticator"
RECOVERY_NAME = "recovery"
# In the session: whether this login needs the second factor (read once per session by the middleware).
SESSION_KEY = "second_factor_required"


def second_factor_required(user) -> bool:
    """Administrators always; others once they enrolled."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or user_scope(user).is_administrator or has_second_factor(user)


def has_second_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def _audit(user, step: str, description: str, request=None, actor=None) -> None:
    audit_event(event=AuditEvent.TWO_FACTOR, model=user, actor=actor or user, request=request, description=description,
                data={"step": step, "username": user.get_username()})


@transaction.atomic
def totp_enrolment_start(user) -> TOTPDevice:
    """A new, unconfirmed authenticator for the user (replacing an earlier unconfirmed one): its secret is shown as a
    QR code until the user confirms it with a first code."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def pending_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def totp_enrolment_confirm(*, user, token: str, request=None) -> list[str]:
    """Confirms the pending authenticator with its first code; returns the 10 recovery codes (shown once). Replaces
    an earlier authenticator. A wrong code: ValidationError, audited."""
    device = pending_device(user)
    if device is None:
        raise ValidationError(_("请先生成新的验证器密钥"))
    if not device.verify_token(_digits(token)):
        _audit(user, "enrol_failed", _("两步验证绑定失败：验证码错误（%(user)s）") % {"user": user.get_username()}, request)
        raise ValidationError({"token": _("验证码不正确，请核对手机时间后重试")})
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    if request is not None:
        django_otp.login(request, device)
        request.session[SESSION_KEY] = True
    _audit(user, "enrolled", _("绑定两步验证：%(user)s") % {"user": user.get_username()}, request)
    return codes


def _digits(token: str) -> str:
    return "".join(str(token or "").split())


def second_factor_verify(*, request, token: str) -> bool:
    """Checks a code from the authenticator, or a recovery code (each works once), and marks the session verified.
    Both outcomes are audited; django-otp throttles repeated failures of an authenticator."""
    user = request.user
    token = _digits(token)
    device = None
    if token:
        for candidate in TOTPDevice.objects.filter(user=user, confirmed=True):
            if candidate.verify_token(token):
                device = candidate
                break
        if device is None:
            for recovery in StaticDevice.objects.filter(user=user, confirmed=True):
                if recovery.verify_token(token):  # deletes the used code
                    device = recovery
                    break
    if device is None:
        _audit(user, "verify_failed", _("两步验证失败：%(user)s") % {"user": user.get_username()}, request)
        return False
    django_otp.login(request, device)
    step = "recovery_code" if isinstance(device, StaticDevice) else "verified"
    _audit(user, step, (_("两步验证通过（恢复码）：%(user)s") if step == "recovery_code" else _("两步验证通过：%(user)s"))
           % {"user": user.get_username()}, request)
    return True


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def recovery_codes_renew(*, user, request=None) -> list[str]:
    if not has_second_factor(user):
        raise ValidationError(_("尚未绑定两步验证"))
    codes = _new_recovery_codes(user)
    _audit(user, "recovery_renewed", _("重新生成恢复码：%(user)s") % {"user": user.get_username()}, request)
    return codes


@transaction.atomic
def second_factor_remove(*, user, request=None) -> None:
    """Removes the user's authenticator and recovery codes. Administrators may not (the factor is required): they
    replace their authenticator by enrolling a new one."""
    if user.is_superuser or user_scope(user).is_administrator:
        raise PermissionDenied(_("管理员必须使用两步验证，不能解除；可重新绑定新的验证器"))
    if not has_second_factor(user):
        raise ValidationError(_("尚未绑定两步验证"))
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    if request is not None:
        request.session[SESSION_KEY] = False
    _audit(user, "removed", _("解除两步验证：%(user)s") % {"user": user.get_username()}, request)


@transaction.atomic
def second_factor_reset(*, account, editor, request=None) -> None:
    """The security administrator removes an account's second factor (a lost phone): the account enrols again at
    its next login (administrators must)."""
    if not user_scope(editor).is_security_admin or account.pk == editor.pk:
        raise PermissionDenied(_("只有安全管理员可以重置他人的两步验证"))
    TOTPDevice.objects.filter(user=account).delete()
    StaticDevice.objects.filter(user=account).delete()
    _audit(account, "reset", _("重置两步验证：%(user)s") % {"user": account.get_username()}, request, actor=editor)
