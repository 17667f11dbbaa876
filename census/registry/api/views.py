"""Registry API: units, campaigns, persons (masked; written through the services) and headcounts.

Every viewset derives from ScopedViewSetMixin: reads are `.visible_to(user)`, writes `.editable_by(user)`,
so a row outside the caller's scope is a 404 whatever the method."""
from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.settings import api_settings

from census.registry.api.serializers import (
    CampaignBriefSerializer,
    CampaignSerializer,
    HeadcountsSerializer,
    PersonEventSerializer,
    PersonSerializer,
    PersonWriteSerializer,
    RevealSerializer,
    UnitMergeResultSerializer,
    UnitMergeSerializer,
    UnitSerializer,
)
from census.registry.filters import CampaignFilter, PersonFilter, UnitFilter
from census.registry.models import Campaign, Person
from census.registry.selectors import (
    campaign_covering,
    headcounts_by_category,
    person_history,
)
from census.registry.services import (
    campaign_close,
    campaign_create,
    person_create,
    person_reveal,
    person_update,
    unit_create,
    unit_merge,
    unit_update,
)
from orgs.access.api import ScopedViewSetMixin, as_drf_error
from orgs.access.roles import Role
from orgs.access.scoping import get_visible_or_404, user_scope
from orgs.common.audit import audit_view
from orgs.common.paging import CappedPageNumberPagination
from orgs.regions.api import RegionBriefSerializer, _region_param
from orgs.regions.models import Region
from orgs.units.models import Unit


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("仍有数据引用此记录，不能删除")
    default_code = "conflict"


class ServiceWriteMixin:
    """Creates and updates through the app's services; a service's ValidationError is a 400."""

    def perform_create(self, serializer):
        try:
            serializer.instance = self.service_create(editor=self.request.user, **serializer.validated_data)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None

    def perform_update(self, serializer):
        try:
            serializer.instance = self.service_update(serializer.instance, editor=self.request.user, **serializer.validated_data)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None


class ProtectedDestroyMixin:
    """Deleting a row that others still reference (people in a unit, imports of a campaign) is a 409."""

    def perform_destroy(self, instance):
        try:
            instance.delete()
        except ProtectedError:
            raise Conflict from None


class CampaignWritersOnly(permissions.BasePermission):
    """Campaigns are opened and closed by federation staff and administrators, not county officials.
    Checked on the object for changes, so that a campaign outside the scope stays a 404."""

    message = _("只有侨联工作人员和系统管理员可以管理侨情调查")

    def _manages(self, request) -> bool:
        scope = user_scope(request.user)
        return scope.is_admin or Role.STAFF in scope.roles

    def has_permission(self, request, view):
        # Creating is the one write without an object; methods a route lacks stay a 405.
        return getattr(view, "action", None) != "create" or self._manages(request)

    def has_object_permission(self, request, view, obj):
        return request.method in permissions.SAFE_METHODS or self._manages(request)


@extend_schema_view(destroy=extend_schema(responses={204: None, 409: OpenApiResponse(description="单位下仍有登记人员")}))
class UnitViewSet(ScopedViewSetMixin, ServiceWriteMixin, ProtectedDestroyMixin, viewsets.ModelViewSet):
    """单位: the units in the caller's scope; writing roles create and change them in their regions."""

    queryset = Unit.objects.select_related("region").order_by("region__code", "name", "pk")
    serializer_class = UnitSerializer
    filterset_class = UnitFilter

    def service_create(self, **data):
        return unit_create(**data)

    def service_update(self, unit, **changes):
        return unit_update(unit=unit, **changes)

    @extend_schema(
        request=UnitMergeSerializer,
        responses={200: UnitMergeResultSerializer, 400: OpenApiResponse(description="被并入的单位不存在、不在您的管辖范围内或就是本单位")},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def merge(self, request, pk=None, format=None):
        """合并单位: the unit `absorbed` is the same as this one, registered twice. Its people, organizations, tasks
        and frozen headcounts move to this unit, which keeps its own credit code (or takes the absorbed one's when
        it has none); the absorbed unit is deleted. Audited; coverage is re-evaluated."""
        survivor = self.get_object()
        serializer = UnitMergeSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        try:
            moved = unit_merge(survivor=survivor, absorbed=serializer.validated_data["absorbed"], editor=request.user, request=request)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        survivor = self.get_queryset().get(pk=survivor.pk)
        return Response({"unit": UnitSerializer(survivor, context=self.get_serializer_context()).data, "moved": moved})


@extend_schema_view(destroy=extend_schema(responses={204: None, 409: OpenApiResponse(description="调查仍有导入记录")}))
class CampaignViewSet(ScopedViewSetMixin, ServiceWriteMixin, ProtectedDestroyMixin, viewsets.ModelViewSet):
    """侨情调查: visible to users inside the campaign's region and above it; managed by staff and
    admins. A new campaign is open; setting `is_open` to false closes it (its headcounts become the
    frozen snapshot)."""

    queryset = Campaign.objects.select_related("region")
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter
    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, CampaignWritersOnly]  # type: ignore[list-item]  # stubs: strings; DRF imports them as classes

    def service_create(self, *, editor, is_open=True, **data):
        return campaign_create(editor=editor, **data)

    def service_update(self, campaign, *, editor, **changes):
        closing = campaign.is_open and changes.get("is_open") is False
        if closing:
            changes.pop("is_open")
        for key, value in changes.items():
            setattr(campaign, key, value)
        campaign.full_clean()
        campaign.save()
        return campaign_close(campaign=campaign, editor=editor) if closing else campaign


