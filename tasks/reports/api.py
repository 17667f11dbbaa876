"""API of report jobs (`/api/reports/`: request, list, status, download). Requesting a report is reading:
leadership may."""
from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import Throttled
from rest_framework.response import Response

from orgs.regions.models import Region
from tasks.reports.models import ReportFormat, ReportJob, ReportStatus
from tasks.reports.services import (
    MIME_TYPES,
    ReportRequestsExceeded,
    report_job_file_response,
    report_job_request,
)


class ReportJobSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    region_name = serializers.CharField(source="region.full_name", read_only=True)
    as_of = serializers.DateField(required=False)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportJob
        fields = ["id", "region", "region_name", "format", "as_of", "status", "error", "size", "created_at",
                  "finished_at", "expires_at", "download_url"]
        read_only_fields = ["status", "error", "size", "created_at", "finished_at", "expires_at"]

    def get_download_url(self, job) -> str | None:
        if job.status != ReportStatus.DONE:
            return None
        return self.context["request"].build_absolute_uri(reverse("api:report-download", kwargs={"pk": job.pk}))

    def validate_as_of(self, as_of):
        if as_of and as_of > timezone.localdate():
            raise serializers.ValidationError(_("统计截止日期 %(d)s 晚于今天") % {"d": as_of.isoformat()})
        return as_of

    def validate_region(self, region):
        if not Region.objects.visible_to(self.context["request"].user).filter(pk=region.pk).exists():
            raise Http404
        return region


class ReportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """进度报告: request (POST region, format, as_of), list, status, download. Scoped by the report's region."""

    serializer_class = ReportJobSerializer
    queryset = ReportJob.objects.select_related("region")
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)

    @extend_schema(responses={
        201: ReportJobSerializer,
        200: OpenApiResponse(ReportJobSerializer, description="相同的申请正在排队或生成中：返回该任务"),
        429: OpenApiResponse(description="申请过于频繁（REPORT_REQUESTS_PER_HOUR），Retry-After 为秒数"),
    })
    def create(self, request, *args, **kwargs):
        """Requests a report; the same request still queued or running answers 200 with that job."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            job, created = report_job_request(
                user=request.user, region=data["region"], fmt=data.get("format", ReportFormat.PDF),
                as_of=data.get("as_of") or timezone.localdate(),
            )
        except ReportRequestsExceeded as exceeded:
            raise Throttled(wait=exceeded.retry_after, detail=str(exceeded)) from None
        return Response(self.get_serializer(job).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(responses={(200, media_type): OpenApiTypes.BINARY for media_type in MIME_TYPES.values()})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None, format=None):
        job = self.get_object()
        return report_job_file_response(job, user=request.user, request=request)
