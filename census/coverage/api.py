"""Coverage API (应建): the stored verdicts (`/api/requirements/`), a region's rollup and the what-if of
other thresholds (`/api/coverage/`), and the policies (`/api/policies/`: read where they govern; created and
changed through `census.coverage.policies`, with `?dry_run=1` answering the comparison without writing). Scoped: a
row outside the caller's scope is a 404."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from census.coverage.filters import GapOrderedRows, RequirementFilter, in_gap_order
from census.coverage.models import PlaceLevel, Policy, Requirement
from census.coverage.policies import (
    POLICY_RULES,
    STATE_LABELS,
    PolicyPreview,
    policies_visible,
    policy_preview,
    policy_save,
    policy_state,
)
from census.coverage.selectors import coverage_rollup
from census.coverage.services import THRESHOLD_FIELDS, coverage_what_if
from census.coverage.views import level_comparison, places_with_regions, policy_change_sentence, what_if_sentence
from census.registry.api.serializers import _counts_field
from census.registry.models import Category
from orgs.access.api import ScopedViewSetMixin, as_drf_error
from orgs.regions.api import (
    EditableRegionField,
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


# one object, not a list, although it answers the `list` action
@extend_schema_serializer(many=False)
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


# Policies (建会门槛) -----------------------------------------------------------------------------------


class PolicySerializer(serializers.ModelSerializer):
    """建会门槛: a jurisdiction's thresholds, the categories counted, the forms below the threshold, the clause of
    each rule and its dates. The most specific jurisdiction in force on a date decides a place."""

    jurisdiction: serializers.SlugRelatedField[Region] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text=_("适用区域的区划代码；空为全国默认门槛")
    )
    jurisdiction_name = serializers.CharField(source="jurisdiction.full_name", read_only=True, default=None, allow_null=True)
    state = serializers.SerializerMethodField(help_text=_("in_force 现行 / future 尚未生效 / ended 已失效（按今天）"))
    state_display = serializers.SerializerMethodField()
    counted_categories = serializers.ListField(child=serializers.ChoiceField(choices=Category.choices))
    counted_categories_display = serializers.SerializerMethodField()
    below_threshold_options = serializers.ListField(child=serializers.CharField())
    clauses = serializers.DictField(child=serializers.CharField(), help_text=_("规则 → 条款出处"))

    class Meta:
        model = Policy
        fields = [
            "id", "key", "name", "short_name", "jurisdiction", "jurisdiction_name", "effective_from", "effective_to",
            "state", "state_display", "counted_categories", "counted_categories_display", "township_threshold",
            "village_threshold", "unit_threshold", "two_new_upper_threshold", "county_always_required",
            "key_area_always_required", "below_threshold_options", "clauses", "source",
        ]
        read_only_fields = fields

    def get_state(self, policy) -> str:
        return policy_state(policy)

    def get_state_display(self, policy) -> str:
        return str(STATE_LABELS[policy_state(policy)])

    def get_counted_categories_display(self, policy) -> list[str]:
        return [str(Category(c).label) for c in policy.counted_categories if c in Category.values]


class PolicyWriteSerializer(serializers.Serializer):
    """A policy's fields as written. Only the fields sent change (PATCH); `key` and `jurisdiction` only when the
    policy is created. Thresholds left out of a new policy default to 100 / 30 / 30 / 100. The rules (thresholds at
    least 1, the village threshold not above the township's, the dates in order and not overlapping another policy of
    the same jurisdiction, who may keep a policy where) are checked by the service, as on the pages."""

    key = serializers.CharField(required=False, allow_blank=True, max_length=40, help_text=_("留空自动生成"))
    name = serializers.CharField(max_length=200)
    short_name = serializers.CharField(max_length=40)
    jurisdiction = EditableRegionField(required=False, allow_null=True, help_text=_("区划代码；空（null）为全国默认门槛，仅系统管理员"))
    effective_from = serializers.DateField(required=False, allow_null=True)
    effective_to = serializers.DateField(required=False, allow_null=True)
    counted_categories = serializers.ListField(child=serializers.ChoiceField(choices=Category.choices))
    township_threshold = serializers.IntegerField(required=False)
    village_threshold = serializers.IntegerField(required=False)
    unit_threshold = serializers.IntegerField(required=False)
    two_new_upper_threshold = serializers.IntegerField(required=False)
    county_always_required = serializers.BooleanField(required=False)
    key_area_always_required = serializers.BooleanField(required=False)
    below_threshold_options = serializers.ListField(child=serializers.CharField(), required=False)
    clauses = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False,
                                    help_text=_("规则 → 条款出处；规则：%(rules)s") % {"rules": ", ".join(POLICY_RULES)})
    source = serializers.CharField(required=False, allow_blank=True)  # type: ignore[assignment]  # DRF's metaclass pops declared fields: Field.source is not shadowed


class PolicyPreviewSerializer(serializers.Serializer):
    """What saving would do (`?dry_run=1`; nothing is written): the policy as it would be saved, the fields that
    change (before → after), and the places of its jurisdiction that would become required or no longer be."""

    policy = PolicySerializer()
    changes = serializers.DictField(child=serializers.ListField(), help_text=_("字段 → [原值, 新值]"))
    region = RegionBriefSerializer(allow_null=True, help_text=_("比较的范围（适用区域）；空为全国"))
    compared_on = serializers.DateField(help_text=_("测算日期：今天，或尚未到来的生效日期"))
    summary = serializers.CharField()
    levels = WhatIfLevelSerializer(many=True)
    newly_required = PlaceChangeSerializer(many=True)
    no_longer_required = PlaceChangeSerializer(many=True)


def _policy_error(error: DjangoValidationError) -> serializers.ValidationError:
    """The service's errors by field; the clause of a rule (`clause_<rule>` on the pages) under `clauses`."""
    if not hasattr(error, "error_dict"):
        return as_drf_error(error)
    fields: dict[str, list[str]] = {}
    for field, messages in error.message_dict.items():
        name = "clauses" if field.startswith("clause_") else "non_field_errors" if field == "__all__" else field
        fields.setdefault(name, []).extend(messages)
    return serializers.ValidationError(fields)


