"""Organizations API: `/api/organizations/` (filters kind, status, region subtree, home_standing, q), one
organization with its parts, and the nested founding steps (`GET/POST /api/organizations/{id}/steps/`),
leaders and activities. Status changes only by posting a step."""
from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from orgs.access.api import ScopedViewSetMixin, as_drf_error
from orgs.organizations.api.serializers import (
    ActivitySerializer,
    FoundingStepSerializer,
    LeaderSerializer,
    OrganizationDetailSerializer,
    OrganizationSerializer,
    TransitionSerializer,
)
from orgs.organizations.filters import OrganizationFilter
from orgs.organizations.models import Organization
from orgs.organizations.services import (
    activity_create,
    leader_add,
    organization_create,
    organization_transition,
    organization_update,
)


class OrganizationViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    mixins.UpdateModelMixin, viewsets.GenericViewSet,
):
    """侨联组织 in the caller's scope. Created in `planned`; the status moves only by `POST …/steps/`."""

    queryset = (
        Organization.objects.select_related("region", "home")
        .prefetch_related("covered_regions")
        .order_by("region__tree_id", "region__lft", "kind", "name", "pk")
    )
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilter
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_serializer_class(self):
        if self.action == "retrieve":
            return OrganizationDetailSerializer
        return super().get_serializer_class()

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                "leaders", "wechat_groups", "affiliated_associations", "overseas_associations", "alumni_links",
                "home__assessments", "home__designations",
            )
        return queryset

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        try:
            serializer.instance = organization_create(actor=self.request.user, **data)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None

    def perform_update(self, serializer):
        try:
            serializer.instance = organization_update(
                organization=serializer.instance, actor=self.request.user, **serializer.validated_data
            )
        except DjangoValidationError as error:
            raise as_drf_error(error) from None

    def _list_or_add(self, request, listing, serializer_class, read_serializer_class, add):
        """A nested collection of the organization: GET lists `listing(organization)`; POST validates with
        `serializer_class`, writes through `add(organization, **data)` (a service) and answers 201."""
        organization = self.get_object()
        if request.method == "GET":
            return Response(read_serializer_class(listing(organization), many=True).data)
        payload = serializer_class(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            created = add(organization, **payload.validated_data)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(read_serializer_class(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TransitionSerializer, responses={200: FoundingStepSerializer(many=True), 201: FoundingStepSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def steps(self, request, pk=None, **kwargs):
        """The founding steps recorded (GET), or one more step (POST: action, date, note, document)."""
        return self._list_or_add(
            request, lambda organization: organization.steps.select_related("actor").order_by("date", "pk"),
            TransitionSerializer, FoundingStepSerializer,
            lambda organization, **data: organization_transition(organization=organization, actor=request.user, **data),
        )

    @extend_schema(request=LeaderSerializer, responses={200: LeaderSerializer(many=True), 201: LeaderSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def leaders(self, request, pk=None, **kwargs):
        """The leading body (GET), or one more member (POST)."""
        return self._list_or_add(
            request, lambda organization: organization.leaders.all(), LeaderSerializer, LeaderSerializer,
            lambda organization, **data: leader_add(organization=organization, actor=request.user, **data),
        )

    @extend_schema(request=ActivitySerializer, responses={200: ActivitySerializer(many=True), 201: ActivitySerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def activities(self, request, pk=None, **kwargs):
        """The activities logged (GET), or one more (POST)."""
        return self._list_or_add(
            request, lambda organization: organization.activities.order_by("-held_on", "-pk"),
            ActivitySerializer, ActivitySerializer,
            lambda organization, **data: activity_create(organization=organization, actor=request.user, **data),
        )
