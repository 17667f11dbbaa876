"""两步验证 pages: the code after the password (`verify`), enrolment with a QR code drawn server-side as SVG
(`enrol`, no script), and the user's own page (`manage`: status, new recovery codes, removal for non-administrators).
Recovery codes are shown once, on the answer to the POST that made them, never cached. Thin: writes are services."""
from __future__ import annotations

from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from orgs.access.scoping import user_scope
from orgs.common.forms import apply_errors
from orgs.twofactor.forms import CodeForm
from orgs.twofactor.services import (
    has_second_factor,
    pending_device,
    recovery_codes_left,
    recovery_codes_renew,
    second_factor_remove,
    second_factor_verify,
    totp_enrolment_confirm,
    totp_enrolment_start,
)


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


def _never_cached(response):
    add_never_cache_headers(response)
    return response


@require_http_methods(["GET", "HEAD", "OPTIONS", "POST"])
@login_required
def verify(request):
    """The second step of the login."""
    if request.user.is_verified():
        return redirect(_next_url(request))
    if not has_second_factor(request.user):
        return redirect(f"{reverse('twofactor:enrol')}?{urlencode({'next': _next_url(request)})}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if second_factor_verify(request=request, token=form.cleaned_data["token"]):
            return redirect(_next_url(request))
        form.add_error("token", _("验证码不正确"))
    return _never_cached(render(request, "twofactor/verify.html", {"form": form, "next": _next_url(request)}))


@require_http_methods(["GET", "HEAD", "OPTIONS", "POST"])
@login_required
def enrol(request):
    """Binds an authenticator: the QR code (and the key to type), then its first code; answers with the recovery
    codes. A user who already has one must have verified this session first (otherwise the password alone would
    replace the second factor)."""
    changing = has_second_factor(request.user)  # a verified session replacing its authenticator
    if changing and not request.user.is_verified():
        return redirect("twofactor:verify")
    device = pending_device(request.user)
    if device is None or request.POST.get("renew") == "1":
        device = totp_enrolment_start(request.user)
    form = CodeForm(request.POST if request.method == "POST" and "token" in request.POST else None)
    if form.is_bound and form.is_valid():
        try:
            codes = totp_enrolment_confirm(user=request.user, token=form.cleaned_data["token"], request=request)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _never_cached(render(request, "twofactor/recovery_codes.html", {"codes": codes, "next": _next_url(request)}))
    qr = segno.make(device.config_url, error="m")
    context = {
        "form": form,
        "qr_svg": qr.svg_inline(scale=4, dark="#1f2937", light="#ffffff"),
        "secret": _grouped(device.config_url),
        # the notice that nothing else opens before enrolment: not to someone who is only replacing an authenticator
        "required": not changing and (request.user.is_superuser or user_scope(request.user).is_administrator),
        "changing": changing,
        "next": _next_url(request),
    }
    return _never_cached(render(request, "twofactor/enrol.html", context))


def _grouped(config_url: str) -> str:
    """The base32 secret of an otpauth URL, in groups of four for typing."""
    secret = config_url.split("secret=", 1)[1].split("&", 1)[0]
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@require_http_methods(["GET", "HEAD", "OPTIONS"])
@login_required
def manage(request):
    """The user's own 两步验证 page."""
    context = {
        "enrolled": has_second_factor(request.user),
        "codes_left": recovery_codes_left(request.user),
        "required": request.user.is_superuser or user_scope(request.user).is_administrator,
    }
    return render(request, "twofactor/manage.html", context)


@require_POST
@login_required
def recovery_renew(request):
    try:
        codes = recovery_codes_renew(user=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("twofactor:manage")
    return _never_cached(render(request, "twofactor/recovery_codes.html", {"codes": codes, "next": reverse("twofactor:manage")}))


@require_POST
@login_required
def remove(request):
    try:
        second_factor_remove(user=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已解除两步验证"))
    return redirect("twofactor:manage")
