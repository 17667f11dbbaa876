"""Coverage API (应建): the stored verdicts (`/api/requirements/`), a region's rollup and the what-if of
other thresholds (`/api/coverage/`). Scoped: a row outside the caller's scope is a 404."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from census.coverage.filters import GapOrderedRows, RequirementFilter, in_gap_order
from census.coverage.models import PlaceLevel, Policy, Requirement
from census.coverage.selectors import coverage_rollup
from census.coverage.services import THRESHOLD_FIELDS, coverage_what_if
from census.coverage.views import places_with_regions, what_if_sentence
from census.registry.api.serializers import _counts_field
from orgs.access.api import ScopedViewSetMixin
from orgs.regions.api import (
    RegionBriefSerializer,
    _region_param,
    _visible_region_or_404,
)
from orgs.regions.models import Region

# Coverage (应建) -------------------------------------------------------------------------------------


class RequirementSerializer(serializers.ModelSerializer):
    """应建评估: the rules' verdict for one county, township, village or unit, with the numbers and the
    clause that decided it. `headcount_by_category` holds the counted categories only."""

    region: serializers.SlugRelatedField[Region] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text=_("区划代码（单位为其所在区划）")
    )
    region_path = serializers.CharField(source="region.full_name", read_only=True, help_text=_("区划全称"))
    unit_name = serializers.CharField(source="unit.name", read_only=True, default=None, allow_null=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    verdict_display = serializers.CharField(source="get_verdict_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    headcount_by_category = _counts_field()
    policy: serializers.SlugRelatedField[Policy] = serializers.SlugRelatedField(
        slug_field="key", read_only=True, help_text=_("依据的政策标识")
    )

    class Meta:
        model = Requirement
        fields = [
            "id", "region", "region_path", "unit", "unit_name", "level", "level_display", "verdict",
            "verdict_display", "status", "status_display", "headcount", "headcount_by_category", "rule",
            "clause", "responsible", "reason", "policy", "evaluated_at",
        ]
        read_only_fields = fields


class CoverageCountsSerializer(serializers.Serializer):
    """Places of one level: required, of which satisfied / under way / missing; and recommended."""

    required = serializers.IntegerField(help_text=_("应建"))  # type: ignore[assignment]  # DRF's metaclass pops declared fields: Field.required is not shadowed
    satisfied = serializers.IntegerField(help_text=_("已建"))
    under_way = serializers.IntegerField(help_text=_("筹建中"))
    missing = serializers.IntegerField(help_text=_("未建"))
    recommended = serializers.IntegerField(help_text=_("建议建"))


class CoverageLevelSerializer(CoverageCountsSerializer):
    level = serializers.ChoiceField(choices=PlaceLevel.choices)
    level_display = serializers.CharField()
    satisfied_percent = serializers.IntegerField(allow_null=True, help_text=_("已建 / 应建（%），无应建时为空"))


class CoverageSerializer(serializers.Serializer):
    """A region's coverage: its own verdict (if it is a county, township or village) and, per level, the
    places of its whole subtree (itself included)."""

    region = RegionBriefSerializer()
    requirement = RequirementSerializer(allow_null=True, help_text=_("本级的应建评估；省、市级为空"))
    levels = CoverageLevelSerializer(many=True)


class PlaceChangeSerializer(serializers.Serializer):
    """A place whose verdict changes (what-if, comparison of census rounds)."""

    level = serializers.ChoiceField(choices=PlaceLevel.choices)
    name = serializers.CharField()
    region = serializers.CharField(help_text=_("区划代码（单位为其所在区划）"))
    region_path = serializers.CharField()
    unit = serializers.IntegerField(allow_null=True)
    headcount = serializers.IntegerField(help_text=_("计入门槛的人数"))
    reason = serializers.CharField()


class WhatIfLevelSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=PlaceLevel.choices)
    level_display = serializers.CharField()
    current = CoverageCountsSerializer(help_text=_("按现行政策"))
    alternative = CoverageCountsSerializer(help_text=_("按测算门槛"))
    delta = serializers.IntegerField(help_text=_("应建数量的变化"))


class WhatIfQuerySerializer(serializers.Serializer):
    """The what-if's query: a region and at least one alternative threshold."""

    region = serializers.CharField(max_length=12, help_text=_("区划代码"))
    township_threshold = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False, help_text=_("乡镇(街道)门槛（人）"))
    village_threshold = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False, help_text=_("村(社区)门槛（人）"))
    unit_threshold = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False, help_text=_("单位门槛（人）"))

    def validate(self, attrs):
        if not any(k in attrs for k in ("township_threshold", "village_threshold", "unit_threshold")):
            raise serializers.ValidationError(_("请至少提供一个门槛：township_threshold、village_threshold 或 unit_threshold"))
        return attrs


