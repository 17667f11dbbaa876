"""Account pages (账号管理): the scoped list with last logins and locks, opening an account (its one-time
password shown once, on the answer to the POST, never stored readable), an account's page with its roles and
history, and the writes (edit, roles, reset, deactivate / activate, unlock). Thin: every write is a service of
`orgs.accounts.services`; an account outside the user's scope is a 404, one they may not manage a 403."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from orgs.access.models import Membership
from orgs.access.scoping import user_scope
from orgs.accounts.filters import AccountFilter
from orgs.accounts.forms import AccountCreateForm, AccountEditForm, MembershipForm
from orgs.accounts.selectors import account_for_detail, account_history, accounts_listed
from orgs.accounts.services import (
    account_activate,
    account_create,
    account_deactivate,
    account_manageable,
    account_password_reset,
    account_unlock,
    account_update,
    account_writer,
    locked_usernames,
    lockout_release,
    lockouts_listed,
    membership_grant,
    membership_revoke,
    memberships_refusal,
    roles_grantable,
)
from orgs.common.forms import apply_errors
from orgs.regions.selectors import own_region_code
from orgs.signon.forms import signon_initial
from orgs.twofactor.services import has_second_factor, second_factor_reset

PAGE_SIZE = 50


@require_safe
@login_required
def account_list(request):
    """The accounts of the user's scope: roles and regions, last login, active, locked (with 解除锁定)."""
    locked = locked_usernames()
    base = accounts_listed(request.user)
    filterset = AccountFilter(request.GET or None, queryset=base)
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    can_write = account_writer(request.user)
    accounts = list(page.object_list)
    for account in accounts:
        account.is_locked = account.username in locked
        # the unlock button: only on the accounts the user manages (checked again on POST); roles are prefetched
        account.can_manage = can_write and memberships_refusal(request.user, account.memberships.all()) is None
    return render(request, "accounts/account_list.html", {
        "filter": filterset,
        "page": page,
        "accounts": accounts,
        "total": page.paginator.count,
        "query": query.urlencode(),
        "can_create": bool(roles_grantable(request.user)) and can_write,
    })


def _password_page(request, account, password: str, *, created: bool):
    """The one-time password, shown once: on this answer only, never cached."""
    response = render(request, "accounts/account_password.html", {"account": account, "password": password, "created": created})
    add_never_cache_headers(response)
    return response


