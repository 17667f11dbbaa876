"""API of plans, milestones and tasks (scoped: ScopedViewSetMixin). Plans and milestones are written here as in the
pages, through tasks.plans.authoring; a milestone's tasks are previewed (GET …/preview/) and generated
(POST …/generate/); tasks stay read-only here (their pages change them)."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from census.coverage.models import PlaceLevel
from orgs.access.api import ScopedRelatedMixin, ScopedViewSetMixin, as_drf_error
from orgs.regions.api import EditableRegionField
from orgs.regions.models import Region, RegionLevel
from orgs.units.models import Unit
from tasks.plans.authoring import milestone_save, plan_copy, plan_create, plan_update, plan_writable
from tasks.plans.filters import MilestoneFilter, TaskFilter
from tasks.plans.models import Milestone, Plan, PlanLeadershipMember, Recurrence, TargetRule, Task
from tasks.plans.services import milestone_generate, milestone_preview


class PlanLeadershipMemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanLeadershipMember
        fields = ["id", "plan", "role", "name", "post", "order"]


class PlanSerializer(serializers.ModelSerializer):
    scope_region_code = serializers.CharField(source="scope_region.code", read_only=True)
    region = serializers.CharField(source="scope_region.code", read_only=True)
    leadership_members = PlanLeadershipMemberSerializer(many=True, read_only=True)

    class Meta:
        model = Plan
        fields = ["id", "key", "title", "issuing_body", "document_number", "issued_on", "scope_region", "scope_region_code",
                  "region", "is_open", "parent", "parent_milestone", "copied_from", "leadership_group", "leadership_office",
                  "leadership_members"]


class VisiblePlanField(ScopedRelatedMixin, serializers.PrimaryKeyRelatedField):
    scope = "visible"


class PlanWriteSerializer(serializers.Serializer):
    """A plan as written: `title` and `region` (a division code in the caller's scope) at least; `template`: the id
    of a plan to copy (text and milestones)."""

    title = serializers.CharField(max_length=200, label=_("标题"))
    region = EditableRegionField(label=_("适用区划代码"))
    template = VisiblePlanField(queryset=Plan.objects.all(), required=False, allow_null=True, label=_("模板方案"))
    issuing_body = serializers.CharField(max_length=128, required=False, allow_blank=True, label=_("发文单位"))
    document_number = serializers.CharField(max_length=64, required=False, allow_blank=True, label=_("文号"))
    issued_on = serializers.DateField(required=False, allow_null=True, label=_("印发日期"))
    source_text = serializers.CharField(required=False, allow_blank=True, label=_("原文"))
    is_open = serializers.BooleanField(required=False, label=_("执行中"))
    leadership_group = serializers.CharField(max_length=128, required=False, allow_blank=True, label=_("领导小组名称"))
    leadership_office = serializers.CharField(max_length=128, required=False, allow_blank=True, label=_("领导小组办公室设在"))


class PlanUpdateSerializer(PlanWriteSerializer):
    title = serializers.CharField(max_length=200, required=False, label=_("标题"))
    region = None  # type: ignore[assignment]  # a plan keeps its region
    template = None  # type: ignore[assignment]


class MilestoneSerializer(serializers.ModelSerializer):
    target_regions: serializers.ManyRelatedField = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)  # type: ignore[assignment]  # many=True: a ManyRelatedField

    class Meta:
        model = Milestone
        fields = ["id", "plan", "key", "name", "deadline", "description", "target_rule", "task_level", "gap_levels",
                  "key_areas_only", "other_areas_only", "target_regions", "target_units", "task_title",
                  "task_responsible_unit", "task_responsible_person", "recurrence"]


class MilestoneWriteSerializer(serializers.Serializer):
    """A milestone as written: deadline, the rule choosing its places (`target_rule`: level, key_areas, gaps, named,
    sub_plans), and the plan's wording of 责任单位 / 责任人 ({region}, {county}, {year} filled per place)."""

    plan = VisiblePlanField(queryset=Plan.objects.all(), label=_("实施方案"))
    name = serializers.CharField(max_length=200, label=_("名称"))
    deadline = serializers.DateField(label=_("完成时限"))
    description = serializers.CharField(required=False, allow_blank=True, default="", label=_("说明"))
    target_rule = serializers.ChoiceField(choices=TargetRule.choices, required=False, allow_blank=True, default="")
    task_level = serializers.ChoiceField(choices=[("", ""), *RegionLevel.choices], required=False, allow_blank=True, default="")
    gap_levels = serializers.ListField(child=serializers.ChoiceField(choices=PlaceLevel.choices), required=False, default=list)
    key_areas_only = serializers.BooleanField(required=False, default=False)
    other_areas_only = serializers.BooleanField(required=False, default=False)
    target_regions = serializers.SlugRelatedField(slug_field="code", many=True, queryset=Region.objects.all(), required=False, default=list)
    target_units = serializers.PrimaryKeyRelatedField(many=True, queryset=Unit.objects.all(), required=False, default=list)
    task_title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    task_responsible_unit = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    task_responsible_person = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    recurrence = serializers.ChoiceField(choices=Recurrence.choices, required=False, allow_blank=True, default="")


class MilestoneUpdateSerializer(MilestoneWriteSerializer):
    plan = None  # type: ignore[assignment]  # a milestone stays in its plan
    name = serializers.CharField(max_length=200, required=False)
    deadline = serializers.DateField(required=False)


class TaskSerializer(serializers.ModelSerializer):
    region_code = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    responsible_users: serializers.ManyRelatedField = serializers.PrimaryKeyRelatedField(many=True, read_only=True)  # type: ignore[assignment]  # many=True: DRF's __new__ returns a ManyRelatedField
    overdue = serializers.SerializerMethodField()
    days_left = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = ["id", "plan", "milestone", "title", "region", "region_code", "region_name", "target_unit",
                  "target_organization", "responsible_unit", "responsible_users", "responsible_contacts", "deadline",
                  "status", "completed_on", "evidence", "recurrence", "overdue", "days_left"]

    def get_overdue(self, task: Task) -> bool:
        return task.is_overdue(self.context.get("today"))

    def get_days_left(self, task: Task) -> int:
        return task.days_left(self.context.get("today"))


def _service(call):
    try:
        return call()
    except DjangoValidationError as error:
        raise as_drf_error(error) from None
    except DjangoPermissionDenied as error:
        raise PermissionDenied(str(error) or None) from None


@extend_schema(tags=["tasks"])
@extend_schema_view(
    create=extend_schema(request=PlanWriteSerializer, responses={201: PlanSerializer}),
    update=extend_schema(request=PlanUpdateSerializer, responses=PlanSerializer),
    partial_update=extend_schema(request=PlanUpdateSerializer, responses=PlanSerializer),
)
class PlanViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """实施方案 covering the caller's regions (plans of a higher region that cover them included); writers open
    plans for regions of their scope (`template`: copy a plan's text and milestones) and change their own."""

    queryset = Plan.objects.select_related("scope_region").prefetch_related("leadership_members").order_by("-issued_on", "pk")
    serializer_class = PlanSerializer

    def get_serializer_class(self):
        if self.action == "create":
            return PlanWriteSerializer
        if self.action in ("update", "partial_update"):
            return PlanUpdateSerializer
        return PlanSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        template, region = data.pop("template", None), data.pop("region")
        if template is not None:
            plan = _service(lambda: plan_copy(source=template, editor=request.user, region=region, **data))
        else:
            plan = _service(lambda: plan_create(editor=request.user, region=region, **data))
        return Response(PlanSerializer(plan).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        plan = self.get_object()
        serializer = PlanUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        plan = _service(lambda: plan_update(plan=plan, editor=request.user, **serializer.validated_data))
        return Response(PlanSerializer(plan).data)


@extend_schema(tags=["tasks"])
@extend_schema_view(
    create=extend_schema(request=MilestoneWriteSerializer, responses={201: MilestoneSerializer}),
    update=extend_schema(request=MilestoneUpdateSerializer, responses=MilestoneSerializer),
    partial_update=extend_schema(request=MilestoneUpdateSerializer, responses=MilestoneSerializer),
)
class MilestoneViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """时间节点 of the plans the caller sees; filter `plan`. Writers of the plan add and change them, preview their
    tasks (`GET …/preview/`) and generate them (`POST …/generate/`, idempotent)."""

    queryset = Milestone.objects.order_by("deadline", "pk")
    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilter

    def get_serializer_class(self):
        if self.action == "create":
            return MilestoneWriteSerializer
        if self.action in ("update", "partial_update"):
            return MilestoneUpdateSerializer
        return MilestoneSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        plan = data.pop("plan")
        milestone = _service(lambda: milestone_save(plan=plan, editor=request.user, **data))
        return Response(MilestoneSerializer(milestone).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        milestone = self.get_object()
        serializer = MilestoneUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        # partial: fields not sent keep their values (DRF applies no defaults), the named places too
        data.setdefault("target_regions", list(milestone.target_regions.all()))
        data.setdefault("target_units", list(milestone.target_units.all()))
        milestone = _service(lambda: milestone_save(plan=milestone.plan, editor=request.user, milestone=milestone, **data))
        return Response(MilestoneSerializer(milestone).data)

    def _writable(self, milestone: Milestone) -> Milestone:
        if not plan_writable(self.request.user, milestone.plan.scope_region):
            raise PermissionDenied(_("您不能为此方案生成任务"))
        return milestone

    @extend_schema(responses={200: None})
    @action(detail=True, methods=["get"])
    def preview(self, request, pk=None, format=None):
        """How many tasks generating would create, for which places; which are done at once; which sub-plans."""
        milestone = self._writable(self.get_object())
        preview = milestone_preview(milestone)
        new = preview.new
        return Response({
            "milestone": {"id": milestone.pk, "name": milestone.name, "deadline": milestone.deadline},
            "new": len(new), "done_at_once": len(preview.done_at_once), "existing": len(preview.existing_keys),
            "sub_plans": len(preview.sub_plans),
            "places": [{"title": d.title, "place": d.place_name, "region_id": d.region_id, "unit_id": d.target_unit_id,
                        "deadline": d.deadline, "status": d.status, "organization_id": d.target_organization_id}
                       for d in new[:1000]],
        })

    @extend_schema(request=None, responses={200: None})
    @action(detail=True, methods=["post"])
    def generate(self, request, pk=None, format=None):
        milestone = Milestone.objects.select_related("plan__scope_region").get(pk=self.get_object().pk)
        result = milestone_generate(milestone=self._writable(milestone), actor=request.user)
        return Response({"created": len(result.created), "done_at_once": result.done_at_once,
                         "sub_plans": [p.pk for p in result.sub_plans]})


@extend_schema(tags=["tasks"])
class TaskViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """任务 in the caller's regions. Filters: status, overdue, milestone, plan, region (subtree by code),
    responsible (user id), responsible_unit, q."""

    queryset = Task.objects.select_related("region").prefetch_related(
        Prefetch("responsible_users", queryset=get_user_model().objects.only("pk"))
    ).order_by("deadline", "pk")
    serializer_class = TaskSerializer
    filterset_class = TaskFilter

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}
