"""API of 督查考核 (scoped: ScopedViewSetMixin): the scoring sheets the caller reads, and the yearly assessments of
the organizations in their scope, which the superior records (POST: organization, year, scores {item id: points};
the total and grade are computed by `orgs.assessments.services.assessment_save`)."""
from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from orgs.access.api import ScopedRelatedMixin, ScopedViewSetMixin, as_drf_error
from orgs.assessments.filters import AssessmentFilter
from orgs.assessments.models import AssessmentScore, OrganizationAssessment, ScoringItem, ScoringSheet
from orgs.assessments.services import assessment_save
from orgs.organizations.models import Organization


class ScoringItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScoringItem
        fields = ["id", "title", "max_points", "order"]


class ScoringSheetSerializer(serializers.ModelSerializer):
    region_code = serializers.CharField(source="region.code", read_only=True)
    items = ScoringItemSerializer(many=True, read_only=True)

    class Meta:
        model = ScoringSheet
        fields = ["id", "region", "region_code", "year", "name", "grades", "items"]


class AssessmentScoreSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="item.title", read_only=True)
    max_points = serializers.DecimalField(source="item.max_points", max_digits=6, decimal_places=1, read_only=True)

    class Meta:
        model = AssessmentScore
        fields = ["item", "title", "max_points", "points"]


class AssessmentSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    region_code = serializers.CharField(source="organization.region.code", read_only=True)
    scores = AssessmentScoreSerializer(many=True, read_only=True)

    class Meta:
        model = OrganizationAssessment
        fields = ["id", "organization", "organization_name", "region_code", "year", "sheet", "total", "grade",
                  "assessed_by", "assessed_on", "note", "scores"]


class VisibleOrganizationField(ScopedRelatedMixin, serializers.PrimaryKeyRelatedField):
    # the superior assesses an organization it may see; the service decides whether it is the superior
    scope = "visible"


class AssessmentWriteSerializer(serializers.Serializer):
    organization = VisibleOrganizationField(queryset=Organization.objects.select_related("region__parent"), label=_("侨联组织"))
    year = serializers.IntegerField(label=_("考核年度"))
    scores = serializers.DictField(child=serializers.DecimalField(max_digits=6, decimal_places=1), label=_("各项得分"))
    assessed_on = serializers.DateField(required=False, allow_null=True, label=_("考核日期"))
    note = serializers.CharField(required=False, allow_blank=True, default="", label=_("说明"))


@extend_schema(tags=["assessments"])
class ScoringSheetViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """考核评分表 of the caller's regions and of the regions above them."""

    queryset = ScoringSheet.objects.select_related("region").prefetch_related("items").order_by("-year", "pk")
    serializer_class = ScoringSheetSerializer


@extend_schema(tags=["assessments"])
@extend_schema_view(create=extend_schema(request=AssessmentWriteSerializer, responses={201: AssessmentSerializer}))
class AssessmentViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """督查考核 of the organizations in the caller's scope; filters year, region, grade, kind, q. POST records (or
    replaces) an organization's assessment for a year: only its superior may."""

    queryset = OrganizationAssessment.objects.select_related("organization__region").prefetch_related("scores__item").order_by("-year", "pk")
    serializer_class = AssessmentSerializer
    filterset_class = AssessmentFilter

    def get_serializer_class(self):
        return AssessmentWriteSerializer if self.action == "create" else AssessmentSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        scores = {}
        for key, value in data["scores"].items():
            if not str(key).isdigit():
                raise serializers.ValidationError({"scores": [_("考核项目编号“%(key)s”无效") % {"key": key}]})
            scores[int(key)] = value
        try:
            assessment = assessment_save(actor=request.user, organization=data["organization"], year=data["year"], scores=scores,
                                         assessed_on=data.get("assessed_on"), note=data.get("note", ""))
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        fresh = self.queryset.get(pk=assessment.pk)
        return Response(AssessmentSerializer(fresh).data, status=status.HTTP_201_CREATED)