@require_http_methods(["GET", "HEAD", "OPTIONS", "POST"])
@login_required
def account_create_view(request):
    if not roles_grantable(request.user) or not account_writer(request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = AccountCreateForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                account, password = account_create(creator=request.user, request=request, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            except PermissionDenied as error:
                form.add_error(None, str(error) or _("您无权开通此账号"))
            else:
                return _password_page(request, account, password, created=True)
    else:
        form = AccountCreateForm(user=request.user, initial={"region": own_region_code(request.user)})
    return render(request, "accounts/account_form.html", {"form": form, "creating": True})


@require_safe
@login_required
def account_detail(request, pk: int):
    account = account_for_detail(request.user, pk)
    return render(request, "accounts/account_detail.html", _detail_context(request, account))


def _detail_context(request, account, membership_form=None) -> dict:
    manageable = account_manageable(request.user, account) and account_writer(request.user)
    context = {
        "account": account,
        "memberships": list(account.memberships.all()),
        "history": account_history(account),
        "is_locked": account.username in locked_usernames(),
        "can_manage": manageable,
        "is_self": account.pk == request.user.pk,
        "has_second_factor": has_second_factor(account),
        "can_reset_second_factor": user_scope(request.user).is_security_admin and account.pk != request.user.pk,
    }
    if manageable and account.pk != request.user.pk:
        context["membership_form"] = membership_form or MembershipForm(user=request.user)
    return context


def _manageable_or_404(request, pk: int):
    account = account_for_detail(request.user, pk)
    if not account_writer(request.user) or not account_manageable(request.user, account):
        raise PermissionDenied
    return account


@require_http_methods(["GET", "HEAD", "OPTIONS", "POST"])
@login_required
def account_edit(request, pk: int):
    account = _manageable_or_404(request, pk)
    profile = getattr(account, "account", None)
    initial = {"name": account.first_name, "email": account.email, "phone": profile.phone_masked if profile else "",
               "wecom_user_id": profile.wecom_user_id if profile else "",
               "dingtalk_user_id": profile.dingtalk_user_id if profile else "",
               "notify_channel": profile.notify_channel if profile else "email",
               "notify_immediate": profile.notify_immediate if profile else True,
               **signon_initial(account)}
    form = AccountEditForm(request.POST or None, initial=initial, current_channel=initial["notify_channel"])
    if request.method == "POST" and form.is_valid():
        try:
            account_update(account=account, editor=request.user, request=request, **form.changes())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已保存"))
            return redirect("accounts:detail", pk=account.pk)
    return render(request, "accounts/account_form.html", {"form": form, "account": account, "creating": False})


@require_POST
@login_required
def account_reset_password(request, pk: int):
    account = _manageable_or_404(request, pk)
    password = account_password_reset(account=account, editor=request.user, request=request)
    return _password_page(request, account, password, created=False)


@require_POST
@login_required
def account_set_active(request, pk: int):
    """POST active=0 deactivates (停用), active=1 re-opens (启用)."""
    account = _manageable_or_404(request, pk)
    try:
        if request.POST.get("active") == "1":
            account_activate(account=account, editor=request.user, request=request)
            messages.success(request, _("已启用账号 %(username)s") % {"username": account.username})
        else:
            account_deactivate(account=account, editor=request.user, request=request)
            messages.success(request, _("已停用账号 %(username)s") % {"username": account.username})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("accounts:detail", pk=account.pk)


@require_POST
@login_required
def account_unlock_view(request, pk: int):
    account = _manageable_or_404(request, pk)
    account_unlock(account=account, editor=request.user, request=request)
    messages.success(request, _("已解除 %(username)s 的登录锁定") % {"username": account.username})
    if request.POST.get("back") == "list":  # the button in the list returns there
        return redirect("accounts:list")
    return redirect("accounts:detail", pk=account.pk)


@require_POST
@login_required
def membership_add(request, pk: int):
    account = _manageable_or_404(request, pk)
    form = MembershipForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            membership_grant(account=account, editor=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error) or _("您无权授予此角色"))
        else:
            messages.success(request, _("已授予角色"))
            return redirect("accounts:detail", pk=account.pk)
    context = _detail_context(request, account_for_detail(request.user, pk), membership_form=form)
    return render(request, "accounts/account_detail.html", context, status=400)


@require_POST
@login_required
def membership_remove(request, pk: int, membership_pk: int):
    account = _manageable_or_404(request, pk)
    membership = get_object_or_404(Membership.objects.select_related("region", "user"), pk=membership_pk, user=account)
    try:
        membership_revoke(membership=membership, editor=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied as error:
        messages.error(request, str(error) or _("您无权撤销此角色"))
    else:
        messages.success(request, _("已撤销角色"))
    return redirect("accounts:detail", pk=account.pk)


@require_http_methods(["GET", "HEAD", "OPTIONS", "POST"])
@login_required
def lockout_list(request):
    """登录锁定 (the security administrator's): every failure record of django-axes, the locked ones marked, each with
    解除锁定 (POST attempt=<pk>, audited). 403 for everyone else."""
    attempts = lockouts_listed(request.user)
    if request.method == "POST":
        try:
            attempt_pk = int(request.POST.get("attempt", ""))
        except ValueError:
            attempt_pk = 0
        if lockout_release(attempt_pk=attempt_pk, editor=request.user, request=request):
            messages.success(request, _("已解除锁定"))
        else:
            messages.error(request, _("该锁定记录已不存在"))
        return redirect("accounts:lockouts")
    page = Paginator(attempts, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for attempt in rows:
        attempt.is_locked = attempt.failures_since_start >= settings.AXES_FAILURE_LIMIT
    return render(request, "accounts/lockout_list.html", {"page": page, "attempts": rows, "query": ""})


@require_POST
@login_required
def account_second_factor_reset(request, pk: int):
    """The security administrator removes an account's authenticator and recovery codes (a lost phone); audited."""
    account = account_for_detail(request.user, pk)
    second_factor_reset(account=account, editor=request.user, request=request)
    messages.success(request, _("已重置 %(username)s 的两步验证，下次登录时须重新绑定") % {"username": account.username})
    return redirect("accounts:detail", pk=account.pk)