class WhatIfSerializer(serializers.Serializer):
    """Thresholds evaluated in memory (nothing saved): counts per level now and under the alternative
    thresholds, and the places that would become required or no longer be."""

    region = RegionBriefSerializer()
    thresholds = serializers.DictField(child=serializers.IntegerField(), help_text=_("测算所用的门槛"))
    summary = serializers.CharField(help_text=_("测算结论，如“若村(社区)门槛为 20 人：玉溪市 将新增 15 个应建村(社区)”"))
    levels = WhatIfLevelSerializer(many=True)
    newly_required = PlaceChangeSerializer(many=True)
    no_longer_required = PlaceChangeSerializer(many=True)


# Coverage (应建) -------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="应建评估列表", description="应建评估（本人辖区内）：缺口在前（未建、筹建中、已建），可按层级、区划（含下级）、状态、结论、政策筛选。"),
    retrieve=extend_schema(summary="应建评估详情"),
)
class RequirementViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """应建评估: the rules' verdict per county, township, village and unit in the caller's scope, gaps first."""

    queryset = in_gap_order(Requirement.objects.select_related("region", "unit", "policy"))
    serializer_class = RequirementSerializer
    filterset_class = RequirementFilter

    def paginate_queryset(self, queryset):
        # A page sorts only the primary keys of the segments it overlaps (fast for a province).
        return super().paginate_queryset(GapOrderedRows(queryset))


def _place_changes(places: list[dict]) -> list[dict]:
    return [
        {
            "level": p["level"], "name": p["name"], "region": p["region"]["code"], "region_path": p["region"]["full_name"],
            "unit": p["unit_id"], "headcount": p["headcount"], "reason": p["reason"],
        }
        for p in places_with_regions(places, limit=None)
    ]


class CoverageViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """覆盖情况: a visible region's coverage from the stored verdicts, and the what-if of other thresholds."""

    queryset = Region.objects.all()
    serializer_class = CoverageSerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        summary="区划覆盖情况",
        parameters=[OpenApiParameter("region", OpenApiTypes.STR, required=True, description="区划代码")],
        responses={200: CoverageSerializer, 400: OpenApiResponse(description="缺少区划代码"), 404: OpenApiResponse(description="区划不存在或不在您的范围内")},
    )
    def list(self, request, format=None):
        """The region's own verdict and, per level (county, township, village, unit), the places of its
        subtree: required, satisfied, under way, missing, recommended."""
        region = _region_param(self, request)
        own = Requirement.objects.filter(region=region, unit__isnull=True).select_related("region", "unit", "policy").first()
        rollup = coverage_rollup(region)
        levels = [
            {
                "level": level,
                "level_display": PlaceLevel(level).label,
                **counts,
                "satisfied_percent": round(100 * counts["satisfied"] / counts["required"]) if counts["required"] else None,
            }
            for level, counts in ((level, rollup[level]) for level in PlaceLevel.values)
        ]
        return Response(
            {
                "region": RegionBriefSerializer(region).data,
                "requirement": RequirementSerializer(own, context=self.get_serializer_context()).data if own else None,
                "levels": levels,
            }
        )

    @extend_schema(
        summary="门槛测算",
        parameters=[WhatIfQuerySerializer],
        responses={200: WhatIfSerializer, 400: OpenApiResponse(description="缺少区划代码或门槛，或门槛不是正整数"), 404: OpenApiResponse(description="区划不存在或不在您的范围内")},
    )
    @action(detail=False, url_path="what-if", url_name="what-if")
    def what_if(self, request):
        """Evaluates the region's places under alternative thresholds, in memory: nothing is saved.
        Thresholds left out keep each policy's own."""
        query = WhatIfQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        region = _visible_region_or_404(self, query.validated_data["region"])
        thresholds = {k: v for k, v in query.validated_data.items() if k in THRESHOLD_FIELDS}
        result = coverage_what_if(region, thresholds=thresholds)
        levels = [
            {
                "level": level,
                "level_display": PlaceLevel(level).label,
                "current": result.current[level],
                "alternative": result.alternative[level],
                "delta": result.delta(level),
            }
            for level in PlaceLevel.values
        ]
        return Response(
            WhatIfSerializer(
                {
                    "region": region,
                    "thresholds": thresholds,
                    "summary": what_if_sentence(region, thresholds, result),
                    "levels": levels,
                    "newly_required": _place_changes(result.newly_required),
                    "no_longer_required": _place_changes(result.no_longer_required),
                }
            ).data
        )
