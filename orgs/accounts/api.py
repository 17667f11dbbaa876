"""/api/accounts/: accounts given out by the level above. Writes go through the account services (a role above the
creator's or a region outside their scope: 403 or 400, nothing created); the one-time password is in the answer to
the creation (and to a reset) only."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from orgs.access.api import WritesNeedWritingRole, as_drf_error
from orgs.access.models import Membership
from orgs.access.roles import Role
from orgs.access.scoping import user_scope
from orgs.accounts.filters import AccountFilter
from orgs.accounts.services import (
    account_activate,
    account_create,
    account_deactivate,
    account_password_reset,
    account_unlock,
    account_update,
    account_writer,
    accounts_visible_to,
    locked_usernames,
    membership_grant,
    membership_revoke,
)
from orgs.common.channels import Channel
from orgs.regions.api import EditableRegionField
from orgs.regions.models import Region
from orgs.signon.api import SIGNON_API_FIELDS, SignonReadMixin, SignonWriteMixin


class AccountRegionField(EditableRegionField):
    """A region of the caller's editable scope; any region for the security administrator (三员分立: accounts
    everywhere, data nowhere)."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is not None and user_scope(request.user).is_security_admin:
            return Region.objects.all()
        return super().get_queryset()


class AccountSerializer(SignonReadMixin, serializers.ModelSerializer):
    """An account as listed: who, which roles where, last login, active."""

    name = serializers.CharField(source="first_name", read_only=True)
    # a plain string: an account may have no address (""), which is no "email" format
    email = serializers.CharField(read_only=True)
    roles = serializers.SerializerMethodField()
    phone_masked = serializers.SerializerMethodField(help_text=_("联系电话（隐藏中间位）"))
    wecom_user_id = serializers.SerializerMethodField(help_text=_("企业微信通讯录中的成员账号（UserID）"))
    dingtalk_user_id = serializers.SerializerMethodField(help_text=_("钉钉通讯录中的用户 userid"))
    notify_channel = serializers.SerializerMethodField(help_text=_("通知方式：inbox、email、wecom、dingtalk"))
    notify_immediate = serializers.SerializerMethodField(help_text=_("任务指派等即时通知也通过所选方式发送"))
    locked = serializers.SerializerMethodField(help_text=_("登录失败次数过多，已被锁定"))

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "name", "email", "phone_masked", "wecom_user_id", "dingtalk_user_id", "notify_channel",
                  "notify_immediate", "roles", "is_active", "locked", "last_login", "date_joined", *SIGNON_API_FIELDS]
        read_only_fields = fields

    def get_locked(self, user) -> bool:
        return user.username in self.context.get("locked_usernames", ())

    def get_roles(self, user) -> list[dict]:
        return [
            {"id": m.pk, "role": m.role, "role_display": m.get_role_display(), "region": m.region.code if m.region_id else None}
            for m in user.memberships.all()
        ]

    def get_phone_masked(self, user) -> str:
        profile = getattr(user, "account", None)
        return profile.phone_masked if profile is not None else ""

    def get_wecom_user_id(self, user) -> str:
        profile = getattr(user, "account", None)
        return profile.wecom_user_id if profile is not None else ""

    def get_dingtalk_user_id(self, user) -> str:
        profile = getattr(user, "account", None)
        return profile.dingtalk_user_id if profile is not None else ""

    def get_notify_channel(self, user) -> str:
        profile = getattr(user, "account", None)
        return profile.notify_channel if profile is not None else Channel.EMAIL

    def get_notify_immediate(self, user) -> bool:
        profile = getattr(user, "account", None)
        return profile.notify_immediate if profile is not None else True


class _NotifyFields(serializers.Serializer):
    """An account's 企业微信 / 钉钉 user ids and channel (a channel not configured is refused by the service)."""

    wecom_user_id = serializers.CharField(max_length=64, required=False, allow_blank=True, label=_("企业微信账号"))
    dingtalk_user_id = serializers.CharField(max_length=64, required=False, allow_blank=True, label=_("钉钉账号"))
    notify_channel = serializers.ChoiceField(choices=Channel.choices, required=False, label=_("通知方式"))
    notify_immediate = serializers.BooleanField(required=False, label=_("即时通知"))


class AccountCreateSerializer(SignonWriteMixin, _NotifyFields):
    username = serializers.CharField(max_length=150, label=_("用户名"))
    name = serializers.CharField(max_length=150, label=_("姓名"))
    role = serializers.ChoiceField(choices=Role.choices, label=_("角色"))
    region = AccountRegionField(default=None, allow_null=True, label=_("辖区区划代码"))
    email = serializers.EmailField(required=False, allow_blank=True, label=_("电子邮箱"))
    phone = serializers.CharField(max_length=24, required=False, allow_blank=True, label=_("联系电话"))


class MembershipCreateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, label=_("角色"))
    region = AccountRegionField(default=None, allow_null=True, label=_("辖区区划代码"))


class AccountUpdateSerializer(SignonWriteMixin, _NotifyFields):
    name = serializers.CharField(max_length=150, required=False, label=_("姓名"))
    email = serializers.EmailField(required=False, allow_blank=True, label=_("电子邮箱"))
    phone = serializers.CharField(max_length=24, required=False, allow_blank=True, label=_("联系电话"))


class AccountCreatedSerializer(AccountSerializer):
    initial_password = serializers.CharField(read_only=True, help_text=_("一次性初始密码，只在此显示一次；首次登录须修改"))

    class Meta(AccountSerializer.Meta):
        fields = [*AccountSerializer.Meta.fields, "initial_password"]
        read_only_fields = fields


class AccountWrites(WritesNeedWritingRole):
    """Writes need a writing role (the level above) or the security administrator's (三员分立)."""

    def has_permission(self, request, view):
        return super().has_permission(request, view) or account_writer(request.user)


class AccountViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet,
):
    """账号: the accounts of the caller's scope; staff and administrators open accounts for the level below."""

    permission_classes = [permissions.IsAuthenticated, AccountWrites]
    serializer_class = AccountSerializer
    filterset_class = AccountFilter

    def get_queryset(self):
        return accounts_visible_to(self.request.user).prefetch_related("memberships__region", "external_identities").select_related("account").order_by("username")

    def get_serializer_class(self):
        if self.action == "create":
            return AccountCreateSerializer
        if self.action in ("update", "partial_update"):
            return AccountUpdateSerializer
        if self.action == "roles":
            return MembershipCreateSerializer
        return AccountSerializer

    def get_serializer_context(self):
        # the locked accounts, in one query for the whole page
        return {**super().get_serializer_context(), "locked_usernames": locked_usernames()}

    @extend_schema(request=AccountUpdateSerializer, responses={200: AccountSerializer})
    def update(self, request, *args, **kwargs):
        account = self.get_object()
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            account_update(account=account, editor=request.user, request=request, **serializer.validated_data)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error) or None) from None
        return Response(AccountSerializer(self.get_queryset().get(pk=account.pk), context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses={200: AccountSerializer})
    @action(detail=True, methods=["post"])
    def unlock(self, request, pk=None):
        """Lifts the login lock (django-axes) of an account the caller may manage."""
        account = self.get_object()
        try:
            account_unlock(account=account, editor=request.user, request=request)
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error) or None) from None
        return Response(AccountSerializer(account, context=self.get_serializer_context()).data)

    @extend_schema(request=AccountCreateSerializer, responses={201: AccountCreatedSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user, password = account_create(creator=request.user, request=request, **serializer.validated_data)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error) or None) from None
        user.initial_password = password
        return Response(AccountCreatedSerializer(user).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: AccountCreatedSerializer})
    @action(detail=True, methods=["post"], url_path="reset-password")
    def reset_password(self, request, pk=None):
        """A new one-time password, shown once; the holder must change it at next login."""
        account = self.get_object()
        try:
            account.initial_password = account_password_reset(account=account, editor=request.user, request=request)
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error) or None) from None
        return Response(AccountCreatedSerializer(account).data)

    @extend_schema(request=None, responses={200: AccountSerializer})
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        """Re-opens a deactivated account."""
        account = self.get_object()
        try:
            account_activate(account=account, editor=request.user, request=request)
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error) or None) from None
        return Response(AccountSerializer(self.get_queryset().get(pk=account.pk), context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        account = self.get_object()
        try:
            account_deactivate(account=account, editor=request.user, request=request)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error) or None) from None
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=MembershipCreateSerializer, responses={201: AccountSerializer})
    @action(detail=True, methods=["post"])
    def roles(self, request, pk=None):
        """Gives the account one more role in a region (no higher than the caller's, inside their scope)."""
        account = self.get_object()
        serializer = MembershipCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        try:
            membership_grant(account=account, editor=request.user, request=request, **serializer.validated_data)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error) or None) from None
        data = AccountSerializer(self.get_queryset().get(pk=account.pk), context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"roles/(?P<membership_pk>[0-9]+)", url_name="role-delete")
    def role_delete(self, request, pk=None, membership_pk=None):
        """Takes one role from the account (the last one stays: deactivate the account instead)."""
        account = self.get_object()
        membership = Membership.objects.filter(pk=membership_pk, user=account).select_related("region", "user").first()
        if membership is None:
            raise NotFound
        try:
            membership_revoke(membership=membership, editor=request.user, request=request)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error) or None) from None
        return Response(status=status.HTTP_204_NO_CONTENT)
