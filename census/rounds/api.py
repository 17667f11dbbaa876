"""The round steps in the API, as actions of a campaign (`/api/campaigns/{id}/…`): `reports` (the reporting table and
rate the caller may see), `changes` (what changed in a region since its last approval), and the steps `submit`,
`approve`, `return`, `reopen`, each with `{"region": "530423", "reason": "…"}`.

The campaign viewset of the registry, with these actions: registered in its place by `qiaolian/api_urls.py` (the
registry stands below the rounds and cannot name them). A campaign or reporting region outside the caller's scope is a
404; a step the caller may not take a 403 with the reason; a step at the wrong moment a 400 with the reason; nothing
changes when refused."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from census.registry.api.serializers import CampaignBriefSerializer, CampaignSerializer
from census.registry.api.views import CampaignViewSet
from census.registry.models import Campaign, CampaignReport
from census.rounds.selectors import DEFAULT_REPORTING_LEVELS, REPORTING_LEVELS, changes_since_approval, reporting_rate
from census.rounds.services import (
    REASON_LIMIT,
    report_approve,
    report_reopen,
    report_return,
    report_submit,
    round_open,
)
from orgs.access.api import WritesNeedWritingRole, as_drf_error
from orgs.access.scoping import get_visible_or_404
from orgs.regions.api import RegionBriefSerializer


class ReportStepRequestSerializer(serializers.Serializer):
    region = serializers.CharField(help_text=_("填报单位的区划代码，如 530423"))
    reason = serializers.CharField(required=False, allow_blank=True, max_length=REASON_LIMIT, help_text=_("退回、退回修改时必填"))


class CampaignReportSerializer(serializers.ModelSerializer):
    """填报单位: a reporting region of the round and where its submission stands."""

    region = RegionBriefSerializer(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = CampaignReport
        fields = ["id", "region", "status", "status_display", "first_submitted_at", "submitted_at", "decided_at", "reason"]
        read_only_fields = fields


class ReportingRateSerializer(serializers.Serializer):
    """上报率 of the reporting regions the caller may see."""

    total = serializers.IntegerField()
    submitted = serializers.IntegerField(help_text=_("已提交、待审核"))
    approved = serializers.IntegerField()
    returned = serializers.IntegerField()
    not_submitted = serializers.IntegerField()
    reported = serializers.IntegerField(help_text=_("已提交或已审核"))
    reported_percent = serializers.FloatField(allow_null=True)
    approved_percent = serializers.FloatField(allow_null=True)
    on_time = serializers.IntegerField(help_text=_("首次提交在截止日期之前（含）"))
    overdue = serializers.IntegerField(help_text=_("逾期未提交"))
    late = serializers.ListField(child=serializers.CharField(), help_text=_("逾期未提交或逾期提交的区划代码"))


class CampaignReportsSerializer(serializers.Serializer):
    campaign = CampaignBriefSerializer()
    deadline = serializers.DateField(allow_null=True)
    as_of = serializers.DateField()
    rate = ReportingRateSerializer()
    reports = CampaignReportSerializer(many=True)


class CategoryChangesSerializer(serializers.Serializer):
    category = serializers.CharField()
    category_label = serializers.CharField()
    before = serializers.IntegerField()
    now = serializers.IntegerField()
    added = serializers.IntegerField(help_text=_("新增或迁入"))
    removed = serializers.IntegerField(help_text=_("迁出或合并"))
    moved = serializers.IntegerField(help_text=_("本单位内迁移（居住地或单位）"))
    recategorized = serializers.IntegerField(help_text=_("类别变更"))


class ChangedPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="person_id")
    name = serializers.CharField()
    before = serializers.CharField()
    after = serializers.CharField()


class BaselineSerializer(serializers.Serializer):
    report = serializers.IntegerField(source="report_id")
    campaign_name = serializers.CharField()
    approved_at = serializers.DateTimeField()
    approved_by = serializers.CharField()


class ChangesSerializer(serializers.Serializer):
    """What changed in a reporting region since its last approval (this round's or an earlier one's)."""

    report = CampaignReportSerializer()
    baseline = BaselineSerializer(allow_null=True, help_text=_("为空：首次审核，没有可对比的数据"))
    categories = CategoryChangesSerializer(many=True)
    added = ChangedPersonSerializer(many=True)
    removed = ChangedPersonSerializer(many=True)
    moved = ChangedPersonSerializer(many=True)
    recategorized = ChangedPersonSerializer(many=True)


STEP_RESPONSES = {
    200: CampaignReportSerializer,
    400: OpenApiResponse(description="此时不能进行这一步（如未提交就审核、退回未填理由），说明原因；未做任何修改"),
    403: OpenApiResponse(description="无权进行这一步（如县级审核本县、只读角色）"),
    404: OpenApiResponse(description="调查或填报单位不存在或不在您的范围内"),
}


class CampaignOpenSerializer(CampaignSerializer):
    """A round as opened: its region (a code), year, deadline and the levels that report (counties by default)."""

    reporting_levels = serializers.ListField(
        child=serializers.ChoiceField(choices=[(level, level) for level in REPORTING_LEVELS]), required=False,
        write_only=True, help_text=_("填报层级：city、county、township，默认 county"),
    )

    class Meta(CampaignSerializer.Meta):
        fields = [*CampaignSerializer.Meta.fields, "reporting_levels"]


class CampaignRoundViewSet(CampaignViewSet):
    """侨情调查, with its reporting: the reporting table and rate, what changed since a region's last approval, and
    the steps 提交 (submit), 审核通过 (approve), 退回 (return), 退回修改 (reopen) of a reporting region. A round is
    opened with the levels that report (`reporting_levels`), as on the page."""

    def get_serializer_class(self):
        if self.action == "create":
            return CampaignOpenSerializer
        return super().get_serializer_class()

    def service_create(self, *, editor, is_open=True, reporting_levels=DEFAULT_REPORTING_LEVELS, **data):
        return round_open(editor=editor, reporting_levels=reporting_levels or DEFAULT_REPORTING_LEVELS, **data)

    def _campaign(self, pk) -> Campaign:
        return get_visible_or_404(Campaign.objects.select_related("region"), self.request.user, pk=pk)

    def _report(self, campaign: Campaign, code: str) -> CampaignReport:
        code = (code or "").strip()
        if not code:
            raise serializers.ValidationError({"region": [_("请提供填报单位的区划代码")]})
        report = (
            CampaignReport.objects.visible_to(self.request.user).filter(campaign=campaign, region__code=code)
            .select_related("campaign__region", "region").first()
        )
        if report is None:
            raise Http404
        return report

    def _step(self, request, pk, service, *, with_reason: bool = False):
        data = ReportStepRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = self._report(self._campaign(pk), data.validated_data["region"])
        arguments = {"reason": data.validated_data.get("reason", "")} if with_reason else {}
        try:
            report = service(report=report, actor=request.user, request=request, **arguments)
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error) or None) from None
        except DjangoValidationError as error:
            raise as_drf_error(error) from None
        return Response(CampaignReportSerializer(report).data)

    @extend_schema(request=ReportStepRequestSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated, WritesNeedWritingRole])
    def submit(self, request, pk=None, format=None):
        """提交: the reporting region's own officials mark its data for the round as complete."""
        return self._step(request, pk, report_submit)

    @extend_schema(request=ReportStepRequestSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated, WritesNeedWritingRole])
    def approve(self, request, pk=None, format=None):
        """审核通过: staff of a region above accept a submission; the region's census rows are locked."""
        return self._step(request, pk, report_approve)

    @extend_schema(request=ReportStepRequestSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"], url_path="return", url_name="return",
            permission_classes=[permissions.IsAuthenticated, WritesNeedWritingRole])
    def return_report(self, request, pk=None, format=None):
        """退回: staff of a region above send a submission back, with the reason (required)."""
        return self._step(request, pk, report_return, with_reason=True)

    @extend_schema(request=ReportStepRequestSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated, WritesNeedWritingRole])
    def reopen(self, request, pk=None, format=None):
        """退回修改: staff of a region above reopen an approved region, with the reason (required); its rows unlock."""
        return self._step(request, pk, report_reopen, with_reason=True)

    @extend_schema(responses={200: CampaignReportsSerializer}, filters=False)
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def reports(self, request, pk=None, format=None):
        """The reporting regions of the round that the caller sees, with the reporting rate (on time: first
        submission by the deadline)."""
        campaign = self._campaign(pk)
        today = timezone.localdate()
        rate = reporting_rate(campaign, as_of=today, user=request.user)
        reports = CampaignReport.objects.filter(pk__in=[r.pk for r in rate.rows]).select_related("region").order_by("region__code")
        rate_data = {key: value for key, value in rate.as_dict().items() if key not in ("campaign", "as_of")}
        return Response(CampaignReportsSerializer({
            "campaign": campaign, "deadline": campaign.deadline, "as_of": today, "rate": rate_data, "reports": list(reports),
        }).data)

    @extend_schema(
        parameters=[OpenApiParameter("region", OpenApiTypes.STR, required=True, description="填报单位的区划代码")],
        responses={200: ChangesSerializer, 400: OpenApiResponse(description="缺少区划代码"),
                   404: OpenApiResponse(description="调查或填报单位不存在或不在您的范围内")},
        filters=False,
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def changes(self, request, pk=None, format=None):
        """What changed in a reporting region since its last approval: by category, and the first people of each kind
        (added or moved in, removed, moved inside the region, of another category now)."""
        report = self._report(self._campaign(pk), request.query_params.get("region", ""))
        changes = changes_since_approval(report, user=request.user)
        return Response(ChangesSerializer({
            "report": report, "baseline": changes.baseline,
            "categories": [{"category": c.category, "category_label": c.label, **c.as_dict()} for c in changes.categories],
            "added": changes.added, "removed": changes.removed, "moved": changes.moved, "recategorized": changes.recategorized,
        }).data)