@extend_schema_view(
    create=extend_schema(request=PersonWriteSerializer, responses={201: PersonSerializer}),
    update=extend_schema(request=PersonWriteSerializer, responses=PersonSerializer),
    partial_update=extend_schema(request=PersonWriteSerializer, responses=PersonSerializer),
)
class PersonViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """侨务工作对象: document numbers and phones masked; `?id_type=passport` filters by 证件类型. Registration and
    changes go through the census services (one document is one record across the registry); the full number
    only through `reveal`."""

    queryset = Person.objects.select_related("region", "unit").order_by("region__code", "name", "pk")
    pagination_class = CappedPageNumberPagination  # a province's million: counted up to its cap
    serializer_class = PersonSerializer
    filterset_class = PersonFilter

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return PersonWriteSerializer
        return super().get_serializer_class()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            person = person_create(editor=request.user, **serializer.validated_data)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(PersonSerializer(person, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        person = self.get_object()
        serializer = self.get_serializer(person, data=request.data, partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        id_number = changes.pop("id_number", None)
        try:
            person = person_update(person=person, editor=request.user, id_number=id_number, **changes)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        person = self.get_queryset().get(pk=person.pk)
        return Response(PersonSerializer(person, context=self.get_serializer_context()).data)

    def retrieve(self, request, *args, **kwargs):
        """One person's record (masked), the read written to the audit trail with the caller's address."""
        person = self.get_object()
        audit_view(user=request.user, instance=person, request=request)
        return Response(self.get_serializer(person).data)

    @extend_schema(request=None, responses={200: RevealSerializer, 403: OpenApiResponse(description="没有查看完整证件号码的权限")})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def reveal(self, request, pk=None, format=None):
        """The full document number (with its type) and phone, for users with the census.reveal_id_number permission.
        Every call is written to the audit trail (by the service)."""
        person = get_visible_or_404(Person.objects.all(), request.user, pk=pk)
        return Response(RevealSerializer(person_reveal(person=person, viewer=request.user, request=request)).data)

    @extend_schema(responses=PersonEventSerializer(many=True), filters=False)
    @action(detail=True, filterset_class=None)
    def history(self, request, pk=None, format=None):
        """The person's history (registration, changes, transfers, imports), newest first."""
        person = self.get_object()
        page = self.paginate_queryset(person_history(person))
        return self.get_paginated_response(PersonEventSerializer(page, many=True).data)


class HeadcountViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """人数统计: counts by category for a visible region, its own residents and its whole subtree."""

    queryset = Region.objects.all()
    serializer_class = HeadcountsSerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("region", OpenApiTypes.STR, required=True, description="区划代码"),
            OpenApiParameter("campaign", OpenApiTypes.INT, description="调查年度；不填时为登记库实时数据"),
        ],
        responses={200: HeadcountsSerializer, 400: OpenApiResponse(description="缺少区划代码或该年度无覆盖此区划的调查"), 404: OpenApiResponse(description="区划不存在或不在您的范围内")},
    )
    def list(self, request, format=None):
        region = _region_param(self, request)
        campaign = None
        year = request.query_params.get("campaign", "").strip()
        if year:
            if not year.isdigit():
                raise serializers.ValidationError({"campaign": [_("调查年度应为整数")]})
            campaign = campaign_covering(request.user, region, int(year))
            if campaign is None:
                raise serializers.ValidationError(
                    {"campaign": [_("%(year)s 年度没有覆盖%(region)s的侨情调查") % {"year": year, "region": region.full_name}]}
                )
        counts = headcounts_by_category(region=region, campaign=campaign)
        return Response(
            {
                "region": RegionBriefSerializer(region).data,
                "campaign": CampaignBriefSerializer(campaign).data if campaign else None,
                "own": counts["own"],
                "subtree": counts["subtree"],
                "own_total": sum(counts["own"].values()),
                "subtree_total": sum(counts["subtree"].values()),
            }
        )
