"""API of a plan's leadership group (`/api/plan-leadership/`): the members of the plans the caller sees; the plan's
writers add, change and remove them through `tasks.plans.leadership` (filter `plan`)."""
from __future__ import annotations

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from orgs.access.api import ScopedRelatedMixin, ScopedViewSetMixin, as_drf_error
from tasks.plans.api import PlanLeadershipMemberSerializer
from tasks.plans.leadership import leadership_member_add, leadership_member_remove, leadership_member_update
from tasks.plans.models import LeadershipRole, Plan, PlanLeadershipMember


class LeadershipFilter(django_filters.FilterSet):
    class Meta:
        model = PlanLeadershipMember
        fields = ["plan", "role"]


class VisiblePlan(ScopedRelatedMixin, serializers.PrimaryKeyRelatedField):
    scope = "visible"  # the service refuses a plan the caller may not write


class LeadershipWriteSerializer(serializers.Serializer):
    plan = VisiblePlan(queryset=Plan.objects.select_related("scope_region"), label=_("实施方案"))
    role = serializers.ChoiceField(choices=LeadershipRole.choices, label=_("职务"))
    name = serializers.CharField(max_length=64, required=False, allow_blank=True, default="", label=_("姓名"))
    post = serializers.CharField(max_length=200, label=_("单位及职务"))
    order = serializers.IntegerField(min_value=0, max_value=32767, required=False, allow_null=True, label=_("顺序"))


class LeadershipUpdateSerializer(LeadershipWriteSerializer):
    plan = None  # type: ignore[assignment]  # a member stays in its plan
    role = serializers.ChoiceField(choices=LeadershipRole.choices, required=False)
    post = serializers.CharField(max_length=200, required=False)
    name = serializers.CharField(max_length=64, required=False, allow_blank=True)


def _service(call):
    try:
        return call()
    except DjangoValidationError as error:
        raise as_drf_error(error) from None
    except DjangoPermissionDenied as error:
        raise PermissionDenied(str(error) or None) from None


@extend_schema(tags=["tasks"])
@extend_schema_view(
    create=extend_schema(request=LeadershipWriteSerializer, responses={201: PlanLeadershipMemberSerializer}),
    update=extend_schema(request=LeadershipUpdateSerializer, responses=PlanLeadershipMemberSerializer),
    partial_update=extend_schema(request=LeadershipUpdateSerializer, responses=PlanLeadershipMemberSerializer),
)
class PlanLeadershipViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin,
                            viewsets.ReadOnlyModelViewSet):
    """领导小组成员 (组长, 副组长, 成员, 办公室主任, 办公室副主任) of the plans the caller sees (Yuxi 四)."""

    queryset = PlanLeadershipMember.objects.select_related("plan__scope_region").order_by("plan_id", "order", "pk")
    serializer_class = PlanLeadershipMemberSerializer
    filterset_class = LeadershipFilter

    def get_serializer_class(self):
        if self.action == "create":
            return LeadershipWriteSerializer
        if self.action in ("update", "partial_update"):
            return LeadershipUpdateSerializer
        return PlanLeadershipMemberSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        member = _service(lambda: leadership_member_add(editor=request.user, **data))
        return Response(PlanLeadershipMemberSerializer(member).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        member = self.get_object()
        serializer = LeadershipUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        member = _service(lambda: leadership_member_update(member=member, editor=request.user, **serializer.validated_data))
        return Response(PlanLeadershipMemberSerializer(member).data)

    def destroy(self, request, *args, **kwargs):
        member = self.get_object()
        _service(lambda: leadership_member_remove(member=member, editor=request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)
