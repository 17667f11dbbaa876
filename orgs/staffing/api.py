"""API of 机构登记与人员配备, nested under an organization:

* `GET /api/organizations/{organization_pk}/establishment/` — the office and credit-code status, the code, the 统战部
  section responsible, the steps recorded, the steps possible now and the two responsible people with their 归侨侨眷 marks;
  `POST …/establishment/steps/` one step (multipart when a document is attached; `code` for 赋码);
  `PUT/PATCH …/establishment/section/` the section responsible; `GET …/establishment/{step_pk}/document/` a step's file.
* `GET/POST /api/organizations/{organization_pk}/staff-posts/`, `GET/PUT/PATCH/DELETE …/staff-posts/{pk}/`.

The organization is looked up in the caller's scope (visible for reads, editable for writes): outside it, 404."""
from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from orgs.access.api import SAFE_METHODS, as_drf_error
from orgs.common.documents import DOCUMENT_MEDIA_TYPES
from orgs.common.parsers import FormParser, JSONParser, MultiPartParser
from orgs.organizations.models import Employment, Organization
from orgs.staffing.models import Establishment, EstablishmentStep, PostFunding, StaffPost
from orgs.staffing.selectors import staffing_view
from orgs.staffing.services import (
    establishment_step,
    responsible_section_set,
    staff_post_add,
    staff_post_remove,
    staff_post_update,
)
from orgs.staffing.workflow import ACTIONS

if TYPE_CHECKING:  # pragma: no cover
    from django.contrib.auth.models import User