DRY_RUN = OpenApiParameter("dry_run", OpenApiTypes.BOOL, description="1：只返回比较结果（哪些地点新增应建、不再应建），不保存")


@extend_schema_view(
    list=extend_schema(summary="建会门槛列表", description="适用于本人辖区的建会门槛：全国默认门槛、上级区域和辖区内的门槛。"),
    retrieve=extend_schema(summary="建会门槛详情"),
)
class PolicyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                    viewsets.GenericViewSet):
    """建会门槛: read by everyone they govern; created and changed by administrators and by provincial or city staff
    for their region and below (others: 403), through the same service as the pages (audited, re-evaluated)."""

    serializer_class = PolicySerializer
    filter_backends: list = []

    def get_queryset(self):
        # Writes too: a policy the caller cannot see is a 404; one they see but do not keep, the service's 403.
        return policies_visible(self.request.user)

    def _write(self, request, policy, data, created_status):
        try:
            if request.query_params.get("dry_run", "").lower() in ("1", "true", "yes"):
                return Response(self._preview_data(policy_preview(editor=request.user, policy=policy, data=data)))
            saved = policy_save(editor=request.user, policy=policy, data=data, request=request)
        except DjangoValidationError as error:
            raise _policy_error(error) from None
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error) or None) from None
        return Response(PolicySerializer(policies_visible(request.user).get(pk=saved.pk)).data, status=created_status)

    @staticmethod
    def _preview_data(preview: PolicyPreview) -> dict:
        comparison = preview.comparison
        return PolicyPreviewSerializer(
            {
                "policy": preview.candidate,
                "changes": preview.changes,
                "region": preview.region,
                "compared_on": preview.on,
                "summary": policy_change_sentence(preview),
                "levels": [
                    {"level": row["level"], "level_display": row["label"], "current": row["before"],
                     "alternative": row["after"], "delta": row["delta"]}
                    for row in level_comparison(preview.region, comparison.current, comparison.alternative)
                ],
                "newly_required": _place_changes(comparison.newly_required),
                "no_longer_required": _place_changes(comparison.no_longer_required),
            }
        ).data

    @extend_schema(summary="新建建会门槛", request=PolicyWriteSerializer, parameters=[DRY_RUN],
                   responses={201: PolicySerializer, 200: PolicyPreviewSerializer, 400: OpenApiResponse(description="数据有误（按字段说明）"),
                              403: OpenApiResponse(description="只有系统管理员和省、市侨联工作人员可以制定门槛")})
    def create(self, request, *args, **kwargs):
        serializer = PolicyWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return self._write(request, None, serializer.validated_data, status.HTTP_201_CREATED)

    @extend_schema(summary="修改建会门槛", request=PolicyWriteSerializer, parameters=[DRY_RUN],
                   responses={200: PolicySerializer, 400: OpenApiResponse(description="数据有误（按字段说明）"),
                              403: OpenApiResponse(description="此门槛不属于您可以制定门槛的辖区"),
                              404: OpenApiResponse(description="门槛不存在或不适用于您的辖区")})
    def update(self, request, *args, **kwargs):
        policy = self.get_object()
        serializer = PolicyWriteSerializer(data=request.data, partial=kwargs.get("partial", False), context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return self._write(request, policy, serializer.validated_data, status.HTTP_200_OK)

    @extend_schema(summary="修改建会门槛（部分字段）", request=PolicyWriteSerializer, parameters=[DRY_RUN],
                   responses={200: PolicySerializer, 400: OpenApiResponse(description="数据有误（按字段说明）"),
                              403: OpenApiResponse(description="此门槛不属于您可以制定门槛的辖区"),
                              404: OpenApiResponse(description="门槛不存在或不适用于您的辖区")})
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)
