"""API of the dashboard (`/api/dashboard/?region=CODE`): the headline figures."""
from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, viewsets
from rest_framework.response import Response

from tasks.dashboard.selectors import dashboard_data, dashboard_region


class DashboardViewSet(viewsets.ViewSet):
    """首页指标: the dashboard's headline figures of a region of the caller's scope (cached)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[OpenApiParameter("region", str, description="区划代码；缺省为本人辖区")], responses={200: dict})
    def list(self, request):
        region = dashboard_region(request.user, request.query_params.get("region") or None)
        return Response(dashboard_data(region, as_of=timezone.localdate()).headline())