ORGANIZATION_PK = OpenApiParameter("organization_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="id of the organization")


class EstablishmentStepSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()  # type: ignore[assignment]
    actor: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(slug_field="username", read_only=True)
    document_url = serializers.SerializerMethodField()

    class Meta:
        model = EstablishmentStep
        fields = ["id", "action", "label", "date", "code", "note", "actor", "document_url", "created_at"]
        read_only_fields = fields

    def get_label(self, step) -> str:
        return str(getattr(step, "label", step.action))

    def get_document_url(self, step) -> str | None:
        if not step.document:
            return None
        return reverse("api:organization-establishment-document", args=[step.organization_id, step.pk])


class EstablishmentStepWriteSerializer(serializers.Serializer):
    """One step: `action` (see `orgs.staffing.workflow`), `date`, `code` (only for assign_credit_code), `note`, `document`."""

    action = serializers.ChoiceField(choices=[(a.action, str(a.label)) for a in ACTIONS])
    date = serializers.DateField()
    code = serializers.CharField(required=False, allow_blank=True, default="", max_length=32)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    document = serializers.FileField(required=False, allow_null=True)


class ResponsibleSectionSerializer(serializers.Serializer):
    responsible_section = serializers.CharField(allow_blank=True, max_length=64)


class ResponsiblePersonSerializer(serializers.Serializer):
    name = serializers.CharField()
    is_returned_or_relative = serializers.BooleanField()


# one object (the organization has one establishment), not a list, although it answers the `list` action
@extend_schema_serializer(many=False)
class EstablishmentSerializer(serializers.ModelSerializer):
    """The organization's establishment with its steps and what may be done next."""

    office_status_display = serializers.CharField(source="get_office_status_display", read_only=True)
    credit_code_status_display = serializers.CharField(source="get_credit_code_status_display", read_only=True)
    steps = serializers.SerializerMethodField()
    next_steps = serializers.SerializerMethodField()
    office_refusal = serializers.SerializerMethodField()
    responsible_leader = serializers.SerializerMethodField()
    daily_affairs_cadre = serializers.SerializerMethodField()
    lacks_responsible = serializers.SerializerMethodField()

    class Meta:
        model = Establishment
        fields = ["office_status", "office_status_display", "credit_code_status", "credit_code_status_display", "credit_code",
                  "responsible_section", "steps", "next_steps", "office_refusal", "responsible_leader", "daily_affairs_cadre",
                  "lacks_responsible"]
        read_only_fields = fields

    def _view(self):
        return self.context["view_data"]

    def get_steps(self, establishment) -> list:
        return list(EstablishmentStepSerializer(self._view().steps, many=True).data)

    def get_next_steps(self, establishment) -> list[dict[str, str]]:
        return [{"action": a.action, "label": str(a.label)} for a in self._view().actions]

    def get_office_refusal(self, establishment) -> str | None:
        return self._view().office_refusal

    def get_responsible_leader(self, establishment) -> dict:
        o = self._view().organization
        return {"name": o.responsible_leader, "is_returned_or_relative": o.responsible_leader_is_returned}

    def get_daily_affairs_cadre(self, establishment) -> dict:
        o = self._view().organization
        return {"name": o.daily_affairs_cadre, "is_returned_or_relative": o.daily_affairs_cadre_is_returned}

    def get_lacks_responsible(self, establishment) -> bool:
        return self._view().lacks_responsible


class StaffPostSerializer(serializers.ModelSerializer):
    """A post: `employment` full_time / part_time, `funding` establishment / purchased / public_welfare / concurrent."""

    employment = serializers.ChoiceField(choices=Employment.choices, default=Employment.PART_TIME)
    funding = serializers.ChoiceField(choices=PostFunding.choices)

    class Meta:
        model = StaffPost
        fields = ["id", "title", "holder", "employment", "funding", "is_returned_or_relative"]


class _OrganizationNested:
    """The organization of the URL in the caller's scope: visible for reads, editable for writes; otherwise 404."""

    def organization(self) -> Organization:
        queryset = Organization.objects.select_related("region")
        user = self.request.user  # type: ignore[attr-defined]
        scoped = queryset.visible_to(user) if self.request.method in SAFE_METHODS else queryset.editable_by(user)  # type: ignore[attr-defined]
        return get_object_or_404(scoped, pk=self.kwargs["organization_pk"])  # type: ignore[attr-defined]


def _drf(call):
    try:
        return call()
    except DjangoValidationError as error:
        raise as_drf_error(error) from None


@extend_schema_view(
    list=extend_schema(parameters=[ORGANIZATION_PK]), create=extend_schema(parameters=[ORGANIZATION_PK]),
    retrieve=extend_schema(parameters=[ORGANIZATION_PK]), update=extend_schema(parameters=[ORGANIZATION_PK]),
    partial_update=extend_schema(parameters=[ORGANIZATION_PK]), destroy=extend_schema(parameters=[ORGANIZATION_PK]),
)
class StaffPostViewSet(_OrganizationNested, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                       mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """人员配备: the posts of one organization (Yuxi plan 三(三))."""

    serializer_class = StaffPostSerializer
    lookup_value_regex = "[0-9]+"
    pagination_class = None
    filter_backends: list = []
    queryset = StaffPost.objects.none()

    def get_queryset(self):
        return StaffPost.objects.filter(organization=self.organization()).select_related("organization__region").order_by("employment", "pk")

    def perform_create(self, serializer):
        organization = self.organization()
        serializer.instance = _drf(lambda: staff_post_add(organization=organization, actor=self.request.user, **serializer.validated_data))

    def perform_update(self, serializer):
        serializer.instance = _drf(lambda: staff_post_update(post=serializer.instance, actor=self.request.user, **serializer.validated_data))

    def perform_destroy(self, instance):
        _drf(lambda: staff_post_remove(post=instance, actor=self.request.user))


class EstablishmentViewSet(_OrganizationNested, viewsets.GenericViewSet):
    """机构登记: the office (办事机构 → 编制部门批准 → 群众团体登记) and the 统一社会信用代码 (needed → applied → assigned)."""

    serializer_class = EstablishmentSerializer
    lookup_value_regex = "[0-9]+"
    pagination_class = None
    filter_backends: list = []
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    queryset = Establishment.objects.none()

    def _answer(self, organization, status_code=status.HTTP_200_OK):
        view = staffing_view(self.request.user, organization)
        return Response(EstablishmentSerializer(view.establishment, context={"view_data": view}).data, status=status_code)

    @extend_schema(parameters=[ORGANIZATION_PK], responses=EstablishmentSerializer)
    def list(self, request, organization_pk=None, **kwargs):
        """The establishment of the organization."""
        return self._answer(self.organization())

    @extend_schema(parameters=[ORGANIZATION_PK], request=EstablishmentStepWriteSerializer, responses={201: EstablishmentSerializer})
    @action(detail=False, methods=["post"])
    def steps(self, request, organization_pk=None, **kwargs):
        """One step of the office or credit-code procedure."""
        organization = self.organization()
        payload = EstablishmentStepWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        _drf(lambda: establishment_step(organization=organization, actor=request.user, **payload.validated_data))
        return self._answer(organization, status.HTTP_201_CREATED)

    @extend_schema(parameters=[ORGANIZATION_PK], request=ResponsibleSectionSerializer, responses=EstablishmentSerializer)
    @action(detail=False, methods=["put", "patch"])
    def section(self, request, organization_pk=None, **kwargs):
        """The 统战部 section responsible for the federation's daily work while it has no office."""
        organization = self.organization()
        payload = ResponsibleSectionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        _drf(lambda: responsible_section_set(organization=organization, actor=request.user, **payload.validated_data))
        return self._answer(organization)

    @extend_schema(parameters=[ORGANIZATION_PK], responses={(200, media_type): OpenApiTypes.BINARY for media_type in DOCUMENT_MEDIA_TYPES})
    @action(detail=True, methods=["get"])
    def document(self, request, organization_pk=None, pk=None, **kwargs):
        """A step's document."""
        step = get_object_or_404(EstablishmentStep.objects.filter(organization=self.organization()), pk=pk)
        if not step.document:
            raise Http404
        try:
            handle = step.document.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        return FileResponse(handle, as_attachment=True, filename=step.document_name)
