"""Designation nominations API (issue 17 §4, Jiangxi 32–34): `/api/designation-nominations/` lists the nominations
the caller sees (`?pending=1`: those waiting for the caller's action), `POST` nominates a 侨胞之家 (the organization or
its county), `GET …/{id}/` one with its steps and the steps the caller may take, `POST …/{id}/steps/` one step
(recommend, return, award, resubmit). Every write goes through `orgs.homes.nominations`; a nomination or a home
outside the caller's scope is a 404 like a missing one; leadership gets 403."""
from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from orgs.access.api import ScopedRelatedMixin, ScopedViewSetMixin, as_drf_error
from orgs.homes.models import DesignationKind, DesignationNomination, DesignationStep, Home, NominationStatus
from orgs.homes.nominations import ACTIONS, allowed_steps, designation_nominate, nomination_step


class NominationStepSerializer(serializers.ModelSerializer):
    actor: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = DesignationStep
        fields = ["id", "action", "from_status", "to_status", "date", "note", "actor", "created_at"]
        read_only_fields = fields


class NominationSerializer(serializers.ModelSerializer):
    home_name = serializers.CharField(source="home.name", read_only=True)
    home_kind = serializers.CharField(source="home.kind", read_only=True)
    organization = serializers.IntegerField(source="home.organization_id", read_only=True)
    city: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="code", read_only=True)
    province: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="code", read_only=True)
    steps = NominationStepSerializer(many=True, read_only=True)
    designation = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = DesignationNomination
        fields = ["id", "home", "home_name", "home_kind", "organization", "kind", "status", "city", "province", "note",
                  "created_at", "updated_at", "steps", "designation", "allowed_actions"]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "nullable": True, "properties": {
        "level": {"type": "string"}, "awarded_on": {"type": "string", "format": "date"}, "awarded_by": {"type": "string"}}})
    def get_designation(self, nomination):
        designation = getattr(nomination, "designation", None)
        if designation is None:
            return None
        return {"level": designation.level, "awarded_on": designation.awarded_on.isoformat(), "awarded_by": designation.awarded_by}

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, nomination) -> list[str]:
        request = self.context.get("request")
        return [t.action for t in allowed_steps(request.user, nomination)] if request else []


class EditableHomeField(ScopedRelatedMixin, serializers.PrimaryKeyRelatedField):
    """A 侨胞之家 the caller may change (its organization's region in the caller's editable scope)."""


class NominateSerializer(serializers.Serializer):
    home = EditableHomeField(queryset=Home.objects.select_related("organization__region"))
    kind = serializers.ChoiceField(choices=DesignationKind.choices)
    date = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class StepSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[(a, a) for a in ACTIONS])
    date = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    awarded_by = serializers.CharField(required=False, allow_blank=True, max_length=64)


PENDING = OpenApiParameter("pending", OpenApiTypes.BOOL, OpenApiParameter.QUERY,
                           description="1: only the open nominations waiting for the caller's action")


class DesignationNominationViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                                   mixins.CreateModelMixin, viewsets.GenericViewSet):
    """称号推荐 in the caller's scope: nominate (POST), then steps (`POST …/steps/`)."""

    queryset = (
        DesignationNomination.objects.select_related("home__organization__region", "city", "province", "designation")
        .prefetch_related("steps__actor")
        .order_by("-updated_at", "-pk")
    )
    serializer_class = NominationSerializer
    filter_backends: list = []

    def get_serializer_class(self):
        if self.action == "create":
            return NominateSerializer
        return super().get_serializer_class()

    @extend_schema(parameters=[PENDING])
    def list(self, request, *args, **kwargs):
        if request.query_params.get("pending") in ("1", "true", "True"):
            rows = [n for n in self.get_queryset().exclude(status=NominationStatus.AWARDED) if allowed_steps(request.user, n)]
            # paginated like the plain list, as the schema says (a bare list did not match it)
            page = self.paginate_queryset(rows)
            return self.get_paginated_response(NominationSerializer(page, many=True, context=self.get_serializer_context()).data)
        return super().list(request, *args, **kwargs)

    @extend_schema(request=NominateSerializer, responses={201: NominationSerializer})
    def create(self, request, *args, **kwargs):
        payload = NominateSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        try:
            nomination = designation_nominate(actor=request.user, **payload.validated_data)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        nomination = self.get_queryset().get(pk=nomination.pk)
        return Response(NominationSerializer(nomination, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=StepSerializer, responses={201: NominationSerializer})
    @action(detail=True, methods=["post"], pagination_class=None, filter_backends=[])
    def steps(self, request, pk=None, **kwargs):
        """One step: resubmit (the home's side), recommend / award 市级 / return (the city), award 省级 / return (the province)."""
        nomination = self.get_object()
        payload = StepSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            nomination_step(nomination=nomination, actor=request.user, **payload.validated_data)
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        nomination = DesignationNomination.objects.select_related("home__organization__region", "city", "province", "designation").prefetch_related("steps__actor").get(pk=nomination.pk)
        return Response(NominationSerializer(nomination, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED)
